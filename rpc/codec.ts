/**
 * The codec interfaces, shaped like Go's `rpc.ServerCodec` and
 * `rpc.ClientCodec`: a codec owns one connection's framing and encoding; the
 * server and client machinery above it owns dispatch, sequencing and errors.
 *
 * Bodies travel with their gob type descriptors: the gob codec needs them to
 * encode and decode, and the JSON codec uses them to shape JSON values the way
 * Go's `encoding/json` would (field names, `[]byte` as base64, 64-bit ints).
 *
 * @module
 */

import type { Type } from "../gob/mod.ts";
import type { Channel } from "./channel.ts";

/** A request header (Go's `rpc.Request`). */
export interface RequestHeader {
  /** `"Service.Method"`. */
  serviceMethod: string;
  /** The client's sequence number, echoed in the response. */
  seq: number;
}

/** A response header (Go's `rpc.Response`). */
export interface ResponseHeader {
  /** Echoes the request's. */
  serviceMethod: string;
  /** Echoes the request's. */
  seq: number;
  /** The error, or `""` on success. */
  error: string;
}

/**
 * The server side of a codec (Go's `rpc.ServerCodec`). The server calls
 * `readRequestHeader` and `readRequestBody` in pairs from one loop, and
 * `writeResponse` from any number of concurrent calls; a codec must keep each
 * response's header and body together.
 */
export interface ServerCodec {
  /** The next request header, or null at a clean end of stream. Throws on a broken stream. */
  readRequestHeader(): Promise<RequestHeader | null>;
  /**
   * The body of the request whose header was just read, decoded as `type`;
   * with `type` null, reads and discards it. Throws if it cannot be decoded
   * (the connection goes on).
   */
  readRequestBody<T>(type: Type<T> | null): Promise<T | undefined>;
  /**
   * Queues a response: header plus body (encoded as `type`), written in one
   * write. With `header.error` set the body is ignored and the codec sends
   * its error body (`struct{}{}` for gob, `null` for JSON). Throws only if
   * the body cannot be encoded; then nothing was sent.
   */
  writeResponse(header: ResponseHeader, type: Type | null, body: unknown): void;
  /** Resolves once queued responses are written. */
  flush(): Promise<void>;
  /** Bytes queued for writing and not yet written (for backpressure). */
  readonly backlog: number;
  /** Closes the connection. */
  close(): Promise<void>;
}

/**
 * The client side of a codec (Go's `rpc.ClientCodec`). `writeRequest` may be
 * called concurrently with the read loop's `readResponseHeader` /
 * `readResponseBody` pairs.
 */
export interface ClientCodec {
  /** Queues a request (header and body in one write). Throws if the body cannot be encoded. */
  writeRequest(header: RequestHeader, type: Type, body: unknown): void;
  /** The next response header, or null at a clean end of stream. */
  readResponseHeader(): Promise<ResponseHeader | null>;
  /** The body of the response just read, decoded as `type`; null reads and discards it. */
  readResponseBody<T>(type: Type<T> | null): Promise<T | undefined>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Limits a server applies to each connection's codec. */
export interface CodecLimits {
  /** Largest message accepted, in bytes. */
  maxMessageSize: number;
  /** Longest silence, in ms, in the middle of a message. */
  stallTimeout: number;
}

/** Builds a server codec on a connection. */
export type ServerCodecFactory = (channel: Channel, limits: CodecLimits) => ServerCodec;
/** Builds a client codec on a connection. */
export type ClientCodecFactory = (channel: Channel, limits: CodecLimits) => ClientCodec;
