/**
 * Per-invoke cost of the shipped function at two commits, in alternating runs beside
 * aws-lambda-go: did a change make an invoke slower? Builds `examples/echo.ts` with
 * `deno task build --runtime deno` at each commit (in a temporary `git worktree`, removed after),
 * then runs, in turns, commit A's package and commit B's package (A first in even rounds, B first
 * in odd ones) and the same echo function written with aws-lambda-go (`tests/go/cmd/goecho`), each driven by this checkout's Go host for the
 * protocol: `tests/go/cmd/go1xhost` (Go's net/rpc with aws-lambda-go's messages) or
 * `tests/go/cmd/runtimeapihost` (a Runtime API stand-in on Go's net/http). Each run starts the
 * function, sends `--warmup` untimed and `--invokes` timed sequential invokes of a 1 KB event,
 * and reports the p50 and the function's CPU time (user + system) per timed invoke.
 *
 * On a loaded machine wall times swing with the other processes; CPU time per invoke less so.
 * The report gives medians over the rounds and the median of each round's ratio (B / A, and
 * each against aws-lambda-go in the same round).
 *
 * ```sh
 * deno run -A benchmarks/invoke_ab.ts --a 0764dc9 --b HEAD [--protocol go1x|rapi] \
 *   [--rounds 15] [--invokes 5000] [--warmup 500] [--memory 128] [--json FILE]
 * ```
 *
 * Needs git, Go and `unzip` on PATH.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildEcho, medianOf, unzipInto } from "./_package.ts";
import { goBuild, run } from "./_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    a: { type: "string" },
    b: { type: "string", default: "HEAD" },
    protocol: { type: "string", default: "go1x" },
    rounds: { type: "string", default: "15" },
    invokes: { type: "string", default: "5000" },
    warmup: { type: "string", default: "500" },
    memory: { type: "string", default: "128" },
    json: { type: "string" },
  },
});
if (!values.a) throw new Error("--a COMMIT is required (and --b COMMIT, HEAD by default)");
if (values.protocol !== "go1x" && values.protocol !== "rapi") {
  throw new Error(`--protocol is go1x or rapi, not ${values.protocol}`);
}
const protocol = values.protocol;
const rounds = Number(values.rounds);
const invokes = Number(values.invokes);
const warmup = Number(values.warmup);

const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-invoke-ab-" }));

/** Builds the echo package at `ref` for a task root of its own and unzips it there. */
async function packageAt(
  ref: string,
  name: string,
): Promise<{ commit: string; bootstrap: string }> {
  const commit = (await run("git", ["rev-parse", "--short", ref], { cwd: ROOT })).trim();
  const tree = `${work}/${name}-src`;
  const task = `${work}/${name}-task`;
  console.error(`building examples/echo.ts at ${commit} …`);
  await run("git", ["worktree", "add", "--detach", tree, commit], { cwd: ROOT });
  try {
    await buildEcho({ out: `${work}/${name}-dist`, taskRoot: task, cwd: tree });
  } finally {
    await run("git", ["worktree", "remove", "--force", tree], { cwd: ROOT });
  }
  await unzipInto(`${work}/${name}-dist/x86_64/bootstrap.zip`, task);
  return { commit, bootstrap: `${task}/bootstrap` };
}

const a = await packageAt(values.a, "a");
const b = await packageAt(values.b, "b");
const hostPkg = protocol === "go1x" ? "cmd/go1xhost" : "cmd/runtimeapihost";
await Deno.mkdir(`${work}/bin`);
const [host, goEcho] = await Promise.all(
  [hostPkg, "cmd/goecho"].map((pkg) => goBuild(pkg, `${work}/bin`)),
);

interface Report {
  p50Us: number;
  cpuPerInvokeUs?: number;
}

const subjects = [
  { name: `A ${a.commit}`, cmd: [a.bootstrap], dir: `${work}/deno-dir-a` },
  { name: `B ${b.commit}`, cmd: [b.bootstrap], dir: `${work}/deno-dir-b` },
  { name: "aws-lambda-go", cmd: [goEcho], dir: `${work}/deno-dir-go` },
];
const flags = [
  ...(protocol === "go1x" ? ["-scenario", "bench"] : []),
  "-n",
  String(invokes),
  "-warmup",
  String(warmup),
];
const results = subjects.map(() => [] as Report[]);
for (const s of subjects) await Deno.mkdir(s.dir);
console.error(`${rounds} rounds of ${invokes} ${protocol} invokes, in turns …`);
for (let i = 0; i < rounds; i++) {
  // A before B in even rounds, B before A in odd ones: neither always runs right after the other
  // (or right after aws-lambda-go), which would bias it on a busy machine.
  const order = i % 2 === 0 ? [0, 1, 2] : [1, 0, 2];
  for (const k of order) {
    const s = subjects[k];
    const out = await run(host, [...flags, "--", ...s.cmd], {
      env: { DENO_DIR: s.dir, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: values.memory! },
    });
    results[k].push(JSON.parse(out));
  }
}

const p50 = (k: number) => results[k].map((r) => r.p50Us);
const cpu = (k: number) => results[k].map((r) => r.cpuPerInvokeUs ?? NaN);
const ratio = (x: number[], y: number[]) => medianOf(x.map((v, i) => v / y[i])).toFixed(2) + "×";
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");

const lines = [
  `\`deno run -A benchmarks/invoke_ab.ts --a ${values.a} --b ${values.b} --protocol ${protocol} ` +
  `--rounds ${rounds} --invokes ${invokes} --warmup ${warmup} --memory ${values.memory}\``,
  `(${Deno.build.os}/${Deno.build.arch}, deno ${Deno.version.deno}, ` +
  `${navigator.hardwareConcurrency} cores, load average ${load} at the end; ` +
  `medians of ${rounds} alternating rounds)`,
  "",
  "| per-invoke, 1 KB event | p50 | CPU per invoke | p50 vs aws-lambda-go | CPU vs aws-lambda-go |",
  "|---|---:|---:|---:|---:|",
  ...subjects.map((s, k) =>
    `| ${s.name} | ${medianOf(p50(k)).toFixed(1)} µs | ${medianOf(cpu(k)).toFixed(1)} µs | ${
      ratio(p50(k), p50(2))
    } | ${ratio(cpu(k), cpu(2))} |`
  ),
  "",
  `B / A, median of the rounds' ratios: p50 ${ratio(p50(1), p50(0))}, CPU per invoke ${
    ratio(cpu(1), cpu(0))
  }`,
];
console.log(lines.join("\n"));
if (values.json) {
  await Deno.writeTextFile(
    values.json,
    JSON.stringify({ a, b, protocol, subjects: subjects.map((s) => s.name), results }, null, 2) +
      "\n",
  );
}
await Deno.remove(work, { recursive: true });
