import assert from "node:assert/strict";
import { ByteReader, directSource, ReadError, type Scanner } from "../../ground/reader.ts";
import { chunks } from "./_streams.ts";

const dec = new TextDecoder();
const text = (b: Uint8Array | null) => (b === null ? null : dec.decode(b));

Deno.test("ByteReader: lines across chunks, CRLF or LF, a last line without LF, then null", async () => {
  const r = new ByteReader(chunks(["one\r\ntw", "o\nthr", "ee"]));
  assert.equal(text(await r.readLine(100)), "one");
  assert.equal(text(await r.readLine(100)), "two");
  assert.equal(text(await r.readLine(100)), "three");
  assert.equal(await r.readLine(100), null);
  assert.equal(r.eof, true);
});

Deno.test("ByteReader: a line past the limit is a too-long ReadError, in one chunk or many", async () => {
  await assert.rejects(
    new ByteReader(chunks(["x".repeat(50) + "\n"])).readLine(10),
    (e) => e instanceof ReadError && e.code === "too-long",
  );
  await assert.rejects(
    new ByteReader(chunks(["xxxxxxxx", "xxxxxxxx", "x\n"])).readLine(10),
    (e) => e instanceof ReadError && e.code === "too-long",
  );
});

Deno.test("ByteReader: readChunk hands out buffered bytes first, readSome at most n", async () => {
  const r = new ByteReader(chunks(["head\nbody-bytes", "more"]));
  assert.equal(text(await r.readLine(100)), "head");
  assert.equal(text(await r.readSome(4)), "body");
  assert.equal(r.buffered, 6);
  assert.equal(text(await r.readChunk()), "-bytes");
  assert.equal(text(await r.readChunk()), "more");
  assert.equal(await r.readChunk(), null);
  assert.equal(await r.readSome(4), null);
});

/** Units separated by `;`. */
class SemiScanner implements Scanner {
  #seen = false;
  reset() {
    this.#seen = false;
  }
  feed(buf: Uint8Array, _start: number, from: number): number {
    for (let i = from; i < buf.length; i++) {
      if (buf[i] === 0x3b) return i + 1;
      if (buf[i] !== 0x20) this.#seen = true;
    }
    return -1;
  }
  blank() {
    return !this.#seen;
  }
  finish() {
    return -1;
  }
}

Deno.test("ByteReader: readScanned finds units across chunks; a cut unit is unexpected-eof", async () => {
  const r = new ByteReader(chunks(["ab;c", "d;  ", "ef"]));
  const s = new SemiScanner();
  assert.equal(text(await r.readScanned(s, 100)), "ab;");
  assert.equal(text(await r.readScanned(s, 100)), "cd;");
  await assert.rejects(
    r.readScanned(s, 100),
    (e) => e instanceof ReadError && e.code === "unexpected-eof",
  );
  const blank = new ByteReader(chunks(["   "]));
  assert.equal(await blank.readScanned(s, 100), null);
  await assert.rejects(
    new ByteReader(chunks(["x".repeat(20), "x;"])).readScanned(s, 10),
    (e) => e instanceof ReadError && e.code === "too-long",
  );
});

Deno.test("ByteReader: silence inside a unit is a stalled ReadError after stallTimeout", async () => {
  const r = new ByteReader(chunks(["partial"], true), { stallTimeout: 50 });
  const t0 = Date.now();
  await assert.rejects(r.readLine(100), (e) => e instanceof ReadError && e.code === "stalled");
  assert.ok(Date.now() - t0 >= 45);
  assert.equal(r.eof, true);
});

Deno.test("ByteReader: concurrent fills share one read (no byte lost)", async () => {
  const r = new ByteReader(chunks(["a", "b"]));
  const [x, y] = await Promise.all([r.fill(), r.fill()]);
  assert.equal(x && y, true);
  assert.equal(r.buffered, 1);
  assert.equal(text(await r.readChunk()), "a");
  assert.equal(text(await r.readChunk()), "b");
});

Deno.test("ByteReader: a failing source reads as the end of the stream", async () => {
  const failing = new ReadableStream<Uint8Array>({
    pull(c) {
      c.error(new Error("connection reset"));
    },
  });
  const r = new ByteReader(failing);
  assert.equal(await r.readChunk(), null);
  assert.equal(r.eof, true);
});

Deno.test("ByteReader: unitTimeout bounds a unit however steadily its bytes trickle in", async () => {
  // A byte every 30 ms never trips a 200 ms stall timeout; the 300 ms unit deadline stops it.
  const trickle = new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 30));
      c.enqueue(Uint8Array.of(0x61));
    },
  }, { highWaterMark: 0 });
  const r = new ByteReader(trickle, { stallTimeout: 200, unitTimeout: 300 });
  const t0 = Date.now();
  await assert.rejects(
    r.readLine(1 << 20),
    (e) => e instanceof ReadError && e.code === "stalled" && /longer than 300ms/.test(e.message),
  );
  const ms = Date.now() - t0;
  assert.ok(ms >= 250 && ms < 5000, `cut after ${ms} ms`);
});

Deno.test("ByteReader: the unit clock stops between units", async () => {
  // Two lines, each quick, with a pause between them longer than unitTimeout.
  const r = new ByteReader(
    new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(new TextEncoder().encode("a"));
        await new Promise((res) => setTimeout(res, 10));
        c.enqueue(new TextEncoder().encode("b\n"));
        await new Promise((res) => setTimeout(res, 150));
        c.enqueue(new TextEncoder().encode("c\n"));
        c.close();
      },
    }),
    { unitTimeout: 100 },
  );
  assert.equal(text(await r.readLine(100)), "ab");
  assert.equal(r.inUnit, false);
  assert.equal(text(await r.readLine(100)), "c");
});

Deno.test("directSource: the read buffer grows for bulk reads and shrinks when idle", async () => {
  const sizes: number[] = [];
  const reads = [true, true, true, true, false, false, false, false];
  const io = {
    read(p: Uint8Array): Promise<number | null> {
      sizes.push(p.length);
      const full = reads.shift();
      return Promise.resolve(full === undefined ? null : full ? p.length : 10);
    },
    write: (p: Uint8Array) => Promise.resolve(p.length),
  };
  const src = directSource(io);
  while ((await src.read()) !== null) { /* drain */ }
  assert.deepEqual(sizes, [2048, 8192, 32768, 65536, 65536, 16384, 4096, 2048, 2048]);
});

/** A source that reads `data` only through `readInto`, at most `step` bytes a call, counting calls. */
function intoSource(data: Uint8Array, step: number) {
  let at = 0;
  const calls = { read: 0, readInto: 0 };
  return {
    calls,
    read(): Promise<Uint8Array | null> {
      calls.read++;
      if (at >= data.length) return Promise.resolve(null);
      const n = Math.min(step, data.length - at);
      at += n;
      return Promise.resolve(data.slice(at - n, at));
    },
    readInto(p: Uint8Array): Promise<number | null> {
      calls.readInto++;
      if (at >= data.length) return Promise.resolve(null);
      const n = Math.min(step, p.length, data.length - at);
      p.set(data.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
    cancel() {},
  };
}

Deno.test("ByteReader.readInto: straight from the source's readInto, with timeouts set too", async () => {
  const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const source = intoSource(data, 30_000);
  const r = new ByteReader(source, { stallTimeout: 5_000, unitTimeout: 10_000 });
  const head = await r.readSome(10);
  assert.equal(head!.length, 10);
  const dest = new Uint8Array(99_990);
  assert.equal(await r.readInto(dest), 99_990);
  assert.deepEqual(dest, data.subarray(10));
  assert.equal(source.calls.read, 1, "only the first chunk was a chunk of the reader's own");
  assert.equal(source.calls.readInto, 3, "the rest in 30,000-byte reads");
  // The stream's end: fewer bytes than asked.
  assert.equal(await r.readInto(new Uint8Array(10)), 0);
});

Deno.test("ByteReader.readInto: silence inside it is a stalled ReadError after stallTimeout", async () => {
  const source = {
    read: () => new Promise<Uint8Array | null>(() => {}),
    readInto: () => new Promise<number | null>(() => {}),
    cancel() {},
  };
  const r = new ByteReader(source, { stallTimeout: 50 });
  const t0 = Date.now();
  await assert.rejects(
    r.readInto(new Uint8Array(10)),
    (e) => e instanceof ReadError && e.code === "stalled",
  );
  assert.ok(Date.now() - t0 >= 45);
  assert.equal(r.eof, true);
});
