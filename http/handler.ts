/**
 * `http(handler)`: a web-standard `(request, context) => Response` handler served behind every
 * Lambda HTTP front door. The event kind is detected per invocation:
 *
 * | kind | detected by | request headers | response |
 * |---|---|---|---|
 * | `apigw-v1` (REST API, HTTP API payload 1.0) | top-level `httpMethod` | `multiValueHeaders` (else `headers`) | `multiValueHeaders` (Set-Cookie: one value per cookie) |
 * | `apigw-v2` (HTTP API payload 2.0) | `version: "2.0"`, `requestContext.http` | `headers` + `cookies[]` | `headers` + `cookies[]` |
 * | `function-url` | as `apigw-v2`, domain `*.lambda-url.*` or no `stage` | `headers` + `cookies[]` | `headers` + `cookies[]`, or an HTTP-integration stream |
 * | `alb` | `requestContext.elb` | `multiValueHeaders` when the target group has them on, else `headers` | the same form as the request; Set-Cookie per cookie |
 *
 * Request: the method; the full URL (host from the request context or `Host`, scheme from
 * `X-Forwarded-Proto`, the path percent-encoded without double-encoding, the query with every
 * repeated key: `rawQueryString` on v2, re-encoded decoded values on v1, ALB's raw values as
 * they are); every header value (repeated ones appended, cookies joined with `; `; text beyond
 * ASCII as its UTF-8 bytes, as `Deno.serve` shows such a header); the body as
 * bytes (`isBase64Encoded` bodies decoded, never through a string). The raw event, the Lambda
 * context and the client's IP address are on the second argument ({@linkcode HttpContext}).
 *
 * Response: the status; every header; each `Set-Cookie` as its own value; the body as text when
 * it is text (by content type, and valid UTF-8) and base64 otherwise, always base64 under a
 * `Content-Encoding` (gzip, br, ...); no body for 1xx/204/304 and HEAD.
 *
 * A handler that throws fails the invocation (API Gateway answers 502); an event that is not an
 * HTTP event fails it with a `TypeError` naming what was received.
 *
 * @module
 */

import {
  type ALBEvent,
  type ALBResult,
  type APIGatewayProxyEvent,
  type APIGatewayProxyEventV2,
  type APIGatewayProxyResult,
  type APIGatewayProxyStructuredResultV2,
  detectEventKind,
  type HttpEvent,
  type HttpEventKind,
  type HttpResult,
  type LambdaFunctionURLEvent,
} from "../protocol/http_event.ts";
import type { StreamingResponse } from "../runtime/streaming.ts";
import type { LambdaContext } from "../runtime/types.ts";
import { type FetchHandler, HttpContext } from "./context.ts";
import type { HttpOptions } from "./options.ts";
import { PROCESSORS } from "./processor.ts";
import { eventToRequest } from "./request.ts";
import { responseToResult, responseToStream } from "./result.ts";

export { detectEventKind, eventToRequest, HttpContext, responseToResult };
export type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  FetchHandler,
  HttpEvent,
  HttpEventKind,
  HttpOptions,
  HttpResult,
  LambdaFunctionURLEvent,
};
export type { RemoteAddr } from "./context.ts";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Turns a fetch-style handler into a Lambda handler for API Gateway (REST and HTTP APIs), ALB
 * and Function URLs (see the module docs).
 *
 * @example
 * ```ts
 * import { start } from "../runtime/mod.ts";
 * import { http } from "./mod.ts";
 *
 * start(http((req, ctx) => {
 *   const url = new URL(req.url);
 *   return Response.json({ path: url.pathname, from: ctx.sourceIp });
 * }));
 * ```
 */
export function http(
  handler: FetchHandler,
  options: HttpOptions = {},
): (event: HttpEvent, context: LambdaContext) => Promise<HttpResult | StreamingResponse> {
  const streamMode = options.invokeMode === "RESPONSE_STREAM";
  return async (event, context) => {
    const kind = detectEventKind(event);
    if (kind === null) {
      const what = isRecord(event) ? `an object with keys ${Object.keys(event).join(", ")}` : (
        event === null ? "null" : typeof event
      );
      throw new TypeError(
        `not an HTTP event (API Gateway, ALB or Function URL): got ${what}`,
      );
    }
    const request = eventToRequest(event, kind, options, context.signal);
    const res = await handler(request, new HttpContext(event, kind, context));
    if (!(res instanceof Response)) {
      throw new TypeError(
        `the HTTP handler must return a Response, got ${res === null ? "null" : typeof res}`,
      );
    }
    if (streamMode && PROCESSORS[kind].canStream) {
      return responseToStream(res, event, kind, options, request.method);
    }
    return await responseToResult(res, event, kind, options, request.method);
  };
}
