/**
 * `Response` → result: the buffered result an event kind expects, or an HTTP-integration stream
 * (see `handler.ts` for the rules).
 *
 * @module
 */

import type { HttpEvent, HttpEventKind, HttpResult } from "../protocol/http_event.ts";
import type { StreamingResponse } from "../runtime/streaming.ts";
import { encodeBody } from "./encoding.ts";
import type { HttpOptions } from "./options.ts";
import { type AnyRecord, joined, PROCESSORS } from "./processor.ts";
import { type HttpResponseMetadata, httpStreamResponse } from "./stream.ts";

/** Statuses that never carry a body. */
function bodyless(status: number, method: string): boolean {
  return status < 200 || status === 204 || status === 205 || status === 304 || method === "HEAD";
}

/** Header names/values of a response, repeated names kept apart, Set-Cookie separated. */
function collectHeaders(res: Response): { multi: Record<string, string[]>; cookies: string[] } {
  // No prototype: a header a handler names `__proto__` is data like any other.
  const multi: Record<string, string[]> = Object.create(null);
  for (const [name, value] of res.headers) {
    if (name === "set-cookie") continue;
    (multi[name] ??= []).push(value);
  }
  return { multi, cookies: res.headers.getSetCookie() };
}

/** Shapes a status, headers and an encoded body as the result `kind` expects. */
function shapeResult(
  kind: HttpEventKind,
  event: AnyRecord,
  status: number,
  multi: Record<string, string[]>,
  cookies: string[],
  body: { body: string; isBase64Encoded: boolean },
): HttpResult {
  return PROCESSORS[kind].result(event, status, multi, cookies, body);
}

/** Turns a `Response` into the buffered result `kind` expects (see the module docs). */
export async function responseToResult(
  res: Response,
  event: HttpEvent,
  kind: HttpEventKind,
  options: Pick<HttpOptions, "isBase64Encoded"> = {},
  method = "GET",
): Promise<HttpResult> {
  const status = res.status;
  let bytes: Uint8Array;
  if (bodyless(status, method)) {
    await res.body?.cancel().catch(() => {});
    bytes = new Uint8Array(0);
  } else {
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  const { multi, cookies } = collectHeaders(res);
  const body = encodeBody(
    bytes,
    res.headers.get("content-type"),
    res.headers.get("content-encoding"),
    options.isBase64Encoded?.(res),
  );
  return shapeResult(kind, event as unknown as AnyRecord, status, multi, cookies, body);
}

/** Turns a `Response` into an HTTP-integration stream (Function URL / REST API streaming). */
export function responseToStream(
  res: Response,
  event: HttpEvent,
  kind: HttpEventKind,
  options: Pick<HttpOptions, "isBase64Encoded">,
  method: string,
): StreamingResponse {
  const { multi, cookies } = collectHeaders(res);
  const metadata: HttpResponseMetadata = { statusCode: res.status, headers: joined(multi) };
  if (cookies.length > 0) metadata.cookies = cookies;
  let body: ReadableStream<Uint8Array> | null = res.body;
  if (bodyless(res.status, method)) {
    res.body?.cancel().catch(() => {});
    body = null;
  }
  return httpStreamResponse(body, metadata, {
    // Where streaming is impossible (go1.x): the ordinary result of this response.
    buffered: (bytes) => {
      const enc = encodeBody(
        bytes,
        res.headers.get("content-type"),
        res.headers.get("content-encoding"),
        options.isBase64Encoded?.(res),
      );
      return shapeResult(kind, event as unknown as AnyRecord, res.status, multi, cookies, enc);
    },
  });
}
