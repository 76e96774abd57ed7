/**
 * HTTP on Lambda: web-standard `(Request) => Response` handlers behind API Gateway (REST and
 * HTTP APIs), ALB and Function URLs, streamed responses, and the `awslambda` global of Lambda's
 * Node.js runtime (`streamifyResponse`, `HttpResponseStream`) so code written for it, such as
 * Hono's `streamHandle`, runs unchanged. Importing this module installs that global.
 *
 * @example
 * ```ts
 * import { start } from "../runtime/mod.ts";
 * import { http } from "./mod.ts";
 *
 * start(http((req) => new Response(`Hello from ${new URL(req.url).pathname}`)));
 * ```
 *
 * @module
 */

export { detectEventKind, eventToRequest, http, HttpContext, responseToResult } from "./handler.ts";
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
  RemoteAddr,
} from "./handler.ts";
export {
  bufferedHttpResult,
  encodePrelude,
  HTTP_INTEGRATION_CONTENT_TYPE,
  httpStreamResponse,
  splitPrelude,
} from "./stream.ts";
export type { HttpResponseMetadata, HttpStreamOptions } from "./stream.ts";
export {
  awslambda,
  HttpResponseStream,
  installAwsLambdaGlobal,
  streamifyResponse,
} from "./awslambda.ts";
export type {
  AwsLambdaGlobal,
  ResponseStream,
  StreamifyHandler,
  StreamingHandler,
} from "./awslambda.ts";
export { decodeBase64, encodeBase64, isTextContentType } from "./encoding.ts";
export { isStreamingResponse, StreamingResponse, streamResponse } from "../runtime/streaming.ts";
export type { StreamBody, StreamChunk, StreamingResponseInit } from "../runtime/streaming.ts";
export type { ClientContext, CognitoIdentity, Context, LambdaContext } from "../runtime/types.ts";
