/**
 * Lambda Managed Instances: a concurrent environment served by one isolate per CPU.
 *
 * With `AWS_LAMBDA_MAX_CONCURRENCY` = C > 1 the environment takes up to C invocations at once and
 * has several vCPUs, but one isolate runs JavaScript on one core. So `start` runs the handlers in
 * W isolates ({@linkcode workerCount}: the cgroup's CPU quota, else the available parallelism,
 * else `GOPHERLESS_WORKER_COUNT`): the main isolate, which has already loaded the function, and
 * W − 1 worker threads (`node:worker_threads`) that load the function's main module again. With
 * W = 1 no worker is made and this module is not even loaded.
 *
 * - **Each isolate asks for its own invocations**: C loops in all, shared out between the
 *   isolates ({@linkcode loopShares}), each asking the Runtime API for the next invocation,
 *   running it and posting its result, as aws-lambda-go's goroutines and Lambda's Node.js
 *   workers do. Nothing passes between the isolates while they serve.
 * - **A worker that stops** (an uncaught exception or an unhandled rejection in its isolate,
 *   `Deno.exit` or `process.exit` there, its heap limit reached) does not end its thread at
 *   once: it fails each invocation it runs with the error `Runtime.WorkerExited` (unless its
 *   result was written already), asks for no more, and passes every invocation its pending
 *   `next` requests are still handed to the main isolate, which serves it; once the last of them
 *   is answered the thread ends. The main isolate starts a replacement as soon as the worker
 *   says it stops. So an invocation the Runtime API had handed to a busy worker, unread when it
 *   stopped, is served, not lost until the function's timeout. Lambda tolerates a crashed
 *   worker; a runtime process that exits ends the whole environment. (A thread that ends without
 *   a word, which only a fault in the runtime itself could cause, is replaced too; what it held
 *   then ends at the function's timeout.)
 * - **What an invocation sees** is the same in every isolate: each runs its own copy of the
 *   runtime (context and deadline, `InvokeStore` and the `awslambda` global, the console's logger,
 *   errors, streaming), so nothing of one invocation can reach another isolate's. What they share
 *   is the process: the environment variables, stdout (each log line is one write) and the
 *   Runtime API.
 * - **Init** runs in every isolate: the function's module and the `init` option, in the main one
 *   first, then in the workers. No isolate asks for an invocation before every worker is ready,
 *   so a failure anywhere is reported once, by the main isolate, to `/runtime/init/error`, and
 *   the process exits, as in a sequential environment.
 * - **Memory**: every isolate, the main one included, has V8 heap limits of its share of the
 *   function's memory (`isolateHeap` in `worker_count.ts`): a packaged function's launcher passes
 *   them as V8 flags, which every isolate of the process takes (they override a worker's
 *   `resourceLimits`), and each worker is also given them as `resourceLimits`
 *   ({@linkcode heapLimits}), which hold where no flag is set. A worker reaching them stops and
 *   is replaced rather than the whole environment being killed.
 * - **A fatal Runtime API answer** in any isolate ends the process, as it does sequentially.
 *
 * (In a design before this one, the main isolate asked for every invocation and handed the
 * workers theirs, so that none could be lost with a worker; that cost the CPU-bound throughput a
 * fifth: BENCHMARKS.md, "Each isolate asks for its own again, and a stopping worker passes on what
 * it is handed".)
 *
 * Worker threads come from `node:worker_threads` rather than the Web `Worker` because only they
 * take `resourceLimits`: a Web worker's isolate has the process's heap limits, and one that
 * reaches them aborts the whole process.
 *
 * @module
 */

import { currentRequestId, functionEnv, POOL_WORKER_PREFIX } from "./context.ts";
import { runtimeError, toErrorShape } from "./errors.ts";
import type { Invoker } from "./invoke.ts";
import { activeLogger } from "./logging.ts";
import { type NextInvoke, Releases, RuntimeApiClient, serveInvocation } from "./runtime_api.ts";
import type { LambdaErrorShape } from "../protocol/lambda_error.ts";
import { type HeapLimits, heapLimits, workerCount } from "./worker_count.ts";

export { heapLimits };

/**
 * {@linkcode workerCount} under Deno; 1 elsewhere (the npm package under Node, whose worker
 * threads have no name to tell them from the main thread: `inPoolWorker` would not know it
 * runs in one).
 */
export function isolateCount(concurrency: number): number {
  return typeof (globalThis as { Deno?: unknown }).Deno === "object" ? workerCount(concurrency) : 1;
}

/**
 * How many of `concurrency` loops each of `isolates` isolates runs (the main one first): as even
 * as they come, the main isolate taking the remainder, each at least one.
 */
export function loopShares(concurrency: number, isolates: number): number[] {
  const each = Math.max(1, Math.floor(concurrency / isolates));
  const rest = Math.max(0, concurrency - each * isolates);
  return Array.from({ length: isolates }, (_, i) => i === 0 ? each + rest : each);
}

/**
 * The bytes of `view` as an `ArrayBuffer` (its own when it spans it), as an event passed to the
 * main isolate travels: Deno's `node:worker_threads` walks a message's typed arrays element by
 * element (a 50 KB event's 50,000 of them), and an `ArrayBuffer` has none.
 */
function wholeBuffer(view: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = view;
  return buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength
    ? buffer
    : view.slice().buffer;
}

/** The first delay before retrying a replacement whose init failed (ms); it doubles to a minute. */
const RESPAWN_DELAY_MS = 1000;
const MAX_RESPAWN_DELAY_MS = 60_000;

/** What the main isolate passes to each worker (`workerData`). */
interface WorkerData {
  /** How many loops it runs. */
  loops: number;
  /** Its number (1, 2, …), for its log lines. */
  index: number;
}

type WorkerThreads = typeof import("node:worker_threads");
type NodeWorker = import("node:worker_threads").Worker;

/** How often a worker checks whether it reached its heap limit (ms). */
const HEAP_CHECK_MS = 500;

/** What the main isolate tells a worker (on its `parentPort`). */
type MainMessage = { kind: "serve" } | { kind: "shutdown" };

/** What a worker tells the main isolate. */
type WorkerMessage =
  | { kind: "ready" }
  | { kind: "shut" }
  | { kind: "init-error"; error: LambdaErrorShape }
  | { kind: "fatal"; message: string }
  /** It stops (see the module docs): replace it. */
  | { kind: "stopping"; reason: string }
  /**
   * An invocation a pending `next` of a stopped worker was handed: the main isolate serves it.
   * The payload travels as an `ArrayBuffer`: Deno's `node:worker_threads` walks a message's typed
   * arrays element by element.
   */
  | { kind: "pass"; next: NextInvoke; payload: ArrayBuffer }
  /** A stopped worker has failed what it ran and passed on all it was handed: end its thread. */
  | { kind: "ended"; passed: number };

/** The error an invocation gets when the worker serving it died. */
export function workerExitedError(requestId: string, reason: string): LambdaErrorShape {
  return runtimeError(
    "Runtime.WorkerExited",
    `RequestId: ${requestId} Error: the worker serving this invocation stopped: ${reason}`,
  );
}

let shutdownWorkers: () => Promise<void> = () => Promise.resolve();

/**
 * Runs every worker's `onShutdown` hook (SIGTERM reaches the process, and so the main isolate,
 * only); resolves when all are done (or gone).
 */
export function shutdownPool(): Promise<void> {
  return shutdownWorkers();
}

/** What {@linkcode runPool} needs from `start`. */
export interface PoolOptions {
  /** The main isolate's Runtime API client: it serves what stopped workers pass on. */
  client: RuntimeApiClient;
  /** The main isolate's invoker. */
  invoker: Invoker;
  /** The main isolate's invocations that an uncaught error there may answer (`start.ts`). */
  releases?: Releases;
  /** Runs `loops` Runtime API loops in the main isolate; rejects never, ends the process. */
  serve(loops: number): Promise<never>;
  /** `AWS_LAMBDA_MAX_CONCURRENCY`: how many invocations are asked for at once. */
  concurrency: number;
  /** The number of isolates, the main one included (at least 2). */
  isolates: number;
  /** Called once every worker's init succeeded, before the first `next`. */
  serving(): void;
  /** Reports an init failure once and exits. */
  initFailed(error: LambdaErrorShape): Promise<never>;
  /** Prints a fatal condition and exits. */
  fatal(message: string): never;
}

/** One worker thread and its replacements. */
class PoolWorker {
  readonly index: number;
  readonly #loops: number;
  readonly #options: PoolOptions;
  readonly #limits: HeapLimits | undefined;
  readonly #threads: WorkerThreads;
  /** The thread that serves (or is starting); not one that stops. */
  #thread: NodeWorker | undefined;
  #respawnDelay = RESPAWN_DELAY_MS;
  #stopped = false;
  #released = false;
  #shut: (() => void) | undefined;

  constructor(
    index: number,
    loops: number,
    options: PoolOptions,
    limits: HeapLimits | undefined,
    threads: WorkerThreads,
  ) {
    this.index = index;
    this.#loops = loops;
    this.#options = options;
    this.#limits = limits;
    this.#threads = threads;
  }

  /**
   * Starts a thread; resolves once it is ready (`null`) or its init failed (the error). After
   * that, its stop is handled by {@linkcode PoolWorker.#replace}.
   */
  start(): Promise<LambdaErrorShape | null> {
    return new Promise((resolve) => {
      let ready = false;
      let stopping = false;
      let lastError: unknown;
      const data: WorkerData = { loops: this.#loops, index: this.index };
      const thread = new this.#threads.Worker(new URL(Deno.mainModule), {
        name: `${POOL_WORKER_PREFIX}${this.index}`,
        workerData: data,
        resourceLimits: this.#limits,
      });
      this.#thread = thread;
      thread.on("message", (m: WorkerMessage) => {
        if (m.kind === "ready") {
          ready = true;
          this.#respawnDelay = RESPAWN_DELAY_MS;
          if (this.#released) this.#serve(thread);
          resolve(null);
        } else if (m.kind === "pass") {
          this.#pass(m.next, m.payload);
        } else if (m.kind === "stopping") {
          stopping = true;
          if (this.#thread === thread) this.#thread = undefined;
          if (!this.#stopped) void this.#replace();
        } else if (m.kind === "ended") {
          activeLogger().logEvent(
            "INFO",
            `worker ${this.index}'s stopped thread ended; it passed ${m.passed} invocation(s) to ` +
              "the main isolate",
            undefined,
            undefined,
          );
          void thread.terminate();
        } else if (m.kind === "init-error") {
          resolve(m.error);
          void thread.terminate();
        } else if (m.kind === "shut") {
          this.#shut?.();
        } else if (m.kind === "fatal") {
          this.#options.fatal(m.message);
        }
      });
      thread.on("error", (e: unknown) => (lastError = e));
      thread.on("exit", (code: number) => {
        if (this.#thread === thread) this.#thread = undefined;
        this.#shut?.();
        const shape = lastError === undefined ? undefined : toErrorShape(lastError);
        const reason = shape ? `${shape.errorType}: ${shape.errorMessage}` : `exit code ${code}`;
        if (!ready) {
          resolve(
            shape ??
              runtimeError("Runtime.WorkerExited", `a worker exited during its init: ${reason}`),
          );
        } else if (!stopping && !this.#stopped) {
          activeLogger().logEvent(
            "ERROR",
            `worker ${this.index} ended without stopping first (${reason}); what it ran ends at ` +
              "the function's timeout; replacing it",
            undefined,
            undefined,
          );
          void this.#replace();
        }
      });
    });
  }

  /** Serves, in the main isolate, an invocation a stopped thread of this worker was handed. */
  #pass(next: NextInvoke, payload: ArrayBuffer): void {
    const request = { ...next.request, payload: new Uint8Array(payload) };
    activeLogger().logEvent(
      "WARN",
      `worker ${this.index} had stopped when the Runtime API handed it this invocation: ` +
        "served by the main isolate",
      undefined,
      request.requestId,
    );
    const { client, invoker, releases } = this.#options;
    serveInvocation(client, invoker, { ...next, request } as NextInvoke, releases).catch((e) =>
      this.#options.fatal((e as Error).message ?? String(e))
    );
  }

  #serve(thread: NodeWorker): void {
    const message: MainMessage = { kind: "serve" };
    thread.postMessage(message);
  }

  /** Starts a replacement, retrying one whose init fails. */
  async #replace(): Promise<void> {
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

  /** Runs the worker's `onShutdown`; resolves when it is done or the worker is gone. */
  shutdown(): Promise<void> {
    this.#stopped = true;
    const thread = this.#thread;
    if (!thread) return Promise.resolve();
    return new Promise((resolve) => {
      this.#shut = resolve;
      const message: MainMessage = { kind: "shutdown" };
      thread.postMessage(message);
    });
  }

  /** Lets the worker (and every replacement) serve, once every worker's init succeeded. */
  release(): void {
    this.#released = true;
    if (this.#thread) this.#serve(this.#thread);
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
  // As Lambda's .NET runtime reports its worker count at init (at DEBUG, with JSON logs).
  activeLogger().logEvent(
    "DEBUG",
    `serving AWS_LAMBDA_MAX_CONCURRENCY=${options.concurrency} from ${options.isolates} isolates`,
    { maxConcurrency: options.concurrency, isolates: options.isolates },
    undefined,
  );
  const memory = Number(functionEnv().memoryLimitInMB);
  const limits = heapLimits(memory, options.isolates);
  const threads = await import("node:worker_threads");
  const shares = loopShares(options.concurrency, options.isolates);
  const workers = shares.slice(1).map(
    (loops, i) => new PoolWorker(i + 1, loops, options, limits, threads),
  );
  shutdownWorkers = () => Promise.all(workers.map((w) => w.shutdown())).then(() => {});
  const inits = await Promise.all(workers.map((w) => w.start()));
  const failed = inits.find((e) => e !== null);
  if (failed) {
    for (const w of workers) w.stop();
    return await options.initFailed(failed);
  }
  options.serving();
  for (const w of workers) w.release();
  return await options.serve(shares[0]);
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
   * Called once the worker serves, with the function that stops it after an uncaught error (it
   * logs the error, fails what the worker runs and hands what it is still given to the main
   * isolate, then ends the thread: see the module docs).
   */
  serving(end: (error: LambdaErrorShape) => void): void;
}

/**
 * Stops the worker once it has reached its heap limit. Deno (2.9) handles a worker's limit by
 * terminating the JavaScript running at that moment and doubling the limit, but the thread goes
 * on: when the allocation was spread over `await`s, the invocation that made it just never
 * settles, its memory stays held, and the worker serves on with twice its share of the heap. So
 * the worker checks the limit V8 reports and, once it has grown, stops: its invocations fail and
 * it is replaced, as when a Node.js worker thread is stopped at its limit.
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
 * What `Deno.exit` (and so `process.exit`) throws in a worker that serves: the worker stops
 * instead (see the module docs), and the code after the call is not run unless it catches this.
 */
export class WorkerStopping extends Error {
  constructor(code: number) {
    super(`the worker stops (exit code ${code})`);
    this.name = "WorkerStopping";
  }
}

/**
 * A serving worker's Runtime API loops and its stop (see the module docs): each loop asks for an
 * invocation, runs it and posts its result until the worker stops; then what a loop is still
 * handed goes to the main isolate, and once every loop has ended and every failed invocation's
 * error is acknowledged, the main isolate is told to end the thread.
 */
class WorkerLoops {
  readonly #client: RuntimeApiClient;
  readonly #invoker: Invoker;
  readonly #releases = new Releases();
  readonly #post: (m: WorkerMessage) => void;
  readonly #index: number;
  /** Why it stops, once it does. */
  #stopping: string | undefined;
  #loopsLeft: number;
  #passed = 0;
  /** Error posts not answered yet, and whether every invocation to fail has been. */
  #failing = 0;
  #failedAll = false;

  constructor(
    client: RuntimeApiClient,
    invoker: Invoker,
    data: WorkerData,
    post: (m: WorkerMessage) => void,
  ) {
    this.#client = client;
    this.#invoker = invoker;
    this.#index = data.index;
    this.#loopsLeft = data.loops;
    this.#post = post;
  }

  /** Whether it stops (or has stopped). */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** Runs the loops (until the worker stops). */
  start(): void {
    for (let i = this.#loopsLeft; i > 0; i--) void this.#loop();
  }

  async #loop(): Promise<void> {
    const client = this.#client;
    try {
      while (this.#stopping === undefined) {
        const next = await client.next();
        if (this.#stopping !== undefined) {
          this.#pass(next);
          break;
        }
        await serveInvocation(client, this.#invoker, next, this.#releases);
      }
    } catch (e) {
      this.#post({ kind: "fatal", message: (e as Error).message ?? String(e) });
      return;
    }
    this.#loopsLeft--;
    this.#ended();
  }

  /** Leaves `next`, handed to a loop after the worker stopped, to the main isolate. */
  #pass(next: NextInvoke): void {
    const { payload, ...request } = next.request;
    this.#passed++;
    this.#post({
      kind: "pass",
      next: { ...next, request: { ...request, payload: new Uint8Array(0) } },
      payload: wholeBuffer(payload),
    });
  }

  /**
   * Stops: tells the main isolate, fails the invocation that stopped it (`current`, when a
   * handler did) at once and the others it runs once the current turn is over (handlers that ran
   * to their end within it, their results not yet sent, are answered with them), and asks for no
   * more.
   */
  stop(reason: string, current?: string): void {
    if (this.#stopping !== undefined) return;
    this.#stopping = reason;
    this.#post({ kind: "stopping", reason });
    const first = current === undefined ? 0 : this.#fail([current], reason);
    setTimeout(() => {
      const rest = this.#fail([...this.#invoker.inFlight].map((r) => r.requestId), reason);
      this.#failedAll = true;
      activeLogger().logEvent(
        "ERROR",
        `worker ${this.#index} stopped (${reason}); ${first + rest} invocation(s) failed; what ` +
          "its pending requests are still handed goes to the main isolate; replacing it",
        undefined,
        undefined,
      );
      this.#ended();
    });
  }

  /** Fails each of `ids` still held (its result not written yet); how many. */
  #fail(ids: string[], reason: string): number {
    let n = 0;
    for (const id of ids) {
      if (!this.#releases.release(id)) continue;
      n++;
      this.#failing++;
      this.#client.postError(id, workerExitedError(id, reason)).catch((e) => {
        // It may have been answered already (a stream cut off midway): logged only.
        activeLogger().logEvent("WARN", (e as Error).message, undefined, id);
      }).finally(() => {
        this.#failing--;
        this.#ended();
      });
    }
    return n;
  }

  #ended(): void {
    if (this.#stopping === undefined || this.#loopsLeft > 0) return;
    if (this.#failing > 0 || !this.#failedAll) return;
    // The main isolate ends the thread once it has this word, which comes after every
    // invocation passed on (one port keeps their order); a thread that exited itself might drop
    // messages not yet delivered.
    this.#post({ kind: "ended", passed: this.#passed });
  }
}

/**
 * Serves this worker isolate: runs `init`, tells the main isolate it is ready (or why not), then
 * runs its share of the Runtime API loops until it stops (see the module docs). Never returns.
 */
export async function serveAsWorker(options: WorkerServeOptions): Promise<never> {
  const { parentPort, workerData } = await import("node:worker_threads");
  const port = parentPort!;
  const data = workerData as WorkerData;
  const post = (m: WorkerMessage) => port.postMessage(m);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));

  port.on("message", async (m: MainMessage) => {
    if (m.kind === "serve") return release();
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

  const loops = new WorkerLoops(
    new RuntimeApiClient(options.address),
    options.invoker,
    data,
    post,
  );
  const end = (error: LambdaErrorShape) => {
    if (loops.stopping) return;
    activeLogger().logEvent("ERROR", `Uncaught Error ${JSON.stringify(error)}`, error, undefined);
    loops.stop(`${error.errorType}: ${error.errorMessage}`);
  };
  options.serving(end);
  post({ kind: "ready" });
  await released;
  // A call to exit stops the worker as an uncaught error does (in a serving worker, the thread
  // ends once what it is still handed has gone to the main isolate).
  Deno.exit = ((code?: number) => {
    // The code Deno itself would exit with: the one given, else `Deno.exitCode` (Deno 2).
    const c = code ?? (Deno as { exitCode?: number }).exitCode ?? 0;
    loops.stop(`exit code ${c}`, currentRequestId());
    throw new WorkerStopping(c);
  }) as typeof Deno.exit;
  await watchHeap(end);
  loops.start();
  return await new Promise<never>(() => {});
}
