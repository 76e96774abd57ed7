/**
 * What the `--runtime deno` launcher's own steps cost on a cold start: the start-up cache's
 * integrity check (`cksum` of the profile's files before they are copied), and finding the real
 * folder when started through a link (`readlink -f`). Builds `examples/echo.ts` for a task
 * directory of its own, unzips it there, and starts in alternating turns, each with an empty
 * `DENO_DIR` (a fresh sandbox's `/tmp`) and `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128`:
 *
 * - the launcher as built (checks the cache);
 * - the same launcher without the build's checksums (copies the cache unchecked: the reference);
 * - the launcher as built, started through a link to it.
 *
 * Each is measured twice: the launcher alone (its `deno` a stand-in that exits at once, so only the
 * shell's work and the copy remain) and the whole cold start with the real Deno, exec → first
 * `GET /next` (`tests/go/cmd/runtimeapihost`, Go's net/http). Wall time and CPU (user + system of
 * the process tree), medians.
 *
 * ```sh
 * deno run -A benchmarks/launcher_start.ts [--rounds 31]
 * ```
 *
 * Needs Go, `unzip` and GNU `time` (`/usr/bin/time`) on the machine.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { launcherScript } from "../packaging/launcher.ts";
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
  for (const name of ["bootstrap", "bootstrap-unchecked"]) {
    const text = await Deno.readTextFile(`${task}/${name}`);
    await Deno.writeTextFile(`${shellOnly}/${name}`, text.replaceAll(task, shellOnly));
  }
  await Deno.mkdir(`${work}/shell-layer`);
  await Deno.symlink(`${shellOnly}/bootstrap`, `${work}/shell-layer/bootstrap`);

  // Lambda's /tmp exists; each DENO_DIR in it does not yet.
  await Deno.mkdir(`${work}/tmp`);
  const host = await goBuild("cmd/runtimeapihost", work);

  const subjects = [
    { name: "checked (as built)", file: "bootstrap", link: "" },
    { name: "unchecked (reference)", file: "bootstrap-unchecked", link: "" },
    { name: "checked, through a link", file: "bootstrap", link: "layer" },
  ];
  type Times = { wall: number[]; cpu: number[] };
  const alone = new Map<string, Times>(subjects.map((s) => [s.name, { wall: [], cpu: [] }]));
  const whole = new Map<string, Times>(subjects.map((s) => [s.name, { wall: [], cpu: [] }]));
  let dirs = 0;
  const fresh = () => `${work}/tmp/deno-${dirs++}`;
  const env = (denoDir: string) => ({ DENO_DIR: denoDir, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128" });

  console.error(`${rounds} rounds …`);
  for (let i = 0; i < rounds; i++) {
    for (const s of subjects) {
      // The launcher alone: a batch of starts in one shell, each with a fresh DENO_DIR, timed
      // with its children's CPU (GNU time's 10 ms steps, divided by the batch).
      const path = s.link ? `${work}/shell-${s.link}/${s.file}` : `${shellOnly}/${s.file}`;
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
      const [user, sys] = dec.decode(out.stderr).trim().split("\n").pop()!.split(" ").map(Number);
      alone.get(s.name)!.wall.push(wall);
      alone.get(s.name)!.cpu.push((user + sys) * 1000 / BATCH);
      await Deno.remove(batch, { recursive: true });

      // The whole cold start, exec → first /next.
      const cmd = s.link ? `${work}/${s.link}/${s.file}` : `${task}/${s.file}`;
      const start = parseStart(await run(host, ["-n", "0", "--", cmd], { env: env(fresh()) }));
      whole.get(s.name)!.wall.push(start.wall);
      whole.get(s.name)!.cpu.push(start.cpu);
    }
  }

  const f = (x: number) => x.toFixed(1);
  const ref = "unchecked (reference)";
  console.log(`\`deno run -A benchmarks/launcher_start.ts --rounds ${rounds}\` (medians, ms)\n`);
  console.log(
    "| cold start | launcher alone: wall | CPU | whole start: wall | CPU | vs unchecked (whole wall / CPU) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const s of subjects) {
    const a = alone.get(s.name)!;
    const w = whole.get(s.name)!;
    const dWall = medianOf(w.wall) - medianOf(whole.get(ref)!.wall);
    const dCpu = medianOf(w.cpu) - medianOf(whole.get(ref)!.cpu);
    console.log(
      `| ${s.name} | ${f(medianOf(a.wall))} | ${f(medianOf(a.cpu))} | ${f(medianOf(w.wall))} | ` +
        `${f(medianOf(w.cpu))} | ${
          s.name === ref
            ? ""
            : `${dWall >= 0 ? "+" : ""}${f(dWall)} / ${dCpu >= 0 ? "+" : ""}${f(dCpu)}`
        } |`,
    );
  }
} finally {
  await Deno.remove(work, { recursive: true });
}
