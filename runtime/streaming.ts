/**
 * Response streaming: a handler returns a {@linkcode StreamingResponse} (made with
 * {@linkcode streamResponse}) instead of a value, and the runtime sends its body to Lambda as it is
 * produced.
 *
 * - On the Runtime API the body goes to `POST …/{id}/response` with
 *   `Lambda-Runtime-Function-Response-Mode: streaming` and `Transfer-Encoding: chunked`, each
 *   chunk written as soon as the stream yields it. If the stream errors after its first chunk, the
 *   error goes in the `Lambda-Runtime-Function-Error-Type` / `-Body` trailers (as Lambda's Node.js
 *   runtime sends them); if it errors before producing anything, the invoke fails the ordinary way
 *   (`POST …/{id}/error`).
 * - On the go1.x protocol, which has no streaming, the body is collected and sent whole, and a
 *   warning is logged (once per process). A response may say how its collected body becomes an
 *   ordinary result (`buffered`), as the HTTP adapter does to turn an HTTP-integration stream into
 *   a proxy result.
 *
 * The invocation (its `context.signal`, the logging scope) lasts until the body has been sent.
 *
 * @example
 * ```ts
 * import { start, streamResponse } from "./mod.ts";
 *
 * start(() =>
 *   streamResponse(
 *     (async function* () {
 *       yield "first\n";
 *       await new Promise((r) => setTimeout(r, 500));
 *       yield "second\n";
 *     })(),
 *     { contentType: "text/plain" },
 *   )
 * );
 * ```
 *
 * @module
 */

/** Marks streaming responses; a registered symbol, so copies of this module recognise each other. */
const BRAND: unique symbol = Symbol.for("gopherless.StreamingResponse");

/** A chunk a streamed body may yield: bytes, or text (sent as UTF-8). */
export type StreamChunk = Uint8Array | string;

/** What {@linkcode streamResponse} accepts as a body. */
export type StreamBody =
  | ReadableStream<StreamChunk>
  | AsyncIterable<StreamChunk>
  | Iterable<StreamChunk>;

/** Options of {@linkcode streamResponse}. */
export interface StreamingResponseInit {
  /**
   * The `Content-Type` of the streamed body (default `application/octet-stream`). A function is
   * called once, when the first chunk is ready (or the body ends empty), so a producer may still
   * change it until then (Node's `responseStream.setContentType`).
   */
  contentType?: string | (() => string);
  /**
   * Where the response cannot be streamed (the go1.x protocol): turns the collected body into the
   * handler's result, which is then encoded as any result is. Without it, the bytes are the result
   * (sent raw, with the content type).
   */
  buffered?: (body: Uint8Array, contentType: string) => unknown;
}

/** A handler result whose body the runtime streams to Lambda; see the module docs. */
export class StreamingResponse {
  /** Brand checked by {@linkcode isStreamingResponse}. */
  readonly [BRAND] = true as const;
  /** The body, as UTF-8 bytes. */
  readonly body: ReadableStream<Uint8Array>;
  /** See {@linkcode StreamingResponseInit.buffered}. */
  readonly buffered: ((body: Uint8Array, contentType: string) => unknown) | undefined;
  readonly #contentType: string | (() => string);

  /** A streamed response with the given body; see {@linkcode streamResponse}. */
  constructor(body: StreamBody, init: StreamingResponseInit = {}) {
    this.body = toByteStream(body);
    this.#contentType = init.contentType ?? "application/octet-stream";
    this.buffered = init.buffered;
  }

  /** The content type; read by the runtime when the first chunk is ready. */
  get contentType(): string {
    const ct = this.#contentType;
    return typeof ct === "function" ? ct() : ct;
  }
}

/** Whether `value` is a {@linkcode StreamingResponse} (from any copy of this module). */
export function isStreamingResponse(value: unknown): value is StreamingResponse {
  return typeof value === "object" && value !== null &&
    (value as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * A handler result that is streamed to the caller as `body` yields chunks (see the module docs).
 * Strings are sent as UTF-8.
 */
export function streamResponse(body: StreamBody, init?: StreamingResponseInit): StreamingResponse {
  return new StreamingResponse(body, init);
}

const encoder = new TextEncoder();

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  throw new TypeError(
    `a streamed body must yield Uint8Array or string chunks, got ${
      chunk === null ? "null" : typeof chunk
    }`,
  );
}

function toByteStream(body: StreamBody): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) {
    return body.pipeThrough(
      new TransformStream<StreamChunk, Uint8Array>({
        transform(chunk, c) {
          const bytes = toBytes(chunk);
          if (bytes.length > 0) c.enqueue(bytes);
        },
      }),
    );
  }
  const it = Symbol.asyncIterator in body
    ? (body as AsyncIterable<StreamChunk>)[Symbol.asyncIterator]()
    : (body as Iterable<StreamChunk>)[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      while (true) {
        const r = await it.next();
        if (r.done) return c.close();
        const bytes = toBytes(r.value);
        if (bytes.length > 0) return c.enqueue(bytes);
      }
    },
    async cancel(reason) {
      await it.return?.(reason);
    },
  });
}
