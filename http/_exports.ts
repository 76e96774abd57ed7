/**
 * The HTTP floor's public names, without side effects: `mod.ts` re-exports them and installs the
 * `awslambda` global; the package root re-exports them and installs it only in a Lambda
 * environment.
 *
 * @module
 */

export * from "./handler.ts";
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
