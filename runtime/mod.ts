/**
 * gopherless's Lambda runtime: write a handler in TypeScript, and Lambda runs it as if it were a
 * Go function, under either protocol Lambda has for native binaries (the go1.x net/rpc protocol,
 * selected by `_LAMBDA_SERVER_PORT`, and the Runtime API of `provided.al2023`, selected by
 * `AWS_LAMBDA_RUNTIME_API`), picked the way aws-lambda-go picks it.
 *
 * @example
 * ```ts
 * import { type Context, start } from "./mod.ts";
 *
 * start(async (event: { name?: string }, context: Context) => {
 *   console.log("request", context.awsRequestId);
 *   return { message: `Hello, ${event.name ?? "world"}!` };
 * });
 * ```
 *
 * The Runtime API client itself (`RuntimeApiClient`, `serveRuntimeApi`) is a module of its own,
 * `runtime/runtime_api.ts` (the package's `./runtime/api`), not re-exported here: `start` loads it
 * only under the Runtime API, and a re-export would make every go1.x start load it too (a bundler
 * puts a re-exported module in the code every start loads).
 *
 * @module
 */

export { MODE_VARIABLES, type SelectedMode, selectMode, start } from "./start.ts";
export type {
  AnyLambdaHandler,
  ClientContext,
  CognitoIdentity,
  Context,
  LambdaCallback,
  LambdaContext,
  LambdaErrorShape,
  LambdaHandler,
  LambdaStackFrame,
  LogFormat,
  LogLevel,
  StartHandler,
  StartOptions,
  StreamifiedHandler,
} from "./types.ts";
export { InvokeContext } from "./context.ts";
export { createInvoker, encodeResult } from "./invoke.ts";
export type { Invoker, InvokeRequest, InvokeResult, InvokerOptions } from "./invoke.ts";
export { errorBody, parseStack, runtimeApiErrorBody, toErrorShape } from "./errors.ts";
export { invokeStore, LambdaInvokeStore, PROTECTED_KEYS } from "./invoke_store.ts";
export type { InvokeStoreContext } from "./invoke_store.ts";
export { installConsole, Logger } from "./logging.ts";
export type { LogConfig } from "./logging.ts";
export { isStreamingResponse, StreamingResponse, streamResponse } from "./streaming.ts";
export type { StreamBody, StreamChunk, StreamingResponseInit } from "./streaming.ts";
