import assert from "node:assert/strict";
import type { ByteSink } from "../../ground/duplex.ts";
import { MessageWriter } from "../../rpc/channel.ts";

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
