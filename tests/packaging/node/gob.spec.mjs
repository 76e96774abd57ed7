// gob through the npm package under Node: a round trip, and a stream Go wrote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, Decoder, encode, Encoder, t } from "@gopherless/gopherless/gob";

const Point = t.struct("Point", { X: t.int, Y: t.int, Name: t.string, Tags: t.slice(t.string) });

test("gob: encode then decode gives the value back", () => {
  const value = { X: 22, Y: -33, Name: "héllo", Tags: ["a", "b"] };
  const bytes = encode(Point, value);
  assert.ok(bytes instanceof Uint8Array && bytes.length > 0);
  assert.deepEqual(decode(bytes, Point), value);
});

test("gob: the bytes Go writes decode, with and without a descriptor", () => {
  // bytes.Buffer after gob.NewEncoder(&b).Encode(Point{22, 33, "héllo"}) in Go, with
  // type Point struct{ X, Y int; Name string }.
  const go = Uint8Array.from([
    39,
    127,
    3,
    1,
    1,
    5,
    80,
    111,
    105,
    110,
    116,
    1,
    255,
    128,
    0,
    1,
    3,
    1,
    1,
    88,
    1,
    4,
    0,
    1,
    1,
    89,
    1,
    4,
    0,
    1,
    4,
    78,
    97,
    109,
    101,
    1,
    12,
    0,
    0,
    0,
    15,
    255,
    128,
    1,
    44,
    1,
    66,
    1,
    6,
    104,
    195,
    169,
    108,
    108,
    111,
    0,
  ]);
  const P = t.struct("Point", { X: t.int, Y: t.int, Name: t.string });
  assert.deepEqual(decode(go), { X: 22, Y: 33, Name: "héllo" });
  assert.deepEqual(decode(go, P), { X: 22, Y: 33, Name: "héllo" });
});

test("gob: a stream of values through Web Streams", async () => {
  const ts = new TransformStream();
  const enc = new Encoder(ts);
  const dec = new Decoder(ts);
  const values = [1, 2, 3].map((i) => ({ X: i, Y: i * i, Name: `p${i}`, Tags: [] }));
  const writing = (async () => {
    for (const v of values) await enc.encode(Point, v);
    await enc.close?.();
  })();
  for (const v of values) assert.deepEqual(await dec.decode(Point), v);
  await writing;
});
