/**
 * Several execution environments of one function, for concurrent invocations, scaled the way
 * Lambda scales a function: each environment serves one invocation at a time; a request that
 * finds them all busy gets a new one, up to `maxConcurrency` (Lambda's reserved concurrency);
 * past that, requests queue in arrival order (where Lambda would throttle with 429, a local tool
 * is more useful waiting). Environments stay warm until {@linkcode FunctionPool.close}.
 *
 * @module
 */

import {
  type InvokeOptions,
  type InvokeOutcome,
  LocalFunction,
  type LocalFunctionOptions,
  type StreamOutcome,
} from "./function.ts";

/** Options of {@linkcode FunctionPool}. */
export interface PoolOptions extends LocalFunctionOptions {
  /** Most environments at once (default 4). */
  maxConcurrency?: number;
}

/** A scaling set of {@linkcode LocalFunction} environments. */
export class FunctionPool {
  /** Most environments at once. */
  readonly maxConcurrency: number;
  #options: LocalFunctionOptions;
  #idle: LocalFunction[] = [];
  #all: LocalFunction[] = [];
  #waiting: ((fn: LocalFunction) => void)[] = [];
  #closed = false;
  /** Environments started before the last {@linkcode recycle}: retired when free. */
  #stale = new Set<LocalFunction>();

  /** A pool; the first environment starts at once (warm). */
  constructor(options: PoolOptions) {
    const { maxConcurrency, ...rest } = options;
    this.maxConcurrency = Math.max(1, Math.floor(maxConcurrency ?? 4));
    this.#options = rest;
    const first = this.#create();
    this.#idle.push(first);
  }

  /** Environments started so far. */
  get size(): number {
    return this.#all.length;
  }

  /** Requests waiting for an environment. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** Every environment's {@linkcode LocalFunction} (for inspection). */
  get functions(): readonly LocalFunction[] {
    return this.#all;
  }

  #create(): LocalFunction {
    const fn = LocalFunction.create(this.#options);
    this.#all.push(fn);
    return fn;
  }

  #acquire(): Promise<LocalFunction> {
    if (this.#closed) return Promise.reject(new Error("the pool is closed"));
    const idle = this.#idle.shift();
    if (idle) return Promise.resolve(idle);
    if (this.#all.length < this.maxConcurrency) return Promise.resolve(this.#create());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(fn: LocalFunction): void {
    if (this.#stale.has(fn)) {
      this.#retire(fn);
      const w = this.#waiting.shift();
      if (w) w(this.#create());
      return;
    }
    const w = this.#waiting.shift();
    if (w) w(fn);
    else this.#idle.push(fn);
  }

  #retire(fn: LocalFunction): void {
    this.#stale.delete(fn);
    this.#all = this.#all.filter((f) => f !== fn);
    void fn.close();
  }

  /**
   * Replaces every environment with a fresh one, as after a redeploy: idle
   * environments stop now, busy ones when their invocation ends, and the next
   * invocations start new processes (which load the function's code anew).
   */
  recycle(): void {
    if (this.#closed) return;
    for (const fn of this.#all) this.#stale.add(fn);
    for (const fn of this.#idle.splice(0)) this.#retire(fn);
    if (this.#all.length < this.maxConcurrency) this.#idle.push(this.#create());
  }

  /** {@linkcode LocalFunction.invoke} on a free environment. */
  async invoke(event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    const fn = await this.#acquire();
    try {
      return await fn.invoke(event, options);
    } finally {
      this.#release(fn);
    }
  }

  /** {@linkcode LocalFunction.invokeStream} on a free environment (held until `done`). */
  async invokeStream(event: unknown, options?: InvokeOptions): Promise<StreamOutcome> {
    const fn = await this.#acquire();
    let s: StreamOutcome;
    try {
      s = await fn.invokeStream(event, options);
    } catch (e) {
      this.#release(fn);
      throw e;
    }
    s.done.finally(() => this.#release(fn));
    return s;
  }

  /** Stops every environment. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#all.map((f) => f.close()));
  }
}
