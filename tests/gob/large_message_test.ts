import assert from "node:assert/strict";
import { Encoder, t } from "../../gob/mod.ts";
import { DecoderCore, LARGE_MESSAGE, takeValue, typedValue } from "../../gob/decode.ts";

const Record = t.struct("Record", { Payload: t.bytes, Name: t.string });
type Rec = { Payload: Uint8Array; Name: string };

function payload(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Decodes one Record from `core`, feeding it `stream` from `at`: reserve/commit as a server does. */
function decodeFrom(
  core: DecoderCore,
  stream: Uint8Array,
  at: number,
): { value: Rec; at: number; rooms: number[] } {
  const rooms: number[] = [];
  for (;;) {
    const r = takeValue(core, (c, id) => typedValue(c, id, Record));
    if (r !== null) return { value: r.value as Rec, at, rooms };
    const missing = core.missing;
    assert.ok(missing >= LARGE_MESSAGE, `a large message's missing bytes are known (${missing})`);
    const room = core.reserve(missing);
    rooms.push(room.length);
    const n = Math.min(room.length, stream.length - at);
    room.set(stream.subarray(at, at + n));
    core.commit(n);
    at += n;
  }
}

Deno.test("DecoderCore: a large message of known length is received into one buffer of its size, its []byte a view of it", () => {
  const enc = new Encoder();
  const big = payload(1_000_000);
  const stream = enc.marshal(Record, { Payload: big, Name: "first" }).slice();
  const core = new DecoderCore();
  core.feed(stream.subarray(0, 1000));
  assert.equal(takeValue(core, (c, id) => typedValue(c, id, Record)), null);
  assert.equal(core.missing, stream.length - 1000, "what the message still lacks");
  const { value, rooms } = decodeFrom(core, stream, 1000);
  assert.deepEqual(value.Payload, big);
  assert.equal(value.Name, "first");
  // Grown at most 4× ahead of what was received, then to the message's end exactly.
  assert.equal(rooms[0], LARGE_MESSAGE);
  assert.equal(rooms.reduce((a, b) => a + b, 0), stream.length - 1000);
  // A view of the message's buffer, which is about the message's size: no payload-sized copy.
  assert.ok(value.Payload.byteOffset > 0, "a view, not a copy");
  assert.ok(
    value.Payload.buffer.byteLength < stream.length + 16,
    "the buffer is the message's size",
  );

  // The decoder never writes into a buffer it lent: the next values leave the view as it was.
  const small = enc.marshal(Record, { Payload: payload(100, 2), Name: "second" }).slice();
  core.feed(small.subarray(0, 5));
  assert.equal(takeValue(core, (c, id) => typedValue(c, id, Record)), null);
  core.feed(small.subarray(5));
  const second = takeValue(core, (c, id) => typedValue(c, id, Record))!.value as Rec;
  assert.deepEqual(second.Payload, payload(100, 2));
  assert.equal(second.Payload.buffer.byteLength, 100, "a small []byte is a copy");
  assert.deepEqual(value.Payload, big, "the lent view is unchanged");
});

Deno.test("DecoderCore.missing: unknown (0) until a length prefix is in, or past the size limit", () => {
  const enc = new Encoder();
  enc.marshal(Record, { Payload: payload(1), Name: "" }); // the type definitions go first
  const stream = enc.marshal(Record, { Payload: payload(200_000), Name: "x" });
  assert.ok(stream[0] >= 0x80, "a length prefix of several bytes");
  const core = new DecoderCore();
  assert.equal(core.missing, 0, "nothing received");
  core.feed(stream.subarray(0, 1));
  assert.equal(core.missing, 0, "a length prefix cut short");
  core.feed(stream.subarray(1, 10));
  assert.equal(core.missing, stream.length - 10);
  const over = new DecoderCore({ maxMessageSize: 1000 });
  over.feed(stream.subarray(0, 10));
  assert.equal(over.missing, 0, "a message over the limit is refused by decoding, not read");
});

Deno.test("Encoder: a large message is returned in a buffer of about its size, not copied out of a doubled one", () => {
  const enc = new Encoder();
  enc.marshal(Record, { Payload: payload(1), Name: "" }); // the type definitions go first
  const big = payload(3_000_000);
  const first = enc.marshal(Record, { Payload: big, Name: "a" });
  assert.ok(first.byteOffset > 0, "the encoder's own buffer, past its room for a length prefix");
  assert.ok(first.buffer.byteLength - first.length < 64 * 1024, `${first.buffer.byteLength}`);
  const firstCopy = first.slice();
  const second = enc.marshal(Record, { Payload: payload(3_000_000, 5), Name: "b" });
  assert.notEqual(second.buffer, first.buffer, "each message its own buffer");
  assert.deepEqual(first, firstCopy, "a returned message is never written again");
  // Many small writes past the large-write size still grow the buffer geometrically.
  const many = enc.marshal(t.slice(t.bytes), Array.from({ length: 100 }, () => payload(70_000)));
  assert.ok(many.length > 7_000_000);
});
