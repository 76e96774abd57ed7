/**
 * Concurrent environments (Lambda Managed Instances): the packaged function against the same
 * handlers written with aws-lambda-go in its concurrent mode, both driven by a Runtime API
 * stand-in written in Go (`tests/go/cmd/concurrenthost`) that keeps 64 invocations in flight, as
 * Managed Instances hand them out, with `AWS_LAMBDA_MAX_CONCURRENCY=64` and a memory size of
 * 2048 MB. The stand-in shares the machine's cores with the function.
 *
 * - CPU-bound (`benchmarks/functions/managed_instances.ts`, `tests/go/cmd/goconcurrent`): a
 *   50 KB event of 500 items walked, transformed and serialized; throughput with the function
 *   free to use every core against the same package pinned to one (`taskset -c 0` on the function
 *   only). The ratio is the scaling.
 * - I/O-bound (the handler awaits 20 ms): throughput and p99 latency against aws-lambda-go's.
 * - Memory: the process's resident set at concurrency 64 under the I/O load, with 1 to 4 isolates
 *   (`GOPHERLESS_WORKER_COUNT`), against aws-lambda-go's, and what each isolate beyond the first
 *   costs.
 *
 * Runs alternate between the subjects, round after round, so that a change in the machine's load
 * touches them all; medians are reported, with the ratios taken within the run.
 *
 * ```sh
 * deno run -A benchmarks/managed_instances.ts [--rounds 3] [--invokes 20000] [--io-invokes 20000]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

const ROOT = new URL("../", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    invokes: { type: "string", default: "20000" },
    "io-invokes": { type: "string", default: "20000" },
    memory: { type: "string", default: "2048" },
  },
});
const rounds = Number(values.rounds);
const invokes = Number(values.invokes);
const ioInvokes = Number(values["io-invokes"]);
const memorySize = values.memory;
const dec = new TextDecoder();

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${dec.decode(r.stderr)}`);
  }
  return dec.decode(r.stdout);
}

async function goBuild(pkg: string): Promise<string> {
  const out = `${work}/${pkg.split("/").pop()}`;
  await run("go", ["build", "-C", `${ROOT}tests/go`, "-o", out, `./${pkg}`]);
  return out;
}

const work = await Deno.makeTempDir({ prefix: "gopherless-mi-bench-" });
const task = `${work}/task`;
console.error("packaging the function (deno task build --runtime deno) …");
await run(Deno.execPath(), [
  "run",
  "-A",
  `${ROOT}packaging/cli.ts`,
  `${ROOT}benchmarks/functions/managed_instances.ts`,
  "--runtime",
  "deno",
  "--out",
  `${work}/dist`,
]);
await run("unzip", ["-q", `${work}/dist/x86_64/bootstrap.zip`, "-d", task]);
const [host, goFunction] = await Promise.all([
  goBuild("cmd/concurrenthost"),
  goBuild("cmd/goconcurrent"),
]);

interface Report {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxRssKb: number;
  endRssKb: number;
  badResponses: number;
  firstBad?: string;
}

let dirs = 0;
/** One run of the stand-in against `cmd`, in a fresh `DENO_DIR` (a new sandbox's `/tmp`). */
async function measure(
  op: "cpu" | "io",
  n: number,
  cmd: string[],
  env: Record<string, string> = {},
): Promise<Report> {
  const denoDir = `${work}/deno-dir-${dirs++}`;
  await Deno.mkdir(denoDir);
  try {
    const out = await run(host, [
      "-op",
      op,
      "-n",
      String(n),
      "-warmup",
      String(n / 10),
      "--",
      ...cmd,
    ], {
      ...Deno.env.toObject(),
      AWS_LAMBDA_MAX_CONCURRENCY: "64",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memorySize,
      DENO_DIR: denoDir,
      ...env,
    });
    const r = JSON.parse(out) as Report;
    if (r.badResponses > 0) throw new Error(`${cmd[0]}: ${r.badResponses} bad, ${r.firstBad}`);
    return r;
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ts = [`${task}/bootstrap`];
const pinned = (cmd: string[]) => ["taskset", "-c", "0", ...cmd];

type Subject = {
  name: string;
  op: "cpu" | "io";
  n: number;
  cmd: string[];
  env?: Record<string, string>;
};
const subjects: Subject[] = [
  { name: "cpu ts all cores", op: "cpu", n: invokes, cmd: ts },
  { name: "cpu ts one core", op: "cpu", n: invokes, cmd: pinned(ts) },
  { name: "cpu go all cores", op: "cpu", n: invokes, cmd: [goFunction] },
  { name: "cpu go one core", op: "cpu", n: invokes, cmd: pinned([goFunction]) },
  { name: "io ts", op: "io", n: ioInvokes, cmd: ts },
  { name: "io go", op: "io", n: ioInvokes, cmd: [goFunction] },
  ...[1, 2, 3, 4].map((w): Subject => ({
    name: `io ts ${w} isolate(s)`,
    op: "io",
    n: ioInvokes / 2,
    cmd: ts,
    env: { GOPHERLESS_WORKER_COUNT: String(w) },
  })),
];

const results = new Map<string, Report[]>(subjects.map((s) => [s.name, []]));
for (let round = 0; round < rounds; round++) {
  // Alternate the order too: the first and last runs of a round see different neighbours.
  const order = round % 2 ? [...subjects].reverse() : subjects;
  for (const s of order) {
    const r = await measure(s.op, s.n, s.cmd, s.env);
    results.get(s.name)!.push(r);
    console.error(
      `round ${round + 1} ${s.name}: ${r.perSecond.toFixed(0)}/s p50 ${r.p50Ms.toFixed(1)} ms ` +
        `p99 ${r.p99Ms.toFixed(1)} ms rss ${(r.maxRssKb / 1024).toFixed(1)} MB`,
    );
  }
}

const m = (name: string, f: (r: Report) => number) => median(results.get(name)!.map(f));
const rate = (name: string) => m(name, (r) => r.perSecond);
const mb = (name: string) => m(name, (r) => r.maxRssKb / 1024);
const perRound = (a: string, b: string, f: (r: Report) => number) =>
  results.get(a)!.map((r, i) => f(r) / f(results.get(b)![i]));

const lines: string[] = [];
lines.push(`| measure (median of ${rounds} alternating rounds) | gopherless | aws-lambda-go |`);
lines.push("|---|---|---|");
lines.push(
  `| CPU-bound, all cores (invokes/s) | ${rate("cpu ts all cores").toFixed(0)} | ${
    rate("cpu go all cores").toFixed(0)
  } |`,
);
lines.push(
  `| CPU-bound, one core (invokes/s) | ${rate("cpu ts one core").toFixed(0)} | ${
    rate("cpu go one core").toFixed(0)
  } |`,
);
const scaling = (lang: string) =>
  median(perRound(`cpu ${lang} all cores`, `cpu ${lang} one core`, (r) => r.perSecond));
lines.push(
  `| scaling, all cores / one core (median of per-round ratios) | ${scaling("ts").toFixed(2)}× | ${
    scaling("go").toFixed(2)
  }× |`,
);
lines.push(
  `| I/O-bound (invokes/s) | ${rate("io ts").toFixed(0)} | ${rate("io go").toFixed(0)} |`,
);
lines.push(
  `| I/O-bound p50 / p99 (ms) | ${m("io ts", (r) => r.p50Ms).toFixed(1)} / ${
    m("io ts", (r) => r.p99Ms).toFixed(1)
  } | ${m("io go", (r) => r.p50Ms).toFixed(1)} / ${m("io go", (r) => r.p99Ms).toFixed(1)} |`,
);
lines.push(
  `| I/O throughput ratio, p99 ratio (gopherless / Go, per round) | ${
    median(perRound("io ts", "io go", (r) => r.perSecond)).toFixed(2)
  }×, ${median(perRound("io ts", "io go", (r) => r.p99Ms)).toFixed(2)}× | 1× |`,
);
lines.push(
  `| resident memory at concurrency 64, I/O load (MB) | ${mb("io ts").toFixed(1)} | ${
    mb("io go").toFixed(1)
  } |`,
);
for (const w of [1, 2, 3, 4]) {
  lines.push(`| … with ${w} isolate(s) (MB) | ${mb(`io ts ${w} isolate(s)`).toFixed(1)} | |`);
}
const one = mb("io ts 1 isolate(s)");
const slope = [2, 3, 4].map((w) => (mb(`io ts ${w} isolate(s)`) - one) / (w - 1));
lines.push(
  `| each isolate beyond the first (MB; from 2, 3, 4 isolates) | ${
    slope.map((s) => s.toFixed(1)).join(", ")
  } | |`,
);
console.log(lines.join("\n"));
await Deno.remove(work, { recursive: true });
