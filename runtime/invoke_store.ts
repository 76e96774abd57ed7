/**
 * `awslambda.InvokeStore`: the per-invocation store Lambda's Node.js runtime provides, in the
 * shape of the `@aws/lambda-invoke-store` package (its `InvokeStoreMulti`), so that libraries
 * that read it find the current invocation's request id, X-Ray trace id and tenant id, also when
 * several invocations share the process (`AWS_LAMBDA_MAX_CONCURRENCY` > 1). Powertools throws
 * without it under concurrency, and the AWS SDK reads the trace id from it to propagate
 * `X-Amzn-Trace-Id`.
 *
 * How the package finds it: `InvokeStore.getInstanceAsync()` returns
 * `globalThis.awslambda.InvokeStore` when there is one, else makes its own and stores it there.
 * So the store is installed on the `awslambda` global (merged into an existing object: the
 * package creates `globalThis.awslambda = globalThis.awslambda || {}` when it is imported) by the
 * runtime's entry points when they are imported (`runtime/mod.ts`, `http/mod.ts`; see
 * `http/_install.ts`), and every invocation
 * runs inside it. Should a library have
 * installed its own store first (imported and initialised before gopherless), the invocation runs
 * inside that one too.
 *
 * The store's context is the runtime's own async-local invocation scope (`invokeScope`), so there
 * is one async-local lookup per log line, not two.
 *
 * @module
 */

import { getEnv, type InvokeScope, invokeScope } from "./context.ts";

/** The keys `@aws/lambda-invoke-store` reserves for the runtime (`Symbol.for`, shared). */
export const PROTECTED_KEYS: {
  readonly REQUEST_ID: symbol;
  readonly X_RAY_TRACE_ID: symbol;
  readonly TENANT_ID: symbol;
  readonly TRACEPARENT: symbol;
  readonly TRACESTATE: symbol;
  readonly BAGGAGE: symbol;
} = {
  REQUEST_ID: Symbol.for("_AWS_LAMBDA_REQUEST_ID"),
  X_RAY_TRACE_ID: Symbol.for("_AWS_LAMBDA_X_RAY_TRACE_ID"),
  TENANT_ID: Symbol.for("_AWS_LAMBDA_TENANT_ID"),
  TRACEPARENT: Symbol.for("_AWS_LAMBDA_TRACEPARENT"),
  TRACESTATE: Symbol.for("_AWS_LAMBDA_TRACESTATE"),
  BAGGAGE: Symbol.for("_AWS_LAMBDA_BAGGAGE"),
};

const PROTECTED: ReadonlySet<symbol> = new Set(Object.values(PROTECTED_KEYS));

/** A store context: the runtime's keys and whatever libraries `set`. */
export type InvokeStoreContext = Record<string | symbol, unknown>;

/** The invocation scope of one invocation: the request id for log lines plus the store's keys. */
export function invocationScope(
  requestId: string,
  traceId: string | undefined,
  tenantId: string | undefined,
): InvokeScope & InvokeStoreContext {
  const scope: InvokeScope & InvokeStoreContext = { requestId };
  scope[PROTECTED_KEYS.REQUEST_ID] = requestId;
  if (traceId) scope[PROTECTED_KEYS.X_RAY_TRACE_ID] = traceId;
  if (tenantId) scope[PROTECTED_KEYS.TENANT_ID] = tenantId;
  return scope;
}

/** `@aws/lambda-invoke-store`'s `InvokeStoreMulti`, over the runtime's invocation scope. */
export class LambdaInvokeStore {
  /** The reserved keys, as the package's class exposes them. */
  static readonly PROTECTED_KEYS: typeof PROTECTED_KEYS = PROTECTED_KEYS;

  /** Whether `key` is one the runtime owns (`set` refuses it). */
  isProtectedKey(key: string | symbol): boolean {
    return typeof key === "symbol" && PROTECTED.has(key);
  }

  /** The current invocation's context, `undefined` outside one. */
  getContext(): InvokeStoreContext | undefined {
    return invokeScope.getStore() as InvokeStoreContext | undefined;
  }

  /** Whether code runs inside an invocation. */
  hasContext(): boolean {
    return invokeScope.getStore() !== undefined;
  }

  /** A value of the current context. */
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.getContext()?.[key] as T | undefined;
  }

  /** Sets a value of the current context (not a protected key; throws outside an invocation). */
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) {
      throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    }
    const store = this.getContext();
    if (!store) throw new Error("No context available");
    store[key] = value;
  }

  /** Runs `fn` with `context` as the current context. */
  run<T>(context: InvokeStoreContext, fn: () => T): T {
    const id = context[PROTECTED_KEYS.REQUEST_ID];
    const scope = Object.assign({ requestId: typeof id === "string" ? id : "" }, context);
    return invokeScope.run(scope, fn);
  }

  /** The current request id, `"-"` outside an invocation (as the package answers). */
  getRequestId(): string {
    return this.get<string>(PROTECTED_KEYS.REQUEST_ID) ?? "-";
  }

  /** The current X-Ray trace header. */
  getXRayTraceId(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.X_RAY_TRACE_ID);
  }

  /** The current tenant id. */
  getTenantId(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.TENANT_ID);
  }

  /** The current W3C `traceparent`, if any. */
  getTraceparent(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.TRACEPARENT);
  }

  /** The current W3C `tracestate`, if any. */
  getTracestate(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.TRACESTATE);
  }

  /** The current W3C `baggage`, if any. */
  getBaggage(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.BAGGAGE);
  }
}

/** The runtime's store (also `globalThis.awslambda.InvokeStore`, unless a library's was first). */
export const invokeStore: LambdaInvokeStore = new LambdaInvokeStore();

type StoreLike = { run<T>(context: InvokeStoreContext, fn: () => T): T };

function awslambdaGlobal(): Record<string, unknown> | undefined {
  if (["true", "1"].includes(getEnv("AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA") ?? "")) {
    return undefined;
  }
  const g = globalThis as { awslambda?: Record<string, unknown> };
  g.awslambda ??= {};
  return g.awslambda;
}

/** Installs {@linkcode invokeStore} as `awslambda.InvokeStore` unless one is there. */
export function installInvokeStore(): void {
  const g = awslambdaGlobal();
  if (g) g.InvokeStore ??= invokeStore;
}

/**
 * Runs `fn` as the invocation `scope`: in the runtime's scope, and inside a library's own
 * `awslambda.InvokeStore` if one was installed before the runtime's.
 */
export function runInScope<T>(scope: InvokeScope & InvokeStoreContext, fn: () => T): T {
  const other = (globalThis as { awslambda?: { InvokeStore?: StoreLike } }).awslambda
    ?.InvokeStore;
  if (other && other !== invokeStore && typeof other.run === "function") {
    return invokeScope.run(scope, () => other.run(scope, fn));
  }
  return invokeScope.run(scope, fn);
}

/** The current invocation's tenant id, if any. */
export function currentTenantId(): string | undefined {
  return invokeStore.getTenantId();
}
