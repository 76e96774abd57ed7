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
 * - **The main isolate asks for every invocation.** It runs C loops, each asking the Runtime API
 *   for the next invocation and handing it to a worker (the one with the fewest waiting to
 *   begin, then the fewest held), or running it itself when every worker has two or more
 *   waiting, or when it holds none and every worker holds some (`Dispatcher.#assign`). A worker
 *   finds it on a `MessagePort` the two share when a one-byte doorbell over loopback TCP wakes
 *   it (`doorbell.ts`), runs the handler and posts the result itself. So every invocation the
 *   Runtime API hands out is read by an isolate that cannot die without the process, and the
 *   main isolate knows where each one is.
 *   (When each isolate asked for its own, those handed to a busy worker's pending `next` died
 *   unread with that worker and ended only at the function's timeout.) A worker's invocations
 *   pass through the main isolate's event loop: while a handler runs there synchronously, the
 *   workers go on with what they hold, and get more when it yields.
 * - **Each worker invocation's state** is kept in a table shared with the workers (one slot per
 *   loop): queued (sent), started (the worker took it from its queue), sent (its result written
 *   out whole: the Runtime API has it even if the worker dies now), free. A worker marks a slot
 *   started with an atomic exchange, so an invocation is either run by its worker or moved,
 *   never both.
 * - **A worker that dies** (an uncaught exception or an unhandled rejection in its isolate,
 *   `Deno.exit` there, its heap limit reached) takes only what it had started with it: the main
 *   isolate posts each of those an error of type `Runtime.WorkerExited`, hands what was still
 *   queued for it to another isolate (it keeps each event until it is answered), and starts a
 *   replacement; the others go on. Lambda tolerates a crashed worker; a dead process ends the
 *   whole environment. (A failure in the main isolate fails the invocations it runs, as
 *   `start.ts` has it.)
 * - **What an invocation sees** is the same in every isolate: each runs its own copy of the
 *   runtime (context and deadline, `InvokeStore` and the `awslambda` global, the console's logger,
 *   errors, streaming), so nothing of one invocation can reach another isolate's. What they share
 *   is the process: the environment variables, stdout (each log line is one write) and the
 *   Runtime API.
 * - **Init** runs in every isolate: the function's module and the `init` option, in the main one
 *   first, then in the workers. The main isolate asks for invocations only when every worker is
 *   ready, so a failure anywhere is reported once, by the main isolate, to `/runtime/init/error`,
 *   and the process exits, as in a sequential environment.
 * - **Memory**: every isolate, the main one included, has V8 heap limits of its share of the
 *   function's memory (`isolateHeap` in `worker_count.ts`): a packaged function's launcher passes
 *   them as V8 flags, which every isolate of the process takes (they override a worker's
 *   `resourceLimits`), and each worker is also given them as `resourceLimits`
 *   ({@linkcode heapLimits}), which hold where no flag is set. A worker reaching them is stopped
 *   and replaced rather than the whole environment being killed.
 * - **A fatal Runtime API answer** in any isolate ends the process, as it does sequentially.
 *
 * Worker threads come from `node:worker_threads` rather than the Web `Worker` because only they
 * take `resourceLimits`: a Web worker's isolate has the process's heap limits, and one that
 * reaches them aborts the whole process.
 *
 * @module
 */

import { functionEnv, POOL_WORKER_PREFIX } from "./context.ts";
import { runtimeError, toErrorShape } from "./errors.ts";
import type { Invoker, InvokeRequest } from "./invoke.ts";
import { activeLogger } from "./logging.ts";
import { type Releases, RuntimeApiClient, serveInvocation } from "./runtime_api.ts";
import { connectDoorbell, type Doorbell, DoorbellListener } from "./doorbell.ts";
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
 * The bytes of `view` as an `ArrayBuffer` (its own when it spans it). An event goes to a worker
 * as an `ArrayBuffer`, copied, not a typed array: Deno's `node:worker_threads` walks every message
 * a worker receives for ports to patch (`patchMessagePortIfFound`, 2.9), enumerating a typed
 * array's elements one by one, a 50 KB event's 50,000 of them (about 2 ms of CPU, and a
 * deoptimization, per message); an `ArrayBuffer` has no elements to enumerate. It is copied, not
 * transferred, because the main isolate keeps the event until it is answered.
 */
function wholeBuffer(view: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = view;
  return buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength
    ? buffer
    : view.slice().buffer;
}

/** A slot of the shared table: no invocation, or its result is posted. */
const FREE = 0;
/** A slot of the shared table: sent to a worker, which has not taken it from its queue yet. */
const QUEUED = 1;
/** A slot of the shared table: its worker runs it. */
const STARTED = 2;
/** A slot of the shared table: its result is written to the Runtime API, not yet acknowledged. */
const SENT = 3;

/**
 * How many invocations every worker must have waiting to begin before the main isolate runs one
 * itself (see `Dispatcher.#assign`). One would leave a worker idle from the moment it begins
 * its last until the main isolate, busy with its own handler, hands it the next.
 */
const SPILL = 2;

/** The first delay before retrying a replacement whose init failed (ms); it doubles to a minute. */
const RESPAWN_DELAY_MS = 1000;
const MAX_RESPAWN_DELAY_MS = 60_000;

/** What the main isolate passes to each worker (`workerData`). */
interface WorkerData {
  /**
   * The invocations' states: one `Int32` slot per `next` loop ({@linkcode QUEUED}, …), then one
   * per worker: how many invocations sent to it it has not begun.
   */
  states: SharedArrayBuffer;
  /** This worker's counter in `states`. */
  backlog: number;
  /**
   * Where the main isolate leaves this thread its invocations (`Sent`) and this thread leaves
   * the main isolate the slots it answered (`Done`): read with `receiveMessageOnPort` when the
   * doorbell rings (`doorbell.ts`).
   */
  port: NodeMessagePort;
  /** The doorbell listener's port on 127.0.0.1 and this thread's token. */
  bell: { port: number; token: number };
}

type NodeMessagePort = import("node:worker_threads").MessagePort;
type WorkerThreads = typeof import("node:worker_threads");

/** What a worker leaves the main isolate on its port: a slot it answered. */
interface Done {
  slot: number;
}

/** How often a worker checks whether it reached its heap limit (ms). */
const HEAP_CHECK_MS = 500;

/** What the main isolate tells a worker (on its `parentPort`). */
type MainMessage = { kind: "serve" } | { kind: "shutdown" };

/** An invocation the main isolate leaves a worker on its port. */
interface Sent {
  slot: number;
  request: Omit<InvokeRequest, "payload">;
  payload: ArrayBuffer;
}

/** What a worker tells the main isolate. */
type WorkerMessage =
  | { kind: "ready" }
  | { kind: "shut" }
  | { kind: "uncaught"; error: LambdaErrorShape }
  | { kind: "init-error"; error: LambdaErrorShape }
  | { kind: "fatal"; message: string };

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
 * Runs every worker's `onShutdown` hook (SIGTERM reaches the process, and so the main isolate,
 * only); resolves when all are done (or gone).
 */
export function shutdownPool(): Promise<void> {
  return shutdownWorkers();
}

/** What {@linkcode runPool} needs from `start`. */
export interface PoolOptions {
  /** The main isolate's Runtime API client: it asks for every invocation. */
  client: RuntimeApiClient;
  /** The main isolate's invoker. */
  invoker: Invoker;
  /** The main isolate's invocations that an uncaught error there may answer (`start.ts`). */
  releases?: Releases;
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

type NodeWorker = import("node:worker_threads").Worker;

/** An invocation the main isolate holds until it is answered. */
interface Held {
  request: InvokeRequest;
  /** The thread it was sent to; `undefined` while it waits for one or runs in the main isolate. */
  thread: NodeWorker | undefined;
  worker: PoolWorker | undefined;
  /** Ends the hold: the loop that took it asks for the next. */
  answered(): void;
}

/**
 * The main isolate's side: C loops, each asking for an invocation, running it or handing it to a
 * worker, and waiting until it is answered (see the module docs).
 */
class Dispatcher {
  /** Invocations the main isolate runs itself. */
  #local = 0;
  readonly #options: PoolOptions;
  readonly states: SharedArrayBuffer;
  readonly #table: Int32Array;
  readonly #held: (Held | undefined)[];
  readonly #workers: PoolWorker[] = [];
  readonly #client: RuntimeApiClient;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#client = options.client;
    this.states = new SharedArrayBuffer(
      (options.concurrency + options.isolates) * Int32Array.BYTES_PER_ELEMENT,
    );
    this.#table = new Int32Array(this.states);
    this.#held = new Array(options.concurrency).fill(undefined);
  }

  /** Where worker `index` (1, 2, …) counts what it has not begun, in {@linkcode states}. */
  backlogIndex(index: number): number {
    return this.#held.length + index;
  }

  /** Adds the workers it may send invocations to (once serving). */
  add(workers: PoolWorker[]): void {
    this.#workers.push(...workers);
  }

  /** Asks for invocations with every loop, forever; rejects at the first fatal answer. */
  serve(): Promise<never> {
    return Promise.race(this.#held.map((_, slot) => this.#loop(slot)));
  }

  async #loop(slot: number): Promise<never> {
    while (true) {
      const next = await this.#client.next();
      if (next.error) {
        await serveInvocation(this.#client, this.#options.invoker, next);
        continue;
      }
      await new Promise<void>((answered) => {
        this.#held[slot] = {
          request: next.request,
          thread: undefined,
          worker: undefined,
          answered,
        };
        this.#assign(slot);
      });
      this.#held[slot] = undefined;
    }
  }

  /**
   * Gives slot `slot`'s invocation to a worker, the one with the fewest not begun, then the fewest
   * held. The main isolate runs it itself instead when every worker has {@linkcode SPILL} or more
   * not begun, or when it holds none and every worker holds some. The workers are kept busy first
   * because the main isolate asks for every invocation and hands them out between its own; it
   * takes its share of the handlers when the workers have more than they can begin, so that every
   * core works under a CPU-bound load; and under a light load an invocation finds an isolate of
   * its own while there is one (with as many isolates as the concurrency, none overlap in one).
   */
  #assign(slot: number): void {
    let best: PoolWorker | undefined;
    let [backlog, held] = [SPILL, Infinity];
    for (const w of this.#workers) {
      if (!w.serving || !w.thread || !w.linked) continue;
      const b = Atomics.load(this.#table, this.backlogIndex(w.index));
      if (b < backlog || b === backlog && b < SPILL && w.outstanding < held) {
        [best, backlog, held] = [w, b, w.outstanding];
      }
    }
    const hold = this.#held[slot]!;
    const thread = best?.thread;
    if (
      best === undefined || thread === undefined || this.#local === 0 && held > 0
    ) {
      return void this.#run(hold);
    }
    hold.worker = best;
    hold.thread = thread;
    best.outstanding++;
    Atomics.store(this.#table, slot, QUEUED);
    Atomics.add(this.#table, this.backlogIndex(best.index), 1);
    const { payload, ...request } = hold.request;
    best.send({ slot, request, payload: wholeBuffer(payload) });
  }

  /**
   * Runs `held` in the main isolate, at once. (Queued to begin in a task of its own, each
   * invocation cost some 100 µs more CPU, and the Runtime API more too.)
   */
  async #run(held: Held): Promise<void> {
    this.#local++;
    try {
      const { client, invoker, releases } = this.#options;
      await serveInvocation(client, invoker, { request: held.request }, releases);
    } catch (e) {
      this.#options.fatal((e as Error).message ?? String(e));
    }
    this.#local--;
    held.answered();
  }

  /** `thread` posted slot `slot`'s result. */
  done(thread: NodeWorker, slot: number): void {
    const held = this.#held[slot];
    // A late word from a thread that died and whose slots were settled already.
    if (held?.thread !== thread) return;
    held.worker!.outstanding--;
    held.thread = held.worker = undefined;
    held.answered();
  }

  /**
   * `thread` of `worker` died: what it had started fails with {@linkcode workerExitedError},
   * what it had not is sent to another worker, and what it had answered is done.
   */
  async died(worker: PoolWorker, thread: NodeWorker, reason: string): Promise<void> {
    const failed: Held[] = [];
    const queued: number[] = [];
    for (let slot = 0; slot < this.#held.length; slot++) {
      const held = this.#held[slot];
      if (held?.thread !== thread) continue;
      worker.outstanding--;
      held.thread = held.worker = undefined;
      // The thread is gone: the state it left is final.
      const state = Atomics.load(this.#table, slot);
      Atomics.store(this.#table, slot, FREE);
      if (state === QUEUED) queued.push(slot);
      else if (state === STARTED) failed.push(held);
      else held.answered(); // FREE, or SENT: its result was written out whole
    }
    activeLogger().logEvent(
      "ERROR",
      `worker ${worker.index} stopped (${reason}); ${failed.length} invocation(s) failed, ` +
        `${queued.length} not started given to another isolate; replacing it`,
      undefined,
      undefined,
    );
    Atomics.store(this.#table, this.backlogIndex(worker.index), 0);
    // Only now: the dead worker no longer counts as serving, so none goes back to it.
    for (const slot of queued) this.#assign(slot);
    await Promise.allSettled(failed.map(async (held) => {
      const id = held.request.requestId;
      try {
        await this.#client.postError(id, workerExitedError(id, reason));
      } catch (e) {
        // It may have been answered already (a stream cut off midway, or the worker died
        // between posting and marking it): logged only.
        activeLogger().logEvent("WARN", (e as Error).message, undefined, id);
      }
      held.answered();
    }));
  }
}

/** One worker thread and its replacements. */
class PoolWorker {
  readonly index: number;
  /** Invocations sent to its current thread and not answered yet. */
  outstanding = 0;
  /** Whether its current thread takes invocations (ready, and released). */
  serving = false;
  #thread: NodeWorker | undefined;
  readonly #backlog: number;
  readonly #options: PoolOptions;
  readonly #dispatcher: Dispatcher;
  readonly #limits: HeapLimits | undefined;
  readonly #threads: WorkerThreads;
  readonly #doorbells: DoorbellListener;
  /** The current thread's port and doorbell, once it is ready. */
  #link: { port: NodeMessagePort; bell: Doorbell } | undefined;
  #respawnDelay = RESPAWN_DELAY_MS;
  #stopped = false;
  #released = false;
  #shut: (() => void) | undefined;

  constructor(
    index: number,
    options: PoolOptions,
    dispatcher: Dispatcher,
    limits: HeapLimits | undefined,
    threads: WorkerThreads,
    doorbells: DoorbellListener,
  ) {
    this.index = index;
    this.#backlog = dispatcher.backlogIndex(index);
    this.#options = options;
    this.#dispatcher = dispatcher;
    this.#limits = limits;
    this.#threads = threads;
    this.#doorbells = doorbells;
  }

  /** Whether its current thread can be sent invocations. */
  get linked(): boolean {
    return this.#link !== undefined;
  }

  /** Its current thread, if any. */
  get thread(): NodeWorker | undefined {
    return this.#thread;
  }

  /**
   * Starts a thread; resolves once it is ready (`null`) or its init failed (the error). After
   * that, a death is handled by {@linkcode PoolWorker.#died}.
   */
  start(): Promise<LambdaErrorShape | null> {
    return new Promise((resolve) => {
      let ready = false;
      let lastError: unknown;
      const { port1, port2 } = new this.#threads.MessageChannel();
      const { token, bell } = this.#doorbells.expect();
      const data: WorkerData = {
        states: this.#dispatcher.states,
        backlog: this.#backlog,
        port: port2,
        bell: { port: this.#doorbells.port, token },
      };
      const thread = new this.#threads.Worker(new URL(Deno.mainModule), {
        name: `${POOL_WORKER_PREFIX}${this.index}`,
        workerData: data,
        transferList: [port2],
        resourceLimits: this.#limits,
      });
      this.#thread = thread;
      this.#link = undefined;
      thread.on("message", async (m: WorkerMessage) => {
        if (m.kind === "ready") {
          // The worker rang in before it said it was ready.
          const link = { port: port1, bell: await bell };
          if (this.#thread !== thread) return link.bell.close();
          this.#link = link;
          void link.bell.listen(() => {
            for (let m; (m = this.#threads.receiveMessageOnPort(port1)) !== undefined;) {
              this.#dispatcher.done(thread, (m.message as Done).slot);
            }
          });
          ready = true;
          this.#respawnDelay = RESPAWN_DELAY_MS;
          if (this.#released) this.#serve(thread);
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
        this.#doorbells.forget(token);
        if (this.#thread === thread) {
          this.#thread = undefined;
          this.serving = false;
          this.#link?.bell.close();
          this.#link = undefined;
        }
        port1.close();
        this.#shut?.();
        const shape = lastError === undefined ? undefined : asShape(lastError);
        const reason = shape ? `${shape.errorType}: ${shape.errorMessage}` : `exit code ${code}`;
        if (!ready) {
          resolve(
            shape ??
              runtimeError("Runtime.WorkerExited", `a worker exited during its init: ${reason}`),
          );
        } else if (!this.#stopped) void this.#died(thread, reason);
      });
    });
  }

  /** Leaves the current thread an invocation and wakes it. */
  send(sent: Sent): void {
    const link = this.#link!;
    link.port.postMessage(sent);
    link.bell.ring();
  }

  #serve(thread: NodeWorker): void {
    const message: MainMessage = { kind: "serve" };
    thread.postMessage(message);
    this.serving = true;
  }

  /** Settles the dead thread's invocations and starts a replacement. */
  async #died(thread: NodeWorker, reason: string): Promise<void> {
    await this.#dispatcher.died(this, thread, reason);
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
  const doorbells = DoorbellListener.open();
  const dispatcher = new Dispatcher(options);
  const workers = Array.from(
    { length: options.isolates - 1 },
    (_, i) => new PoolWorker(i + 1, options, dispatcher, limits, threads, doorbells),
  );
  dispatcher.add(workers);
  shutdownWorkers = () => Promise.all(workers.map((w) => w.shutdown())).then(() => {});
  const inits = await Promise.all(workers.map((w) => w.start()));
  const failed = inits.find((e) => e !== null);
  if (failed) {
    for (const w of workers) w.stop();
    return await options.initFailed(failed);
  }
  options.serving();
  for (const w of workers) w.release();
  try {
    return await dispatcher.serve();
  } catch (e) {
    return options.fatal((e as Error).message ?? String(e));
  }
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
 * Serves this worker isolate: runs `init`, tells the main isolate it is ready (or why not), then
 * runs each invocation the main isolate sends it and posts its result. Never returns.
 */
export async function serveAsWorker(options: WorkerServeOptions): Promise<never> {
  const { parentPort, workerData, receiveMessageOnPort } = await import("node:worker_threads");
  const port = parentPort!;
  const data = workerData as WorkerData;
  const { backlog } = data;
  const states = new Int32Array(data.states);
  const post = (m: WorkerMessage) => port.postMessage(m);
  const client = new RuntimeApiClient(options.address);
  const { invoker } = options;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));

  const run = async (slot: number, request: InvokeRequest): Promise<void> => {
    // Taken from the queue: from now on a death of this isolate fails it rather than moving it.
    if (Atomics.compareExchange(states, slot, QUEUED, STARTED) !== QUEUED) return;
    Atomics.sub(states, backlog, 1);
    try {
      // Once written, the result reaches the Runtime API even if this isolate dies before the
      // answer: it must then not be failed too. (The telemetry goes out before the main isolate
      // hears it is done and asks for the next, after which Lambda may freeze the environment.)
      await serveInvocation(client, invoker, { request }, undefined, () => {
        Atomics.store(states, slot, SENT);
      });
      Atomics.store(states, slot, FREE);
    } catch (e) {
      post({ kind: "fatal", message: (e as Error).message ?? String(e) });
      return;
    }
    const done: Done = { slot };
    data.port.postMessage(done);
    bell.ring();
  };

  // Rung once the main isolate left invocations on the port: they begin from this socket read.
  const bell = await connectDoorbell(data.bell.port, data.bell.token);
  void bell.listen(() => {
    for (let m; (m = receiveMessageOnPort(data.port)) !== undefined;) {
      const { slot, request, payload } = m.message as Sent;
      void run(slot, { ...request, payload: new Uint8Array(payload) });
    }
  });
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
  await released;
  await watchHeap(end);
  return await new Promise<never>(() => {});
}
