/**
 * The Lambda invocation context: what a handler receives as its second argument, and the
 * per-invocation async-local state (request id for log lines) the rest of the runtime reads.
 *
 * Function-level values (name, version, memory, log group/stream, maximum concurrency) are read
 * from the environment once, as Go's `lambdacontext` package does in its `init`.
 *
 * @module
 */

import { trackLoopHandle } from "./event_loop.ts";
import { nodeAsyncHooks } from "./lazy_node.ts";
import type { ClientContext, CognitoIdentity, LambdaCallback, LambdaContext } from "./types.ts";

/** Reads an environment variable; `undefined` when unset or when env access is not permitted. */
export function getEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * The name prefix of the worker isolates that serve a concurrent environment (`workers.ts`):
 * such an isolate runs the function's module again, and `start` there serves its share.
 */
export const POOL_WORKER_PREFIX = "gopherless-worker-";

/** Whether this isolate is one of those workers (a name check: nothing is loaded for it). */
export function inPoolWorker(): boolean {
  const name = (globalThis as { name?: unknown }).name;
  return typeof name === "string" && name.startsWith(POOL_WORKER_PREFIX);
}

/** Function-level values of the Lambda environment, read once per process. */
export interface FunctionEnv {
  /** `AWS_LAMBDA_FUNCTION_NAME`. */
  functionName: string;
  /** `AWS_LAMBDA_FUNCTION_VERSION`. */
  functionVersion: string;
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` as a decimal string; `"0"` when unset or not an integer. */
  memoryLimitInMB: string;
  /** `AWS_LAMBDA_LOG_GROUP_NAME`. */
  logGroupName: string;
  /** `AWS_LAMBDA_LOG_STREAM_NAME`. */
  logStreamName: string;
  /** `AWS_LAMBDA_MAX_CONCURRENCY`; 1 when unset, invalid or below 1 (as Go). */
  maxConcurrency: number;
}

/** Parses a decimal integer the way Go's `strconv.Atoi` accepts it; `null` otherwise. */
export function parseGoInt(s: string | undefined): number | null {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

let cachedEnv: FunctionEnv | undefined;

/** The function-level environment, read on first use and cached. */
export function functionEnv(): FunctionEnv {
  if (cachedEnv) return cachedEnv;
  const mem = parseGoInt(getEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));
  const conc = parseGoInt(getEnv("AWS_LAMBDA_MAX_CONCURRENCY"));
  cachedEnv = {
    functionName: getEnv("AWS_LAMBDA_FUNCTION_NAME") ?? "",
    functionVersion: getEnv("AWS_LAMBDA_FUNCTION_VERSION") ?? "",
    memoryLimitInMB: String(mem ?? 0),
    logGroupName: getEnv("AWS_LAMBDA_LOG_GROUP_NAME") ?? "",
    logStreamName: getEnv("AWS_LAMBDA_LOG_STREAM_NAME") ?? "",
    maxConcurrency: conc === null || conc < 1 ? 1 : conc,
  };
  return cachedEnv;
}

/** Per-invocation metadata, whichever protocol delivered it. */
export interface InvokeMetadata {
  /** The request id (`Lambda-Runtime-Aws-Request-Id` / `InvokeRequest.RequestId`). */
  requestId: string;
  /** The deadline in Unix epoch milliseconds (fractional on go1.x, where it has ns precision). */
  deadlineMs: number;
  /** The ARN the function was invoked with. */
  invokedFunctionArn: string;
  /** The X-Ray trace header, if any. */
  traceId?: string;
  /** The Cognito identity, if the caller had one. */
  identity?: CognitoIdentity;
  /** The client context, already parsed (see {@linkcode parseClientContext}). */
  clientContext?: ClientContext;
  /** The tenant id (`Lambda-Runtime-Aws-Tenant-Id`), if any. */
  tenantId?: string;
}

/** Async-local state of one invocation. */
export interface InvokeScope {
  /** The request id, for log lines. */
  readonly requestId: string;
}

/** Runs invocations in their scope and tells the scope of the code running now. */
export interface InvokeScopes {
  /** Runs `fn` (one invocation) in `scope`; a promise it returns keeps the scope until settled. */
  run<R>(scope: InvokeScope, fn: () => R): R;
  /** The scope of the invocation the caller runs in, or `undefined` outside any. */
  getStore(): InvokeScope | undefined;
}

type Als = { run<R>(store: InvokeScope, fn: () => R): R; getStore(): InvokeScope | undefined };
let als: Als | undefined;
let sole: InvokeScope | undefined;
let running = 0;

/**
 * Holds the current invocation's scope, so log lines carry the right request id.
 *
 * While invocations never overlap (the Runtime API's loop, go1.x under Lambda) the scope is the
 * one invocation in flight, as Lambda's Node.js runtime keeps it: no `AsyncLocalStorage`, whose
 * `node:async_hooks` would cost start-up time and memory. Once two invocations overlap (Lambda
 * Managed Instances, a go1.x host calling concurrently), `AsyncLocalStorage` is loaded and
 * follows each invocation across its awaits from then on; the invocation already running keeps
 * its scope as the fallback until it ends. Code that runs between invocations (a timer an
 * earlier invocation left) logs under the invocation in flight, as in Node.js.
 */
export const invokeScope: InvokeScopes = {
  run<R>(scope: InvokeScope, fn: () => R): R {
    running++;
    const solo = als === undefined && running === 1;
    const done = () => {
      running--;
      if (solo && sole === scope) sole = undefined;
    };
    let result: R;
    try {
      if (solo) {
        sole = scope;
        result = fn();
      } else {
        als ??= new (nodeAsyncHooks().AsyncLocalStorage)<InvokeScope>();
        result = als.run(scope, fn);
      }
    } catch (e) {
      done();
      throw e;
    }
    // An async invocation holds its scope until it settles; a synchronous one, until it returns.
    if (result instanceof Promise) return result.finally(done) as R;
    done();
    return result;
  },
  getStore(): InvokeScope | undefined {
    return als?.getStore() ?? sole;
  },
};

/** The request id of the invocation the caller runs in, or `undefined` outside any. */
export function currentRequestId(): string | undefined {
  return invokeScope.getStore()?.requestId;
}

// setTimeout fires at once for delays beyond 2^31-1 ms; deadlines further away get no timer.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The context object handlers receive. Created by the runtime for each invocation; users get it
 * typed as {@linkcode LambdaContext} (which extends `@types/aws-lambda`'s `Context`).
 */
export class InvokeContext implements LambdaContext {
  /**
   * As in Node's runtime: while `true` (the default), a success passed to the handler's callback
   * is answered once the event loop is empty (timers and I/O the handler left pending run inside
   * the invocation); `false` answers at once. Read when the callback is called; promises and
   * `done`/`succeed`/`fail` never wait.
   */
  callbackWaitsForEmptyEventLoop = true;
  /** The function's name. */
  readonly functionName: string;
  /** The function's version. */
  readonly functionVersion: string;
  /** The ARN the function was invoked with. */
  readonly invokedFunctionArn: string;
  /** The memory configured for the function, in MB. */
  readonly memoryLimitInMB: string;
  /** The request id of this invocation. */
  readonly awsRequestId: string;
  /** The CloudWatch log group. */
  readonly logGroupName: string;
  /** The CloudWatch log stream. */
  readonly logStreamName: string;
  /** The Cognito identity, for invocations through the AWS mobile SDK. */
  readonly identity: CognitoIdentity | undefined;
  /** The mobile client context, when the invoker sent one. */
  readonly clientContext: ClientContext | undefined;
  /** The tenant id of the invocation, when tenant isolation is on. */
  readonly tenantId: string | undefined;
  readonly deadlineMs: number;
  readonly traceId: string | undefined;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #untrackTimer: (() => void) | undefined;
  #finished = false;
  #settle: LambdaCallback<unknown> | undefined;

  /** Builds the context of one invocation from its metadata and the function's environment. */
  constructor(meta: InvokeMetadata, env: FunctionEnv = functionEnv()) {
    this.functionName = env.functionName;
    this.functionVersion = env.functionVersion;
    this.memoryLimitInMB = env.memoryLimitInMB;
    this.logGroupName = env.logGroupName;
    this.logStreamName = env.logStreamName;
    this.invokedFunctionArn = meta.invokedFunctionArn;
    this.awsRequestId = meta.requestId;
    this.identity = meta.identity;
    this.clientContext = meta.clientContext;
    this.tenantId = meta.tenantId;
    this.deadlineMs = meta.deadlineMs;
    this.traceId = meta.traceId;
  }

  /**
   * Aborts when the deadline passes (reason: a `TimeoutError` `DOMException`; already aborted
   * when the deadline had passed before the handler ran, as Go runs it with an expired context)
   * or when the invocation ends (an `AbortError`), whichever comes first. Made on first use: an
   * `AbortController` and a deadline timer per invocation cost time and garbage that handlers
   * not reading the signal need not pay.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = this.#controller = new AbortController();
      const remaining = this.deadlineMs - Date.now();
      if (this.#finished) {
        controller.abort(finishedReason());
      } else if (remaining <= 0) {
        controller.abort(deadlineExceeded());
      } else if (remaining <= MAX_TIMER_MS) {
        const timer = this.#timer = setTimeout(
          () => controller.abort(deadlineExceeded()),
          remaining,
        );
        // The deadline must not keep a waiting callback handler from its empty event loop.
        if (typeof timer === "number" && typeof globalThis.Deno?.unrefTimer === "function") {
          this.#untrackTimer = trackLoopHandle({
            ref: () => Deno.refTimer(timer),
            unref: () => Deno.unrefTimer(timer),
          });
        }
      }
    }
    return this.#controller.signal;
  }

  // The functions below are own properties bound to this context (arrow functions), as in
  // Node's runtime, whose context is a plain object of closures: libraries call them detached
  // (middy passes `context.getRemainingTimeInMillis` around on its own).

  /** Milliseconds left until the deadline (never negative). Works detached from the context. */
  getRemainingTimeInMillis = (): number => Math.max(0, Math.floor(this.deadlineMs - Date.now()));

  /** @deprecated Node.js compatibility: settles the invocation as the callback would. */
  done = (error?: Error, result?: unknown): void => {
    this.#settle?.(error, result);
  };

  /** @deprecated Node.js compatibility: fails the invocation with `error`. */
  fail = (error: Error | string): void => {
    // Node's runtime fails with the string "handled" when given nothing.
    this.#settle?.(error ?? "handled");
  };

  /** @deprecated Node.js compatibility: succeeds the invocation with `result`. */
  succeed = (result: unknown, object?: unknown): void => {
    this.#settle?.(null, object !== undefined ? object : result);
  };

  /** Runtime use: routes `done`/`fail`/`succeed` to the invocation's callback. */
  bindCallback(cb: LambdaCallback<unknown>): void {
    this.#settle = cb;
  }

  /** Runtime use: the invocation is over; stop the deadline timer and abort the signal. */
  finish(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#untrackTimer?.();
    this.#timer = undefined;
    this.#settle = undefined;
    this.#finished = true;
    if (this.#controller && !this.#controller.signal.aborted) {
      this.#controller.abort(finishedReason());
    }
  }
}

function finishedReason(): DOMException {
  return new DOMException("the invocation has finished", "AbortError");
}

function deadlineExceeded(): DOMException {
  return new DOMException("the invocation's deadline has passed", "TimeoutError");
}

/** Error raised when an invoke's metadata cannot be decoded; reported as the invoke's error. */
export class InvokeMetadataError extends Error {
  /** The `errorType` to report (`SyntaxError` for malformed JSON, as Go reports it). */
  readonly errorType: string;
  constructor(message: string, errorType: string) {
    super(message);
    this.name = "InvokeMetadataError";
    this.errorType = errorType;
  }
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseJsonObject(text: string, what: string): JsonObject | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvokeMetadataError((e as Error).message, "SyntaxError");
  }
  if (v === null) return null;
  if (!isObject(v)) {
    throw new InvokeMetadataError(
      `${what} must be a JSON object, got ${Array.isArray(v) ? "an array" : typeof v}`,
      "TypeError",
    );
  }
  return v;
}

function aliases(raw: unknown, map: Record<string, string>): JsonObject {
  const out: JsonObject = isObject(raw) ? { ...raw } : {};
  for (const [snake, camel] of Object.entries(map)) {
    if (out[camel] === undefined && out[snake] !== undefined) out[camel] = out[snake];
  }
  return out;
}

/**
 * Parses a client context (JSON, as the `Lambda-Runtime-Client-Context` header or the go1.x
 * `ClientContext` bytes carry it). The wire uses the AWS Mobile SDK's snake_case keys
 * (`installation_id`, `platform_version`, ...); the result keeps them and adds the camelCase names
 * `@types/aws-lambda` declares. `client` is looked up case-insensitively, as Go's decoder does.
 * Empty input gives `undefined`; malformed JSON throws an {@linkcode InvokeMetadataError}
 * of type `SyntaxError`, as Go reports it.
 */
export function parseClientContext(text: string): ClientContext | undefined {
  if (text === "") return undefined;
  const obj = parseJsonObject(text, "client context");
  if (obj === null) return undefined;
  const clientKey = Object.keys(obj).find((k) => k.toLowerCase() === "client");
  const client = aliases(clientKey === undefined ? undefined : obj[clientKey], {
    installation_id: "installationId",
    app_title: "appTitle",
    app_version_name: "appVersionName",
    app_version_code: "appVersionCode",
    app_package_name: "appPackageName",
  });
  const env = aliases(obj.env, {
    platform_version: "platformVersion",
  });
  const out: JsonObject = { client, env };
  if (obj.custom !== undefined) out.custom = obj.custom;
  return out as unknown as ClientContext;
}

/**
 * Parses the `Lambda-Runtime-Cognito-Identity` header: JSON whose keys are matched
 * case-insensitively against `cognitoIdentityId` and `cognitoIdentityPoolId`, as Go does.
 */
export function parseCognitoIdentity(text: string): CognitoIdentity | undefined {
  if (text === "") return undefined;
  const obj = parseJsonObject(text, "cognito identity");
  if (obj === null) return undefined;
  let id = "", pool = "";
  for (const [k, v] of Object.entries(obj)) {
    const key = k.toLowerCase();
    if (key !== "cognitoidentityid" && key !== "cognitoidentitypoolid") continue;
    if (typeof v !== "string" && v !== null) {
      throw new InvokeMetadataError(`cognito identity field ${k} must be a string`, "TypeError");
    }
    if (key === "cognitoidentityid") id = v ?? "";
    else pool = v ?? "";
  }
  return { cognitoIdentityId: id, cognitoIdentityPoolId: pool };
}
