/**
 * The gob codec of Go's net/rpc (`gobServerCodec` / `gobClientCodec`): one
 * gob stream per direction, type definitions sent once per connection.
 *
 * - client → server: `Request{ServiceMethod string; Seq uint64}`, then the args;
 * - server → client: `Response{ServiceMethod string; Seq uint64; Error string}`,
 *   then the reply, or `struct{}{}` (an anonymous empty struct) with an error.
 *
 * Each header and its body leave in one write, byte-identical to Go's.
 * Incoming chunks feed a synchronous gob decoder core ({@link StreamDecoder}).
 *
 * @module
 */

import { Encoder, GobError, type Type } from "../gob/mod.ts";
// The namespace module itself, not `t` from gob/mod.ts: a re-exported namespace is built as an
// object, which keeps every descriptor of gob in the bundle (the marshalers included).
import * as t from "../gob/t.ts";
// Not in gob/mod.ts's public surface: the synchronous decoder core, so a request's header and
// body decode from one buffered chunk with no await. The core, not `PushDecoder`: that class
// brings the schemaless decoding (plain values, JSON), which a server never uses (every go1.x
// start would load it).
import { DecoderCore, LARGE_MESSAGE, skipValue, takeValue, typedValue } from "../gob/decode.ts";
import type {
  ClientCodec,
  CodecLimits,
  RequestHeader,
  ResponseHeader,
  ServerCodec,
} from "./codec.ts";
import type { ByteReader } from "../ground/reader.ts";
import { fromReadError, RpcError } from "./errors.ts";
import type { Channel } from "./channel.ts";

/** Go's `rpc.Request` (Seq as a number: exact up to 2^53). */
export const RequestType: Type<{ ServiceMethod: string; Seq: number }> = t.struct("Request", {
  ServiceMethod: t.string,
  Seq: t.uint64,
});
/** Go's `rpc.Response`. */
export const ResponseType: Type<{ ServiceMethod: string; Seq: number; Error: string }> = t.struct(
  "Response",
  { ServiceMethod: t.string, Seq: t.uint64, Error: t.string },
);
/** Go's `invalidRequest`: `struct{}{}`, an unnamed empty struct, the body of error responses. */
export const InvalidRequestType: Type<Record<string, never>> = t.struct("", {});
const INVALID = {};

/**
 * A gob decoder fed from a {@link ByteReader}: chunks go straight into the
 * synchronous decoder core, and a value is decoded as soon as its messages
 * are buffered (a header and its body usually arrive in one chunk and decode
 * without awaiting). The core enforces the message size limit before
 * buffering a message; the reader's stall timeout applies while a message is
 * incomplete.
 */
export class StreamDecoder {
  #core: DecoderCore;
  #reader: ByteReader;

  /** Decodes from `reader`, refusing messages over `maxMessageSize` bytes. */
  constructor(reader: ByteReader, maxMessageSize: number) {
    this.#reader = reader;
    this.#core = new DecoderCore({ maxMessageSize });
  }

  /**
   * Decodes the next value as `type`, or skips it (`type` null). Throws
   * GobError "eof" at a clean end of stream, other GobErrors on bad input,
   * RpcErrors from the reader (timeouts).
   */
  async decode<T>(type: Type<T> | null): Promise<T | undefined> {
    const core = this.#core;
    const read = type === null
      ? skipValue
      : (c: DecoderCore, id: number) => typedValue(c, id, type);
    for (;;) {
      const r = takeValue(core, read);
      if (r !== null) {
        // A value is complete: with nothing more buffered, the reader is between messages.
        if (core.empty) this.#reader.endUnit();
        return r.value as T | undefined;
      }
      const missing = core.missing;
      if (missing >= LARGE_MESSAGE) {
        // A large message of known length: read straight into a buffer of its size, not in
        // chunks copied into one that doubles as they arrive.
        const room = core.reserve(missing);
        const n = await this.#reader.readInto(room);
        core.commit(n);
        if (n < room.length) core.done = true;
        continue;
      }
      const chunk = await this.#reader.readChunk(!core.empty);
      if (chunk === null) core.done = true;
      else core.feed(chunk);
    }
  }
}

/**
 * The type-definition messages at the front of `bytes` (one `marshal`
 * result), without the value message that ends it. Used when a header was
 * marshalled but its body could not be: the definitions are recorded as sent,
 * so they must still reach the peer.
 */
export function definitionsOnly(bytes: Uint8Array): Uint8Array {
  let p = 0;
  let lastStart = 0;
  while (p < bytes.length) {
    lastStart = p;
    const b = bytes[p++];
    let n = b;
    if (b >= 0x80) {
      const k = 256 - b;
      n = 0;
      for (let i = 0; i < k; i++) n = n * 256 + bytes[p++];
    }
    p += n;
  }
  return bytes.subarray(0, lastStart);
}

/** Rethrows a decoder failure as an rpc error, keeping the cause. */
function rethrow(e: unknown): never {
  if (e instanceof GobError) {
    if (e.code === "unexpected-eof") throw new RpcError("unexpected-eof", e.message, { cause: e });
    throw new RpcError("codec", e.message, { cause: e });
  }
  throw fromReadError(e);
}

/** Reads the next header as `type`; null at a clean end of stream (no more calls or replies). */
async function readHeader<T>(dec: StreamDecoder, type: Type<T>): Promise<T | null> {
  try {
    return (await dec.decode(type))!;
  } catch (e) {
    if (e instanceof GobError && e.code === "eof") return null;
    rethrow(e);
  }
}

/** Reads the body that follows a header as `type`, or skips it (`type` null). */
async function readBody<T>(dec: StreamDecoder, type: Type<T> | null): Promise<T | undefined> {
  try {
    return await dec.decode(type);
  } catch (e) {
    rethrow(e);
  }
}

/**
 * Sends the marshalled header `h` with the body `marshalBody` gives. A body that cannot be
 * encoded is an rpc "codec" error, and only the type definitions `h` carried are sent: the
 * encoder has recorded them as sent, so the peer must have them.
 */
function sendHeaderAndBody(ch: Channel, h: Uint8Array, marshalBody: () => Uint8Array): void {
  let b: Uint8Array;
  try {
    b = marshalBody();
  } catch (e) {
    const defs = definitionsOnly(h);
    if (defs.length > 0) ch.writer.send(defs);
    if (e instanceof GobError) throw new RpcError("codec", e.message, { cause: e });
    throw e;
  }
  // Both are the encoder's output, never written again: taken, not copied.
  ch.writer.sendTaken(h, b);
}

/** The server side of Go's gob codec. */
export class GobServerCodec implements ServerCodec {
  #ch: Channel;
  #dec: StreamDecoder;
  #enc = new Encoder();

  /** Serves one connection. */
  constructor(channel: Channel, limits: CodecLimits) {
    this.#ch = channel;
    this.#dec = new StreamDecoder(channel.reader, limits.maxMessageSize);
  }

  async readRequestHeader(): Promise<RequestHeader | null> {
    const r = await readHeader(this.#dec, RequestType);
    return r && { serviceMethod: r.ServiceMethod, seq: r.Seq };
  }

  readRequestBody<T>(type: Type<T> | null): Promise<T | undefined> {
    return readBody(this.#dec, type);
  }

  writeResponse(header: ResponseHeader, type: Type | null, body: unknown): void {
    const enc = this.#enc;
    const h = enc.marshal(ResponseType, {
      ServiceMethod: header.serviceMethod,
      Seq: header.seq,
      Error: header.error,
    });
    sendHeaderAndBody(
      this.#ch,
      h,
      () =>
        header.error !== "" || type === null
          ? enc.marshal(InvalidRequestType, INVALID)
          : enc.marshal(type, body),
    );
  }

  flush(): Promise<void> {
    return this.#ch.writer.flushed();
  }

  get backlog(): number {
    return this.#ch.writer.backlog;
  }

  close(): Promise<void> {
    return this.#ch.close();
  }
}

/** The client side of Go's gob codec. */
export class GobClientCodec implements ClientCodec {
  #ch: Channel;
  #dec: StreamDecoder;
  #enc = new Encoder();

  /** Speaks gob on one connection. */
  constructor(channel: Channel, limits: CodecLimits) {
    this.#ch = channel;
    this.#dec = new StreamDecoder(channel.reader, limits.maxMessageSize);
  }

  writeRequest(header: RequestHeader, type: Type, body: unknown): void {
    const enc = this.#enc;
    const h = enc.marshal(RequestType, { ServiceMethod: header.serviceMethod, Seq: header.seq });
    sendHeaderAndBody(this.#ch, h, () => enc.marshal(type, body));
  }

  async readResponseHeader(): Promise<ResponseHeader | null> {
    const r = await readHeader(this.#dec, ResponseType);
    return r && { serviceMethod: r.ServiceMethod, seq: r.Seq, error: r.Error };
  }

  readResponseBody<T>(type: Type<T> | null): Promise<T | undefined> {
    return readBody(this.#dec, type);
  }

  close(): Promise<void> {
    return this.#ch.close(250);
  }
}

/** Factory for {@link GobServerCodec}. */
export function gobServerCodec(channel: Channel, limits: CodecLimits): ServerCodec {
  return new GobServerCodec(channel, limits);
}

/** Factory for {@link GobClientCodec}. */
export function gobClientCodec(channel: Channel, limits: CodecLimits): ClientCodec {
  return new GobClientCodec(channel, limits);
}
