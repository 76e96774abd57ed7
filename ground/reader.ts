/**
 * The one buffered byte reader of the library, over a Web Stream or a socket's direct
 * `read(buffer)`: whole chunks, lines, units found by a scanner, pieces of a body, with bounded
 * sizes and an optional stall timeout. The rpc codecs, the HTTP/1 codec (and so the Runtime API
 * client and the emulator's server) all read through it.
 *
 * The reader hands out subarrays of what it received and never writes into a buffer it has
 * handed out, so a returned view stays valid after later reads.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);

/** What went wrong in a {@link ByteReader} read: see {@link ReadError.code}. */
export type ReadErrorCode = "too-long" | "unexpected-eof" | "stalled";

/**
 * A read that cannot complete: a unit longer than the caller's limit (`too-long`), the stream
 * ending inside a unit (`unexpected-eof`), or no byte for the stall timeout in the middle of a
 * unit (`stalled`). Each protocol maps it to its own error (an rpc error, an HTTP status).
 */
export class ReadError extends Error {
  /** Which failure this is. */
  readonly code: ReadErrorCode;
  /** A read error with the given code. */
  constructor(code: ReadErrorCode, message: string) {
    super(message);
    this.name = "ReadError";
    this.code = code;
  }
}

/** Where a {@link ByteReader} gets bytes: `read` resolves with a chunk, or null at the end. */
export interface ByteSource {
  /** The next chunk, or null at the end of the stream. */
  read(): Promise<Uint8Array | null>;
  /**
   * Reads straight into `p` (no chunk of the source's own): the number of bytes read, or null at
   * the end of the stream. Optional: a source that has it lets {@link ByteReader.readInto} fill a
   * large buffer without a copy per chunk.
   */
  readInto?(p: Uint8Array): Promise<number | null>;
  /** Stops reading; a pending read ends. */
  cancel(): void;
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

/** Whether `x` offers {@link DirectIO}. */
export function isDirect(x: unknown): x is DirectIO {
  const c = x as Partial<DirectIO>;
  return typeof c?.read === "function" && typeof c?.write === "function";
}

/** Whether `x` is a ReadableStream (by its shape: see {@link ByteReader}'s constructor). */
export function isReadableStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof (x as ReadableStream | null)?.getReader === "function";
}

/** A {@link ByteSource} over a ReadableStream (it takes the stream's reader lock). */
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

/** The read buffer of a {@link directSource}: its smallest and largest sizes. */
const DIRECT_BUFFER_MIN = 2 * 1024;
const DIRECT_BUFFER_MAX = 64 * 1024;

/**
 * A {@link ByteSource} reading a {@link DirectIO} into one reused buffer and
 * handing out exact-size copies: a small message costs a small allocation
 * (not a 64 KiB chunk per read, as a byte stream's default reader does),
 * which keeps the garbage collector, and so tail latency, quiet.
 *
 * The buffer adapts: it grows (up to 64 KiB) while reads fill it and shrinks (down to 2 KiB) while
 * they use a small part of it. An idle connection waits on a small buffer, so thousands of idle
 * connections cost little; a bulk transfer reads 64 KiB at a time.
 */
export function directSource(io: DirectIO): ByteSource {
  let cancelled = false;
  let reading = false;
  let buf = new Uint8Array(DIRECT_BUFFER_MIN);
  let pending: ((v: null) => void) | null = null;
  /** One read of `io` into `p`, with the source's one-read-at-a-time and cancel rules. */
  const readInto = (p: Uint8Array): Promise<number | null> => {
    if (cancelled) return Promise.resolve(null);
    if (reading) return Promise.reject(new Error("concurrent reads"));
    reading = true;
    return new Promise<number | null>((resolve, reject) => {
      pending = resolve;
      io.read(p).then((n) => {
        reading = false;
        pending = null;
        resolve(cancelled ? null : n);
      }, (e) => {
        reading = false;
        pending = null;
        if (cancelled) resolve(null);
        else reject(e);
      });
    });
  };
  return {
    readInto,
    async read() {
      const n = await readInto(buf);
      if (n === null) return null;
      const chunk = buf.slice(0, n);
      if (n === buf.length && buf.length < DIRECT_BUFFER_MAX) {
        buf = new Uint8Array(Math.min(buf.length * 4, DIRECT_BUFFER_MAX));
      } else if (n < buf.length / 8 && buf.length > DIRECT_BUFFER_MIN) {
        buf = new Uint8Array(Math.max(buf.length / 4, DIRECT_BUFFER_MIN));
      }
      return chunk;
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

/** Options of a {@link ByteReader}. */
export interface ReadLimits {
  /**
   * Longest wait, in ms, for more bytes once a unit has started arriving
   * (half a message, then silence). 0 or Infinity: no limit.
   */
  stallTimeout?: number;
  /**
   * Longest time, in ms, a unit may take to arrive once it has started, however steadily its
   * bytes trickle in (a byte every few seconds never trips {@link stallTimeout}). Counted from
   * the first wait inside the unit. 0 or Infinity: no limit.
   */
  unitTimeout?: number;
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

/**
 * A buffered reader. Reads whole chunks and hands out subarrays; copies only when a unit spans
 * chunks. A failing source (a reset socket) reads as the end of the stream.
 */
export class ByteReader {
  #source: ByteSource;
  #buf: Uint8Array = EMPTY;
  #pos = 0;
  #done = false;
  #cancelled = false;
  #filling: Promise<boolean> | null = null;
  /** Timeout, in ms, while a unit is partially received (see {@link ReadLimits}). */
  stallTimeout: number;
  /** Total time, in ms, a unit may take once started (see {@link ReadLimits}). */
  unitTimeout: number;
  /** When the current unit's first wait began (`performance.now()`), or -1 between units. */
  #unitStart = -1;

  /** Reads from `source` (a ReadableStream is locked and wrapped). */
  constructor(source: ByteSource | ReadableStream<Uint8Array>, limits: ReadLimits = {}) {
    // Told apart by shape, not `instanceof ReadableStream`: the first reference to Deno's global
    // ReadableStream loads its Web Streams implementation (about 5 ms of a cold start), which a
    // reader over a socket's direct reads never needs.
    this.#source = isReadableStream(source) ? streamSource(source) : source;
    this.stallTimeout = limits.stallTimeout ?? 0;
    this.unitTimeout = limits.unitTimeout ?? 0;
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.#buf.length - this.#pos;
  }

  /**
   * Marks the end of a unit: the clock of {@link ReadLimits.unitTimeout} stops until the next
   * wait inside a unit. Line and scanned reads call it themselves; a caller that finds units by
   * other means (a gob decoder fed by {@link readChunk}) calls it when one is complete.
   */
  endUnit(): void {
    this.#unitStart = -1;
  }

  /**
   * Whether a unit is partly received: bytes are buffered, or the last wait for bytes was inside
   * a unit not yet ended (a connection in this state is not idle).
   */
  get inUnit(): boolean {
    return this.#unitStart >= 0 || this.buffered > 0;
  }

  /** Whether the stream has ended (or the reader was cancelled). */
  get eof(): boolean {
    return this.#done;
  }

  /**
   * Reads the next chunk from the stream into the buffer; resolves false at the end of the
   * stream. `partial` says a unit is in progress, which arms the stall timeout. Calls made while
   * one is pending share it, so a watcher waiting for the peer to close and a reader of the next
   * request never race.
   */
  fill(partial = false): Promise<boolean> {
    if (this.#filling !== null) return this.#filling;
    if (this.#done) return Promise.resolve(false);
    // Between units the clock stops; the first wait inside a unit starts it.
    if (!partial) this.#unitStart = -1;
    else if (this.#unitStart < 0) this.#unitStart = performance.now();
    return (this.#filling = this.#fill(partial));
  }

  async #fill(partial: boolean): Promise<boolean> {
    try {
      let chunk: Uint8Array | null;
      const limit = partial ? this.#waitLimit() : 0;
      try {
        if (limit > 0 && limit !== Infinity) chunk = await this.#readWithTimeout(limit);
        else chunk = await this.#source.read();
      } catch (e) {
        if (e instanceof ReadError) throw e;
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
    } finally {
      this.#filling = null;
    }
  }

  /** How long the next wait inside a unit may last (0: no limit); throws once the unit is late. */
  #waitLimit(): number {
    const stall = finite(this.stallTimeout);
    const total = finite(this.unitTimeout);
    if (total === 0) return stall;
    const now = performance.now();
    const left = Math.ceil(total - (now - this.#unitStart));
    if (left <= 0) {
      this.cancel();
      throw new ReadError("stalled", `a message took longer than ${total}ms to arrive`);
    }
    return stall === 0 ? left : Math.min(stall, left);
  }

  #readWithTimeout(ms: number): Promise<Uint8Array | null> {
    return this.#timed(ms, this.#source.read());
  }

  /** One {@link ByteSource.readInto} of `p`, failing as {@link #readWithTimeout} does. */
  #readIntoWithTimeout(p: Uint8Array, ms: number): Promise<number | null> {
    return this.#timed(ms, this.#source.readInto!(p));
  }

  /** `read`, or a `stalled` {@link ReadError} (and the reader cancelled) after `ms` ms. */
  #timed<T>(ms: number, read: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const total = finite(this.unitTimeout);
        reject(
          new ReadError(
            "stalled",
            total > 0 && performance.now() - this.#unitStart >= total - 1
              ? `a message took longer than ${total}ms to arrive`
              : `no data for ${ms}ms in the middle of a message`,
          ),
        );
        this.cancel();
      }, ms);
      read.then(
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
   * unit, which arms the stall timeout for the wait.
   */
  async readChunk(partial = false): Promise<Uint8Array | null> {
    if (this.#pos >= this.#buf.length && !(await this.fill(partial))) return null;
    const out = this.#buf.subarray(this.#pos);
    this.#buf = EMPTY;
    this.#pos = 0;
    return out;
  }

  /**
   * Reads at most `n` (≥ 1) bytes: what is buffered, or the next chunk. Null at the end of the
   * stream. `partial` arms the stall timeout (see {@link readChunk}).
   */
  async readSome(n: number, partial = true): Promise<Uint8Array | null> {
    if (this.#pos >= this.#buf.length && !(await this.fill(partial))) return null;
    const k = Math.min(n, this.#buf.length - this.#pos);
    const out = this.#buf.subarray(this.#pos, this.#pos + k);
    this.#pos += k;
    return out;
  }

  /**
   * Reads up to and including the next `\n`, returning the line without it
   * (and without a trailing `\r`). Null on a clean end of stream; a last line
   * without `\n` is returned as is. Throws a `too-long` {@link ReadError} past `maxSize`
   * bytes. `partial` arms the stall timeout from the first wait (a line inside a unit).
   */
  async readLine(maxSize: number, partial = false): Promise<Uint8Array | null> {
    let scanned = 0;
    for (;;) {
      const buf = this.#buf;
      const idx = buf.indexOf(0x0a, this.#pos + scanned);
      if (idx >= 0) {
        let end = idx;
        if (end > this.#pos && buf[end - 1] === 0x0d) end--;
        if (end - this.#pos > maxSize) throw tooLong("line", maxSize);
        const line = buf.subarray(this.#pos, end);
        this.#pos = idx + 1;
        this.#unitStart = -1;
        return line;
      }
      scanned = buf.length - this.#pos;
      if (scanned > maxSize) throw tooLong("line", maxSize);
      if (!(await this.fill(partial || scanned > 0))) {
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
   * was seen. Throws a `too-long` {@link ReadError} past `maxSize` bytes and
   * `unexpected-eof` at the end of the stream inside a unit.
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
          this.#unitStart = -1;
          return buf.subarray(start, end);
        }
        scanned = buf.length - start;
      }
      if (scanned > maxSize) throw tooLong("message", maxSize);
      if (!(await this.fill(!scanner.blank()))) {
        if (scanner.blank()) return null;
        const end = scanner.finish();
        if (end >= 0) {
          const b = this.#buf;
          this.#pos = this.#pos + end;
          return b.subarray(this.#pos - end, this.#pos);
        }
        throw new ReadError("unexpected-eof", "unexpected EOF");
      }
    }
  }

  /**
   * Fills `dest` from the stream: the buffered bytes first, then, when the source can read into a
   * buffer ({@link ByteSource.readInto}), straight from it, so a large body lands in its one
   * buffer without a copy per chunk. The bytes are one unit's: the stall and unit timeouts
   * ({@link ReadLimits}) apply to each wait. Resolves with how many bytes were read:
   * `dest.length`, or fewer if the stream ended first.
   */
  async readInto(dest: Uint8Array): Promise<number> {
    let n = Math.min(this.buffered, dest.length);
    dest.set(this.#buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    // Called as a method, not through a bound copy: a function bound on every call here (once per
    // invoke) grew the process by ~280 bytes an invoke for good (0.8 MiB every 3,000 invokes at
    // 128 MB, measured on the packaged function; where the runtime kept them was not found).
    const source = this.#source;
    while (n < dest.length) {
      if (source.readInto === undefined || this.#filling !== null || this.#pos < this.#buf.length) {
        const p = await this.readSome(dest.length - n);
        if (p === null) break;
        dest.set(p, n);
        n += p.length;
        continue;
      }
      if (this.#done) break;
      let k: number | null;
      // Inside a unit: the stall and unit timeouts apply to each read, as in fill(true).
      if (this.#unitStart < 0) this.#unitStart = performance.now();
      const limit = this.#waitLimit();
      try {
        k = await (limit > 0
          ? this.#readIntoWithTimeout(dest.subarray(n), limit)
          : source.readInto(dest.subarray(n)));
      } catch (e) {
        if (e instanceof ReadError) throw e;
        k = null; // a reset or closed socket reads as the end of the stream, as in fill()
      }
      if (k === null || this.#cancelled) {
        this.#done = true;
        break;
      }
      n += k;
    }
    return n;
  }

  /** Stops reading: cancels the stream (pending reads end). */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#done = true;
    this.#source.cancel();
  }
}

function finite(ms: number): number {
  return ms > 0 && ms !== Infinity ? ms : 0;
}

function tooLong(what: string, max: number): ReadError {
  return new ReadError("too-long", `${what} longer than the limit of ${max} bytes`);
}
