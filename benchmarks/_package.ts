/**
 * What the start-up benchmarks share: building `examples/echo.ts` as users ship it, unzipping a
 * package where Lambda would hold it, starting a package under a test host (optionally inside a
 * mount namespace with read-only `/var/task` and `/opt`, as Lambda does), reading the host's
 * start-up report, and the median of the samples.
 *
 * @module
 */

import { run } from "./_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Where and how {@linkcode buildEcho} builds. */
export interface EchoBuild {
  /** The build's `--out` folder. */
  out: string;
  /** The build's `--task-root`: where the package will be unzipped (its start-up cache's key). */
  taskRoot: string;
  /** More build flags (e.g. `--no-check`, `--memory 1024`, `--arch arm64`). */
  flags?: string[];
  /** The checkout to build in (a worktree at another commit); the repository by default. */
  cwd?: string;
}

/** Builds `examples/echo.ts` with `--runtime deno` (`deno task build`), as a user would. */
export async function buildEcho(b: EchoBuild): Promise<void> {
  await run(Deno.execPath(), [
    "task",
    "build",
    "examples/echo.ts",
    "--runtime",
    "deno",
    ...(b.flags ?? []),
    "--out",
    b.out,
    "--task-root",
    b.taskRoot,
  ], { cwd: b.cwd ?? ROOT });
}

/** Unzips `zip` into `dir`, making `dir` (and its parents) first. */
export async function unzipInto(zip: string, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await run("unzip", ["-q", zip, "-d", dir]);
}

/** One start's figures from a test host's report, in ms (NaN where the host could not measure). */
export interface Start {
  /** Exec to the first request for the next event (or the go1.x dial), wall time. */
  wall: number;
  /** The same, CPU time (user + system, rusage). */
  cpu: number;
  /** Bytes read from storage over the start (NaN when not reported). */
  readBytes: number;
}

/** Reads a start-up report (`runtimeapihost -n 0`, `go1xhost -scenario start`) printed as JSON. */
export function parseStart(out: string): Start {
  const r = JSON.parse(out) as {
    startupMs: number;
    startupCpuMs?: number;
    startupReadBytes?: number;
  };
  return { wall: r.startupMs, cpu: r.startupCpuMs ?? NaN, readBytes: r.startupReadBytes ?? NaN };
}

/**
 * Runs `command` in a private mount namespace where `<root>/var` and `<root>/opt` are bind-mounted
 * read-only over `/var` and `/opt`, from `/var/task` (as Lambda runs a function): its stdout.
 */
export async function runAsLambda(
  root: string,
  command: string[],
  env: Record<string, string>,
): Promise<string> {
  return await run("unshare", [
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    'mount --bind "$0/opt" /opt && mount -o remount,bind,ro /opt && ' +
    'mount --bind "$0/var" /var && mount -o remount,bind,ro /var && cd /var/task && exec "$@"',
    root,
    ...command,
  ], { env: { ...env, LAMBDA_TASK_ROOT: "/var/task" } });
}

/** The median of the finite samples in `xs` (in any order; NaN when there are none). */
export function medianOf(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
