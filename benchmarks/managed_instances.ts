/**
 * Concurrent environments (Lambda Managed Instances): the packaged function against the same
 * handlers written with aws-lambda-go in its concurrent mode, both driven by a Runtime API
 * stand-in written in Go (`tests/go/cmd/concurrenthost`) that keeps 64 invocations in flight, as
 * Managed Instances hand them out, with `AWS_LAMBDA_MAX_CONCURRENCY=64` and a memory size of
 * 2048 MB. The stand-in shares the machine's cores with the function. The package is built for
 * the folder it runs from, so that its start-up cache is used, and each run has a fresh
 * `DENO_DIR` (a new sandbox's `/tmp`).
 *
 * - `cpu`: a 50 KB event of 500 items walked, transformed and serialized
 *   (`benchmarks/functions/managed_instances.ts`, `tests/go/cmd/goconcurrent`); throughput with
 *   the function free to use every core against the same package pinned to one (`taskset -c 0`
 *   on the function only). The ratio is the scaling. Beside it, the CPU time (user + system) per
 *   invoke of the function and of the stand-in, in both runs: steadier than throughput on a busy
 *   machine, and what bounds the scaling, at most `2f₁ / (f₂ + s)` on 2 cores with `f₁`, `f₂` the
 *   function's per invoke on one core and on both and `s` the stand-in's.
 * - `io`: the handler awaits 20 ms; throughput and p99 latency against aws-lambda-go's.
 * - `memory`: the process's resident set at concurrency 64 under the I/O load, with 1 to 4
 *   isolates (`GOPHERLESS_WORKER_COUNT`), and what each isolate beyond the first costs.
 * - `start`: exec until the first `GET …/next` (`tests/go/cmd/runtimeapihost -n 0`) with 1 and 2
 *   isolates, wall and CPU time (user + system, all threads).
 * - `deaths`: the CPU-bound load with a worker ending itself at every 500th invocation it serves
 *   (an uncaught error, then `Deno.exit`: `MI_CRASH_EVERY`, `MI_CRASH_HOW`); how many invocations
 *   were answered with `Runtime.WorkerExited`, how many answered twice (a result and then that
 *   error, which the stand-in rejects as Lambda does), and whether every one was answered (the
 *   stand-in gives up after 20 s without an answer and names those still out).
 *
 * `--baseline DIR` names another gopherless checkout (`git worktree add DIR <commit>`, or
 * `git archive <commit> | tar -x -C DIR`): the same function is built with it too, and every
 * gopherless run is made with both packages in turn, so that a change is measured against what it
 * changes in the same run.
 *
 * Runs alternate between the subjects, round after round (the order reversed every other round),
 * so that a change in the machine's load touches them all; medians are reported, with the ratios
 * taken within each round.
 *
 * ```sh
 * deno run -A benchmarks/managed_instances.ts [--rounds 3] [--invokes 20000] [--io-invokes 20000]
 *   [--only cpu,io,memory,start,deaths] [--baseline DIR]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { goBuild, run } from "./_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    invokes: { type: "string", default: "20000" },
    "io-invokes": { type: "string", default: "20000" },
    memory: { type: "string", default: "2048" },
    only: { type: "string", default: "cpu,io,memory,start" },
    baseline: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const invokes = Number(values.invokes);
const ioInvokes = Number(values["io-invokes"]);
const memorySize = values.memory;
const groups = new Set(values.only.split(","));

const work = await Deno.makeTempDir({ prefix: "gopherless-mi-bench-" });

/** Builds the function with the gopherless checkout at `root` for `${work}/<label>/task`. */
async function buildPackage(label: string, root: string): Promise<string> {
  const task = `${work}/${label}/task`;
  console.error(`packaging the function with ${root} (deno task build --runtime deno) …`);
  await run(Deno.execPath(), [
    "run",
    "-A",
    `${root}/packaging/cli.ts`,
    `${root}/benchmarks/functions/managed_instances.ts`,
    "--runtime",
    "deno",
    "--no-check",
    "--task-root",
    task,
    "--out",
    `${work}/${label}/dist`,
  ]);
  await run("unzip", ["-q", `${work}/${label}/dist/x86_64/bootstrap.zip`, "-d", task]);
  return `${task}/bootstrap`;
}

const packages: [string, string][] = [["gopherless", await buildPackage("gopherless", ROOT)]];
if (values.baseline) {
  packages.push(["baseline", await buildPackage("baseline", await Deno.realPath(values.baseline))]);
}
const [host, goFunction, startHost] = await Promise.all([
  goBuild("cmd/concurrenthost", work),
  goBuild("cmd/goconcurrent", work),
  goBuild("cmd/runtimeapihost", work),
]);

/** What one run reports (the stand-ins' JSON). */
interface Report {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxRssKb: number;
  endRssKb: number;
  functionCpuUs: number;
  hostCpuUs: number;
  /** `functionCpuUs` by thread name (the isolates' "deno" and "worker-N", V8's helpers). */
  threadCpuUs: Record<string, number>;
  badResponses: number;
  /** Answers to invocations answered before (counted in `badResponses` too). */
  rejected: number;
  firstBad?: string;
  startupMs: number;
  startupCpuMs: number;
}

let dirs = 0;
/** One run of a stand-in against `cmd`, in a fresh `DENO_DIR`. */
async function measure(
  op: "cpu" | "io" | "start",
  n: number,
  cmd: string[],
  env: Record<string, string> = {},
  deaths = false,
): Promise<Report> {
  const denoDir = `${work}/deno-dir-${dirs++}`;
  try {
    const args = op === "start"
      ? ["-n", "0", "--", ...cmd]
      : ["-op", op, "-n", String(n), "-warmup", String(n / 10), "--", ...cmd];
    if (deaths) args.unshift("-stall", "20s");
    const out = await run(op === "start" ? startHost : host, args, {
      env: {
        AWS_LAMBDA_MAX_CONCURRENCY: "64",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memorySize,
        DENO_DIR: denoDir,
        ...env,
      },
    });
    const r = JSON.parse(out) as Report;
    if (r.badResponses > 0 && !deaths) {
      throw new Error(`${cmd[0]}: ${r.badResponses} bad, ${r.firstBad}`);
    }
    return r;
  } finally {
    await Deno.remove(denoDir, { recursive: true }).catch(() => {});
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pinned = (cmd: string[]) => ["taskset", "-c", "0", ...cmd];

type Subject = {
  name: string;
  op: "cpu" | "io" | "start";
  n: number;
  cmd: string[];
  env?: Record<string, string>;
  /** Workers die under this load: errors are counted, and a stall is reported, not thrown. */
  deaths?: boolean;
};
const subjects: Subject[] = [];
const go = [goFunction];
if (groups.has("cpu")) {
  for (const [label, ts] of packages) {
    subjects.push({ name: `cpu ${label} all cores`, op: "cpu", n: invokes, cmd: [ts] });
    subjects.push({ name: `cpu ${label} one core`, op: "cpu", n: invokes, cmd: pinned([ts]) });
  }
  subjects.push({ name: "cpu go all cores", op: "cpu", n: invokes, cmd: go });
  subjects.push({ name: "cpu go one core", op: "cpu", n: invokes, cmd: pinned(go) });
}
if (groups.has("io")) {
  for (const [label, ts] of packages) {
    subjects.push({ name: `io ${label}`, op: "io", n: ioInvokes, cmd: [ts] });
  }
  subjects.push({ name: "io go", op: "io", n: ioInvokes, cmd: go });
}
if (groups.has("memory")) {
  for (const [label, ts] of packages) {
    for (const w of [1, 2, 3, 4]) {
      subjects.push({
        name: `io ${label} ${w} isolate(s)`,
        op: "io",
        n: ioInvokes / 2,
        cmd: [ts],
        env: { GOPHERLESS_WORKER_COUNT: String(w) },
      });
    }
  }
  if (!groups.has("io")) subjects.push({ name: "io go", op: "io", n: ioInvokes / 2, cmd: go });
}
if (groups.has("deaths")) {
  for (const how of ["throw", "exit"]) {
    subjects.push({
      name: `deaths ${how}`,
      op: "cpu",
      n: invokes,
      cmd: [packages[0][1]],
      env: { MI_CRASH_EVERY: "500", MI_CRASH_HOW: how },
      deaths: true,
    });
  }
}
if (groups.has("start")) {
  for (const [label, ts] of packages) {
    for (const w of [1, 2]) {
      subjects.push({
        name: `start ${label} ${w} isolate(s)`,
        op: "start",
        n: 0,
        cmd: [ts],
        env: { GOPHERLESS_WORKER_COUNT: String(w) },
      });
    }
  }
}

/** A run's function CPU per invoke by thread, the larger first: `name µs, …`. */
const threads = (r: Report) =>
  Object.entries(r.threadCpuUs ?? {}).filter(([, us]) => us >= 1).sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${us.toFixed(0)}`).join(", ");
/** CPU per invoke of a gopherless run's isolates (threads "deno", "worker-N") and of the rest. */
const split = (r: Report) => {
  const isolates = Object.entries(r.threadCpuUs ?? {})
    .filter(([name]) => name === "deno" || name.startsWith("worker-"))
    .reduce((sum, [, us]) => sum + us, 0);
  return { isolates, rest: r.functionCpuUs - isolates };
};

const results = new Map<string, Report[]>(subjects.map((s) => [s.name, []]));
/** Per `deaths` subject and round: the stand-in's last words when it gave up, or `undefined`. */
const stalls = new Map<string, (string | undefined)[]>();
for (let round = 0; round < rounds; round++) {
  const order = round % 2 ? [...subjects].reverse() : subjects;
  for (const s of order) {
    if (s.deaths) {
      const said = stalls.get(s.name) ?? [];
      stalls.set(s.name, said);
      try {
        const r = await measure(s.op, s.n, s.cmd, s.env, true);
        results.get(s.name)!.push(r);
        said.push(undefined);
        console.error(
          `round ${round + 1} ${s.name}: all answered, ${r.badResponses - r.rejected} failed, ` +
            `${r.rejected} answered twice (${r.firstBad})`,
        );
      } catch (e) {
        said.push((e as Error).message.split("\n").find((l) => l.includes("no answer for")));
        console.error(`round ${round + 1} ${s.name}: ${(e as Error).message}`);
      }
      continue;
    }
    const r = await measure(s.op, s.n, s.cmd, s.env);
    results.get(s.name)!.push(r);
    console.error(
      s.op === "start"
        ? `round ${round + 1} ${s.name}: ${r.startupMs.toFixed(1)} ms, CPU ${
          r.startupCpuMs.toFixed(1)
        } ms`
        : `round ${round + 1} ${s.name}: ${r.perSecond.toFixed(0)}/s p50 ${
          r.p50Ms.toFixed(1)
        } ms ` +
          `p99 ${r.p99Ms.toFixed(1)} ms rss ${(r.maxRssKb / 1024).toFixed(1)} MB CPU/invoke ` +
          `function ${r.functionCpuUs.toFixed(0)} µs (${threads(r)}), stand-in ${
            r.hostCpuUs.toFixed(0)
          } µs`,
    );
  }
}

const m = (name: string, f: (r: Report) => number) => median(results.get(name)!.map(f));
const rate = (name: string) => m(name, (r) => r.perSecond).toFixed(0);
const mb = (name: string) => m(name, (r) => r.maxRssKb / 1024);
/** The median over rounds of `f(a) / f(b)` within each round. */
const ratio = (a: string, b: string, f: (r: Report) => number) =>
  median(results.get(a)!.map((r, i) => f(r) / f(results.get(b)![i]))).toFixed(2) + "×";

const labels = packages.map(([label]) => label);
const lines: string[] = [];
const row = (cells: string[]) => lines.push(`| ${cells.join(" | ")} |`);
row([`measure (median of ${rounds} alternating rounds)`, ...labels, "aws-lambda-go"]);
row(["---", ...labels.map(() => "---:"), "---:"]);
if (groups.has("cpu")) {
  row([
    "CPU-bound, all cores (invokes/s)",
    ...labels.map((l) => rate(`cpu ${l} all cores`)),
    rate("cpu go all cores"),
  ]);
  row([
    "CPU-bound, one core (invokes/s)",
    ...labels.map((l) => rate(`cpu ${l} one core`)),
    rate("cpu go one core"),
  ]);
  const scaling = (who: string) =>
    ratio(`cpu ${who} all cores`, `cpu ${who} one core`, (r) => r.perSecond);
  row([
    "scaling, all cores / one core (median of per-round ratios)",
    ...labels.map(scaling),
    scaling("go"),
  ]);
  const cpu = (name: string) =>
    `${m(name, (r) => r.functionCpuUs).toFixed(0)} / ${m(name, (r) => r.hostCpuUs).toFixed(0)}`;
  for (const cores of ["all cores", "one core"]) {
    row([
      `CPU per invoke, ${cores}: function / stand-in (µs)`,
      ...labels.map((l) => cpu(`cpu ${l} ${cores}`)),
      cpu(`cpu go ${cores}`),
    ]);
  }
  for (const cores of ["all cores", "one core"]) {
    row([
      `… the function's, ${cores}: isolate threads / other threads (µs)`,
      ...labels.map((l) => {
        const name = `cpu ${l} ${cores}`;
        return `${m(name, (r) => split(r).isolates).toFixed(0)} / ${
          m(name, (r) => split(r).rest).toFixed(0)
        }`;
      }),
      "",
    ]);
  }
  const bound = (who: string) => {
    const f1 = m(`cpu ${who} one core`, (r) => r.functionCpuUs);
    const f2 = m(`cpu ${who} all cores`, (r) => r.functionCpuUs);
    const s = m(`cpu ${who} all cores`, (r) => r.hostCpuUs);
    return (2 * f1 / (f2 + s)).toFixed(2) + "×";
  };
  row([
    "scaling bound on 2 cores from the CPU per invoke, 2f₁ / (f₂ + s)",
    ...labels.map(bound),
    bound("go"),
  ]);
}
if (groups.has("io")) {
  row(["I/O-bound (invokes/s)", ...labels.map((l) => rate(`io ${l}`)), rate("io go")]);
  const p = (name: string) =>
    `${m(name, (r) => r.p50Ms).toFixed(1)} / ${m(name, (r) => r.p99Ms).toFixed(1)}`;
  row(["I/O-bound p50 / p99 (ms)", ...labels.map((l) => p(`io ${l}`)), p("io go")]);
  row([
    "I/O: throughput, p99 against aws-lambda-go's (per-round ratios)",
    ...labels.map((l) =>
      `${ratio(`io ${l}`, "io go", (r) => r.perSecond)}, ${
        ratio(`io ${l}`, "io go", (r) => r.p99Ms)
      }`
    ),
    "1×",
  ]);
}
if (groups.has("memory")) {
  const ws = [1, 2, 3, 4];
  row([
    `resident memory, ${ws.join(", ")} isolates, I/O load (MB)`,
    ...labels.map((l) => ws.map((w) => mb(`io ${l} ${w} isolate(s)`).toFixed(1)).join(", ")),
    mb("io go").toFixed(1),
  ]);
  row([
    "each isolate beyond the first (MB; from 2, 3, 4 isolates)",
    ...labels.map((l) => {
      const one = mb(`io ${l} 1 isolate(s)`);
      return [2, 3, 4].map((w) => ((mb(`io ${l} ${w} isolate(s)`) - one) / (w - 1)).toFixed(1))
        .join(", ");
    }),
    "",
  ]);
}
if (groups.has("start")) {
  for (const w of [1, 2]) {
    row([
      `start with ${w} isolate(s), exec → first /next: wall / CPU (ms)`,
      ...labels.map((l) => {
        const name = `start ${l} ${w} isolate(s)`;
        return `${m(name, (r) => r.startupMs).toFixed(1)} / ${
          m(name, (r) => r.startupCpuMs).toFixed(1)
        }`;
      }),
      "",
    ]);
  }
}
if (groups.has("deaths")) {
  for (const how of ["throw", "exit"]) {
    const name = `deaths ${how}`;
    const said = stalls.get(name)!;
    const done = results.get(name)!;
    row([
      `worker deaths (${how}, every 500th a worker serves): rounds all answered; ` +
      "failed per round (answered twice)",
      `${said.filter((x) => x === undefined).length} of ${said.length}; ${
        done.map((r) => `${r.badResponses - r.rejected} (${r.rejected})`).join(", ") || "–"
      }`,
      "",
    ]);
    for (const stall of said.filter((x) => x !== undefined)) lines.push(`  ${name}: ${stall}`);
  }
}
if (values.baseline) {
  const vs = (f: (r: Report) => number, name: (l: string) => string) =>
    ratio(name("gopherless"), name("baseline"), f);
  const cells: string[] = [];
  if (groups.has("cpu")) {
    cells.push(`CPU-bound all cores ${vs((r) => r.perSecond, (l) => `cpu ${l} all cores`)}`);
  }
  if (groups.has("io")) cells.push(`I/O throughput ${vs((r) => r.perSecond, (l) => `io ${l}`)}`);
  if (groups.has("memory")) {
    for (const w of [1, 2, 3, 4]) {
      cells.push(`RSS ${w} isolate(s) ${vs((r) => r.maxRssKb, (l) => `io ${l} ${w} isolate(s)`)}`);
    }
  }
  if (groups.has("start")) {
    for (const w of [1, 2]) {
      cells.push(
        `start CPU ${w} isolate(s) ${
          vs((r) => r.startupCpuMs, (l) => `start ${l} ${w} isolate(s)`)
        }`,
      );
    }
  }
  lines.push("", `gopherless / baseline (median of per-round ratios): ${cells.join("; ")}`);
}
console.log(lines.join("\n"));
await Deno.remove(work, { recursive: true });
