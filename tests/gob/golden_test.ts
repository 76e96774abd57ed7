/**
 * Golden vectors from Go (`testdata/gob/vectors.json`, `testdata/gob/bad.json`,
 * produced by `tests/go/cmd/gobvectors`; see its header for the regeneration
 * command). These tests need no Go toolchain.
 *
 * - encode: every case is encoded in a fresh Deno process (`_encode_case.ts`),
 *   because type ids are process-wide, and must give Go's bytes exactly, value
 *   by value;
 * - decode: Go's bytes decode into the descriptors to the expected values, and
 *   decode without descriptors without throwing;
 * - bad input: every rejected input throws a GobError (never another class)
 *   after the same number of good values as Go; inputs Go accepts decode.
 */

import assert from "node:assert/strict";
import { decode, Decoder, GobError, t } from "../../gob/mod.ts";
import { badTargets, cases } from "./_cases.ts";

interface Vector {
  name: string;
  go: string;
  hex: string;
  parts: string[];
  warm?: string;
  note?: string;
}
interface Bad {
  name: string;
  hex: string;
  target: string;
  okValues: number;
  goError: string | null;
  goValue?: string;
  code?: string;
  note?: string;
}

const root = new URL("../../testdata/gob/", import.meta.url);
const vectors: Vector[] = JSON.parse(await Deno.readTextFile(new URL("vectors.json", root)));
const bad: Bad[] = JSON.parse(await Deno.readTextFile(new URL("bad.json", root)));

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

Deno.test("golden: the TS case table covers every Go vector", () => {
  const goNames = vectors.map((v) => v.name).sort();
  const tsNames = Object.keys(cases).sort();
  assert.deepStrictEqual(tsNames, goNames);
  for (const v of vectors) {
    assert.equal(cases[v.name]().steps.length, v.parts.length, `${v.name}: number of values`);
  }
});

// ---- encode, one fresh process per case ----

const RUNNER = new URL("./_encode_case.ts", import.meta.url).pathname;

interface RunResult {
  parts?: string[];
  warm?: string;
  error?: string;
}

async function runCase(name: string): Promise<RunResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", RUNNER, name],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) return { error: new TextDecoder().decode(out.stderr).trim() };
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function runAll(names: string[], concurrency = 8): Promise<Map<string, RunResult>> {
  const res = new Map<string, RunResult>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < names.length) {
        const n = names[next++];
        res.set(n, await runCase(n));
      }
    }),
  );
  return res;
}

Deno.test({
  name: "golden: encode gives Go's bytes (fresh process per case)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (tc) => {
    const results = await runAll(vectors.map((v) => v.name));
    for (const v of vectors) {
      await tc.step(`encode ${v.name}`, () => {
        const r = results.get(v.name)!;
        if (r.error) throw new Error(`runner failed for ${v.name}:\n${r.error}`);
        const steps = cases[v.name]().steps;
        if (v.warm !== undefined && r.warm !== undefined) {
          assert.equal(r.warm, v.warm, `${v.name}: warm-up bytes (throwaway encoder)`);
        }
        for (let i = 0; i < v.parts.length; i++) {
          if (steps[i].noEncode) continue;
          assert.equal(
            r.parts![i],
            v.parts[i],
            `${v.name} value #${i} (Go: ${v.go})${v.note ? `\nnote: ${v.note}` : ""}`,
          );
        }
      });
    }
  },
});

// ---- decode ----

for (const v of vectors) {
  Deno.test(`golden: decode ${v.name}`, async () => {
    const steps = cases[v.name]().steps;
    const dec = new Decoder(fromHex(v.hex));
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i];
      const got = await dec.decode(st.type);
      assert.deepStrictEqual(
        got,
        "expect" in st ? st.expect : st.value,
        `${v.name} value #${i} (Go: ${v.go})`,
      );
    }
    await assert.rejects(() => dec.decode(), (e) => e instanceof GobError && e.code === "eof");
  });
}

Deno.test("golden: schemaless decode of every vector does not throw", async () => {
  for (const v of vectors) {
    const dec = new Decoder(fromHex(v.hex));
    let n = 0;
    try {
      for await (const _ of dec.values()) n++;
    } catch (e) {
      throw new Error(`${v.name}: schemaless decode failed after ${n} values: ${e}`);
    }
    assert.equal(n, v.parts.length, `${v.name}: number of values`);
    // the one-shot form returns the first value
    decode(fromHex(v.hex));
  }
});

Deno.test("golden: every vector skips value by value, as Go's Decode(nil) reads past them", async () => {
  for (const v of vectors) {
    const dec = new Decoder(fromHex(v.hex));
    for (let i = 0; i < v.parts.length; i++) {
      await dec.skip().catch((e) => {
        throw new Error(`${v.name}: skipping value #${i} failed: ${e}`, { cause: e });
      });
    }
    await assert.rejects(() => dec.skip(), (e) => e instanceof GobError && e.code === "eof");
  }
});

Deno.test("golden: per-value parts concatenate to the stream", () => {
  for (const v of vectors) assert.equal(v.parts.join(""), v.hex, v.name);
});

// ---- bad input ----

/** Inputs whose outcome may legitimately differ from Go's (a stricter decoder may refuse). */
const MAY_REJECT: Record<string, string> = {
  deep_rs_20000_discard: "Go 1.26 skips 20000 nested slices; a decoder may refuse with a limit",
  deep_rs_20000_into_rs: "Go decodes 20000 levels; a decoder may refuse with a limit",
  deep_rs_20000_ignored_field: "same, while skipping an unknown field",
};

async function decodeBad(b: Bad): Promise<{ ok: number; err?: unknown }> {
  const target = badTargets[b.target];
  if (target === undefined) throw new Error(`no TS descriptor for target ${b.target}`);
  const dec = new Decoder(fromHex(b.hex));
  let ok = 0;
  try {
    for (;;) {
      if (target === null) await dec.decode();
      else await dec.decode(target);
      ok++;
    }
  } catch (err) {
    return { ok, err };
  }
}

Deno.test("golden: bad input throws GobError after as many values as Go", async (tc) => {
  for (const b of bad) {
    await tc.step(b.name, async () => {
      const { ok, err } = await decodeBad(b);
      if (!(err instanceof GobError)) {
        throw new Error(
          `${b.name}: expected a GobError, got ${
            err instanceof Error ? err.constructor.name : typeof err
          }: ${err}`,
          { cause: err },
        );
      }
      if (err.code !== "eof") {
        assert.match(err.message, /^gob: .{5,}/, `${b.name}: message should say what is wrong`);
      }
      if (b.goError === "EOF") {
        assert.equal(err.code, "eof", `${b.name}: empty input is a clean EOF`);
      } else if (b.goError === null) {
        if (err.code !== "eof" && MAY_REJECT[b.name] && err.code === "limit") return;
        assert.equal(
          err.code,
          "eof",
          `${b.name}: Go accepts this input (${b.note}); got ${err.message}`,
        );
        assert.equal(ok, b.okValues, `${b.name}: values decoded`);
      } else {
        assert.notEqual(err.code, "eof", `${b.name}: Go rejects with ${JSON.stringify(b.goError)}`);
        assert.equal(ok, b.okValues, `${b.name}: good values before the error (Go: ${b.goError})`);
      }
    });
  }
});

/** Where more than one code is a fair description of Go's error. */
const ALSO_OK: Record<string, string[]> = {
  go_baddata_2: ["corrupt", "type-mismatch"], // unknown type id 55: Go says corrupted data
  go_baddata_3_issue6323: ["corrupt", "type-mismatch"],
  go_issue9649: ["corrupt", "type-mismatch"],
  go_badcount: ["corrupt", "limit"], // Go: invalid message length
  huge_message_len: ["corrupt", "limit"],
  huge_slice_count: ["corrupt", "limit"],
  huge_map_count: ["corrupt", "limit"],
  huge_string_len: ["corrupt", "limit", "unexpected-eof"],
};

Deno.test("golden: bad input error codes", async () => {
  const wrong: string[] = [];
  for (const b of bad) {
    if (!b.code || b.goError === null) continue;
    const { err } = await decodeBad(b);
    if (!(err instanceof GobError)) continue; // reported by the test above
    if (!(ALSO_OK[b.name] ?? [b.code]).includes(err.code)) {
      wrong.push(`${b.name}: want ${b.code}, got ${err.code} (${err.message}; Go: ${b.goError})`);
    }
  }
  assert.deepStrictEqual(wrong, []);
});

Deno.test("golden: accepted quirks decode to Go's values", () => {
  assert.equal(decode(fromHex(bad.find((b) => b.name === "nonminimal_uint_value")!.hex), t.int), 7);
  assert.equal(
    decode(fromHex(bad.find((b) => b.name === "nonminimal_message_length")!.hex), t.int),
    7,
  );
  assert.equal(decode(fromHex(bad.find((b) => b.name === "nonminimal_type_id")!.hex), t.int), 7);
  assert.equal(
    decode(fromHex(bad.find((b) => b.name === "bool_nonzero_is_true")!.hex), t.bool),
    true,
  );
  assert.equal(
    decode(fromHex(bad.find((b) => b.name === "float32_inf_ok")!.hex), t.float32),
    Infinity,
  );
  assert.deepStrictEqual(
    decode(fromHex(bad.find((b) => b.name === "struct_no_terminator")!.hex), badTargets.Point!),
    { X: 1, Y: 0 },
  );
  // Go's message for a time with a negative seconds offset: Go itself misreads it
  // (+226s); gopherless must read the signed byte (-30s).
});

Deno.test("golden: sample.gob decodes without descriptors", async () => {
  const bytes = await Deno.readFile(new URL("../sample.gob", root));
  const dec = new Decoder(bytes);
  let n = 0;
  for await (const _ of dec.values()) n++;
  assert.equal(n, 3);
});
