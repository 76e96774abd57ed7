/**
 * The public types of the Lambda runtime: handlers, the invoke context and the error shape.
 *
 * Handlers and contexts are typed so that the community types in `@types/aws-lambda` fit: a
 * `Handler<APIGatewayProxyEvent, APIGatewayProxyResult>` from that package can be passed to
 * `start` as is, and a handler written against our {@linkcode LambdaContext} can be declared with
 * `@types/aws-lambda`'s `Context` instead.
 *
 * The types package is imported through its full `npm:` specifier: TypeScript refuses to import a
 * bare `@types/...` name ("Cannot import type declaration files", TS6137), so the `deno.json`
 * import-map entry of that name cannot be used from code.
 *
 * @module
 */

import type {
  ClientContext as AwsClientContext,
  Context as AwsContext,
} from "../protocol/aws_lambda.ts";

/** Lambda's invocation context, exactly as `@types/aws-lambda` declares `Context`. */
export type Context = AwsContext;

/** The mobile client context of an invocation (`@types/aws-lambda`'s `ClientContext`). */
export type ClientContext = AwsClientContext;

export type { CognitoIdentity } from "../protocol/invocation.ts";

/**
 * The callback a Node-style handler may call instead of returning a promise, as in
 * `@types/aws-lambda`'s `Callback`.
 */
export type LambdaCallback<R = unknown> = (
  error?: Error | string | null,
  result?: R,
) => void;

/**
 * A Lambda handler: `(event, context) => result | Promise<result>`.
 *
 * `@types/aws-lambda`'s `Handler<E, R>` is assignable to this type, so are plain
 * `async (event: MyEvent, context: Context) => ...` functions. A handler that declares a third
 * parameter and returns nothing (not a promise) is called Node-style: its result is what it passes
 * to the callback (or to the deprecated `context.done`/`succeed`/`fail`).
 */
export type LambdaHandler<E = unknown, R = unknown> = (
  event: E,
  context: LambdaContext,
  callback: LambdaCallback<R>,
) => R | Promise<R> | void;

/**
 * A handler of any event type: the event parameter is `never` so that every handler fits,
 * generic ones such as Hono's `handle(app)` (`hono/aws-lambda`) included. The event a handler
 * gets is the invocation's JSON payload, which the runtime cannot check against its type.
 */
export type AnyLambdaHandler = (
  event: never,
  context: LambdaContext,
  callback: LambdaCallback<unknown>,
) => unknown;

/**
 * What `awslambda.streamifyResponse(...)` returns as `@types/aws-lambda` types it: a handler whose
 * second parameter is the response stream. At run time gopherless's `streamifyResponse` returns
 * the two-argument Lambda handler it really is, so such a value can be passed to `start` as is.
 */
export type StreamifiedHandler = (
  event: never,
  responseStream: awslambda.HttpResponseStream,
  context: Context,
) => unknown; // @types/aws-lambda's StreamifyHandler<never, unknown>, written out

/**
 * Every handler {@linkcode start} accepts: a {@linkcode LambdaHandler} of any event and result
 * type, `@types/aws-lambda`'s `Handler`s, generic handlers ({@linkcode AnyLambdaHandler}) and
 * streamified ones ({@linkcode StreamifiedHandler}).
 */
export type StartHandler = AnyLambdaHandler | StreamifiedHandler;

/**
 * The context passed to each invocation. It is `@types/aws-lambda`'s `Context` (all of its
 * members behave as in Lambda's Node.js runtime) plus a few members Go's `context.Context` gives
 * Go functions.
 */
export interface LambdaContext extends Context {
  /**
   * Aborts when the invocation's deadline passes (reason: a `DOMException` named
   * `TimeoutError`), or when the invocation has finished (reason: `AbortError`), the way Go's
   * invoke context is cancelled at its deadline and when the handler returns.
   */
  readonly signal: AbortSignal;
  /** The deadline as Unix epoch milliseconds (may carry a fraction on the go1.x protocol). */
  readonly deadlineMs: number;
  /** The X-Ray trace header of this invocation (`Root=...;Parent=...;Sampled=...`), if any. */
  readonly traceId: string | undefined;
}

export type { LambdaErrorShape, LambdaStackFrame } from "../protocol/lambda_error.ts";

/** Log output formats, as `AWS_LAMBDA_LOG_FORMAT` names them. */
export type LogFormat = "Text" | "JSON";

/** Log levels, as `AWS_LAMBDA_LOG_LEVEL` names them, most verbose first. */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL";

/** Options for {@linkcode start}. */
export interface StartOptions {
  /**
   * Work to do once before the first invocation (open connections, load configuration). If it
   * throws or rejects, the failure is reported to Lambda as an init error
   * (`/runtime/init/error` on the Runtime API) and the process exits with status 1.
   */
  init?: () => void | Promise<void>;
  /**
   * Runs when the process receives SIGTERM (after the function's own SIGTERM listeners), before
   * the work they left pending is awaited and the process exits with status 0, at most 400 ms
   * after the signal (see `runtime/shutdown.ts`). On the Runtime API the runtime also registers
   * an internal extension so that Lambda sends SIGTERM at shutdown at all (Lambda only does when
   * some extension is registered), as it does for a SIGTERM listener of the function's own;
   * Lambda gives about 500 ms.
   */
  onShutdown?: () => void | Promise<void>;
  /**
   * Route `console.*` through the Lambda log formatter (default `true`). Pass `false` to keep
   * Deno's console untouched, or an object to override the environment variables.
   */
  logging?: boolean | { format?: LogFormat; level?: LogLevel };
}
