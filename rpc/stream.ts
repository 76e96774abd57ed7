/**
 * Byte-level plumbing over Web Streams shared by the codecs: a buffered reader
 * (chunks, exact reads, lines, gob frames, push-back) and a coalescing writer
 * (messages queued while a write is in flight go out together in the next one).
 *
 * @module
 */

import { RpcError } from "./errors.ts";

const EMPTY = new Uint8Array(0);

/** Where a {@link ByteReader} gets bytes: `read` resolves with a chunk, or null at the end. */
export interface ByteSource {
  /** The next chunk, or null at the end of the stream. */
  read(): Promise<Uint8Array | null>;
  /** Stops reading; a pending read ends. */
  cancel(): void;
}

/** Where a {@link MessageWriter} puts bytes. */
export interface ByteSink {
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the stream gracefully (the peer reads EOF). */
  close(): Promise<void>;
  /** Ends the stream at once. */
  abort(): void;
}

/**
 * A connection that can also be read and written directly (`read(buffer)` /
 * `write(bytes)`, like `Deno.Conn`): a faster path than its Web Streams,
 * used when present.
 */
export interface DirectIO {
  /** Reads into `p`; the number of bytes read, or null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
  /** Half-closes the writing side. */
  closeWrite?(): Promise<void> | void;
}

function isDirect(x: unknown): x is DirectIO {
  const c = x as Partial<DirectIO>;
  return typeof c?.read === "function" && typeof c?.write === "function";
}

/** A {@link ByteSource} over a ReadableStream. */
export function streamSource(readable: ReadableStream<Uint8Array>): ByteSource {
  const reader = readable.getReader();
  let cancelled = false;
  return {
    async read() {
      const r = await reader.read();
      return r.done || !r.value ? null : r.value;
    },
    cancel() {
      if (cancelled) return;
      cancelled = true;
      reader.cancel().catch(() => {});
      try {
        reader.releaseLock();
      } catch {
        // a read may still be pending; cancel() already ends it
      }
    },
  };
}

const DIRECT_BUFFER = 64 * 1024;

/**
 * A {@link ByteSource} reading a {@link DirectIO} into one reused buffer and
 * handing out exact-size copies: a small message costs a small allocation
 * (not a 64 KiB chunk per read, as a byte stream's default reader does),
 * which keeps the garbage collector, and so tail latency, quiet.
 */
export function directSource(io: DirectIO): ByteSource {
  let cancelled = false;
  let reading = false;
  const buf = new Uint8Array(DIRECT_BUFFER);
  let pending: ((v: Uint8Array | null) => void) | null = null;
  return {
    read() {
      if (cancelled) return Promise.resolve(null);
      if (reading) return Promise.reject(new Error("rpc: concurrent reads"));
      reading = true;
      return new Promise<Uint8Array | null>((resolve, reject) => {
        pending = resolve;
        io.read(buf).then((n) => {
          reading = false;
          pending = null;
          if (n === null || cancelled) return resolve(null);
          resolve(buf.slice(0, n));
        }, (e) => {
          reading = false;
          pending = null;
          if (cancelled) resolve(null);
          else reject(e);
        });
      });
    },
    cancel() {
      // The socket read stays pending until the connection closes; its
      // result is dropped. The reader sees the end of the stream now.
      cancelled = true;
      pending?.(null);
      pending = null;
    },
  };
}

/** A {@link ByteSink} over a WritableStream. */
export function streamSink(writable: WritableStream<Uint8Array>): ByteSink {
  const writer = writable.getWriter();
  return {
    write: (b) => writer.write(b),
    close: () => writer.close(),
    abort: () => void writer.abort(new Error("connection closed")).catch(() => {}),
  };
}

/** A {@link ByteSink} over a {@link DirectIO} (partial writes continued). */
export function directSink(io: DirectIO): ByteSink {
  return {
    async write(b) {
      let off = 0;
      while (off < b.length) off += await io.write(off === 0 ? b : b.subarray(off));
    },
    async close() {
      await io.closeWrite?.();
    },
    abort() {},
  };
}

/** Options of {@link ByteReader} reads that may wait on the peer. */
export interface ReadLimits {
  /**
   * Longest wait, in ms, for more bytes once a message has started arriving
   * (a half-written message then silence). 0 or Infinity: no limit.
   */
  stallTimeout?: number;
}

/**
 * A buffered reader over a `ReadableStream<Uint8Array>`. Reads whole chunks
 * and hands out subarrays; copies only when a message spans chunks.
 */
export class ByteReader {
  #source: ByteSource;
  #buf: Uint8Array = EMPTY;
  #pos = 0;
  #done = false;
  #cancelled = false;
  /** Timeout, in ms, while a message is partially received (see {@link ReadLimits}). */
  stallTimeout: number;

  /** Reads from `source` (a ReadableStream is locked and wrapped). */
  constructor(source: ByteSource | ReadableStream<Uint8Array>, limits: ReadLimits = {}) {
    this.#source = source instanceof ReadableStream ? streamSource(source) : source;
    this.stallTimeout = limits.stallTimeout ?? 0;
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.#buf.length - this.#pos;
  }

  /** Puts bytes back in front of the buffer (e.g. what followed an HTTP head). */
  unshift(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const rest = this.#buf.subarray(this.#pos);
    const b = new Uint8Array(bytes.length + rest.length);
    b.set(bytes, 0);
    b.set(rest, bytes.length);
    this.#buf = b;
    this.#pos = 0;
  }

  /**
   * Reads the next chunk from the stream into the buffer. Returns false at
   * end of stream. `partial` says a message is in progress, which arms the
   * stall timeout.
   */
  async #fill(partial: boolean): Promise<boolean> {
    if (this.#done) return false;
    let chunk: Uint8Array | null;
    const limit = partial ? this.stallTimeout : 0;
    try {
      if (limit > 0 && limit !== Infinity) chunk = await this.#readWithTimeout(limit);
      else chunk = await this.#source.read();
    } catch (e) {
      if (e instanceof RpcError) throw e;
      // A reset or closed socket reads as the end of the stream.
      this.#done = true;
      return false;
    }
    if (chunk === null || this.#cancelled) {
      this.#done = true;
      return false;
    }
    if (this.#pos >= this.#buf.length) {
      this.#buf = chunk;
    } else {
      const rest = this.#buf.subarray(this.#pos);
      const b = new Uint8Array(rest.length + chunk.length);
      b.set(rest, 0);
      b.set(chunk, rest.length);
      this.#buf = b;
    }
    this.#pos = 0;
    return true;
  }

  #readWithTimeout(ms: number): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new RpcError("timeout", `rpc: no data for ${ms}ms in the middle of a message`));
        this.cancel();
      }, ms);
      this.#source.read().then(
        (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /**
   * Reads the next chunk of whatever is available (buffered bytes first).
   * Returns null at end of stream. `partial` says the caller holds part of a
   * message, which arms the stall timeout for the wait.
   */
  async readChunk(partial = false): Promise<Uint8Array | null> {
    if (this.#pos >= this.#buf.length && !(await this.#fill(partial))) return null;
    const out = this.#buf.subarray(this.#pos);
    this.#buf = EMPTY;
    this.#pos = 0;
    return out;
  }

  /**
   * Reads one gob-framed message: an unsigned length prefix, then that many
   * bytes. Returns the whole frame (prefix included) so it can be fed to a
   * gob decoder as is; null on a clean end of stream before the first byte.
   * Throws `protocol` errors on a bad prefix or a length over `maxSize`, and
   * "unexpected EOF" when the stream ends inside a frame.
   */
  async readGobFrame(maxSize: number): Promise<Uint8Array | null> {
    // Prefix: 1 byte, or a count byte (0xF8..0xFF) and up to 8 more.
    if (this.#pos >= this.#buf.length && !(await this.#fill(false))) return null;
    const b0 = this.#buf[this.#pos];
    let prefixLen = 1;
    if (b0 >= 0x80) {
      const count = 256 - b0; // -int8(b0): how many bytes follow
      if (count > 8) {
        throw new RpcError("protocol", `gob: invalid message length prefix byte 0x${hex(b0)}`);
      }
      prefixLen = 1 + count;
    }
    while (this.#buf.length - this.#pos < prefixLen) {
      if (!(await this.#fill(true))) throw unexpectedEOF();
    }
    let len: number;
    if (prefixLen === 1) {
      len = b0;
    } else {
      len = 0;
      for (let i = 1; i < prefixLen; i++) {
        len = len * 256 + this.#buf[this.#pos + i];
        if (len > maxSize) break;
      }
    }
    if (len > maxSize) {
      throw new RpcError(
        "protocol",
        `gob: message of ${len} bytes exceeds the limit of ${maxSize} bytes`,
      );
    }
    const total = prefixLen + len;
    if (this.#buf.length - this.#pos < total) await this.#fillInto(total);
    const frame = this.#buf.subarray(this.#pos, this.#pos + total);
    this.#pos += total;
    return frame;
  }

  /**
   * Accumulates the current frame (`total` bytes). The buffer grows with what
   * actually arrives, never straight to the declared size, so a peer that
   * announces a huge message and sends little costs little memory.
   */
  async #fillInto(total: number): Promise<void> {
    let have = this.#buf.length - this.#pos;
    let out = new Uint8Array(Math.min(total, Math.max(have * 2, 64 * 1024)));
    out.set(this.#buf.subarray(this.#pos), 0);
    this.#buf = EMPTY;
    this.#pos = 0;
    let extra: Uint8Array = EMPTY;
    while (have < total) {
      if (!(await this.#fill(true))) throw unexpectedEOF();
      const chunk = this.#buf;
      const take = Math.min(chunk.length, total - have);
      if (have + take > out.length) {
        const grown = new Uint8Array(Math.min(total, Math.max(out.length * 2, have + take)));
        grown.set(out.subarray(0, have), 0);
        out = grown;
      }
      out.set(chunk.subarray(0, take), have);
      have += take;
      if (take < chunk.length) extra = chunk.subarray(take);
      this.#buf = EMPTY;
      this.#pos = 0;
    }
    // Frame first, then whatever followed it.
    if (extra.length === 0) {
      this.#buf = out;
    } else {
      const b = new Uint8Array(out.length + extra.length);
      b.set(out, 0);
      b.set(extra, out.length);
      this.#buf = b;
    }
    this.#pos = 0;
  }

  /**
   * Reads up to and including the next `\n`, returning the line without it
   * (and without a trailing `\r`). Null on a clean end of stream; a last line
   * without `\n` is returned as is. Throws `protocol` past `maxSize` bytes.
   */
  async readLine(maxSize: number): Promise<Uint8Array | null> {
    let scanned = 0;
    for (;;) {
      const buf = this.#buf;
      const idx = buf.indexOf(0x0a, this.#pos + scanned);
      if (idx >= 0) {
        let end = idx;
        if (end > this.#pos && buf[end - 1] === 0x0d) end--;
        const line = buf.subarray(this.#pos, end);
        this.#pos = idx + 1;
        return line;
      }
      scanned = buf.length - this.#pos;
      if (scanned > maxSize) {
        throw new RpcError("protocol", `rpc: line longer than the limit of ${maxSize} bytes`);
      }
      if (!(await this.#fill(scanned > 0))) {
        if (scanned === 0) return null;
        const line = buf.subarray(this.#pos);
        this.#pos = buf.length;
        return line;
      }
    }
  }

  /**
   * Reads one unit whose end `scanner` finds: `scanner.feed(buf, start, from)`
   * examines `buf[from..]` (the unit began at `start`) and returns the end
   * index (exclusive) or -1 for "need more". Returns the unit's bytes; null
   * on a clean end of stream when `scanner.blank()` says nothing meaningful
   * was seen. Throws `protocol` past `maxSize` bytes and "unexpected EOF" at
   * the end of the stream inside a unit.
   */
  async readScanned(scanner: Scanner, maxSize: number): Promise<Uint8Array | null> {
    scanner.reset();
    let scanned = 0;
    for (;;) {
      const buf = this.#buf;
      const start = this.#pos;
      if (buf.length > start + scanned) {
        const end = scanner.feed(buf, start, start + scanned);
        if (end >= 0) {
          this.#pos = end;
          return buf.subarray(start, end);
        }
        scanned = buf.length - start;
      }
      if (scanned > maxSize) {
        throw new RpcError("protocol", `rpc: message longer than the limit of ${maxSize} bytes`);
      }
      if (!(await this.#fill(!scanner.blank()))) {
        if (scanner.blank()) return null;
        const end = scanner.finish();
        if (end >= 0) {
          const b = this.#buf;
          this.#pos = this.#pos + end;
          return b.subarray(this.#pos - end, this.#pos);
        }
        throw unexpectedEOF();
      }
    }
  }

  /** Stops reading: cancels the stream (pending reads end). */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#done = true;
    this.#source.cancel();
  }
}

/** Finds the end of a unit for {@link ByteReader.readScanned}. */
export interface Scanner {
  /** Forgets any state: a new unit starts. */
  reset(): void;
  /** Scans `buf[from..]` of a unit that began at `start`; the end index, or -1. */
  feed(buf: Uint8Array, start: number, from: number): number;
  /** Whether only insignificant bytes (whitespace) have been seen. */
  blank(): boolean;
  /** At end of stream: the unit's length if it is complete without more bytes, else -1. */
  finish(): number;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

function unexpectedEOF(): RpcError {
  return new RpcError("unexpected-eof", "unexpected EOF");
}

/** Options of {@link MessageWriter}. */
export interface WriterOptions {
  /** Called once when a write fails (the peer is gone). */
  onError?: (e: unknown) => void;
}

/**
 * A writer that never splits a message and batches: while one write is in
 * flight, further messages are copied into one pending buffer that goes out
 * as the next single write. `backlog` exposes the bytes not yet written, for
 * backpressure.
 */
export class MessageWriter {
  #sink: ByteSink;
  #pending: Uint8Array = new Uint8Array(0);
  #pendingLen = 0;
  #inFlight = 0;
  #writing = false;
  #failed: unknown = null;
  #closed = false;
  #ended = false;
  #idle: Array<() => void> = [];
  #onError?: (e: unknown) => void;

  /** Writes to `sink` (a WritableStream is locked and wrapped). */
  constructor(sink: ByteSink | WritableStream<Uint8Array>, options: WriterOptions = {}) {
    this.#sink = sink instanceof WritableStream ? streamSink(sink) : sink;
    this.#onError = options.onError;
  }

  /** Bytes accepted but not yet written to the stream. */
  get backlog(): number {
    return this.#pendingLen + this.#inFlight;
  }

  /** Whether a write has failed or the writer is closed. */
  get broken(): boolean {
    return this.#failed !== null || this.#closed;
  }

  /**
   * Queues the concatenation of `parts` as one message. Never awaits: the
   * bytes are copied, so the caller may reuse its buffers at once. Returns
   * false (and drops the message) if the writer is broken.
   */
  send(...parts: Uint8Array[]): boolean {
    if (this.#failed !== null || this.#closed) return false;
    let n = 0;
    for (const p of parts) n += p.length;
    if (!this.#writing && this.#pendingLen === 0) {
      // Fast path: nothing queued; write this message now.
      const msg = parts.length === 1 ? parts[0].slice() : concat(parts, n);
      this.#startWrite(msg);
      return true;
    }
    const need = this.#pendingLen + n;
    if (need > this.#pending.length) {
      const grown = new Uint8Array(Math.max(need, this.#pending.length * 2, 4096));
      grown.set(this.#pending.subarray(0, this.#pendingLen));
      this.#pending = grown;
    }
    for (const p of parts) {
      this.#pending.set(p, this.#pendingLen);
      this.#pendingLen += p.length;
    }
    return true;
  }

  #startWrite(msg: Uint8Array): void {
    this.#writing = true;
    this.#inFlight = msg.length;
    this.#sink.write(msg).then(() => this.#afterWrite(), (e) => this.#fail(e));
  }

  #afterWrite(): void {
    this.#inFlight = 0;
    if (this.#pendingLen > 0 && this.#failed === null) {
      const msg = this.#pending.slice(0, this.#pendingLen);
      this.#pendingLen = 0;
      if (this.#pending.length > 1 << 20) this.#pending = new Uint8Array(0);
      this.#startWrite(msg);
      return;
    }
    this.#writing = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const f of idle) f();
  }

  #fail(e: unknown): void {
    if (this.#failed !== null) return;
    this.#failed = e ?? new Error("write failed");
    this.#writing = false;
    this.#inFlight = 0;
    this.#pendingLen = 0;
    const idle = this.#idle;
    this.#idle = [];
    for (const f of idle) f();
    this.#onError?.(e);
  }

  /** Resolves when everything queued has been written (or the writer broke). */
  flushed(): Promise<void> {
    if (!this.#writing && this.#pendingLen === 0) return Promise.resolve();
    if (this.#failed !== null) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Flushes, then closes the stream (half-close). Errors are swallowed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flushed();
    this.#closed = true;
    if (this.#ended) return;
    this.#ended = true;
    try {
      await this.#sink.close();
    } catch {
      // peer gone
    }
  }

  /** Drops anything queued and aborts the stream (unless it was already closed). */
  abort(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closed = true;
    this.#pendingLen = 0;
    this.#sink.abort();
  }
}

/** Concatenates `parts` (total length `n`) into a new array. */
export function concat(parts: Uint8Array[], n?: number): Uint8Array {
  if (n === undefined) {
    n = 0;
    for (const p of parts) n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Anything with a readable and a writable side, optionally closable at once. */
export interface Duplex {
  /** Bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Closes both directions (a socket's close). */
  close?(): void;
}

/**
 * One connection as the codecs use it: a {@link ByteReader}, a
 * {@link MessageWriter} and a way to close both. A connection that also has
 * `read`/`write` methods ({@link DirectIO}, as `Deno.Conn` does) is used
 * through them: measurably faster per message than its Web Streams. Created once per connection;
 * an HTTP CONNECT handshake reads through the same reader first, so no byte
 * read ahead is lost.
 */
export class Channel {
  /** Incoming bytes. */
  readonly reader: ByteReader;
  /** Outgoing messages. */
  readonly writer: MessageWriter;
  #conn: Duplex;
  #closed = false;

  /** Wraps a connection (locks both of its streams). */
  constructor(conn: Duplex, limits: ReadLimits = {}) {
    this.#conn = conn;
    if (isDirect(conn)) {
      this.reader = new ByteReader(directSource(conn), limits);
      this.writer = new MessageWriter(directSink(conn));
    } else {
      this.reader = new ByteReader(conn.readable, limits);
      this.writer = new MessageWriter(conn.writable);
    }
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Flushes queued messages and ends the outgoing stream (the peer reads a
   * clean end of stream), then closes both directions; bounded by `timeoutMs`.
   */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.writer.broken) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.writer.close(),
        new Promise<void>((r) => timer = setTimeout(r, timeoutMs)),
      ]);
      clearTimeout(timer);
    }
    this.abort();
  }

  /** Closes both directions now, dropping anything queued. */
  abort(): void {
    this.#closed = true;
    this.reader.cancel();
    this.writer.abort();
    if (this.#conn.close) {
      try {
        this.#conn.close();
      } catch {
        // already closed
      }
    }
  }
}
