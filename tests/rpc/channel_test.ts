import assert from "node:assert/strict";
import type { ByteSink } from "../../ground/duplex.ts";
import { Channel, MessageWriter } from "../../rpc/channel.ts";

/** A sink that keeps what it is handed, as it is handed (the identity of each buffer). */
function keepingSink(): ByteSink & { writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  return {
    writes,
    write(bytes) {
      writes.push(bytes);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
    abort() {},
  };
}

Deno.test("MessageWriter.sendTaken: a large message's parts go out as they are, not copied", async () => {
  const sink = keepingSink();
  const w = new MessageWriter(sink);
  const head = new Uint8Array([1, 2, 3]);
  const body = new Uint8Array(6 * 1024 * 1024).fill(7);
  assert.equal(w.sendTaken(head, body), true);
  await w.flushed();
  assert.equal(sink.writes.length, 2);
  assert.equal(sink.writes[0], head);
  assert.equal(sink.writes[1], body, "the body was copied");
  assert.equal(w.backlog, 0);
});

Deno.test("MessageWriter.sendTaken: a small message is one write; one behind a write in flight is queued whole", async () => {
  const sink = keepingSink();
  const w = new MessageWriter(sink);
  assert.equal(w.sendTaken(new Uint8Array([1]), new Uint8Array([2, 3])), true);
  // The first write is in flight: these are copied into the next single write, in order.
  const big = new Uint8Array(100_000).fill(9);
  w.sendTaken(new Uint8Array([4]), big);
  w.send(new Uint8Array([5]));
  await w.flushed();
  assert.deepEqual(sink.writes.map((b) => b.length), [3, 100_002]);
  assert.deepEqual(Array.from(sink.writes[0]), [1, 2, 3]);
  assert.equal(sink.writes[1][0], 4);
  assert.equal(sink.writes[1][100_001], 5);
});

Deno.test("MessageWriter.sendTaken: a large part's memory is freed once written (its buffer detached), a small or shared one's is not", async () => {
  const sink = keepingSink();
  const w = new MessageWriter(sink);
  const head = new Uint8Array([1, 2, 3]);
  const body = new Uint8Array(1024 * 1024).fill(7);
  const shared = new ArrayBuffer(4 * 1024 * 1024);
  const view = new Uint8Array(shared, 0, 100_000);
  w.sendTaken(head, body, view);
  await w.flushed();
  assert.equal(sink.writes.length, 3);
  assert.equal(body.buffer.byteLength, 0, "the large part's buffer is detached");
  assert.deepEqual(Array.from(head), [1, 2, 3], "a small part is left as it is");
  assert.equal(shared.byteLength, 4 * 1024 * 1024, "a view of a larger buffer is left as it is");
});

Deno.test("Channel: reads straight into a caller's buffer go to the connection's read, and are counted", async () => {
  const data = new Uint8Array(1_000_000).map((_, i) => i & 0xff);
  let at = 0;
  const asked: number[] = [];
  const conn = {
    readable: new ReadableStream<Uint8Array>(),
    writable: new WritableStream<Uint8Array>(),
    read(p: Uint8Array): Promise<number | null> {
      asked.push(p.length);
      if (at >= data.length) return Promise.resolve(null);
      const n = Math.min(p.length, 300_000, data.length - at);
      p.set(data.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
    write: (p: Uint8Array) => Promise.resolve(p.length),
  };
  let counted = 0;
  const channel = new Channel(conn, { stallTimeout: 5_000 }, { onRead: (n) => counted += n });
  const dest = new Uint8Array(data.length);
  assert.equal(await channel.reader.readInto(dest), data.length);
  assert.deepEqual(dest, data);
  assert.deepEqual(asked, [1_000_000, 700_000, 400_000, 100_000], "the connection read into dest");
  assert.equal(counted, data.length);
});
