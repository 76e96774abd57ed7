/**
 * `start(handler, options?)`: picks the protocol the way aws-lambda-go's `lambda.Start` does and
 * serves invocations until the process is stopped.
 *
 * Mode selection (Go's `entry.go`, a table here too: `protocol/mode.ts` names the variables in
 * Go's order, {@linkcode STARTERS} says how each protocol starts): the first non-empty of
 * 1. `_LAMBDA_SERVER_PORT` → the go1.x protocol (net/rpc on `127.0.0.1:<port>`);
 * 2. `AWS_LAMBDA_RUNTIME_API` → the Runtime API (`provided.al2023`);
 *
 * and when neither is set the process prints
 * `expected AWS Lambda environment variables [_LAMBDA_SERVER_PORT AWS_LAMBDA_RUNTIME_API] are not defined`
 * and exits 1. If serving ever stops (a fatal Runtime API answer), the reason is printed and the
 * process exits 1, as Go's `log.Fatalf` does; Lambda then restarts the environment.
 *
 * Failures outside any handler call, when running under Lambda (either variable set):
 * - before serving (a throw or rejection at the top level of the function's module, or in the
 *   `init` option): reported to `/runtime/init/error` (Runtime API) or logged (go1.x), exit 1;
 * - an unhandled rejection or uncaught exception while serving: reported as the error of every
 *   invocation in flight (type `Runtime.UnhandledPromiseRejection` for rejections, as Lambda's
 *   Node.js runtime names it), logged if none is in flight, then exit 1. Lambda starts a fresh
 *   environment for the next invocation, as it does after a Go function crashes.
 *
 * @module
 */

import { functionEnv, getEnv, inPoolWorker } from "./context.ts";
import { runtimeError, toErrorShape } from "./errors.ts";
import { lambdaError } from "../protocol/lambda_error.ts";
import { MODE_TABLE, type Protocol } from "../protocol/mode.ts";
import { listen } from "../ground/transport.ts";
import { createInvoker, type Invoker, type InvokerOptions } from "./invoke.ts";
import { installInvokeStore } from "./invoke_store.ts";
import { functionWantsSigterm, onSigterm, watchSigterm } from "./shutdown.ts";
import { activeLogger, installConsole, logConfigFromEnv, Logger } from "./logging.ts";
import type { Releases, RuntimeApiClient } from "./runtime_api.ts";
import type {
  AnyLambdaHandler,
  LambdaErrorShape,
  LambdaHandler,
  StartHandler,
  StartOptions,
  StreamifiedHandler,
} from "./types.ts";

/**
 * Installs what the runtime puts on `globalThis` for a function: `awslambda.InvokeStore` (see
 * `invoke_store.ts`) and the failure handlers ({@linkcode installFailureHandlers}). Idempotent.
 */
export function installRuntimeGlobals(): void {
  installInvokeStore();
  installFailureHandlers();
  watchSigterm();
}

/** The environment variables that select a protocol, in Go's order of precedence. */
export const MODE_VARIABLES: readonly string[] = MODE_TABLE.map((m) => m.variable);

/** The selected protocol and the value of its variable. */
export type SelectedMode = { mode: "go1x"; port: string } | {
  mode: "runtime-api";
  address: string;
};

/** The protocol `start` would serve under the current environment, or `null` for neither. */
export function selectMode(
  env: (name: string) => string | undefined = getEnv,
): SelectedMode | null {
  const selected = select(env);
  if (selected === null) return null;
  return selected.protocol === "go1x"
    ? { mode: "go1x", port: selected.value }
    : { mode: "runtime-api", address: selected.value };
}

const stderr = new TextEncoder();
function fatal(message: string): never {
  try {
    Deno.stderr.writeSync(stderr.encode(message + "\n"));
  } finally {
    Deno.exit(1);
  }
}

// ---- process-level failure handling -------------------------------------------------------

type Phase = "loading" | "init" | "serving";
const state: {
  phase: Phase;
  client: RuntimeApiClient | undefined;
  invoker: Invoker | undefined;
  /** Set in a concurrent environment: an uncaught error fails its isolate's invocations only. */
  releases: Releases | undefined;
  /** In a worker isolate that serves: ends it, telling the main isolate why (workers.ts). */
  endWorker: ((shape: LambdaErrorShape) => void) | undefined;
  dying: boolean;
} = {
  phase: "loading",
  client: undefined,
  invoker: undefined,
  releases: undefined,
  endWorker: undefined,
  dying: false,
};

function underLambda(): boolean {
  return select() !== null;
}

function logUncaught(shape: LambdaErrorShape): void {
  activeLogger().logEvent("ERROR", `Uncaught Error ${JSON.stringify(shape)}`, shape, "");
}

/**
 * The protocol the environment selects and its variable's value: the one selection loop (Go's
 * `entry.go`), the first non-empty variable of the table in Go's order.
 */
function select(
  env: (name: string) => string | undefined = getEnv,
): { protocol: Protocol; value: string } | null {
  for (const { protocol, variable } of MODE_TABLE) {
    const value = env(variable);
    if (value) return { protocol, value };
  }
  return null;
}

/** How one protocol starts: a row of the table {@linkcode STARTERS}. */
interface Starter {
  /** How many invocations run at once. */
  concurrency(maxConcurrency: number): number;
  /** The invoker's options under this protocol. */
  invoker(concurrency: number): InvokerOptions;
  /**
   * Prepares the transport before the `init` option runs (the Runtime API needs its client to
   * report an init failure); resolves with the function that serves forever (with `loops`
   * concurrent invocations where the protocol takes several; default: its concurrency).
   */
  prepare(
    value: string,
    options: StartOptions,
    invoker: Invoker,
  ): Promise<(loops?: number) => Promise<never>>;
  /** Reports a failure outside any handler call (before exiting). */
  reportFatal(value: string, shape: LambdaErrorShape): Promise<void>;
}

/** The protocols `start` serves, as aws-lambda-go's `startFunctions` table. */
export const STARTERS: Record<Protocol, Starter> = {
  go1x: {
    concurrency: () => 1,
    // Go sets the trace variable per invoke; metadata errors are reported bare; no streaming.
    invoker: () => ({
      setTraceEnv: true,
      prefixMetadataErrors: false,
      streaming: false,
      emptyEventLoop: true,
    }),
    prepare(value, _options, invoker) {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port > 65535) {
        fatal(`_LAMBDA_SERVER_PORT is not a port number: ${JSON.stringify(value)}`);
      }
      return Promise.resolve(async () => {
        try {
          // Listening comes first, as in aws-lambda-go: the host's dial and first Ping wait in
          // the socket while the server's modules load (go1x.ts, loaded only in this mode).
          const listener = listen({ hostname: "127.0.0.1", port });
          const { serveGo1x } = await import("./go1x.ts");
          await serveGo1x(listener, invoker);
          fatal("the go1.x server stopped listening");
        } catch (e) {
          fatal(e instanceof Error ? e.message : String(e));
        }
      });
    },
    reportFatal(_value, shape) {
      logUncaught(shape);
      return Promise.resolve();
    },
  },
  "runtime-api": {
    concurrency: (max) => max,
    // The trace variable is per process: set only when invokes do not share it.
    invoker: (concurrency) => ({
      setTraceEnv: concurrency === 1,
      prefixMetadataErrors: true,
      streaming: true,
      emptyEventLoop: concurrency === 1,
      retainLastEvent: concurrency > 1,
    }),
    async prepare(value, options, invoker) {
      // The Runtime API client lives in runtime_api.ts, loaded only in this mode.
      const { Releases, RuntimeApiClient, RuntimeApiError, serveRuntimeApi } = await import(
        "./runtime_api.ts"
      );
      const client = new RuntimeApiClient(value);
      state.client = client;
      if (wantsSigterm(options)) await client.enableSigterm();
      const concurrency = STARTERS["runtime-api"].concurrency(functionEnv().maxConcurrency);
      const releases = concurrency > 1 ? new Releases() : undefined;
      state.releases = releases;
      return async (loops = concurrency) => {
        try {
          return await serveRuntimeApi(client, invoker, loops, { releases });
        } catch (e) {
          if (e instanceof RuntimeApiError) fatal(e.message);
          fatal(`the Runtime API loop failed: ${String(e)}`);
        }
      };
    },
    async reportFatal(value, shape) {
      const { RuntimeApiClient } = await import("./runtime_api.ts");
      const client = state.client ?? new RuntimeApiClient(value);
      const inFlight = state.invoker ? [...state.invoker.inFlight] : [];
      if (state.phase !== "serving") {
        await client.postInitError(shape);
      } else if (inFlight.length > 0) {
        await Promise.allSettled(inFlight.map((r) => client.postError(r.requestId, shape)));
      } else {
        logUncaught(shape);
      }
    },
  },
};

/**
 * Whether the process asks Lambda for SIGTERM at shutdown (see `shutdown.ts`): for the
 * `onShutdown` option, a SIGTERM listener of the function's own, or OpenTelemetry (what the last
 * invocations left is sent then).
 */
function wantsSigterm(options: StartOptions): boolean {
  return options.onShutdown !== undefined || functionWantsSigterm() ||
    getEnv("OTEL_DENO") === "true";
}

async function die(shape: LambdaErrorShape): Promise<never> {
  if (state.dying) return await new Promise<never>(() => {});
  state.dying = true;
  const selected = select();
  try {
    if (selected) await STARTERS[selected.protocol].reportFatal(selected.value, shape);
    else logUncaught(shape);
  } catch (e) {
    activeLogger().logEvent("ERROR", String(e), undefined, undefined);
  }
  Deno.exit(1);
}

/**
 * An uncaught error while a concurrent environment serves (Lambda Managed Instances): the
 * invocations in flight in this isolate get it as their error and their loops go back to `next`;
 * the process goes on, as a worker isolate that died is replaced (`workers.ts`), because Lambda
 * ends the whole environment, every invocation in it included, when the runtime process exits.
 */
async function survive(shape: LambdaErrorShape): Promise<void> {
  const { client, invoker, releases } = state;
  const held = [...invoker?.inFlight ?? []].filter((r) => releases?.release(r.requestId));
  if (held.length === 0) return logUncaught(shape);
  await Promise.allSettled(held.map(async (r) => {
    try {
      await client?.postError(r.requestId, shape);
    } catch (e) {
      activeLogger().logEvent("WARN", (e as Error).message, undefined, r.requestId);
    }
  }));
}

/** What an uncaught error does: {@linkcode survive} while a concurrent environment serves. */
function uncaught(shape: LambdaErrorShape): void {
  if (state.endWorker) state.endWorker(shape);
  else if (state.phase === "serving" && state.releases) void survive(shape);
  else void die(shape);
}

function rejectionShape(reason: unknown): LambdaErrorShape {
  const inner = toErrorShape(reason);
  return lambdaError(
    "Runtime.UnhandledPromiseRejection",
    `${inner.errorType}: ${inner.errorMessage}`,
    inner.stackTrace,
  );
}

let failureHandlersInstalled = false;

/**
 * Installs the process-level failure handling (see the module docs): `unhandledrejection` and
 * `error` listeners on `globalThis`, which step aside outside Lambda (Deno's default applies).
 * Idempotent. The runtime's entry points call it when imported (`runtime/mod.ts`, see
 * `http/_install.ts`), i.e.
 * before the function's own module body runs, so that a throw at its top level is caught too.
 */
export function installFailureHandlers(): void {
  if (failureHandlersInstalled) return;
  failureHandlersInstalled = true;
  globalThis.addEventListener("unhandledrejection", (e: PromiseRejectionEvent) => {
    // A worker isolate that is not serving yet fails as any worker does: its init failed.
    if (!underLambda() || (inPoolWorker() && !state.endWorker)) return;
    e.preventDefault();
    // A rejected top-level module evaluation (a throw at the top of the handler's module) arrives
    // here too; it is an init failure, reported with the error's own type.
    uncaught(state.phase === "serving" ? rejectionShape(e.reason) : toErrorShape(e.reason));
  });
  globalThis.addEventListener("error", (e: ErrorEvent) => {
    if (!underLambda() || (inPoolWorker() && !state.endWorker)) return;
    e.preventDefault();
    uncaught(toErrorShape(e.error));
  });
}

// ---- start ----------------------------------------------------------------------------------

/**
 * Serves `handler` as a Lambda function, under whichever protocol the environment selects (see
 * the module docs). Never returns: the process exits when Lambda stops it or on a fatal error.
 *
 * @example
 * ```ts
 * import { start } from "./mod.ts";
 * start(async (event: { name?: string }) => ({ message: `Hello, ${event.name ?? "world"}!` }));
 * ```
 */
export function start<E = unknown, R = unknown>(
  handler: LambdaHandler<E, R>,
  options?: StartOptions,
): Promise<never>;
/** A generic handler, such as Hono's `handle(app)`: see {@linkcode AnyLambdaHandler}. */
export function start(handler: AnyLambdaHandler, options?: StartOptions): Promise<never>;
/** What `awslambda.streamifyResponse(...)` returns: see {@linkcode StreamifiedHandler}. */
export function start(handler: StreamifiedHandler, options?: StartOptions): Promise<never>;
export async function start(
  handler: StartHandler,
  options: StartOptions = {},
): Promise<never> {
  const selected = select();
  if (selected === null) {
    fatal(
      `expected AWS Lambda environment variables [${MODE_VARIABLES.join(" ")}] are not defined`,
    );
  }
  // Already done by the entry point the function imported (see `http/_install.ts`); here too for
  // a function that imported `start` from `runtime/start.ts` itself, which installs nothing.
  installRuntimeGlobals();
  if (typeof handler !== "function") {
    // Go reports a bad handler on every invoke; we can tell at once, so it is an init error.
    state.phase = "init";
    return await die(
      runtimeError("Runtime.InvalidHandler", `handler kind ${typeof handler} is not function`),
    );
  }

  const logging = options.logging ?? true;
  if (logging !== false) {
    const fromEnv = logConfigFromEnv();
    installConsole(
      new Logger(
        logging === true ? fromEnv : {
          format: logging.format ?? fromEnv.format,
          level: logging.level ?? fromEnv.level,
        },
      ),
    );
  }

  const starter = STARTERS[selected.protocol];
  const concurrency = starter.concurrency(functionEnv().maxConcurrency);
  // Every accepted handler is called as (event, context, callback): see StartHandler.
  // OpenTelemetry's module is loaded only when Deno's OpenTelemetry is on.
  const tracer = getEnv("OTEL_DENO") === "true"
    ? (await import("./telemetry.ts")).invocationTracer()
    : undefined;
  const invoker = createInvoker(handler as LambdaHandler, {
    ...starter.invoker(concurrency),
    tracer,
  });
  state.invoker = invoker;
  state.phase = "init";

  // A concurrent environment (Lambda Managed Instances) spreads its loops over one isolate per
  // CPU; the module that does it is loaded only here (the sequential path never sees it).
  const pool = concurrency > 1 ? await import("./workers.ts") : undefined;
  if (pool && inPoolWorker()) {
    return await pool.serveAsWorker({
      address: selected.value,
      invoker,
      init: options.init,
      onShutdown: options.onShutdown,
      serving: (end) => {
        state.phase = "serving";
        state.endWorker = end;
      },
    });
  }
  const isolates = pool?.isolateCount(concurrency) ?? 1;

  if (wantsSigterm(options)) {
    const hook = options.onShutdown;
    // In a concurrent environment every worker isolate runs its own hook meanwhile.
    onSigterm(() => Promise.all([hook?.(), pool?.shutdownPool(), invoker.flush()]));
  }

  // Prepare the transport first (the Runtime API needs the client to report an init failure).
  const serve = await starter.prepare(selected.value, options, invoker);
  if (options.init) {
    try {
      await options.init();
    } catch (e) {
      return await die(toErrorShape(e));
    }
  }
  if (pool && isolates > 1) {
    return await pool.runPool({
      client: state.client!,
      invoker,
      releases: state.releases,
      serve,
      concurrency,
      isolates,
      serving: () => (state.phase = "serving"),
      initFailed: die,
      fatal,
    });
  }
  state.phase = "serving";
  return await serve();
}
