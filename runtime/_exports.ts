/**
 * The runtime's public names, without side effects: `mod.ts` re-exports them and installs the
 * runtime's globals; the package root re-exports them and installs those only in a Lambda
 * environment.
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
export type { InvocationTracer } from "./telemetry.ts";
export type { Invoker, InvokeRequest, InvokeResult, InvokerOptions } from "./invoke.ts";
export { errorBody, parseStack, runtimeApiErrorBody, toErrorShape } from "./errors.ts";
export { invokeStore, LambdaInvokeStore, PROTECTED_KEYS } from "./invoke_store.ts";
export type { InvokeStoreContext } from "./invoke_store.ts";
export { installConsole, Logger } from "./logging.ts";
export type { LogConfig } from "./logging.ts";
export { isStreamingResponse, StreamingResponse, streamResponse } from "./streaming.ts";
export type { StreamBody, StreamChunk, StreamingResponseInit } from "./streaming.ts";
