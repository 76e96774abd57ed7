/**
 * How many isolates serve a concurrent (Lambda Managed Instances) environment, and how their V8
 * heaps share its memory. Loaded only when `AWS_LAMBDA_MAX_CONCURRENCY` is above 1.
 *
 * One isolate runs JavaScript on one core at a time, so an environment with several vCPUs runs
 * one isolate per vCPU it may use, never more than its concurrency:
 *
 * 1. `GOPHERLESS_WORKER_COUNT`, when it is a positive integer, decides (capped at the
 *    concurrency). Lambda's Node.js runtime reads `AWS_LAMBDA_NODEJS_WORKER_COUNT` for the same
 *    purpose; the `AWS_LAMBDA_` prefix is Lambda's own (the platform and AWS's runtimes set and
 *    read those names), so this library's knob carries its own name rather than borrowing one
 *    that Lambda may one day give another meaning.
 * 2. Else the CPUs of the cgroup's CPU quota, rounded up: cgroup v2 `cpu.max` (`<quota> <period>`,
 *    `max` for none), else cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (`-1` for none), as
 *    Node's runtime reads `cpu.max`. A quota is what the environment may use even when the host
 *    shows more CPUs.
 * 3. Else the available parallelism (`navigator.hardwareConcurrency`, the CPUs the process may
 *    run on), and never more than it either way.
 *
 * Node's runtime runs 8 workers per CPU, each dispatching many invocations, because a Node worker
 * thread is cheap next to its event loop's latency; here each isolate runs as many invocations at
 * once as it is handed, so more isolates than cores would only add memory (~5–15 MB each) without
 * adding CPU.
 *
 * @module
 */

import { getEnv, parseGoInt } from "./context.ts";

/** The environment variable that overrides the worker count. */
export const WORKER_COUNT_VARIABLE = "GOPHERLESS_WORKER_COUNT";

/** Reads a text file; `undefined` when it cannot be read. */
export type ReadText = (path: string) => string | undefined;

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The CPUs a cgroup CPU quota allows (rounded up), or `undefined` when there is no quota or it
 * cannot be read. `root` is where the cgroup file system is mounted.
 *
 * @example
 * ```ts
 * import { cgroupCpus } from "./worker_count.ts";
 * cgroupCpus((p) => p.endsWith("cpu.max") ? "150000 100000\n" : undefined); // 2
 * ```
 */
export function cgroupCpus(read: ReadText = readText, root = "/sys/fs/cgroup"): number | undefined {
  const v2 = read(`${root}/cpu.max`);
  if (v2 !== undefined) {
    const [quota, period] = v2.trim().split(/\s+/);
    return cpus(quota, period ?? "100000");
  }
  for (const dir of [`${root}/cpu`, `${root}/cpu,cpuacct`, `${root}/cpuacct,cpu`]) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    if (quota === undefined) continue;
    return cpus(quota.trim(), read(`${dir}/cpu.cfs_period_us`)?.trim());
  }
  return undefined;
}

function cpus(quota: string | undefined, period: string | undefined): number | undefined {
  const q = parseGoInt(quota);
  const p = parseGoInt(period);
  if (q === null || p === null || q <= 0 || p <= 0) return undefined;
  return Math.max(1, Math.ceil(q / p));
}

/** The CPUs the process may run on (`navigator.hardwareConcurrency`; 1 when unknown). */
export function availableParallelism(): number {
  const n = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)
    ?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? Math.floor(n) : 1;
}

/** What {@linkcode workerCount} reads; each defaults to the real source. */
export interface WorkerCountSources {
  /** An environment variable. */
  env?: (name: string) => string | undefined;
  /** The cgroup quota's CPUs. */
  cgroupCpus?: () => number | undefined;
  /** The available parallelism. */
  parallelism?: () => number;
}

/**
 * The number of isolates for `concurrency` concurrent invocations (see the module docs): 1 when
 * the concurrency is 1.
 *
 * @example
 * ```ts
 * import { workerCount } from "./worker_count.ts";
 * workerCount(64, { env: () => undefined, cgroupCpus: () => 4, parallelism: () => 8 }); // 4
 * workerCount(64, { env: () => "3" }); // 3
 * ```
 */
export function workerCount(concurrency: number, sources: WorkerCountSources = {}): number {
  const c = Math.max(1, Math.floor(concurrency));
  if (c === 1) return 1;
  const env = sources.env ?? getEnv;
  const override = parseGoInt(env(WORKER_COUNT_VARIABLE)?.trim());
  if (override !== null && override >= 1) return Math.min(override, c);
  const parallel = (sources.parallelism ?? availableParallelism)();
  const quota = (sources.cgroupCpus ?? cgroupCpus)();
  return Math.max(1, Math.min(c, parallel, quota ?? parallel));
}

/** The smallest old generation (MB) an isolate is given, however many share the memory. */
export const MIN_OLD_SPACE_MB = 16;

/** V8 heap sizes of one isolate, in MB, as V8's flags name them. */
export interface IsolateHeap {
  /** `--max-semi-space-size`: each of the young generation's two semi-spaces. */
  semiSpaceMb: number;
  /** `--max-old-space-size`: the old generation. */
  oldSpaceMb: number;
}

/**
 * Each isolate's share of the heap Lambda's Node.js runtime gives a function of `memoryMb` MB: a
 * tenth for the young generation (two semi-spaces), the rest for the old one, divided by the
 * number of isolates, so that together they stay within the memory size (an isolate that
 * reaches its limit is stopped and replaced, where an environment over its memory size is killed
 * whole). With one isolate, exactly Lambda's Node.js formula; with several, semi-spaces of at
 * least 1 MB and an old generation of at least {@linkcode MIN_OLD_SPACE_MB}. `undefined` when the
 * memory size is unknown (V8's defaults apply).
 *
 * The one definition: `packaging/launcher.ts` passes it to Deno as V8 flags (which every isolate
 * of the process takes, workers included) and `heapLimits` to each worker as `resourceLimits`
 * (which count when no flag is set).
 *
 * @example
 * ```ts
 * import { isolateHeap } from "./worker_count.ts";
 * isolateHeap(2048, 1); // { semiSpaceMb: 102, oldSpaceMb: 1844 }
 * isolateHeap(2048, 2); // { semiSpaceMb: 51, oldSpaceMb: 922 }
 * ```
 */
export function isolateHeap(memoryMb: number, isolates: number): IsolateHeap | undefined {
  if (!Number.isSafeInteger(memoryMb) || memoryMb <= 0) return undefined;
  if (!Number.isSafeInteger(isolates) || isolates < 1) return undefined;
  const young = Math.floor(memoryMb / 10);
  const semi = Math.floor(young / 2);
  const old = memoryMb - young;
  if (isolates === 1) return { semiSpaceMb: Math.max(1, semi), oldSpaceMb: old };
  return {
    semiSpaceMb: Math.max(1, Math.floor(semi / isolates)),
    oldSpaceMb: Math.max(MIN_OLD_SPACE_MB, Math.floor(old / isolates)),
  };
}

/** V8 heap limits of one worker isolate, in MB (`node:worker_threads`' `resourceLimits`). */
export interface HeapLimits {
  /** The old generation's limit. */
  maxOldGenerationSizeMb: number;
  /** The young generation's limit. */
  maxYoungGenerationSizeMb: number;
}

/**
 * {@linkcode isolateHeap} as a worker's `resourceLimits`: V8 sizes a young generation of three
 * semi-spaces (two, and the large-object space beside them). `undefined` when the memory size is
 * unknown.
 *
 * @example
 * ```ts
 * import { heapLimits } from "./worker_count.ts";
 * heapLimits(2048, 2); // { maxOldGenerationSizeMb: 922, maxYoungGenerationSizeMb: 153 }
 * ```
 */
export function heapLimits(memoryMb: number, isolates: number): HeapLimits | undefined {
  const heap = isolateHeap(memoryMb, isolates);
  if (heap === undefined) return undefined;
  return {
    maxOldGenerationSizeMb: heap.oldSpaceMb,
    maxYoungGenerationSizeMb: 3 * heap.semiSpaceMb,
  };
}
