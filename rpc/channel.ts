/**
 * One rpc connection as the codecs use it ({@link Channel}): the ground floor's
 * {@link ByteReader} for incoming bytes and a coalescing writer
 * ({@link MessageWriter}: messages queued while a write is in flight go out
 * together in the next one).
 *
 * @module
 */

import { concat, releaseBuffer } from "../ground/bytes.ts";
import type { Conn } from "../ground/conn.ts";
import { type ByteSink, duplex, streamSink } from "../ground/duplex.ts";
import { ByteReader, type ByteSource, type ReadLimits } from "../ground/reader.ts";

/**
 * The size from which {@linkcode MessageWriter.sendTaken} writes a message's parts as they are
 * rather than joined: one more write costs less than copying that many bytes.
 */
const TAKEN_MIN = 64 * 1024;

/** Options of {@link MessageWriter}. */
export interface WriterOptions {
  /** Called once when a write fails (the peer is gone). */
  onError?: (e: unknown) => void;
  /**
   * Called with the change in {@link MessageWriter.backlog} whenever it changes (positive when
   * messages are queued, negative when they are written or dropped): for a memory budget.
   */
  onBacklog?: (delta: number) => void;
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
  #onBacklog?: (delta: number) => void;
  #reported = 0;

  /** Writes to `sink` (a WritableStream is locked and wrapped). */
  constructor(sink: ByteSink | WritableStream<Uint8Array>, options: WriterOptions = {}) {
    // By shape, not `instanceof WritableStream`: the first reference to Deno's global
    // WritableStream loads its Web Streams implementation (about 5 ms of a cold start).
    this.#sink = typeof (sink as WritableStream).getWriter === "function"
      ? streamSink(sink as WritableStream<Uint8Array>)
      : sink as ByteSink;
    this.#onError = options.onError;
    this.#onBacklog = options.onBacklog;
  }

  /** Tells `onBacklog` how the backlog changed since it was last told. */
  #report(): void {
    if (this.#onBacklog === undefined) return;
    const now = this.#pendingLen + this.#inFlight;
    const delta = now - this.#reported;
    if (delta === 0) return;
    this.#reported = now;
    this.#onBacklog(delta);
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
      this.#report();
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
    this.#report();
    return true;
  }

  /**
   * Queues `parts` as one message without copying them when they can go out at once: the writer
   * takes them over, and the caller must never change nor read them again (a gob encoder's
   * output, a view it never writes again): once written, a large part that is most of its
   * buffer has that buffer detached, which frees its memory at once. Large messages (from {@linkcode TAKEN_MIN} bytes) are written part by
   * part, so a payload of megabytes is not copied into a message of its own; smaller ones, and
   * any queued behind a write in flight, are copied as {@linkcode send} does. Returns false (and
   * drops the message) if the writer is broken.
   */
  sendTaken(...parts: Uint8Array[]): boolean {
    if (this.#failed !== null || this.#closed) return false;
    let n = 0;
    for (const p of parts) n += p.length;
    if (n < TAKEN_MIN || this.#writing || this.#pendingLen > 0) return this.send(...parts);
    this.#writing = true;
    this.#inFlight = n;
    this.#report();
    (async () => {
      for (const p of parts) {
        await this.#sink.write(p);
        // Written, and the writer's: a large part's memory is given back now (detached, which
        // frees it at once), not when the garbage collector gets to it.
        releaseBuffer(p, TAKEN_MIN);
      }
    })().then(() => this.#afterWrite(), (e) => this.#fail(e));
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
      this.#report();
      return;
    }
    this.#writing = false;
    this.#report();
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
    this.#pending = new Uint8Array(0);
    this.#report();
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
    this.#pending = new Uint8Array(0);
    this.#report();
    this.#sink.abort();
  }
}

/** Observers of a {@link Channel}'s traffic (see its constructor). */
export interface ChannelHooks {
  /** Told the size of each chunk received. */
  onRead?: (bytes: number) => void;
  /** Told each change of the writer's backlog. */
  onBacklog?: (delta: number) => void;
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
  #conn: Conn;
  #closed = false;

  /**
   * Wraps a connection (locks both of its streams). `hooks.onRead` is told the size of each chunk
   * received, `hooks.onBacklog` how the writer's backlog changes (for a memory budget).
   */
  constructor(conn: Conn, limits: ReadLimits = {}, hooks: ChannelHooks = {}) {
    this.#conn = conn;
    const writerOptions = { onBacklog: hooks.onBacklog };
    const io = duplex(conn);
    let source: ByteSource = io.source;
    this.writer = new MessageWriter(io.sink, writerOptions);
    const onRead = hooks.onRead;
    if (onRead !== undefined) {
      const inner = source;
      const counted = (n: number | null) => {
        if (n !== null) onRead(n);
        return n;
      };
      source = {
        read: () =>
          inner.read().then((chunk) => {
            if (chunk !== null) onRead(chunk.length);
            return chunk;
          }),
        cancel: () => inner.cancel(),
      };
      // Reads straight into a caller's buffer (a large message's) are counted as well.
      if (inner.readInto !== undefined) source.readInto = (p) => inner.readInto!(p).then(counted);
    }
    this.reader = new ByteReader(source, limits);
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
