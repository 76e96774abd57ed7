/**
 * The arm64 package's cold start with and without its start-up cache, emulated: builds
 * `examples/echo.ts` with `deno task build --runtime deno --arch arm64` (the cache made by the
 * arm64 `deno` through qemu-user), unzips it into a task directory and starts its `bootstrap`
 * there, its `deno` run through qemu-user as the emulator runs it (`GOPHERLESS_DENO_RUNNER`), in
 * alternating turns, each with an empty `DENO_DIR` (a fresh sandbox's `/tmp`) and
 * `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128` (the small flag profile):
 *
 * - the launcher as built (copies the shipped cache into `DENO_DIR` first);
 * - the same launcher without a cache (`launcherScript()`: Deno analyses and compiles every module
 *   itself, as an arm64 package built before this cache existed did).
 *
 * Driven by the Go programs of the test suite: `tests/go/cmd/runtimeapihost` (exec → first
 * `GET /next`) and `tests/go/cmd/go1xhost -scenario start` (exec → `Function.Ping` answered). Wall
 * time and CPU time (user + system of the process: qemu and the Deno it runs), medians.
 *
 * Emulated times are not Graviton's: qemu translates every arm64 instruction, so what carries over
 * is the ratio and the share of the work the cache removes, not the milliseconds.
 *
 * ```sh
 * deno run -A benchmarks/arm64_start.ts [--rounds 7] [--qemu qemu-aarch64-static]
 * ```
 *
 * Needs Go, `unzip`, and (on x86_64) qemu-user with the arm64 C library (`docs/arm64.md`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { launcherScript } from "../packaging/launcher.ts";
import { findQemuUser, hostCpu } from "../ground/qemu.ts";
import { DENO_RUNNER_VARIABLE } from "../protocol/launcher.ts";
import { goBuild, run } from "./_run.ts";
import { buildEcho, medianOf, parseStart, unzipInto } from "./_package.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "7" }, qemu: { type: "string" } },
});
const rounds = Number(values.rounds);

const qemu = hostCpu() === "aarch64" ? undefined : findQemuUser("aarch64", { qemu: values.qemu });
const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-arm64-start-" }));
try {
  const task = `${work}/var/task`;
  console.error("building examples/echo.ts with --runtime deno --arch arm64 …");
  const t0 = performance.now();
  await buildEcho({
    out: `${work}/dist`,
    taskRoot: task,
    flags: ["--arch", "arm64", "--no-check", ...(values.qemu ? ["--qemu", values.qemu] : [])],
  });
  const buildSeconds = (performance.now() - t0) / 1000;
  await unzipInto(`${work}/dist/arm64/bootstrap.zip`, task);
  await Deno.writeTextFile(`${task}/bootstrap-no-cache`, launcherScript(), { mode: 0o755 });
  const report = JSON.parse(await Deno.readTextFile(`${work}/dist/build.json`));
  const artifact = report.artifacts[0];

  await Deno.mkdir(`${work}/tmp`);
  const hosts = {
    "Runtime API": { bin: await goBuild("cmd/runtimeapihost", work), args: ["-n", "0"] },
    "go1.x": { bin: await goBuild("cmd/go1xhost", work), args: ["-scenario", "start"] },
  };
  const subjects = [
    { name: "with its start-up cache (as built)", file: "bootstrap" },
    { name: "without a start-up cache", file: "bootstrap-no-cache" },
  ];
  type Times = { wall: number[]; cpu: number[] };
  const times = new Map<string, Times>();
  const key = (protocol: string, subject: string) => `${protocol}|${subject}`;
  let dirs = 0;
  const env = () => ({
    DENO_DIR: `${work}/tmp/deno-${dirs++}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    ...(qemu ? { [DENO_RUNNER_VARIABLE]: qemu.program, QEMU_LD_PREFIX: qemu.ldPrefix } : {}),
  });

  console.error(`${rounds} rounds …`);
  for (let i = 0; i < rounds; i++) {
    for (const [protocol, host] of Object.entries(hosts)) {
      for (const s of subjects) {
        const r = parseStart(
          await run(host.bin, [...host.args, "--", `${task}/${s.file}`], { env: env() }),
        );
        const t = times.get(key(protocol, s.name)) ?? { wall: [], cpu: [] };
        t.wall.push(r.wall);
        t.cpu.push(r.cpu);
        times.set(key(protocol, s.name), t);
      }
    }
  }

  const ms = (x: number) => x.toFixed(0);
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `\`deno run -A benchmarks/arm64_start.ts --rounds ${rounds}\` (medians of ${rounds}, ` +
      `${qemu ? `emulated by ${qemu.program}` : "native arm64"})\n`,
  );
  console.log(
    "| arm64 cold start, 128 MB, emulated | CPU, with cache | CPU, without | CPU ratio | CPU saved | " +
      "wall, with cache | wall, without | wall ratio |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const protocol of Object.keys(hosts)) {
    const w = times.get(key(protocol, subjects[0].name))!;
    const wo = times.get(key(protocol, subjects[1].name))!;
    const [ww, wow, wc, woc] = [w.wall, wo.wall, w.cpu, wo.cpu].map(medianOf);
    console.log(
      `| ${protocol} (exec → ${protocol === "go1.x" ? "Ping answered" : "first /next"}) | ` +
        `${ms(wc)} ms | ${ms(woc)} ms | ${(wc / woc).toFixed(2)}× | ` +
        `${ms(woc - wc)} ms (${((woc - wc) / woc * 100).toFixed(0)}%) | ` +
        `${ms(ww)} ms | ${ms(wow)} ms | ${(ww / wow).toFixed(2)}× |`,
    );
  }
  console.log(
    `\narm64 package (Deno ${artifact.denoVersion}): zip ${mib(artifact.zipBytes)}, unzipped ` +
      `${mib(artifact.unzippedBytes)}, of which the start-up cache ${
        mib(artifact.startCache.bytes)
      } (V8 flags ${artifact.startCache.v8Flags.join(" ")}, ${artifact.startCache.modules} ` +
      `modules, ${artifact.startCache.eagerModules} fully compiled); build ${
        buildSeconds.toFixed(0)
      } s`,
  );
} finally {
  await Deno.remove(work, { recursive: true });
}
