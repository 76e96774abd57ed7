/** A readable stream of `chunks` (strings as UTF-8), one per read, then its end (unless `open`). */
export function chunks(parts: (string | Uint8Array)[], open = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const queue = parts.map((p) => typeof p === "string" ? enc.encode(p) : p);
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const next = queue.shift();
      if (next !== undefined) c.enqueue(next);
      else if (!open) c.close();
      else return new Promise(() => {}); // silence
    },
  }, { highWaterMark: 0 });
}
