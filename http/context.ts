/**
 * The second argument of an HTTP handler ({@linkcode HttpContext}): the Lambda context, the raw
 * event, and the client's address, shaped as handlers written for other runtimes look for them.
 *
 * @module
 */

import type { HttpEvent, HttpEventKind } from "../protocol/http_event.ts";
import type { ClientContext, CognitoIdentity, LambdaContext } from "../runtime/types.ts";
import { type AnyRecord, PROCESSORS } from "./processor.ts";

/** A fetch-style handler: the request in, a response out. */
export type FetchHandler = (
  request: Request,
  context: HttpContext,
) => Response | Promise<Response>;

/** A Deno-style remote address (`Deno.ServeHandlerInfo.remoteAddr`). */
export interface RemoteAddr {
  /** Always `tcp`. */
  transport: "tcp";
  /** The client's IP address ("" when the event does not carry it). */
  hostname: string;
  /** Unknown behind Lambda: `0`. */
  port: number;
}

/** The client's IP address, where the event's front door puts it. */
function sourceIpOf(event: HttpEvent, kind: HttpEventKind): string {
  return PROCESSORS[kind].sourceIp(event as unknown as AnyRecord);
}

/**
 * The second argument of a {@linkcode FetchHandler}: the Lambda context (all of its members),
 * plus the raw event, its kind and request context, and the client's address. Shaped so that
 * handlers written for other runtimes find what they look for: Hono's `c.env.event`,
 * `c.env.requestContext` and `c.env.lambdaContext` or `c.env.context` (as `hono/aws-lambda`'s
 * `handle` and `streamHandle` set them), and
 * `info.remoteAddr.hostname` of a `Deno.serve` handler.
 */
export class HttpContext implements LambdaContext {
  /** The raw event. */
  readonly event: HttpEvent;
  /** Which front door the event came from. */
  readonly kind: HttpEventKind;
  /** The event's `requestContext`. */
  readonly requestContext: HttpEvent["requestContext"];
  /** The Lambda context of the invocation. */
  readonly lambdaContext: LambdaContext;
  /** The client's IP address ("" when the event does not carry it). */
  readonly sourceIp: string;
  /** The client's address, as `Deno.serve` handlers receive it. */
  readonly remoteAddr: RemoteAddr;

  /** The context of one HTTP request: its event, its kind and the Lambda context. */
  constructor(event: HttpEvent, kind: HttpEventKind, lambdaContext: LambdaContext) {
    this.event = event;
    this.kind = kind;
    this.requestContext = event.requestContext;
    this.lambdaContext = lambdaContext;
    this.sourceIp = sourceIpOf(event, kind);
    this.remoteAddr = { transport: "tcp", hostname: this.sourceIp, port: 0 };
  }

  /** The Lambda context again, under the name Hono's `streamHandle` binds it to. */
  get context(): LambdaContext {
    return this.lambdaContext;
  }
  /** See `Context.callbackWaitsForEmptyEventLoop`. */
  get callbackWaitsForEmptyEventLoop(): boolean {
    return this.lambdaContext.callbackWaitsForEmptyEventLoop;
  }
  set callbackWaitsForEmptyEventLoop(v: boolean) {
    this.lambdaContext.callbackWaitsForEmptyEventLoop = v;
  }
  /** The function's name. */
  get functionName(): string {
    return this.lambdaContext.functionName;
  }
  /** The function's version. */
  get functionVersion(): string {
    return this.lambdaContext.functionVersion;
  }
  /** The ARN the function was invoked with. */
  get invokedFunctionArn(): string {
    return this.lambdaContext.invokedFunctionArn;
  }
  /** The memory limit, in MB, as a decimal string. */
  get memoryLimitInMB(): string {
    return this.lambdaContext.memoryLimitInMB;
  }
  /** The invocation's request id. */
  get awsRequestId(): string {
    return this.lambdaContext.awsRequestId;
  }
  /** The CloudWatch log group. */
  get logGroupName(): string {
    return this.lambdaContext.logGroupName;
  }
  /** The CloudWatch log stream. */
  get logStreamName(): string {
    return this.lambdaContext.logStreamName;
  }
  /** The Cognito identity, if any. */
  get identity(): CognitoIdentity | undefined {
    return this.lambdaContext.identity;
  }
  /** The client context, if any. */
  get clientContext(): ClientContext | undefined {
    return this.lambdaContext.clientContext;
  }
  /** The tenant id, if any. */
  get tenantId(): string | undefined {
    return this.lambdaContext.tenantId;
  }
  /** Aborts at the deadline and when the invocation ends. */
  get signal(): AbortSignal {
    return this.lambdaContext.signal;
  }
  /** The deadline, Unix epoch milliseconds. */
  get deadlineMs(): number {
    return this.lambdaContext.deadlineMs;
  }
  /** The X-Ray trace header, if any. */
  get traceId(): string | undefined {
    return this.lambdaContext.traceId;
  }
  /** Milliseconds left until the deadline. */
  getRemainingTimeInMillis(): number {
    return this.lambdaContext.getRemainingTimeInMillis();
  }
  /** @deprecated Node.js compatibility; see `Context.done`. */
  done(error?: Error, result?: unknown): void {
    this.lambdaContext.done(error, result);
  }
  /** @deprecated Node.js compatibility; see `Context.fail`. */
  fail(error: Error | string): void {
    this.lambdaContext.fail(error);
  }
  /** @deprecated Node.js compatibility; see `Context.succeed`. */
  succeed(messageOrObject: unknown, object?: unknown): void {
    if (object === undefined) this.lambdaContext.succeed(messageOrObject);
    else this.lambdaContext.succeed(String(messageOrObject), object);
  }
}
