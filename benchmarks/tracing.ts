/**
 * The per-invocation cost of OpenTelemetry, on the shipped function: builds `examples/echo.ts`
 * with `deno task build --runtime deno` (or takes `--dist DIR`), unzips its `bootstrap` and drives
 * it with the test suite's Go hosts (`tests/go/cmd/runtimeapihost`, `tests/go/cmd/go1xhost`) with
 * tracing off, then on (`OTEL_DENO=true`, exporting over OTLP/HTTP to the suite's Go receiver,
 * `tests/go/cmd/otlpreceiver`, which decodes every request), in alternating rounds. With tracing
 * on, each invocation's span (the echo function logs nothing) is sent and acknowledged before the
 * function asks for the next event (Runtime API) or replies (go1.x). Reports, per invoke, the medians over rounds
 * of: the caller's wait (event handed out → response received), the cycle (event handed out →
 * the function asks for the next one: what Lambda bills, the flush included; for go1.x the reply
 * comes after the flush, so both are the one figure), the function's CPU time (user + system, all
 * threads), and the ratios on/off.
 *
 * ```sh
 * deno run -A benchmarks/tracing.ts [--rounds 5] [--invokes 2000] [--dist DIR]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildEcho, unzipInto } from "./_package.ts";
import { goBuild, run } from "./_run.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "5" },
    invokes: { type: "string", default: "2000" },
    dist: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const invokes = Number(values.invokes);
const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-tracing-" }));

const task = `${work}/var/task`;
let dist = values.dist;
if (!dist) {
  dist = `${work}/dist`;
  console.error("building examples/echo.ts with --runtime deno …");
  await buildEcho({ out: dist, taskRoot: task });
}
await unzipInto(`${dist}/x86_64/bootstrap.zip`, task);
const bootstrap = `${task}/bootstrap`;
const [rapiHost, go1xHost, receiverBin] = await Promise.all([
  goBuild("cmd/runtimeapihost", `${work}/bin`),
  goBuild("cmd/go1xhost", `${work}/bin`),
  goBuild("cmd/otlpreceiver", `${work}/bin`),
]);

// The receiver: decodes every batch; its lines are drained and counted.
const receiver = new Deno.Command(receiverBin, { stdout: "piped", stderr: "inherit" }).spawn();
const lines = receiver.stdout.pipeThrough(new TextDecoderStream()).getReader();
let received = 0;
let addr = "";
let buf = "";
const listening = new Promise<void>((ready) => {
  (async () => {
    for (let r = await lines.read(); !r.done; r = await lines.read()) {
      buf += r.value;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith("listening ")) {
          addr = line.slice(10);
          ready();
        } else if (line.startsWith('{"kind":"span"')) received++;
      }
    }
  })();
});
await listening;

const denoDir = `${work}/deno-dir`;
await Deno.mkdir(denoDir);
const tracingEnv = {
  OTEL_DENO: "true",
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://${addr}`,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
};
const flags = {
  rapi: ["-n", String(invokes), "-warmup", "200", "-sample", "0"],
  go1x: ["-scenario", "bench", "-n", String(invokes), "-warmup", "200", "-sample", "0"],
};
type Mode = "off" | "on";
interface Round {
  waitUs: number;
  cycleUs: number;
  cpuUs: number;
}
const results: Record<string, Round[]> = {};
console.error(`${rounds} rounds of ${invokes} invokes, tracing off and on in turns …`);
for (let i = 0; i < rounds; i++) {
  for (const protocol of ["rapi", "go1x"] as const) {
    for (const mode of ["off", "on"] as Mode[]) {
      const env: Record<string, string> = {
        DENO_DIR: denoDir,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      };
      if (mode === "on") Object.assign(env, tracingEnv);
      const bin = protocol === "rapi" ? rapiHost : go1xHost;
      const r = JSON.parse(await run(bin, [...flags[protocol], "--", bootstrap], { env }));
      (results[`${protocol} ${mode}`] ??= []).push({
        waitUs: r.p50Us,
        cycleUs: r.cycleP50Us ?? r.p50Us,
        cpuUs: r.cpuPerInvokeUs,
      });
    }
  }
}
receiver.kill("SIGKILL");
await receiver.status;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const of = (key: string, f: keyof Round) => median(results[key].map((r) => r[f]));
console.log(
  `\`deno run -A benchmarks/tracing.ts --rounds ${rounds} --invokes ${invokes}\` ` +
    `(spans received by the OTLP receiver: ${received}, of ${
      rounds * 2 * (invokes + 200)
    } traced invokes)\n`,
);
console.log(
  "| protocol | tracing | caller waits, p50 µs | cycle (billed), p50 µs | CPU per invoke µs | " +
    "cycle on/off | CPU on/off |",
);
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const protocol of ["rapi", "go1x"]) {
  const name = protocol === "rapi" ? "Runtime API" : "go1.x";
  for (const mode of ["off", "on"]) {
    const key = `${protocol} ${mode}`;
    const ratio = (f: keyof Round) =>
      mode === "off" ? "1" : (of(key, f) / of(`${protocol} off`, f)).toFixed(2);
    console.log(
      `| ${name} | ${mode} | ${of(key, "waitUs").toFixed(0)} | ${
        of(key, "cycleUs").toFixed(0)
      } | ` +
        `${of(key, "cpuUs").toFixed(0)} | ${ratio("cycleUs")} | ${ratio("cpuUs")} |`,
    );
  }
}
await Deno.remove(work, { recursive: true });
