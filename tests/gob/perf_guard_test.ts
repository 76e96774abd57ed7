/**
 * Byte-exactness guard for performance work on the codec's hot paths.
 *
 * `perf_guard.golden.json` holds the bytes the encoder wrote for the streams of
 * `_perf_guard_values.ts` before the hot paths were optimized (the first Point
 * value is also checked against the bytes Go writes). An optimization must leave
 * every byte unchanged, and the bytes must decode back to the values. Only a
 * deliberate change of the wire output (such as how type ids are allocated)
 * may regenerate the file (it was regenerated once, for Go 1.26's first user
 * type id 64, and checked against Go for the Point value):
 *
 *   deno run -A tests/gob/_perf_guard_encode.ts > tests/gob/perf_guard.golden.json
 *
 * @module
 */

import assert from "node:assert/strict";
import { decode, decodeAll, Decoder, Encoder, t } from "../../gob/mod.ts";
import { guardStreams } from "./_perf_guard_values.ts";
import { Order, orders } from "../../benchmarks/_record.ts";

const golden: Record<string, string[]> = JSON.parse(
  await Deno.readTextFile(new URL("./perf_guard.golden.json", import.meta.url)),
);

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test({
  name: "perf guard: a fresh process encodes the recorded bytes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-check",
        new URL("./_perf_guard_encode.ts", import.meta.url).pathname,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const got: Record<string, string[]> = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepStrictEqual(Object.keys(got), Object.keys(golden));
    for (const name of Object.keys(golden)) {
      for (let i = 0; i < golden[name].length; i++) {
        assert.equal(got[name][i], golden[name][i], `${name} value #${i}`);
      }
    }
    assert.equal(
      got.point[0],
      "1e7f03010105506f696e7401ff80000102010158010400010159010400000007ff80012c014200",
      "Point{22, 33}: the bytes Go 1.26 writes",
    );
  },
});

Deno.test("perf guard: the recorded bytes decode to the values", async () => {
  for (const [name, steps] of Object.entries(guardStreams())) {
    if (golden[name].some((h) => h.startsWith("sha256:"))) continue;
    const dec = new Decoder(fromHex(golden[name].join("")));
    for (let i = 0; i < steps.length; i++) {
      const got = await dec.decode(steps[i].type);
      assert.deepStrictEqual(
        got,
        "expect" in steps[i] ? steps[i].expect : steps[i].value,
        `${name} value #${i}`,
      );
    }
    // and without descriptors
    assert.equal(decodeAll(fromHex(golden[name].join(""))).length, steps.length, name);
  }
});

Deno.test("perf guard: benchmark records round-trip on one stream", () => {
  const recs = orders(200);
  const enc = new Encoder();
  const bytes = recs.map((r) => enc.marshal(Order, r));
  const all = new Uint8Array(bytes.reduce((a, b) => a + b.length, 0));
  let off = 0;
  for (const b of bytes) {
    all.set(b, off);
    off += b.length;
  }
  assert.deepStrictEqual(decodeAll(all, Order), recs);
  // Value messages carry the type id, which depends on the process: compare past it.
  assert.equal(toHex(bytes[1]).slice(10), golden.orders[1].slice(10));
  assert.deepStrictEqual(decode(bytes[0], Order), recs[0]);
  assert.equal(decode(encodeOne(t.string, "é".repeat(300)), t.string), "é".repeat(300));
});

function encodeOne<T>(type: t.Type<T>, v: T): Uint8Array {
  return new Encoder().marshal(type, v);
}
