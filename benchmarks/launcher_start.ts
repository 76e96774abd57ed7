/**
 * What the `--runtime deno` launcher's own steps cost on a cold start, against the least a Deno
 * program does to reach `/next`: the start-up cache's integrity check and its copy into `DENO_DIR`
 * (`gopherless-start`, which then becomes Deno), the copy alone (`cp`), the shell itself, and
 * finding the real folder
 * when started through a link (`readlink -f`). Builds `examples/echo.ts` for a task directory of
 * its own, unzips it there, and starts in alternating turns, with `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128`:
 *
 * - the raw-GET floor (`benchmarks/_floors.ts`: one raw HTTP/1.1 GET over `Deno.connect`), an
 *   empty `DENO_DIR`;
 * - the package's Deno started directly, with the launcher's flags and environment, on a
 *   `DENO_DIR` that already holds the start-up cache: no shell, no check, no copy;
 * - the launcher on such a `DENO_DIR` (a warm start's path: the shell alone);
 * - the launcher without the build's checksums (the copy alone), an empty `DENO_DIR`;
 * - the launcher script (`bootstrap.sh`: `gopherless-start` checks and copies), an empty `DENO_DIR`;
 * - the launcher as built (the native `bootstrap`, which starts Deno itself in this plain case, no
 *   shell), an empty `DENO_DIR`;
 * - the launcher script run by `bash` (Lambda's `/bin/sh`), an empty `DENO_DIR`;
 * - the launcher as built, started through a link to it, an empty `DENO_DIR`;
 * - over go1.x, Deno alone on the cache and the launcher as built.
 *
 * Each is timed exec → first `GET /next` (`tests/go/cmd/runtimeapihost`, Go's net/http), or over
 * go1.x exec → `Function.Ping` answered (`tests/go/cmd/go1xhost -scenario start`): wall time
 * and CPU (user + system of the process and the children it waited for), medians, and the median
 * of each round's CPU difference with the floor's start in the same round. The three launchers
 * that copy are also timed alone (their `deno` a stand-in that exits at once, so only the shell's
 * work and the copy remain).
 *
 * ```sh
 * deno run -A benchmarks/launcher_start.ts [--rounds 31]
 * ```
 *
 * Needs Go, `unzip`, `bash` and GNU `time` (`/usr/bin/time`) on the machine.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  LAUNCHER_CONFIG,
  LAUNCHER_SCRIPT,
  launcherScript,
  v8Flags,
} from "../packaging/launcher.ts";
import { DENO_RAW_GET_FLOOR } from "./_floors.ts";
import { goBuild, run } from "./_run.ts";
import { buildEcho, medianOf, parseStart, unzipInto } from "./_package.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "31" } },
});
const rounds = Number(values.rounds);
/** Launcher-alone starts per timing. */
const BATCH = 20;
const dec = new TextDecoder();

const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-launcher-" }));
try {
  const task = `${work}/var/task`;
  console.error("building examples/echo.ts with --runtime deno …");
  await buildEcho({ out: `${work}/dist`, taskRoot: task, flags: ["--no-check"] });
  await unzipInto(`${work}/dist/x86_64/bootstrap.zip`, task);
  await Deno.writeTextFile(
    `${task}/bootstrap-unchecked`,
    launcherScript({ startCacheRoot: task }),
    { mode: 0o755 },
  );
  await Deno.mkdir(`${work}/layer`);
  await Deno.symlink(`${task}/bootstrap`, `${work}/layer/bootstrap`);

  // The launcher alone: the same folder with a `deno` that exits at once.
  const shellOnly = `${work}/shell-only`;
  await run("cp", ["-R", task, shellOnly]);
  await Deno.remove(`${shellOnly}/deno`);
  await Deno.writeTextFile(`${shellOnly}/deno`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  for (const name of [LAUNCHER_SCRIPT, LAUNCHER_CONFIG, "bootstrap-unchecked"]) {
    const text = await Deno.readTextFile(`${task}/${name}`);
    await Deno.writeTextFile(`${shellOnly}/${name}`, text.replaceAll(task, shellOnly));
  }
  await Deno.mkdir(`${work}/shell-layer`);
  await Deno.symlink(`${shellOnly}/bootstrap`, `${work}/shell-layer/bootstrap`);

  // Lambda's /tmp exists; each DENO_DIR in it does not yet.
  await Deno.mkdir(`${work}/tmp`);
  const hosts = {
    rapi: { bin: await goBuild("cmd/runtimeapihost", work), flags: ["-n", "0"] },
    go1x: { bin: await goBuild("cmd/go1xhost", work), flags: ["-scenario", "start"] },
  };

  const rawFloorJs = `${work}/floor-raw.js`;
  await Deno.writeTextFile(rawFloorJs, DENO_RAW_GET_FLOOR);
  // A DENO_DIR as a cold start's copy leaves it: the package's start-up cache.
  const filled = `${work}/filled`;
  await run("cp", ["-R", `${task}/.deno-cache/.`, filled]);
  // What the launcher passes Deno at 128 MB (packaging/launcher.ts), for Deno started without it.
  const launcherEnv = {
    DENO_V8_FLAGS: v8Flags(128).join(","),
    MALLOC_ARENA_MAX: "1",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
  };
  const denoRun = ["run", "--allow-all", "--no-config", "--no-lock", "--no-remote", "--no-npm"];

  interface Subject {
    name: string;
    cmd: string[];
    /** Its DENO_DIR starts with the start-up cache in it (else empty). */
    filled?: boolean;
    env?: Record<string, string>;
    /** The launcher timed alone: its file, and the folder of the link it is started through. */
    alone?: { file: string; link: string };
    /** Started over go1.x (exec → `Function.Ping` answered), else the Runtime API. */
    go1x?: boolean;
  }
  const floorName = "raw-GET Deno floor";
  const subjects: Subject[] = [
    { name: floorName, cmd: [`${task}/deno`, "run", "-A", "--no-config", "--no-lock", rawFloorJs] },
    {
      name: "Deno alone on the cache (no launcher)",
      cmd: [`${task}/deno`, ...denoRun, `${task}/handler.js`],
      filled: true,
      env: launcherEnv,
    },
    { name: "launcher, cache already in DENO_DIR", cmd: [`${task}/bootstrap`], filled: true },
    {
      name: "launcher, copy unchecked (cp)",
      cmd: [`${task}/bootstrap-unchecked`],
      alone: { file: "bootstrap-unchecked", link: "" },
    },
    {
      name: "launcher script (sh, gopherless-start)",
      cmd: [`${task}/${LAUNCHER_SCRIPT}`],
      alone: { file: LAUNCHER_SCRIPT, link: "" },
    },
    {
      name: "launcher as built (native, no shell)",
      cmd: [`${task}/bootstrap`],
      alone: { file: "bootstrap", link: "" },
    },
    {
      // Lambda's /bin/sh is bash; this machine's may be dash.
      name: "launcher script, run by bash",
      cmd: ["bash", `${task}/${LAUNCHER_SCRIPT}`],
    },
    {
      name: "as built, through a link",
      cmd: [`${work}/layer/bootstrap`],
      alone: { file: "bootstrap", link: "layer" },
    },
    {
      name: "go1.x: Deno alone on the cache",
      cmd: [`${task}/deno`, ...denoRun, `${task}/handler.js`],
      filled: true,
      env: launcherEnv,
      go1x: true,
    },
    { name: "go1.x: launcher as built", cmd: [`${task}/bootstrap`], go1x: true },
  ];
  type Times = { wall: number[]; cpu: number[] };
  const alone = new Map<string, Times>(subjects.map((s) => [s.name, { wall: [], cpu: [] }]));
  const whole = new Map<string, Times>(subjects.map((s) => [s.name, { wall: [], cpu: [] }]));
  let dirs = 0;
  const fresh = async (withCache: boolean) => {
    const d = `${work}/tmp/deno-${dirs++}`;
    if (withCache) await run("cp", ["-R", `${filled}/.`, d]);
    return d;
  };
  const env = (denoDir: string, more?: Record<string, string>) => ({
    DENO_DIR: denoDir,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    ...more,
  });

  console.error(`${rounds} rounds …`);
  for (let i = 0; i < rounds; i++) {
    for (const s of subjects) {
      if (s.alone) {
        // The launcher alone: a batch of starts in one shell, each with a fresh DENO_DIR, timed
        // with its children's CPU (GNU time's 10 ms steps, divided by the batch).
        const { file, link } = s.alone;
        const path = link ? `${work}/shell-${link}/${file}` : `${shellOnly}/${file}`;
        const batch = `${work}/tmp/batch-${dirs++}`;
        await Deno.mkdir(batch, { recursive: true });
        const loop = `i=0; while [ $i -lt ${BATCH} ]; do i=$((i+1)); ` +
          `DENO_DIR=${batch}/$i "$0" || exit 1; done`;
        const t0 = performance.now();
        const out = await new Deno.Command("/usr/bin/time", {
          args: ["-f", "%U %S", "sh", "-c", loop, path],
          env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128", PATH: "/usr/bin:/bin" },
          stdout: "null",
          stderr: "piped",
        }).output();
        const wall = (performance.now() - t0) / BATCH;
        if (!out.success) throw new Error(dec.decode(out.stderr));
        const [user, sys] = dec.decode(out.stderr).trim().split("\n").pop()!.split(" ").map(
          Number,
        );
        alone.get(s.name)!.wall.push(wall);
        alone.get(s.name)!.cpu.push((user + sys) * 1000 / BATCH);
        await Deno.remove(batch, { recursive: true });
      }

      // The whole cold start, exec → first /next.
      const denoDir = await fresh(s.filled ?? false);
      const host = s.go1x ? hosts.go1x : hosts.rapi;
      const start = parseStart(
        await run(host.bin, [...host.flags, "--", ...s.cmd], { env: env(denoDir, s.env) }),
      );
      whole.get(s.name)!.wall.push(start.wall);
      whole.get(s.name)!.cpu.push(start.cpu);
      await Deno.remove(denoDir, { recursive: true });
    }
  }

  const f = (x: number) => x.toFixed(1);
  const sign = (x: number) => `${x >= 0 ? "+" : ""}${f(x)}`;
  const floorCpu = whole.get(floorName)!.cpu;
  console.log(`\`deno run -A benchmarks/launcher_start.ts --rounds ${rounds}\` (medians, ms)\n`);
  console.log(
    "| cold start | whole start: wall | CPU | CPU vs floor, paired | launcher alone: wall | CPU |",
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const s of subjects) {
    const a = alone.get(s.name)!;
    const w = whole.get(s.name)!;
    const paired = medianOf(w.cpu.map((c, i) => c - floorCpu[i]));
    console.log(
      `| ${s.name} | ${f(medianOf(w.wall))} | ${f(medianOf(w.cpu))} | ${
        s.name === floorName ? "" : sign(paired)
      } | ${s.alone ? f(medianOf(a.wall)) : ""} | ${s.alone ? f(medianOf(a.cpu)) : ""} |`,
    );
  }
} finally {
  await Deno.remove(work, { recursive: true });
}
