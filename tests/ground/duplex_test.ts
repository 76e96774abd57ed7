import assert from "node:assert/strict";
import type { Conn } from "../../ground/conn.ts";
import { duplex, writeAll } from "../../ground/duplex.ts";

/** A direct connection that takes at most `step` bytes a write and reads `input` once. */
function directConn(step: number, input: Uint8Array) {
  const written: number[] = [];
  let served = false;
  return {
    written,
    readable: new ReadableStream<Uint8Array>(),
    writable: new WritableStream<Uint8Array>(),
    read(p: Uint8Array): Promise<number | null> {
      if (served) return Promise.resolve(null);
      served = true;
      p.set(input);
      return Promise.resolve(input.length);
    },
    write(p: Uint8Array): Promise<number> {
      const n = Math.min(step, p.length);
      written.push(...p.subarray(0, n));
      return Promise.resolve(n);
    },
  };
}

Deno.test("writeAll: partial writes are continued until every byte is written", async () => {
  const conn = directConn(3, new Uint8Array(0));
  await writeAll(conn, Uint8Array.from([1, 2, 3, 4, 5, 6, 7]));
  assert.deepEqual(conn.written, [1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("duplex: direct I/O when the connection offers it, counted write by write", async () => {
  const conn = directConn(2, Uint8Array.from([9, 8]));
  const counts: number[] = [];
  const { source, sink } = duplex(conn as Conn, { onWrite: (n) => counts.push(n) });
  await sink.write(Uint8Array.from([1, 2, 3, 4, 5]));
  assert.deepEqual(conn.written, [1, 2, 3, 4, 5]);
  assert.deepEqual(counts, [2, 2, 1]);
  assert.deepEqual([...(await source.read())!], [9, 8]);
  source.cancel();
});

Deno.test("duplex: a stream-only connection is read and written through its streams", async () => {
  const chunks: number[][] = [];
  const conn: Conn = {
    readable: new ReadableStream({
      start(c) {
        c.enqueue(Uint8Array.from([7]));
        c.close();
      },
    }),
    writable: new WritableStream({ write: (c) => void chunks.push([...c]) }),
  };
  const counts: number[] = [];
  const { source, sink } = duplex(conn, { onWrite: (n) => counts.push(n) });
  await sink.write(Uint8Array.from([1, 2, 3]));
  await sink.close();
  assert.deepEqual(chunks, [[1, 2, 3]]);
  assert.deepEqual(counts, [3], "a buffer is counted as it is handed over");
  assert.deepEqual([...(await source.read())!], [7]);
  assert.equal(await source.read(), null);
});
