/**
 * Lambda Managed Instances: a concurrent environment served by one isolate per CPU.
 *
 * With `AWS_LAMBDA_MAX_CONCURRENCY` = C > 1 the environment takes up to C invocations at once and
 * has several vCPUs, but one isolate runs JavaScript on one core. So `start` runs the Runtime API
 * loops in W isolates ({@linkcode workerCount}: the cgroup's CPU quota, else the available
 * parallelism, else `GOPHERLESS_WORKER_COUNT`), each taking its share of C
 * ({@linkcode shares}). The main isolate, which has already loaded the function, serves the first
 * share itself; W − 1 worker threads (`node:worker_threads`) load the function's main module again
 * and serve the others. With W = 1 no worker is made and this module is not even loaded.
 *
 * What an invocation sees is the same in every isolate: each runs its own copy of the runtime
 * (context and deadline, `InvokeStore` and the `awslambda` global, the console's logger, errors,
 * streaming), so nothing of one invocation can reach another isolate's. What they share is the
 * process: the environment variables, stdout (each log line is one write) and the Runtime API.
 *
 * - **Init** runs in every isolate: the function's module and the `init` option, in the main one
 *   first, then in the workers. The main isolate polls `next` only when every worker is ready,
 *   so a failure anywhere is reported once, by the main isolate, to `/runtime/init/error`, and
 *   the process exits, as in a sequential environment.
 * - **A worker that dies** while serving (an uncaught exception or an unhandled rejection in its
 *   isolate, `Deno.exit` there, its heap limit reached) takes only its own invocations with it:
 *   the main isolate reads which ones it held (each loop records its request id in a shared
 *   buffer) and posts each an error of type `Runtime.WorkerExited`, then starts a replacement;
 *   the other isolates go on. Lambda tolerates a crashed worker; a dead process ends the whole
 *   environment. (A failure in the main isolate still ends the process, as it does sequentially.)
 * - **Memory**: every isolate, the main one included, has V8 heap limits of its share of the
 *   function's memory (`isolateHeap` in `worker_count.ts`): a packaged function's launcher passes
 *   them as V8 flags, which every isolate of the process takes (they override a worker's
 *   `resourceLimits`), and each worker is also given them as `resourceLimits`
 *   ({@linkcode heapLimits}), which hold where no flag is set. A worker reaching them is stopped
 *   and replaced rather than the whole environment being killed.
 * - **A fatal Runtime API answer** in a worker ends the process, as it does in the main isolate.
 *
 * Worker threads come from `node:worker_threads` rather than the Web `Worker` because only they
 * take `resourceLimits`: a Web worker's isolate has the process's heap limits, and one that
 * reaches them aborts the whole process.
 *
 * @module
 */

import { functionEnv, POOL_WORKER_PREFIX } from "./context.ts";
import { runtimeError, toErrorShape } from "./errors.ts";
import type { Invoker } from "./invoke.ts";
import { activeLogger } from "./logging.ts";
import { type LoopTracker, RuntimeApiClient, serveRuntimeApi } from "./runtime_api.ts";
import type { LambdaErrorShape } from "../protocol/lambda_error.ts";
import { type HeapLimits, heapLimits, shares, workerCount } from "./worker_count.ts";

export { heapLimits, shares };

/**
 * {@linkcode workerCount} under Deno; 1 elsewhere (the npm package under Node, whose worker
 * threads have no name to tell them from the main thread: `inPoolWorker` would not know it
 * runs in one).
 */
export function isolateCount(concurrency: number): number {
  return typeof (globalThis as { Deno?: unknown }).Deno === "object" ? workerCount(concurrency) : 1;
}

/** Bytes per loop in the shared in-flight table: a length byte and the request id. */
const SLOT_BYTES = 128;
/** The first delay before retrying a replacement whose init failed (ms); it doubles to a minute. */
const RESPAWN_DELAY_MS = 1000;
const MAX_RESPAWN_DELAY_MS = 60_000;

/** What the main isolate passes to each worker (`workerData`). */
interface WorkerData {
  /** How many loops the worker runs. */
  share: number;
  /** Its in-flight table: one {@linkcode SLOT_BYTES} slot per loop. */
  slots: SharedArrayBuffer;
}

/** How often a worker checks whether it reached its heap limit (ms). */
const HEAP_CHECK_MS = 500;

/** What a worker tells the main isolate. */
type WorkerMessage =
  | { kind: "ready" }
  | { kind: "shut" }
  | { kind: "uncaught"; error: LambdaErrorShape }
  | { kind: "init-error"; error: LambdaErrorShape }
  | { kind: "fatal"; message: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes which invocation each loop holds into a worker's shared table. */
function slotTracker(slots: SharedArrayBuffer): LoopTracker {
  const view = new Uint8Array(slots);
  return {
    taken(loop, requestId) {
      const at = loop * SLOT_BYTES;
      const { written } = encoder.encodeInto(requestId, view.subarray(at + 1, at + SLOT_BYTES));
      // An id that does not fit is not recorded: its invocation cannot be failed by request id.
      view[at] = written === encoder.encode(requestId).length ? written : 0;
    },
    posted(loop) {
      view[loop * SLOT_BYTES] = 0;
    },
  };
}

/** The request ids a worker's table holds. Read only once the worker has stopped. */
function heldIds(slots: SharedArrayBuffer): string[] {
  const view = new Uint8Array(slots);
  const ids: string[] = [];
  for (let at = 0; at < view.length; at += SLOT_BYTES) {
    const n = view[at];
    if (n > 0) ids.push(decoder.decode(view.subarray(at + 1, at + 1 + n)));
  }
  view.fill(0);
  return ids;
}

function asShape(e: unknown): LambdaErrorShape {
  const o = e as Partial<LambdaErrorShape> | undefined;
  return typeof o?.errorType === "string" && typeof o.errorMessage === "string"
    ? o as LambdaErrorShape
    : toErrorShape(e);
}

/** The error an invocation gets when the worker serving it died. */
export function workerExitedError(requestId: string, reason: string): LambdaErrorShape {
  return runtimeError(
    "Runtime.WorkerExited",
    `RequestId: ${requestId} Error: the worker serving this invocation stopped: ${reason}`,
  );
}

let shutdownWorkers: () => Promise<void> = () => Promise.resolve();

/**
 * Runs every worker's `onShutdown` hook, as the main isolate runs its own at SIGTERM; resolves
 * when all are done (or gone).
 */
export function shutdownPool(): Promise<void> {
  return shutdownWorkers();
}

/** What {@linkcode runPool} needs from `start`. */
export interface PoolOptions {
  /** The main isolate's Runtime API client (it posts the errors of a dead worker's invocations). */
  client: RuntimeApiClient;
  /** `AWS_LAMBDA_MAX_CONCURRENCY`. */
  concurrency: number;
  /** The number of isolates, the main one included (at least 2). */
  isolates: number;
  /** Serves the main isolate's share (its Runtime API loops). */
  serve(share: number): Promise<never>;
  /** Reports an init failure once and exits. */
  initFailed(error: LambdaErrorShape): Promise<never>;
  /** Prints a fatal condition and exits. */
  fatal(message: string): never;
}

type NodeWorker = import("node:worker_threads").Worker;

/** One worker thread and its replacements. */
class PoolWorker {
  readonly index: number;
  readonly data: WorkerData;
  #options: PoolOptions;
  #limits: HeapLimits | undefined;
  #Worker: typeof import("node:worker_threads").Worker;
  #thread: NodeWorker | undefined;
  #respawnDelay = RESPAWN_DELAY_MS;
  #stopped = false;
  #released = false;
  #shut: (() => void) | undefined;

  constructor(
    index: number,
    share: number,
    options: PoolOptions,
    limits: HeapLimits | undefined,
    WorkerClass: typeof import("node:worker_threads").Worker,
  ) {
    this.index = index;
    this.data = { share, slots: new SharedArrayBuffer(share * SLOT_BYTES) };
    this.#options = options;
    this.#limits = limits;
    this.#Worker = WorkerClass;
  }

  /**
   * Starts a thread; resolves once it is ready (`null`) or its init failed (the error). After
   * that, a death is handled by {@linkcode PoolWorker.#died}.
   */
  start(): Promise<LambdaErrorShape | null> {
    return new Promise((resolve) => {
      let ready = false;
      let lastError: unknown;
      const thread = new this.#Worker(new URL(Deno.mainModule), {
        name: `${POOL_WORKER_PREFIX}${this.index}`,
        workerData: this.data,
        resourceLimits: this.#limits,
      });
      this.#thread = thread;
      thread.on("message", (m: WorkerMessage) => {
        if (m.kind === "ready") {
          ready = true;
          this.#respawnDelay = RESPAWN_DELAY_MS;
          if (this.#released) thread.postMessage({ kind: "serve" });
          resolve(null);
        } else if (m.kind === "init-error") {
          resolve(m.error);
          void thread.terminate();
        } else if (m.kind === "shut") {
          this.#shut?.();
        } else if (m.kind === "uncaught") {
          lastError = m.error;
        } else if (m.kind === "fatal") {
          this.#options.fatal(m.message);
        }
      });
      thread.on("error", (e: unknown) => (lastError = e));
      thread.on("exit", (code: number) => {
        if (this.#thread === thread) this.#thread = undefined;
        this.#shut?.();
        const shape = lastError === undefined ? undefined : asShape(lastError);
        const reason = shape ? `${shape.errorType}: ${shape.errorMessage}` : `exit code ${code}`;
        if (!ready) {
          resolve(
            shape ??
              runtimeError("Runtime.WorkerExited", `a worker exited during its init: ${reason}`),
          );
        } else if (!this.#stopped) void this.#died(reason);
      });
    });
  }

  /** Fails the dead thread's invocations and starts a replacement. */
  async #died(reason: string): Promise<void> {
    const ids = heldIds(this.data.slots);
    activeLogger().logEvent(
      "ERROR",
      `worker ${this.index} stopped (${reason}); ${ids.length} invocation(s) failed; replacing it`,
      undefined,
      undefined,
    );
    await Promise.allSettled(ids.map(async (id) => {
      try {
        await this.#options.client.postError(id, workerExitedError(id, reason));
      } catch (e) {
        // The invocation may have been answered already (a stream cut off midway): logged only.
        activeLogger().logEvent("WARN", (e as Error).message, undefined, id);
      }
    }));
    while (!this.#stopped) {
      const failed = await this.start();
      if (failed === null) return;
      activeLogger().logEvent(
        "ERROR",
        `worker ${this.index} could not be replaced: ${failed.errorType}: ${failed.errorMessage}` +
          `; retrying in ${this.#respawnDelay} ms`,
        undefined,
        undefined,
      );
      await new Promise((r) => setTimeout(r, this.#respawnDelay));
      this.#respawnDelay = Math.min(this.#respawnDelay * 2, MAX_RESPAWN_DELAY_MS);
    }
  }

  /**
   * Runs the worker's `onShutdown` (SIGTERM reaches the process, and so the main isolate, only);
   * resolves when it is done or the worker is gone.
   */
  shutdown(): Promise<void> {
    this.#stopped = true;
    const thread = this.#thread;
    if (!thread) return Promise.resolve();
    return new Promise((resolve) => {
      this.#shut = resolve;
      thread.postMessage({ kind: "shutdown" });
    });
  }

  /** Lets the worker (and every replacement) serve, once every isolate's init succeeded. */
  release(): void {
    this.#released = true;
    this.#thread?.postMessage({ kind: "serve" });
  }

  /** Stops the thread for good. */
  stop(): void {
    this.#stopped = true;
    void this.#thread?.terminate();
  }
}

/**
 * Serves a concurrent environment with `options.isolates` isolates (see the module docs). Call
 * after the main isolate's own init succeeded; never returns.
 */
export async function runPool(options: PoolOptions): Promise<never> {
  const [own, ...others] = shares(options.concurrency, options.isolates);
  // As Lambda's .NET runtime reports its worker count at init (at DEBUG, with JSON logs).
  activeLogger().logEvent(
    "DEBUG",
    `serving AWS_LAMBDA_MAX_CONCURRENCY=${options.concurrency} from ${options.isolates} isolates`,
    { maxConcurrency: options.concurrency, isolates: options.isolates, shares: [own, ...others] },
    undefined,
  );
  const memory = Number(functionEnv().memoryLimitInMB);
  const limits = heapLimits(memory, options.isolates);
  const { Worker } = await import("node:worker_threads");
  const workers = others.map((share, i) => new PoolWorker(i + 1, share, options, limits, Worker));
  shutdownWorkers = () => Promise.all(workers.map((w) => w.shutdown())).then(() => {});
  const inits = await Promise.all(workers.map((w) => w.start()));
  const failed = inits.find((e) => e !== null);
  if (failed) {
    for (const w of workers) w.stop();
    return await options.initFailed(failed);
  }
  for (const w of workers) w.release();
  return await options.serve(own);
}

/** What {@linkcode serveAsWorker} needs from `start`. */
export interface WorkerServeOptions {
  /** `AWS_LAMBDA_RUNTIME_API`. */
  address: string;
  /** The invoker of this isolate's handler. */
  invoker: Invoker;
  /** The `init` option. */
  init?: () => unknown;
  /** The `onShutdown` option: run when the main isolate gets SIGTERM. */
  onShutdown?: () => unknown;
  /**
   * Called once the worker serves, with the function that ends it after an uncaught error (it
   * logs the error, tells the main isolate and exits the worker thread).
   */
  serving(end: (error: LambdaErrorShape) => void): void;
}

/**
 * Ends the worker once it has reached its heap limit. Deno (2.9) handles a worker's limit by
 * terminating the JavaScript running at that moment and doubling the limit, but the thread goes
 * on: when the allocation was spread over `await`s, the invocation that made it just never
 * settles, its memory stays held, and the worker serves on with twice its share of the heap. So
 * the worker checks the limit V8 reports and, once it has grown, ends itself: its invocations
 * fail and it is replaced, as when a Node.js worker thread is stopped at its limit.
 */
async function watchHeap(end: (error: LambdaErrorShape) => void): Promise<void> {
  const v8 = await import("node:v8");
  const limit = v8.getHeapStatistics().heap_size_limit;
  const timer = setInterval(() => {
    if (v8.getHeapStatistics().heap_size_limit <= limit) return;
    clearInterval(timer);
    end(runtimeError(
      "Runtime.OutOfMemory",
      `the worker reached its heap limit (${Math.round(limit / 2 ** 20)} MB)`,
    ));
  }, HEAP_CHECK_MS);
  Deno.unrefTimer(timer);
}

/**
 * Serves this worker isolate's share: runs `init`, tells the main isolate it is ready (or why
 * not), then runs its Runtime API loops, recording what each holds. Never returns.
 */
export async function serveAsWorker(options: WorkerServeOptions): Promise<never> {
  const { parentPort, workerData } = await import("node:worker_threads");
  const port = parentPort!;
  const data = workerData as WorkerData;
  const post = (m: WorkerMessage) => port.postMessage(m);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  port.on("message", async (m: { kind: string }) => {
    if (m.kind === "serve") release();
    if (m.kind !== "shutdown") return;
    try {
      await options.onShutdown?.();
    } catch (e) {
      activeLogger().logEvent("ERROR", `onShutdown failed: ${String(e)}`, undefined, undefined);
    }
    post({ kind: "shut" });
  });
  try {
    await options.init?.();
  } catch (e) {
    post({ kind: "init-error", error: toErrorShape(e) });
    return await new Promise<never>(() => {});
  }
  const client = new RuntimeApiClient(options.address);
  const end = (error: LambdaErrorShape) => {
    activeLogger().logEvent(
      "ERROR",
      `Uncaught Error ${JSON.stringify(error)}`,
      error,
      undefined,
    );
    post({ kind: "uncaught", error });
    // In a node:worker_threads worker this ends the thread only, as process.exit does in Node.
    Deno.exit(1);
  };
  options.serving(end);
  post({ kind: "ready" });
  // No isolate asks for an invocation before every one has run its init: Lambda takes the first
  // `next` as the end of the init phase, after which an init error can no longer be reported.
  await released;
  await watchHeap(end);
  try {
    return await serveRuntimeApi(client, options.invoker, data.share, {
      tracker: slotTracker(data.slots),
    });
  } catch (e) {
    post({ kind: "fatal", message: (e as Error).message ?? String(e) });
    return await new Promise<never>(() => {});
  }
}
