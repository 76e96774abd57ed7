import assert from "node:assert/strict";
import {
  decode,
  decodeAll,
  Decoder,
  encode,
  Encoder,
  GobError,
  GoTime,
  Opaque,
  PushDecoder,
  register,
  registerName,
  t,
} from "../../gob/mod.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const unhex = (s: string) => new Uint8Array(s.trim().split(/\s+/).map((h) => parseInt(h, 16)));

function assertGobError(fn: () => unknown, code: string, pattern?: RegExp): GobError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GobError, `expected GobError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail("expected a GobError");
}

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(c) {
      const next = chunks.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
}

const Point = t.struct("Point", { X: t.int, Y: t.int });

Deno.test("round trip of every scalar kind", () => {
  const cases: [t.Type, unknown][] = [
    [t.bool, true],
    [t.int, -9007199254740991],
    [t.int8, -128],
    [t.int16, 32767],
    [t.int32, -2147483648],
    [t.uint, 9007199254740991],
    [t.uint8, 255],
    [t.uint32, 4294967295],
    [t.bigInt64, -(2n ** 63n)],
    [t.bigUint64, 2n ** 64n - 1n],
    [t.float64, -1.5e300],
    [t.float32, 3.4028234663852886e38],
    [t.complex128, { re: 1.25, im: -2 }],
    [t.string, "héllo, 世界 🌍"],
    [t.bytes, new Uint8Array([0, 1, 255])],
  ];
  for (const [type, value] of cases) assert.deepEqual(decode(encode(type, value), type), value);
});

Deno.test("floats: -0 and NaN and infinities survive; NaN has Go's bits", () => {
  assert.ok(Object.is(decode(encode(t.float64, -0), t.float64), -0));
  assert.ok(Number.isNaN(decode(encode(t.float64, NaN), t.float64)));
  assert.equal(decode(encode(t.float64, -Infinity), t.float64), -Infinity);
  assert.equal(hex(encode(t.float64, NaN)), "0b 08 00 f8 01 00 00 00 00 00 f8 7f");
});

Deno.test("composites, pointers and recursive types round-trip", () => {
  const Node: t.Type<{ V: number; Next: unknown }> = t.struct("Node", () => ({
    V: t.int,
    Next: t.ptr(Node),
  }));
  const list = { V: 1, Next: { V: 2, Next: { V: 3, Next: null } } };
  assert.deepEqual(decode(encode(Node, list), Node), list);
  const M = t.map(t.string, t.slice(t.ptr(Point)));
  const m = new Map([["a", [{ X: 1, Y: 2 }]], ["b", []]]);
  assert.deepEqual(decode(encode(M, m), M), m);
  const A = t.array(t.array(t.string, 2), 2);
  assert.deepEqual(decode(encode(A, [["a", ""], ["", "d"]]), A), [["a", ""], ["", "d"]]);
});

Deno.test("struct fields can map Go names to other property names", () => {
  const Rec = t.struct("Rec", { name: t.field("Name", t.string), age: t.field("Age", t.int) });
  const GoRec = t.struct("Rec", { Name: t.string, Age: t.int });
  const bytes = encode(Rec, { name: "ada", age: 36 });
  assert.deepEqual(decode(bytes, GoRec), { Name: "ada", Age: 36 });
  assert.deepEqual(decode(bytes, Rec), { name: "ada", age: 36 });
  assert.deepEqual(decode(encode(GoRec, { Name: "bob", Age: 1 }), Rec), { name: "bob", age: 1 });
});

Deno.test("struct descriptors reject unexported Go field names", () => {
  const Bad = t.struct("Bad", { lower: t.int });
  assertGobError(() => encode(Bad, { lower: 1 }), "encode", /not exported/);
});

Deno.test("decoding follows Go's compatibility rules", () => {
  // Integer sizes are interchangeable, fields match by name, unknown fields are skipped.
  const Wide = t.struct("T", { A: t.int64, B: t.string, Extra: t.slice(t.any) });
  const Narrow = t.struct("T", { B: t.string, A: t.int8, Missing: t.float64 });
  const bytes = encode(Wide, { A: 7, B: "b", Extra: [{ name: "int", value: 1 }] });
  assert.deepEqual(decode(bytes, Narrow), { B: "b", A: 7, Missing: 0 });
  // A field skipped in the middle of a struct: strings, byte slices and custom encodings are
  // skipped by their byte count, and the fields after them still arrive.
  const Sent = t.struct("U", { A: t.int, S: t.string, Raw: t.bytes, When: t.time, Z: t.int });
  const Kept = t.struct("U", { A: t.int, Z: t.int });
  const sent = encode(Sent, {
    A: 1,
    S: "skipped",
    Raw: new Uint8Array([1, 2, 3]),
    When: GoTime.fromDate(new Date(0)),
    Z: 2,
  });
  assert.deepEqual(decode(sent, Kept), { A: 1, Z: 2 });
  // Overflow of the receiving type is an error.
  assertGobError(() => decode(encode(Wide, { A: 300, B: "", Extra: [] }), Narrow), "overflow");
  // Sign, float and slice/array mismatches are type errors.
  assertGobError(() => decode(encode(t.int, 1), t.uint), "type-mismatch");
  assertGobError(() => decode(encode(t.int, 1), t.float64), "type-mismatch");
  assertGobError(() => decode(encode(t.slice(t.int), [1]), t.array(t.int, 1)), "type-mismatch");
  assertGobError(
    () => decode(encode(t.array(t.int, 2), [1, 2]), t.array(t.int, 3)),
    "type-mismatch",
  );
  // A struct with no field in common is an error, as in Go.
  const Other = t.struct("O", { Z: t.int });
  assertGobError(
    () => decode(encode(Point, { X: 1, Y: 2 }), Other),
    "type-mismatch",
    /no fields matched/,
  );
  // Numbers past 2^53 need the bigint descriptors.
  const big = encode(t.bigInt64, 2n ** 60n);
  assertGobError(() => decode(big, t.int64), "overflow");
  assert.equal(decode(big, t.bigInt64), 2n ** 60n);
  assert.equal(decode(big), 2n ** 60n);
});

Deno.test("zero values are omitted from structs but arrays and nested structs are sent", () => {
  const Inner = t.struct("Inner", { A: t.int });
  const Outer = t.struct("Outer", {
    I: Inner,
    P: t.ptr(Inner),
    B: t.int,
    Arr: t.array(t.int, 2),
    M: t.map(t.string, t.int),
  });
  const enc = new Encoder();
  enc.marshal(Outer, {} as never);
  // I: delta 1, empty struct; P omitted; B omitted; Arr: delta 3, [0, 0]; M omitted.
  assert.match(hex(enc.marshal(Outer, {} as never)), / 01 00 03 02 00 00 00$/);
  const withEmptyMap = enc.marshal(Outer, { M: new Map() } as never);
  assert.ok(withEmptyMap.length > 10, "an empty non-nil map is sent");
});

Deno.test("one encoder sends each type definition once; a decoder reads them all", async () => {
  const enc = new Encoder();
  const first = enc.marshal(Point, { X: 1, Y: 2 });
  const second = enc.marshal(Point, { X: 3, Y: 4 });
  assert.ok(first.length > second.length);
  assert.equal(second.length, 8);
  const dec = new Decoder(streamOf(first, second));
  assert.deepEqual(await dec.decode(Point), { X: 1, Y: 2 });
  assert.deepEqual(await dec.decode(Point), { X: 3, Y: 4 });
  await assert.rejects(dec.decode(Point), (e) => e instanceof GobError && e.code === "eof");
});

Deno.test("stream decoding works whatever the chunking", async () => {
  const Sq = t.struct("ChunkSq", { S: t.int });
  registerName("main.ChunkSq", Sq);
  const Holder = t.struct("ChunkHolder", { Name: t.string, Sh: t.any });
  const enc = new Encoder();
  const parts = [
    enc.marshal(Holder, { Name: "h", Sh: { name: "main.ChunkSq", value: { S: 3 } } }),
    enc.marshal(Holder, { Name: "i", Sh: null }),
    enc.marshal(t.string, "done"),
  ];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  for (const size of [1, 2, 3, 7, 64]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += size) chunks.push(all.slice(i, i + size));
    const dec = new Decoder(streamOf(...chunks));
    assert.deepEqual(await dec.decode(Holder), {
      Name: "h",
      Sh: { name: "main.ChunkSq", value: { S: 3 } },
    });
    assert.deepEqual(await dec.decode(Holder), { Name: "i", Sh: null });
    assert.equal(await dec.decode(t.string), "done");
    const values = [];
    for await (const v of dec.values()) values.push(v);
    assert.equal(values.length, 0);
  }
});

Deno.test("truncation is unexpected EOF at every offset; an empty stream is EOF", async () => {
  const bytes = encode(Point, { X: 22, Y: 33 });
  for (let cut = 1; cut < bytes.length; cut++) {
    assertGobError(() => decode(bytes.slice(0, cut)), "unexpected-eof");
    const dec = new Decoder(streamOf(bytes.slice(0, cut)));
    await assert.rejects(dec.decode(), (e) => e instanceof GobError && e.code === "unexpected-eof");
  }
  assertGobError(() => decode(new Uint8Array(0)), "eof");
});

Deno.test("corrupt input is a GobError with a clear message", () => {
  assertGobError(() => decode(unhex("01 00 01 00")), "corrupt"); // Go issue 9649
  assertGobError(() => decode(unhex("03 ff 84 00")), "corrupt", /unknown type id/);
  assertGobError(() => decode(unhex("03 85 00 00")), "corrupt", /out of range/);
  assertGobError(() => decode(unhex("04 81 ff ff ff")), "corrupt"); // 0x81 count byte
  // Duplicate type: two encoders' output concatenated.
  const one = encode(Point, { X: 1, Y: 1 });
  const twice = new Uint8Array([...one, ...one]);
  const dec = decodeAll(twice.slice(0, one.length));
  assert.equal(dec.length, 1);
  assertGobError(() => decodeAll(twice), "corrupt", /duplicate type/);
  // Field numbers out of range.
  const bad = one.slice();
  bad[bad.length - 5] = 0x09; // a delta past the last field
  assertGobError(() => decode(bad, Point), "corrupt", /field numbers out of bounds/);
  // Non-minimal unsigned encodings are accepted, as in Go.
  assert.equal(decode(unhex("04 04 00 ff 0e")), 7);
});

Deno.test("huge declared counts fail fast without allocating", () => {
  // A []int value message claiming 2^32 elements in a few bytes.
  const real = encode(t.slice(t.int), [1]);
  const defs = real.slice(0, real[0] + 1);
  const value = real.slice(real[0] + 1);
  const body = [...value.slice(1, value.length - 3), 0x00, 0xfb, 0x01, 0, 0, 0, 0];
  const forged = new Uint8Array([...defs, body.length, ...body]);
  const before = Deno.memoryUsage().rss;
  assertGobError(() => decode(forged), "corrupt");
  assert.ok(Deno.memoryUsage().rss - before < 64 << 20);
  // A message length beyond the limit is refused before it is read.
  assertGobError(() => decode(unhex("fc 7f ff ff ff 00")), "limit", /maximum message size/);
  assertGobError(
    () => decode(encode(t.string, "x".repeat(100)), t.string, { maxMessageSize: 50 }),
    "limit",
  );
});

Deno.test("nesting deeper than maxDepth is an error, not a stack overflow", () => {
  const Node: t.Type<unknown> = t.struct("Deep", () => ({ Next: t.ptr(Node) }));
  let v: unknown = null;
  for (let i = 0; i < 500; i++) v = { Next: v };
  const bytes = encode(Node, v);
  assertGobError(() => decode(bytes, Node, { maxDepth: 100 }), "limit", /nesting depth/);
  assertGobError(() => decode(bytes, undefined, { maxDepth: 100 }), "limit");
  assert.ok(decode(bytes, Node, { maxDepth: 1000 }));
  let deep: unknown = null;
  for (let i = 0; i < 20000; i++) deep = { Next: deep };
  const err = (() => {
    try {
      encode(Node, deep);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err === undefined || err instanceof GobError);
});

Deno.test("interfaces: registered names, nil, and unregistered names", () => {
  const Circle = t.struct("main.Circle", { R: t.float64 });
  assert.equal(register(Circle), "main.Circle");
  assert.equal(register(t.ptr(t.struct("geo.Sq", { S: t.int }))), "*geo.Sq");
  const Shapes = t.slice(t.any);
  const shapes = [{ name: "main.Circle", value: { R: 1.5 } }, null, { name: "string", value: "x" }];
  assert.deepEqual(decode(encode(Shapes, shapes), Shapes), shapes);
  assertGobError(
    () => encode(Shapes, [{ name: "main.Nope", value: {} }]),
    "unregistered",
    /not registered/,
  );
  // Decoding without a descriptor needs no registration.
  const Hidden = t.struct("Hidden", { Z: t.int });
  registerName("main.HiddenForTest", Hidden);
  const bytes = encode(t.any, { name: "main.HiddenForTest", value: { Z: 1 } });
  assert.deepEqual(decode(bytes), { name: "main.HiddenForTest", value: { Z: 1 } });
});

Deno.test("time.Time, big.Int and big.Rat marshalers", () => {
  const WithTime = t.struct("WithTime", { T: t.time, N: t.int });
  const when = new GoTime(1257894000n, 123456789, 3630);
  assert.deepEqual(decode(encode(WithTime, { T: when, N: 1 }), WithTime), { T: when, N: 1 });
  assert.equal(String(when), "2009-11-11T00:00:30.123456789+01:00");
  assert.deepEqual(decode(encode(WithTime, { T: GoTime.zero, N: 1 }), WithTime).T, GoTime.zero);
  const D = t.struct("D", { At: t.date });
  const d = new Date("2024-02-29T12:34:56.789Z");
  assert.deepEqual(decode(encode(D, { At: d }), D), { At: d });
  for (const n of [0n, 1000n, -5n, 2n ** 200n]) {
    assert.equal(decode(encode(t.bigInt, n), t.bigInt), n);
  }
  assert.equal(hex(encode(t.bigIntValue, 1000n)).split(" ").slice(-3).join(" "), "02 03 e8");
  const r = { num: -3n, den: 4n };
  assert.deepEqual(decode(encode(t.bigRat, r), t.bigRat), r);
  // A marshaler of one flavour cannot decode another.
  const Bin = t.binaryMarshaler("main.Bin", {
    encode: (v: number) => new Uint8Array([v]),
    decode: (b) => b[0],
  });
  const Gob = t.gobEncoder("main.Bin", {
    encode: (v: number) => new Uint8Array([v]),
    decode: (b) => b[0],
  });
  assert.equal(decode(encode(Bin, 7), Bin), 7);
  assertGobError(() => decode(encode(Bin, 7), Gob), "type-mismatch");
  const opaque = decode(encode(Bin, 7));
  assert.ok(opaque instanceof Opaque);
  assert.deepEqual([opaque.flavor, [...opaque.bytes]], ["binary", [7]]);
});

Deno.test("encoding errors are GobErrors and leave the encoder usable", () => {
  const enc = new Encoder();
  const Rec = t.struct("EncErr", { A: t.int8, P: t.slice(t.ptr(t.int)) });
  assertGobError(() => enc.marshal(Rec, { A: 1000, P: [] }), "encode", /int8/);
  assertGobError(() => enc.marshal(Rec, { A: 1, P: [null] }), "encode", /nil element/);
  assertGobError(() => enc.marshal(t.ptr(Point), null), "encode", /nil pointer/);
  // The failed calls sent nothing, so the next value still carries its definition.
  const ok = enc.marshal(Rec, { A: 1, P: [2] });
  assert.deepEqual(decode(ok, Rec), { A: 1, P: [2] });
});

Deno.test("decoding without a descriptor builds plain values with zero-filled structs", () => {
  const Node: t.Type<unknown> = t.struct(
    "PlainNode",
    () => ({ V: t.int, Kids: t.slice(Node), Next: t.ptr(Node) }),
  );
  const Rec = t.struct("PlainRec", { S: t.string, N: Node, M: t.map(t.int, t.bool), B: t.bytes });
  const v = decode(
    encode(Rec, {
      S: "",
      N: { V: 1, Kids: [], Next: null },
      M: new Map([[2, true]]),
      B: new Uint8Array(),
    }),
  );
  assert.deepEqual(v, {
    S: "",
    N: { V: 1, Kids: [], Next: null },
    M: new Map([[2, true]]),
    B: new Uint8Array(),
  });
});

Deno.test("PushDecoder: values come out as soon as their messages are complete", () => {
  const enc = new Encoder();
  const bytes = new Uint8Array([
    ...enc.marshal(Point, { X: 1, Y: 2 }),
    ...enc.marshal(Point, { X: 3, Y: 4 }),
  ]);
  const dec = new PushDecoder();
  const got: unknown[] = [];
  for (const b of bytes) {
    dec.push(new Uint8Array([b]));
    for (let r = dec.next(Point); r !== null; r = dec.next(Point)) got.push(r.value);
  }
  assert.deepEqual(got, [{ X: 1, Y: 2 }, { X: 3, Y: 4 }]);
  assert.equal(dec.next(Point), null);
  assert.equal(dec.buffered, false);
  dec.end();
  assertGobError(() => dec.next(Point), "eof");
  const partial = new PushDecoder();
  partial.push(bytes.subarray(0, 5));
  assert.equal(partial.skip(), false);
  partial.end();
  assertGobError(() => partial.skip(), "unexpected-eof");
});

Deno.test("PushDecoder: a definition received in full is kept while its value is still arriving", () => {
  // Decoding each message once: a value waiting for its last bytes must not decode the (possibly
  // huge) definitions before it again at every new chunk.
  const Big = t.struct("Big", { ["F" + "x".repeat(100_000)]: t.string });
  const bytes = new Encoder().marshal(Big, { ["F" + "x".repeat(100_000)]: "v".repeat(1000) });
  const defLen = 1 + (256 - bytes[0]) + bytes.subarray(1, 1 + 256 - bytes[0])
    .reduce((n, b) => n * 256 + b, 0);
  const dec = new PushDecoder();
  dec.push(bytes.subarray(0, defLen + 10)); // the definition, then the start of the value
  assert.equal(dec.next(Big), null);
  assert.equal(dec.typeDefinitions().length, 1, "the definition is registered, not rolled back");
  dec.push(bytes.subarray(defLen + 10));
  assert.equal(
    dec.next(Big)?.value[`F${"x".repeat(100_000)}` as keyof t.Infer<typeof Big>],
    "v".repeat(1000),
  );
  // A stream that ends after definitions but before their value is still an unexpected EOF.
  const cut = new PushDecoder();
  cut.push(bytes.subarray(0, defLen));
  assert.equal(cut.next(Big), null);
  cut.end();
  assert.throws(() => cut.next(Big), (e) => e instanceof GobError && e.code === "unexpected-eof");
});
