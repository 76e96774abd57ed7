/**
 * HTTP response streaming through Lambda (Function URLs in `RESPONSE_STREAM` mode, API Gateway
 * REST APIs with response streaming): the streamed body starts with a JSON prelude
 * `{statusCode, headers, cookies}`, then 8 NUL bytes, then the HTTP body, sent with the content
 * type `application/vnd.awslambda.http-integration-response`. This is the format of Node's
 * `awslambda.HttpResponseStream.from` and of aws-lambda-go's
 * `events.LambdaFunctionURLStreamingResponse`.
 *
 * @module
 */

import {
  type APIGatewayProxyStructuredResultV2,
  HTTP_INTEGRATION_CONTENT_TYPE,
  PRELUDE_DELIMITER_LENGTH,
} from "../protocol/http_event.ts";
import {
  type StreamBody,
  type StreamChunk,
  type StreamingResponse,
  streamResponse,
} from "../runtime/streaming.ts";
import { encodeBody } from "./encoding.ts";

/** The content type of an HTTP-integration stream (the contract's). */
export { HTTP_INTEGRATION_CONTENT_TYPE };

/** The metadata prelude of an HTTP-integration stream. */
export interface HttpResponseMetadata {
  /** The HTTP status (default 200). */
  statusCode?: number;
  /** Response headers; one value each (join repeated ones with `, `). */
  headers?: Record<string, string>;
  /** Response headers with several values (API Gateway REST). */
  multiValueHeaders?: Record<string, string[]>;
  /** `Set-Cookie` values, one per cookie. */
  cookies?: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DELIMITER = new Uint8Array(PRELUDE_DELIMITER_LENGTH);

/** The prelude bytes: the metadata as JSON, then 8 NUL bytes. */
export function encodePrelude(metadata: HttpResponseMetadata): Uint8Array {
  const json = encoder.encode(JSON.stringify(metadata));
  const out = new Uint8Array(json.length + DELIMITER.length);
  out.set(json, 0);
  return out;
}

/**
 * Splits a collected HTTP-integration stream into its metadata and body; `null` when it does not
 * start with a prelude. (JSON text never contains a NUL byte, so the first NUL starts the
 * delimiter.)
 */
export function splitPrelude(
  bytes: Uint8Array,
): { metadata: HttpResponseMetadata; body: Uint8Array } | null {
  const at = bytes.indexOf(0);
  const end = at + PRELUDE_DELIMITER_LENGTH;
  if (at < 0 || end > bytes.length) return null;
  for (let i = at; i < end; i++) if (bytes[i] !== 0) return null;
  try {
    const metadata = JSON.parse(decoder.decode(bytes.subarray(0, at))) as HttpResponseMetadata;
    if (typeof metadata !== "object" || metadata === null) return null;
    return { metadata, body: bytes.subarray(end) };
  } catch {
    return null;
  }
}

function headerOf(meta: HttpResponseMetadata, name: string): string | null {
  for (const [k, v] of Object.entries(meta.headers ?? {})) {
    if (k.toLowerCase() === name) return v;
  }
  for (const [k, v] of Object.entries(meta.multiValueHeaders ?? {})) {
    if (k.toLowerCase() === name && v.length > 0) return v.join(", ");
  }
  return null;
}

/**
 * A collected HTTP-integration stream as the buffered Function URL / HTTP API result it stands
 * for (used where a stream cannot be sent: the go1.x protocol). A body without a prelude is
 * returned as a 200 with that body.
 */
export function bufferedHttpResult(bytes: Uint8Array): APIGatewayProxyStructuredResultV2 {
  const split = splitPrelude(bytes);
  const meta = split?.metadata ?? {};
  const body = split?.body ?? bytes;
  const out: APIGatewayProxyStructuredResultV2 = { statusCode: meta.statusCode ?? 200 };
  const headers: Record<string, string> = { ...(meta.headers ?? {}) };
  for (const [k, v] of Object.entries(meta.multiValueHeaders ?? {})) {
    if (!(k in headers) && v.length > 0) headers[k] = v.join(", ");
  }
  out.headers = headers;
  if (meta.cookies && meta.cookies.length > 0) out.cookies = meta.cookies;
  const enc = encodeBody(body, headerOf(meta, "content-type"), headerOf(meta, "content-encoding"));
  out.body = enc.body;
  out.isBase64Encoded = enc.isBase64Encoded;
  return out;
}

/** Options of {@linkcode httpStreamResponse}. */
export interface HttpStreamOptions {
  /**
   * Where the stream cannot be sent (the go1.x protocol): the result standing for the collected
   * body (the HTTP body only, prelude removed). Default: {@linkcode bufferedHttpResult}'s result.
   */
  buffered?: (body: Uint8Array, metadata: HttpResponseMetadata) => unknown;
}

/**
 * A handler result streaming an HTTP response to a Function URL (or API Gateway REST API) in
 * response-streaming mode: the prelude from `metadata`, then `body` as it is produced.
 *
 * @example
 * ```ts
 * import { start } from "../runtime/mod.ts";
 * import { httpStreamResponse } from "./mod.ts";
 *
 * start(() =>
 *   httpStreamResponse(
 *     (async function* () {
 *       yield "<p>loading…</p>";
 *       yield "<p>done</p>";
 *     })(),
 *     { statusCode: 200, headers: { "content-type": "text/html" } },
 *   )
 * );
 * ```
 */
export function httpStreamResponse(
  body: StreamBody | null,
  metadata: HttpResponseMetadata,
  options: HttpStreamOptions = {},
): StreamingResponse {
  const prelude = encodePrelude(metadata);
  async function* chunks(): AsyncGenerator<StreamChunk> {
    yield prelude;
    if (body === null) return;
    if (body instanceof ReadableStream) {
      const reader = body.getReader();
      let finished = false;
      try {
        while (true) {
          const r = await reader.read();
          if (r.done) {
            finished = true;
            return;
          }
          yield r.value;
        }
      } finally {
        // Stopped early (the consumer cancelled): cancel the source too.
        if (!finished) await reader.cancel().catch(() => {});
      }
    } else {
      yield* body as AsyncIterable<StreamChunk>;
    }
  }
  const buffered = options.buffered;
  return streamResponse(chunks(), {
    contentType: HTTP_INTEGRATION_CONTENT_TYPE,
    buffered: (bytes) => {
      if (!buffered) return bufferedHttpResult(bytes);
      return buffered(bytes.subarray(prelude.length), metadata);
    },
  });
}
