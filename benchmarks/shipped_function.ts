/**
 * The shipped function, measured as Lambda runs it: builds `examples/echo.ts` with
 * `deno task build --runtime deno`, unzips `bootstrap.zip` into a task directory and drives its
 * `bootstrap` with the Go programs of the test suite (not with our emulator):
 *
 * - `tests/go/cmd/runtimeapihost`: a Runtime API stand-in written with Go's net/http (start-up is
 *   exec → the first `GET /2018-06-01/runtime/invocation/next`; per-invoke time is event handed
 *   out → response received, what Lambda bills);
 * - `tests/go/cmd/go1xhost`: the go1.x host (Go's net/rpc with aws-lambda-go's messages; start-up
 *   is exec → `Function.Ping` answered).
 *
 * References, measured in the same run, in turns with the function:
 * - the Deno floors: the same `deno` binary (default flags, no config) running a one-line `fetch`
 *   of `/next`, and one raw HTTP/1.1 GET of `/next` over `Deno.connect` (no `fetch`): the least
 *   a Deno program can do to reach its first event;
 * - the same echo function written with aws-lambda-go (`tests/go/cmd/goecho`), in both protocols.
 *
 * Measured: cold start (an empty `DENO_DIR` each time, as `/tmp` is in a fresh sandbox) and warm
 * start (the `DENO_DIR` a previous start left), wall time and CPU time; per-invoke p50/p99 of a
 * 1 KB event; resident memory (`VmRSS`, and the peak `VmHWM`) every 10,000 invokes up to
 * 100,000 with `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128`, with events whose string is
 * `--event-bytes` long (a comma-separated list: one memory table row per size and subject; the
 * function echoes each event, up to Lambda's 6 MB); the zip's and the unzipped package's size.
 *
 * ```sh
 * deno run -A benchmarks/shipped_function.ts [--rounds 9] [--invokes 5000] \
 *   [--memory-invokes 100000] [--memory-rounds 1] [--drop-binary-pages] [--memory 128] \
 *   [--event-bytes 1000[,100000,1000000,6000000]] [--dist DIR] [--json FILE]
 * ```
 *
 * `--dist DIR` reuses the output of an earlier `deno task build examples/echo.ts --runtime deno
 * --out DIR` instead of building. Needs Go and `unzip` on PATH.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DENO_FETCH_FLOOR, DENO_RAW_GET_FLOOR } from "./_floors.ts";
import { buildEcho, unzipInto } from "./_package.ts";
import { goBuild, run } from "./_run.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "9" },
    invokes: { type: "string", default: "5000" },
    "memory-invokes": { type: "string", default: "100000" },
    "memory-rounds": { type: "string", default: "1" },
    "drop-binary-pages": { type: "boolean", default: false },
    memory: { type: "string", default: "128" },
    "event-bytes": { type: "string", default: "1000" },
    dist: { type: "string" },
    json: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const invokes = Number(values.invokes);
const memoryInvokes = Number(values["memory-invokes"]);
const memoryRounds = Number(values["memory-rounds"]);
const memorySize = values.memory!;
const eventSizes = values["event-bytes"]!.split(",").map(Number);
if (!eventSizes.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= 6_000_000)) {
  throw new Error("--event-bytes: sizes from 0 to 6000000 (Lambda's largest event)");
}

const work = await Deno.makeTempDir({ prefix: "gopherless-shipped-" });

const goBuildHere = (pkg: string) => goBuild(pkg, `${work}/bin`);

// ---- the package ---------------------------------------------------------------------------

// The package runs from the directory its start-up cache is made for (on Lambda, /var/task; the
// cache is keyed by the modules' paths): a fresh build here is made for a task directory of its
// own; a `--dist` build made with `--task-root DIR` is unzipped into DIR (which must not exist).
let dist = values.dist;
let task = `${await Deno.realPath(work)}/var/task`;
if (!dist) {
  dist = `${work}/dist`;
  console.error("building examples/echo.ts with --runtime deno …");
  await buildEcho({ out: dist, taskRoot: task });
} else {
  const report = JSON.parse(await Deno.readTextFile(`${dist}/build.json`));
  const root: string | undefined = report.artifacts?.[0]?.startCache?.taskRoot;
  let free = false;
  if (root) free = await Deno.stat(root).then(() => false, () => true);
  if (root && free) task = root;
  else {
    console.error(
      `warning: the package's start-up cache is for ${root ?? "no directory"}, which ` +
        `${root ? "exists already" : "it was built without"}: cold starts will not use it`,
    );
  }
}
const zip = `${dist}/x86_64/bootstrap.zip`;
await unzipInto(zip, task);
const zipBytes = (await Deno.stat(zip)).size;
const files: Record<string, number> = {};
async function listFiles(dir: string, prefix = ""): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) await listFiles(`${dir}/${e.name}`, `${prefix}${e.name}/`);
    else files[`${prefix}${e.name}`] = (await Deno.stat(`${dir}/${e.name}`)).size;
  }
}
await listFiles(task);
const unzippedBytes = Object.values(files).reduce((a, b) => a + b, 0);
const bootstrap = [`${task}/bootstrap`];

const [rapiHost, go1xHost, goEcho] = await Promise.all([
  goBuildHere("cmd/runtimeapihost"),
  goBuildHere("cmd/go1xhost"),
  goBuildHere("cmd/goecho"),
]);
const floorJs = `${work}/floor.js`;
await Deno.writeTextFile(floorJs, DENO_FETCH_FLOOR);
const floor = [`${task}/deno`, "run", "-A", "--no-config", "--no-lock", floorJs];
const rawFloorJs = `${work}/floor-raw.js`;
await Deno.writeTextFile(rawFloorJs, DENO_RAW_GET_FLOOR);
const rawFloor = [`${task}/deno`, "run", "-A", "--no-config", "--no-lock", rawFloorJs];

// ---- drivers ---------------------------------------------------------------------------------

interface Sample {
  invokes: number;
  rssKb: number;
  hwmKb: number;
  /** `RssAnon`: heaps and stacks. */
  anonKb?: number;
  /** `RssFile`: pages of mapped files, most of them the `deno` binary's. */
  fileKb?: number;
}
interface HostReport {
  startupMs: number;
  startupCpuMs?: number;
  p50Us?: number;
  p99Us?: number;
  /** The function's CPU time (user + system) over the timed invokes, per invoke. */
  cpuPerInvokeUs?: number;
  samples?: Sample[];
}

/** Runs a host program against `cmd`, with `DENO_DIR` = `denoDir`; returns its JSON report. */
async function host(
  protocol: "rapi" | "go1x",
  flags: string[],
  cmd: string[],
  denoDir: string,
): Promise<HostReport> {
  const bin = protocol === "rapi" ? rapiHost : go1xHost;
  const out = await run(bin, [...flags, "--", ...cmd], {
    env: { DENO_DIR: denoDir, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memorySize },
  });
  return JSON.parse(out);
}

let dirs = 0;
async function freshDir(): Promise<string> {
  const d = `${work}/deno-dir-${dirs++}`;
  await Deno.mkdir(d);
  return d;
}

const startFlags = { rapi: ["-n", "0"], go1x: ["-scenario", "start"] };

type Subject = { name: string; protocol: "rapi" | "go1x"; cmd: string[]; deno: boolean };
const startSubjects: Subject[] = [
  { name: "function, Runtime API", protocol: "rapi", cmd: bootstrap, deno: true },
  { name: "one-fetch Deno floor", protocol: "rapi", cmd: floor, deno: true },
  { name: "raw-GET Deno floor", protocol: "rapi", cmd: rawFloor, deno: true },
  { name: "function, go1.x", protocol: "go1x", cmd: bootstrap, deno: true },
  { name: "aws-lambda-go, Runtime API", protocol: "rapi", cmd: [goEcho], deno: false },
  { name: "aws-lambda-go, go1.x", protocol: "go1x", cmd: [goEcho], deno: false },
];

// Warm DENO_DIRs: one per subject, primed once before timing.
const warmDirs = new Map<string, string>();
for (const s of startSubjects) {
  if (!s.deno) continue;
  const d = await freshDir();
  await host(s.protocol, startFlags[s.protocol], s.cmd, d);
  warmDirs.set(s.name, d);
}

const cold: Record<string, { wall: number[]; cpu: number[] }> = {};
const warm: Record<string, { wall: number[]; cpu: number[] }> = {};
for (const s of startSubjects) {
  cold[s.name] = { wall: [], cpu: [] };
  warm[s.name] = { wall: [], cpu: [] };
}
console.error(`start-up: ${rounds} rounds …`);
for (let i = 0; i < rounds; i++) {
  for (const s of startSubjects) {
    const d = await freshDir();
    const c = await host(s.protocol, startFlags[s.protocol], s.cmd, d);
    await Deno.remove(d, { recursive: true });
    cold[s.name].wall.push(c.startupMs);
    cold[s.name].cpu.push(c.startupCpuMs ?? NaN);
    if (!s.deno) continue;
    const w = await host(s.protocol, startFlags[s.protocol], s.cmd, warmDirs.get(s.name)!);
    warm[s.name].wall.push(w.startupMs);
    warm[s.name].cpu.push(w.startupCpuMs ?? NaN);
  }
}

// ---- per-invoke latency --------------------------------------------------------------------

const latSubjects: Subject[] = [
  { name: "function, Runtime API", protocol: "rapi", cmd: bootstrap, deno: true },
  { name: "aws-lambda-go, Runtime API", protocol: "rapi", cmd: [goEcho], deno: false },
  { name: "function, go1.x", protocol: "go1x", cmd: bootstrap, deno: true },
  { name: "aws-lambda-go, go1.x", protocol: "go1x", cmd: [goEcho], deno: false },
];
const lat: Record<string, { p50: number[]; p99: number[]; cpu: number[] }> = {};
for (const s of latSubjects) lat[s.name] = { p50: [], p99: [], cpu: [] };
const benchFlags = (n: number, warmup: number, sample: number, eventBytes = 1000) => {
  const common = ["-n", String(n), "-warmup", String(warmup), "-sample", String(sample)];
  const size = ["-event-bytes", String(eventBytes)];
  return { rapi: [...common, ...size], go1x: ["-scenario", "bench", ...common, ...size] };
};
console.error(`per-invoke: ${rounds} rounds of ${invokes} invokes …`);
for (let i = 0; i < rounds; i++) {
  for (const s of latSubjects) {
    const r = await host(
      s.protocol,
      benchFlags(invokes, 200, 0)[s.protocol],
      s.cmd,
      warmDirs.get(s.name) ?? work,
    );
    lat[s.name].p50.push(r.p50Us!);
    lat[s.name].p99.push(r.p99Us!);
    lat[s.name].cpu.push(r.cpuPerInvokeUs ?? NaN);
  }
}

// ---- memory --------------------------------------------------------------------------------

const memSubjects: Subject[] = [
  ...latSubjects,
  {
    name: "Deno fetch loop (next → response), Runtime API",
    protocol: "rapi",
    cmd: [`${task}/deno`, "run", "-A", "--no-config", "--no-lock", `${work}/loop.js`],
    deno: true,
  },
];
await Deno.writeTextFile(
  `${work}/loop.js`,
  `const base = \`http://\${Deno.env.get("AWS_LAMBDA_RUNTIME_API")}/2018-06-01/runtime/invocation/\`;
while (true) {
  const r = await fetch(base + "next");
  const body = await r.arrayBuffer();
  const id = r.headers.get("lambda-runtime-aws-request-id");
  await (await fetch(base + id + "/response", { method: "POST", body })).arrayBuffer();
}
`,
);
// In turns, `--memory-rounds` times: one run's memory differs from the next by a MiB or two.
// Keyed by subject and event size.
const mem: Record<string, HostReport[]> = {};
const memKey = (s: Subject, bytes: number) => `${s.name}, ${bytes.toLocaleString("en-US")} B`;
for (const b of eventSizes) for (const s of memSubjects) mem[memKey(s, b)] = [];
const step = Math.max(1, Math.floor(memoryInvokes / 10));
for (let i = 0; i < memoryRounds; i++) {
  for (const bytes of eventSizes) {
    for (const s of memSubjects) {
      // The deno binary's resident pages depend on how it came into the page cache: freshly
      // written (just unzipped) it maps 3-4 MiB more of itself than read back from disk
      // (BENCHMARKS.md). --drop-binary-pages drops its cached pages first, so each run reads it.
      if (values["drop-binary-pages"]) {
        // Written back first: the kernel drops only clean pages.
        await run("sync", [`${task}/deno`]);
        await run("dd", [`if=${task}/deno`, "iflag=nocache", "count=0", "status=none"]);
      }
      console.error(
        `memory: ${memKey(s, bytes)} events, ${memoryInvokes} invokes (round ${i + 1}) …`,
      );
      mem[memKey(s, bytes)].push(
        await host(
          s.protocol,
          benchFlags(memoryInvokes, 0, step, bytes)[s.protocol],
          s.cmd,
          warmDirs.get(s.name) ?? work,
        ),
      );
    }
  }
}

// ---- report --------------------------------------------------------------------------------

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f1 = (x: number) => x.toFixed(1);
const mib = (kb: number) => (kb / 1024).toFixed(1);
const MB = (b: number) => (b / 1024 / 1024).toFixed(1);
const floorCold = median(cold["one-fetch Deno floor"].wall);
const floorWarm = median(warm["one-fetch Deno floor"].wall);
const floorColdCpu = median(cold["one-fetch Deno floor"].cpu);
const floorWarmCpu = median(warm["one-fetch Deno floor"].cpu);
const rawCold = median(cold["raw-GET Deno floor"].wall);
const rawColdCpu = median(cold["raw-GET Deno floor"].cpu);
const sign = (x: number) => (x >= 0 ? "+" : "−") + f1(Math.abs(x));

const lines: string[] = [];
const out = (s = "") => lines.push(s);
out(
  `\`deno run -A benchmarks/shipped_function.ts --rounds ${rounds} --invokes ${invokes} ` +
    `--memory-invokes ${memoryInvokes} --memory-rounds ${memoryRounds}` +
    `${values["drop-binary-pages"] ? " --drop-binary-pages" : ""} --memory ${memorySize}` +
    `${eventSizes.join(",") === "1000" ? "" : ` --event-bytes ${eventSizes.join(",")}`}\``,
);
out(
  `(${Deno.build.os}/${Deno.build.arch}, deno ${Deno.version.deno}, ` +
    `${navigator.hardwareConcurrency} cores; medians of ${rounds} alternating rounds; ` +
    `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=${memorySize})`,
);
out();
out(
  `Package: zip ${MB(zipBytes)} MB, unzipped ${MB(unzippedBytes)} MB (` +
    Object.entries(files).sort(([a], [b]) => a < b ? -1 : 1).map(([n, b]) =>
      `${n} ${b.toLocaleString("en-US")} B`
    ).join(", ") + ")",
);
out();
out(
  "| start-up (exec → first `/next`, or → `Function.Ping` answered) | cold wall | cold CPU | " +
    "warm wall | warm CPU | cold vs floor | warm vs floor | cold vs raw-GET floor |",
);
out("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const s of startSubjects) {
  const c = median(cold[s.name].wall), w = median(warm[s.name].wall);
  const cc = median(cold[s.name].cpu), wc = median(warm[s.name].cpu);
  out(
    `| ${s.name} | ${f1(c)} ms | ${f1(cc)} ms | ${s.deno ? f1(w) + " ms" : ""} | ${
      s.deno ? f1(wc) + " ms" : ""
    } | ${sign(c - floorCold)} ms (CPU ${sign(cc - floorColdCpu)}) | ${
      s.deno ? `${sign(w - floorWarm)} ms (CPU ${sign(wc - floorWarmCpu)})` : ""
    } | ${sign(c - rawCold)} ms (CPU ${sign(cc - rawColdCpu)}) |`,
  );
}
out();
out(
  `| per-invoke, 1 KB event, ${invokes} sequential invokes | p50 | p99 | p50 vs aws-lambda-go | ` +
    "CPU per invoke | CPU vs aws-lambda-go |",
);
out("|---|---:|---:|---:|---:|---:|");
for (const s of latSubjects) {
  const ref = s.protocol === "rapi" ? "aws-lambda-go, Runtime API" : "aws-lambda-go, go1.x";
  const p50 = median(lat[s.name].p50);
  const cpu = median(lat[s.name].cpu);
  out(
    `| ${s.name} | ${f1(p50)} µs | ${f1(median(lat[s.name].p99))} µs | ${
      (p50 / median(lat[ref].p50)).toFixed(2)
    }× | ${f1(cpu)} µs | ${(cpu / median(lat[ref].cpu)).toFixed(2)}× |`,
  );
}
out();
out(
  `| resident memory (VmRSS, MiB) every ${step.toLocaleString("en-US")} invokes, by event ` +
    `string length | samples ` +
    `(first round) | peak (VmHWM) | at ${memoryInvokes.toLocaleString("en-US")}, median of ` +
    `${memoryRounds}: RSS (anonymous, file) | p50 | p99 |`,
);
out("|---|---|---:|---:|---:|---:|");
for (const [name, runs] of Object.entries(mem)) {
  const samples = runs[0].samples ?? [];
  const last = (f: (x: Sample) => number | undefined) =>
    mib(
      median(
        runs.map((r) => f(r.samples?.at(-1) ?? { invokes: 0, rssKb: NaN, hwmKb: NaN }) ?? NaN),
      ),
    );
  out(
    `| ${name} | ${samples.map((x) => mib(x.rssKb)).join(", ")} | ${
      mib(Math.max(0, ...runs.flatMap((r) => (r.samples ?? []).map((x) => x.hwmKb))))
    } | ${last((x) => x.rssKb)} (${last((x) => x.anonKb)}, ${last((x) => x.fileKb)}) | ${
      f1(median(runs.map((r) => r.p50Us ?? NaN)))
    } µs | ${f1(median(runs.map((r) => r.p99Us ?? NaN)))} µs |`,
  );
}
console.log(lines.join("\n"));
if (values.json) {
  await Deno.writeTextFile(
    values.json,
    JSON.stringify({ zipBytes, unzippedBytes, files, cold, warm, lat, mem }, null, 2) + "\n",
  );
}
await Deno.remove(work, { recursive: true });
// A --dist package may have been unzipped into its own task root: leave nothing behind.
if (values.dist) await Deno.remove(task, { recursive: true }).catch(() => {});
