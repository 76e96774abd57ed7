/**
 * Hostile and unusual gob input: each case either gives Go's result or a
 * clear `GobError`, in bounded time and memory, and the process survives.
 *
 * The cases that used to exhaust memory run in a child process whose V8 heap
 * is capped (`HEAP_CAP_MIB`), with a time limit: an amplifying decoder kills
 * the child, never the test runner. Go (`tests/go/cmd/gobhostile`) decodes the
 * same bytes and is the judge where it has an answer.
 */

import assert from "node:assert/strict";
import {
  decode,
  Decoder,
  encode,
  GobError,
  GoTime,
  PushDecoder,
  register,
  t,
} from "../../gob/mod.ts";
import { goTest, runGo } from "../_support/go.ts";
import {
  arrayAmplifier,
  headerAmplifier,
  holderOfStructAndMarshaler,
  longFieldNames,
  nestedStructs,
  structAmplifier,
  structAndMarshaler,
  structKeyedMap,
  timeValue,
  twoKinds,
} from "./_hostile.ts";

/** Heap cap of the child processes, in MiB: the old decoder needed gigabytes for these cases. */
const HEAP_CAP_MIB = 192;
/** Time limit of one child process. */
const CHILD_TIMEOUT_MS = 60_000;

const Point = t.struct("Point", { X: t.int, Y: t.int });
const Key = t.struct("Key", { A: t.int, B: t.string });

interface ChildResult {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
  heapMiB: number;
}

async function child(name: string, file?: string): Promise<ChildResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--v8-flags=--max-old-space-size=${HEAP_CAP_MIB}`,
      new URL("./_hostile_child.ts", import.meta.url).pathname,
      name,
      ...(file ? [file] : []),
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(CHILD_TIMEOUT_MS),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(
    out.success,
    `the ${name} child died (code ${out.code}, signal ${out.signal}): ${stderr}`,
  );
  const result = JSON.parse(new TextDecoder().decode(out.stdout)) as ChildResult;
  assert.ok(result.heapMiB < HEAP_CAP_MIB, `heap ${result.heapMiB} MiB`);
  return result;
}

interface GoResult {
  ok: boolean;
  value?: unknown;
  error?: string;
}

async function goDecode(target: string, bytes: Uint8Array): Promise<GoResult> {
  const out = await runGo("cmd/gobhostile", ["decode", target], bytes);
  return JSON.parse(new TextDecoder().decode(out)) as GoResult;
}

function gobError(f: () => unknown, code: string, message: RegExp): void {
  assert.throws(f, (e) => {
    assert.ok(e instanceof GobError, `not a GobError: ${e}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

// ---- zero values as an amplifier ----

for (const [stream, what] of [["struct", "2^40 nested structs"], ["array", "[2^24]^3 ints"]]) {
  Deno.test(`hostile: a field whose zero value is ${what}, sent absent (capped child)`, async (tt) => {
    await tt.step("typed decode skips it and gives Go's {X:1 Y:2}", async () => {
      const r = await child(`${stream}:point`);
      assert.deepEqual(r.value, { X: 1, Y: 2 });
    });
    await tt.step("Decoder.skip reads past it", async () => {
      assert.equal((await child(`${stream}:skip`)).value, "skipped");
    });
    // As Go, which builds nothing the wire does not carry: the field is left out, not refused.
    await tt.step("a plain decode leaves it out: {X:1 Y:2 E:{}}", async () => {
      const r = await child(`${stream}:plain`);
      assert.equal(r.ok, true, r.message);
      assert.deepEqual(r.value, { X: 1, Y: 2, E: {} });
    });
    await tt.step("a JSON decode (gob dump) leaves it out", async () => {
      const r = await child(`${stream}:json`);
      assert.equal(r.ok, true, r.message);
      assert.equal(r.value, '{"X":1,"Y":2,"E":{}}');
    });
  });
}

Deno.test("hostile: the amplifier as an extra field of an rpc request header (capped child)", async () => {
  const r = await child("header:request");
  assert.deepEqual(r.value, { ServiceMethod: "Arith.Multiply", Seq: 1 });
});

goTest("hostile: Go's net/rpc header decodes the same from the amplified header", async () => {
  const go = await goDecode("request", headerAmplifier(40));
  assert.deepEqual(go.value, { ServiceMethod: "Arith.Multiply", Seq: 1 });
});

Deno.test("hostile: maxZeroFill is a per-value allowance the caller can raise", async () => {
  const bytes = arrayAmplifier(100); // E.A is [100][100][100]int: 1,010,101 parts
  const within = { maxZeroFill: 1_000_000 };
  assert.deepEqual(decode(bytes, undefined, within), { X: 1, Y: 2, E: {} });
  assert.equal(await new Decoder(bytes, within).decodeJSON(), '{"X":1,"Y":2,"E":{}}');
  const v = decode(bytes, undefined, { maxZeroFill: 2_000_000 }) as {
    E: { A: number[][][] };
  };
  assert.equal(v.E.A.length, 100);
  assert.equal(v.E.A[99][99][99], 0);
});

goTest("hostile: Go decodes the amplifiers to {X:1 Y:2} and skips them", async () => {
  for (const bytes of [structAmplifier(40), arrayAmplifier(1 << 24)]) {
    const go = await goDecode("point", bytes);
    assert.equal(go.ok, true, go.error);
    assert.deepEqual(go.value, { X: 1, Y: 2 });
    assert.equal((await goDecode("skip", bytes)).ok, true);
    assert.deepEqual(decode(bytes, Point), { X: 1, Y: 2 });
  }
});

// ---- big.Int and schemaless decode ----

goTest("hostile: a 30 MB big.Int decodes like Go's, in a capped child", async () => {
  const file = await Deno.makeTempFile({ suffix: ".gob" });
  try {
    const bytes = await runGo("cmd/gobhostile", ["gen", "bigint", "30000000"]);
    await Deno.writeFile(file, bytes);
    const r = await child("bigint:bigint", file);
    assert.equal(r.value, (await goDecode("bigint", bytes)).value);
    assert.equal(r.value, "240000000 bits");
  } finally {
    await Deno.remove(file);
  }
});

goTest("hostile: 10 MB of empty structs decode without a descriptor in a capped heap", async () => {
  const file = await Deno.makeTempFile({ suffix: ".gob" });
  try {
    const bytes = await runGo("cmd/gobhostile", ["gen", "empties", "10000000"]);
    await Deno.writeFile(file, bytes);
    const r = await child("empties:plain", file);
    assert.deepEqual(r.value, { length: 10_000_000, allSame: true });
    assert.equal((await goDecode("empties", bytes)).value, 10_000_000);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("hostile: every value of a struct type without fields is one frozen object", () => {
  const Empty = t.struct("Empty", {});
  const bytes = encode(t.slice(Empty), [{}, {}, {}]);
  for (const v of [decode(bytes, t.slice(Empty)), decode(bytes) as object[]]) {
    assert.equal(v.length, 3);
    assert.ok(v.every((x) => x === v[0]));
    assert.ok(Object.isFrozen(v[0]));
    assert.deepEqual(v[0], {});
  }
});

// ---- nesting ----

function nestedType(n: number): t.Type {
  let ty: t.Type = t.struct(`T${n - 1}`, { X: t.int });
  for (let i = n - 2; i >= 0; i--) ty = t.struct(`T${i}`, { A: ty });
  return ty;
}

function innermost(v: unknown): unknown {
  let at = v as Record<string, unknown>;
  while ("A" in at) at = at.A as Record<string, unknown>;
  return at.X;
}

Deno.test("hostile: 2,000 nested struct types decode every way, as Go does", async () => {
  const bytes = nestedStructs(2000);
  assert.equal(innermost(decode(bytes, nestedType(2000))), 7);
  assert.equal(innermost(decode(bytes)), 7);
  await new Decoder(bytes).skip();
  const json = await new Decoder(bytes).decodeJSON();
  assert.ok(json.endsWith(`{"X":7}${"}".repeat(1999)}`));
});

goTest("hostile: Go decodes the 2,000 nested types to the same value", async () => {
  assert.deepEqual(
    (await goDecode("nested:2000", nestedStructs(2000))).value,
    7,
  );
});

Deno.test("hostile: nesting past maxDepth or the stack is a GobError limit", async () => {
  const bytes = nestedStructs(3000);
  gobError(() => decode(bytes), "limit", /nesting depth: more than 2500 levels/);
  gobError(() => decode(bytes, nestedType(3000)), "limit", /nesting depth: more than 2500 levels/);
  // Past what the JavaScript stack holds, under a maxDepth that allows it: the stack's limit,
  // still a GobError, never a RangeError.
  const deeper = nestedStructs(30_000);
  const stack = /value nested too deeply for the JavaScript stack \(lower maxDepth\)/;
  gobError(() => decode(deeper, undefined, { maxDepth: 1e6 }), "limit", stack);
  await assert.rejects(() => new Decoder(deeper, { maxDepth: 1e6 }).skip(), (e) => {
    assert.ok(e instanceof GobError, `not a GobError: ${e}`);
    assert.equal(e.code, "limit", e.message);
    assert.match(e.message, stack);
    return true;
  });
  // And the depth limit where it is the lower one.
  await assert.rejects(() => new Decoder(deeper).skip(), (e) => {
    assert.ok(e instanceof GobError, `not a GobError: ${e}`);
    assert.equal(e.code, "limit", e.message);
    assert.match(e.message, /nesting depth: more than 2500 levels/);
    return true;
  });
});

// ---- type definitions Go accepts ----

Deno.test("hostile: a definition that sets two kinds decodes as Go decodes it", async () => {
  const bytes = twoKinds();
  assert.deepEqual(decode(bytes, Point), { X: 1, Y: 2 });
  assert.deepEqual(decode(bytes), { X: 1, Y: 2 });
  assert.equal(await new Decoder(bytes).decodeJSON(), '{"X":1,"Y":2}');
  await new Decoder(bytes).skip();
});

goTest("hostile: Go decodes the two-kind definition to {X:1 Y:2}", async () => {
  assert.deepEqual((await goDecode("point", twoKinds())).value, { X: 1, Y: 2 });
});

Deno.test("hostile: a struct kind beside a marshaler kind: a top-level struct, no field", () => {
  // Go's compileDec reads the struct kind of a top-level value; its compatibleType refuses the
  // type for a struct field, since a marshaler kind needs a type with that method.
  assert.deepEqual(decode(structAndMarshaler(), Point), { X: 1, Y: 2 });
  const Holder = t.struct("Holder", { P: Point });
  gobError(() => decode(holderOfStructAndMarshaler(), Holder), "type-mismatch", /Holder\.P/);
});

goTest(
  "hostile: Go decodes the struct-and-marshaler value at top level, not as a field",
  async () => {
    assert.deepEqual((await goDecode("point", structAndMarshaler())).value, { X: 1, Y: 2 });
    const go = await goDecode("holder", holderOfStructAndMarshaler());
    assert.equal(go.ok, false);
    assert.match(go.error!, /wrong type|type mismatch/);
  },
);

// ---- struct-keyed maps ----

const DUPLICATES: [number, string, string][] = [[1, "a", "first"], [2, "b", "x"], [1, "a", "last"]];

Deno.test("hostile: equal struct keys are one map entry holding the last value", async () => {
  const bytes = structKeyedMap(DUPLICATES);
  for (const m of [decode(bytes, t.map(Key, t.string)), decode(bytes) as Map<unknown, unknown>]) {
    assert.deepEqual([...m!], [[{ A: 1, B: "a" }, "last"], [{ A: 2, B: "b" }, "x"]]);
  }
  assert.equal(
    await new Decoder(bytes).decodeJSON(),
    '[[{"A":1,"B":"a"},"last"],[{"A":2,"B":"b"},"x"]]',
  );
});

goTest("hostile: Go keeps the last of two equal struct keys", async () => {
  const r = await goDecode("keymap", structKeyedMap(DUPLICATES));
  assert.deepEqual(r.value, [[1, "a", "last"], [2, "b", "x"]]);
});

// ---- time.Time beyond Date ----

const FAR_FUTURE = timeValue(9_000_000_000_000_000_000n, 5, 60);
const FAR_PAST = timeValue(-9_000_000_000_000_000_000n);

Deno.test("hostile: a time.Time beyond Date's range is exact as GoTime, a GobError as Date", () => {
  assert.equal(
    String(decode(FAR_FUTURE, t.time)),
    "285198646562-04-21T17:00:00.000000005+01:00",
  );
  assert.equal(String(decode(FAR_PAST, t.time)), "-285198646561-09-13T08:00:00Z");
  gobError(() => decode(FAR_FUTURE, t.date), "overflow", /outside the range of a JavaScript Date/);
  assert.equal(String(GoTime.zero), "0001-01-01T00:00:00Z");
});

goTest("hostile: Go formats the far times the same way", async () => {
  assert.equal((await goDecode("time", FAR_FUTURE)).value, String(decode(FAR_FUTURE, t.time)));
  assert.equal((await goDecode("time", FAR_PAST)).value, String(decode(FAR_PAST, t.time)));
});

// ---- error texts ----

Deno.test("hostile: JSON text too long for a JavaScript string is 'too large', not 'too deep'", async () => {
  const bytes = longFieldNames();
  assert.equal((decode(bytes) as unknown[]).length, 600);
  await assert.rejects(() => new Decoder(bytes).decodeJSON(), (e) => {
    assert.ok(e instanceof GobError);
    assert.equal(e.code, "limit");
    assert.match(e.message, /value too large for JavaScript: Invalid string length/);
    assert.doesNotMatch(e.message, /nest/);
    return true;
  });
});

// ---- trickled input ----

Deno.test("hostile: a value whose last messages trickle in is decoded once per message", () => {
  // A big field, then an interface whose new concrete type Go sends in messages of its own:
  // the first message is complete long before the value is.
  let attempts = 0;
  const Counted = t.gobEncoder<Uint8Array>("main.Counted", {
    encode: (v) => v,
    decode: (b) => {
      attempts++;
      return b;
    },
  });
  const Inner = t.struct("main.TrickleInner", { A: t.int, B: t.string });
  register(Inner);
  const Outer = t.struct("TrickleOuter", { Big: Counted, I: t.any });
  const big = new Uint8Array(1 << 20).fill(7);
  const bytes = encode(Outer, {
    Big: big,
    I: { name: "main.TrickleInner", value: { A: 1, B: "x".repeat(200) } },
  });
  const firstEnd = bytes.indexOf(7) + big.length; // inside the first value message, after Big
  const dec = new PushDecoder();
  dec.push(bytes.subarray(0, firstEnd + 8));
  let got = dec.next(Outer);
  let chunks = 1;
  for (let at = firstEnd + 8; got === null && at < bytes.length; at++, chunks++) {
    dec.push(bytes.subarray(at, at + 1));
    got = dec.next(Outer);
  }
  assert.ok(got !== null);
  assert.deepEqual(got.value.I, {
    name: "main.TrickleInner",
    value: { A: 1, B: "x".repeat(200) },
  });
  assert.equal(got.value.Big.length, big.length);
  assert.ok(chunks > 200, `only ${chunks} chunks`);
  // One attempt per message still missing (definitions, then the rest of the value), not per byte.
  assert.ok(attempts <= 6, `${attempts} decode attempts for ${chunks} chunks`);
});
