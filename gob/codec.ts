/**
 * `Encoder` and `Decoder` over streams, and one-shot `encode`/`decode` on
 * byte arrays.
 *
 * An encoder sends each type definition once per stream, like Go's; a decoder
 * remembers the definitions it received. Use one of each per stream (per
 * connection, per file).
 *
 * @module
 */

import {
  DecoderCore,
  type DecoderOptions,
  decodeValue,
  skipValue,
  takeValue,
  typedValue,
  type ValueReader,
} from "./decode.ts";
import { plainValue } from "./_decode_plain.ts";
import { valueJSON } from "./_decode_json.ts";
import { goSource } from "./_go_source.ts";
import { EncoderCore } from "./encode.ts";
import { GobError } from "./error.ts";
import type { Type } from "./types.ts";
import type { WireType } from "./typeinfo.ts";

export type { DecoderOptions } from "./decode.ts";

/** Anything with a readable side: a `Deno.Conn`, a `TransformStream`, a file. */
export interface HasReadable {
  /** The bytes to decode. */
  readonly readable: ReadableStream<Uint8Array>;
}

/** Anything with a writable side: a `Deno.Conn`, a `TransformStream`, a file. */
export interface HasWritable {
  /** Where encoded bytes go. */
  readonly writable: WritableStream<Uint8Array>;
}

/**
 * Writes gob values to a stream (or just returns their bytes).
 *
 * ```ts
 * import { Encoder, t } from "./mod.ts";
 *
 * const Point = t.struct("Point", { X: t.int, Y: t.int });
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const enc = new Encoder(writable); // a socket's writable, say
 * await enc.encode(Point, { X: 1, Y: 2 });
 * ```
 */
export class Encoder {
  readonly #core = new EncoderCore();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array> | null;

  /** Creates an encoder writing to `sink`, or one that only marshals if none is given. */
  constructor(sink?: WritableStream<Uint8Array> | HasWritable) {
    if (!sink) this.#writer = null;
    else {
      // By shape: `instanceof WritableStream` would load Deno's Web Streams for nothing.
      const ws = "getWriter" in sink ? sink : sink.writable;
      this.#writer = ws.getWriter();
    }
  }

  /**
   * Returns the bytes `value` adds to this encoder's stream: the definitions
   * of types not sent before, then the value. The encoder remembers those
   * types as sent, so the bytes must reach the peer, in order.
   *
   * Small results are views into a shared pool buffer (as Node's `Buffer`
   * does): each view is yours and is never overwritten, but do not transfer
   * its `.buffer`; copy with `slice()` first if you must.
   */
  marshal<T>(type: Type<T>, value: T): Uint8Array {
    return this.#core.encode(type, value);
  }

  /** Encodes `value` and writes it, in one write, to the stream. */
  async encode<T>(type: Type<T>, value: T): Promise<void> {
    if (!this.#writer) throw new GobError("encode", "encoder has no stream; use marshal()");
    const bytes = this.#core.encode(type, value);
    await this.#writer.write(bytes);
  }

  /** Closes the underlying stream. */
  async close(): Promise<void> {
    await this.#writer?.close();
  }

  /** Releases the stream without closing it. */
  releaseLock(): void {
    this.#writer?.releaseLock();
  }
}

/** What a {@linkcode PushDecoder} returns when a value is complete. */
export interface Decoded<T> {
  /** The value. */
  value: T;
}

/**
 * A synchronous decoder fed bytes as they arrive, for code that does its own
 * I/O (a protocol layer reading a socket): `push` chunks in, and `next`
 * returns the next value once all of its messages are buffered, or `null`
 * when more input is needed. A header and its body that arrived in one chunk
 * decode without a single `await`.
 *
 * ```ts
 * import { encode, PushDecoder, t } from "./mod.ts";
 *
 * const Point = t.struct("Point", { X: t.int, Y: t.int });
 * const chunk = encode(Point, { X: 1, Y: 2 }); // as read from a socket
 * const dec = new PushDecoder();
 * dec.push(chunk);
 * const r = dec.next(Point); // { value } or null (need more input)
 * ```
 */
export class PushDecoder {
  readonly #core: DecoderCore;

  /** Creates a decoder with the given limits. */
  constructor(options: DecoderOptions = {}) {
    this.#core = new DecoderCore(options);
  }

  /** Adds received bytes (the decoder may keep a reference to `chunk`). */
  push(chunk: Uint8Array): void {
    this.#core.feed(chunk);
  }

  /** Marks the end of the input: `next` then decodes what remains or reports EOF. */
  end(): void {
    this.#core.done = true;
  }

  /** Whether the input has ended. */
  get ended(): boolean {
    return this.#core.done;
  }

  /** Whether received bytes are waiting to be decoded (a message may be incomplete). */
  get buffered(): boolean {
    return !this.#core.empty;
  }

  /**
   * The next value, into `type` (or plain values without one), if all of its
   * messages have arrived; `null` if more input is needed. At the end of the
   * input it throws a `GobError` with code `"eof"` (clean) or
   * `"unexpected-eof"`; bad input throws and the bad message is consumed.
   */
  next<T>(type: Type<T>): Decoded<T> | null;
  /** The next value as plain JavaScript values, or `null` if more input is needed. */
  next(): Decoded<unknown> | null;
  next(type?: Type): Decoded<unknown> | null {
    return this.take(readerFor(type));
  }

  /**
   * Reads and discards the next value (Go's `Decode(nil)`), building nothing;
   * false if more input is needed.
   */
  skip(): boolean {
    return this.take(skipValue) !== null;
  }

  /** The next value as JSON text (see {@linkcode Decoder.decodeJSON}), or `null`. */
  nextJSON(): Decoded<string> | null {
    return this.take(valueJSON) as Decoded<string> | null;
  }

  /** The type definitions received so far, as Go source. */
  typeDefinitions(): string[] {
    const out: string[] = [];
    for (const id of this.#core.wire.keys()) {
      const src = goSource(this.#core, id);
      if (src !== null) out.push(src);
    }
    return out;
  }

  /**
   * The type definitions received so far, as sent, in the order they arrived,
   * by the id each was defined under (which the definition's own `id` may not
   * be: Go gives a `*big.Int` field's type a second id).
   */
  wireTypes(): ReadonlyMap<number, WireType> {
    return new Map(this.#core.wire);
  }

  /** @internal Decodes the next value with `read` if it is complete. */
  take(read: ValueReader): Decoded<unknown> | null {
    return takeValue(this.#core, read);
  }
}

/**
 * Reads gob values from a stream or a byte array.
 *
 * ```ts
 * import { Decoder, encode, t } from "./mod.ts";
 *
 * const Point = t.struct("Point", { X: t.int, Y: t.int });
 * const bytes = encode(Point, { X: 1, Y: 2 });
 * const dec = new Decoder(ReadableStream.from([bytes])); // a socket's readable, say
 * const p = await dec.decode(Point); // { X: 1, Y: 2 }
 * ```
 *
 * At the end of the stream, between values, `decode` rejects with a
 * `GobError` whose code is `"eof"`; inside a value, `"unexpected-eof"`.
 */
export class Decoder {
  readonly #push: PushDecoder;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | null;
  #pending: Promise<unknown> = Promise.resolve();
  /** Number of queued reads not yet finished. */
  #busy = 0;

  /** Creates a decoder over a stream or a complete byte array. */
  constructor(
    source: ReadableStream<Uint8Array> | HasReadable | Uint8Array,
    options: DecoderOptions = {},
  ) {
    this.#push = new PushDecoder(options);
    if (source instanceof Uint8Array) {
      this.#push.push(source);
      this.#push.end();
      this.#reader = null;
    } else {
      const rs = "getReader" in source ? source : source.readable;
      this.#reader = rs.getReader();
    }
  }

  /** Decodes the next value into `type`, or as plain JavaScript values when no type is given. */
  decode<T>(type: Type<T>): Promise<T>;
  /** Decodes the next value as plain JavaScript values built from the wire types. */
  decode(): Promise<unknown>;
  decode(type?: Type): Promise<unknown> {
    return this.#queue(readerFor(type));
  }

  /**
   * Reads and discards the next value (Go's `Decode(nil)`): it is checked but
   * nothing is built, so it costs time proportional to its bytes.
   */
  async skip(): Promise<void> {
    await this.#queue(skipValue);
  }

  /**
   * Decodes the next value as JSON text, straight from the wire types (the
   * mapping of the `gob dump` command: exact integers, base64 bytes, interface
   * values as `{"type", "value"}`, and so on).
   */
  decodeJSON(): Promise<string> {
    return this.#queue(valueJSON) as Promise<string>;
  }

  /**
   * The type definitions received so far, as Go source, in the order they
   * arrived.
   */
  typeDefinitions(): string[] {
    return this.#push.typeDefinitions();
  }

  /** The type definitions received so far, by id (see {@linkcode PushDecoder.wireTypes}). */
  wireTypes(): ReadonlyMap<number, WireType> {
    return this.#push.wireTypes();
  }

  #queue(read: ValueReader): Promise<unknown> {
    // Fast path: nothing queued and the value's message is buffered, so decode it now
    // (a record stream then costs no promise chain per value).
    if (this.#busy === 0) {
      try {
        const r = this.#push.take(read);
        if (r !== null) return Promise.resolve(r.value);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    this.#busy++;
    const p = this.#pending.then(() => this.#next(read));
    const done = () => {
      this.#busy--;
    };
    this.#pending = p.then(done, done);
    return p;
  }

  /** Iterates over the values of the stream until it ends cleanly. */
  async *values<T>(type?: Type<T>): AsyncGenerator<T> {
    for (;;) {
      try {
        yield (await (type ? this.decode(type) : this.decode())) as T;
      } catch (e) {
        if (e instanceof GobError && e.code === "eof") return;
        throw e;
      }
    }
  }

  /** Cancels the underlying stream. */
  async cancel(reason?: unknown): Promise<void> {
    await this.#reader?.cancel(reason);
  }

  /** Releases the stream without cancelling it. */
  releaseLock(): void {
    this.#reader?.releaseLock();
  }

  async #next(read: ValueReader): Promise<unknown> {
    for (;;) {
      const r = this.#push.take(read);
      if (r !== null) return r.value;
      if (!(await this.#fill())) this.#push.end();
    }
  }

  async #fill(): Promise<boolean> {
    if (!this.#reader) return false;
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await this.#reader.read();
    } catch (e) {
      throw new GobError(
        "unexpected-eof",
        `reading the stream failed: ${(e as Error)?.message ?? e}`,
        {
          cause: e,
        },
      );
    }
    if (r.done) return false;
    this.#push.push(r.value);
    return true;
  }
}

/**
 * Encodes one value with a fresh encoder: the type definitions it needs, then
 * the value — the bytes Go's `gob.NewEncoder(w).Encode(v)` writes.
 */
export function encode<T>(type: Type<T>, value: T): Uint8Array {
  return new EncoderCore().encode(type, value);
}

/**
 * Decodes the first value of a complete gob stream, into `type` or, without
 * one, as plain JavaScript values.
 */
export function decode<T>(bytes: Uint8Array, type: Type<T>, options?: DecoderOptions): T;
/** Decodes the first value of a complete gob stream as plain JavaScript values. */
export function decode(bytes: Uint8Array, type?: undefined, options?: DecoderOptions): unknown;
export function decode(bytes: Uint8Array, type?: Type, options: DecoderOptions = {}): unknown {
  const core = new DecoderCore(options);
  core.feed(bytes);
  core.done = true;
  core.mark();
  return decodeValue(core, readerFor(type));
}

/** Decodes every value of a complete gob stream. */
export function decodeAll<T>(bytes: Uint8Array, type: Type<T>, options?: DecoderOptions): T[];
/** Decodes every value of a complete gob stream as plain JavaScript values. */
export function decodeAll(bytes: Uint8Array, type?: undefined, options?: DecoderOptions): unknown[];
export function decodeAll(bytes: Uint8Array, type?: Type, options: DecoderOptions = {}): unknown[] {
  const core = new DecoderCore(options);
  core.feed(bytes);
  core.done = true;
  const out: unknown[] = [];
  while (!core.empty) {
    core.mark();
    out.push(decodeValue(core, readerFor(type)));
  }
  return out;
}

/** Reads a value into descriptor `type`, or as plain values without one. */
function readerFor(type: Type | undefined): ValueReader {
  return type === undefined ? plainValue : (core, id) => typedValue(core, id, type);
}
