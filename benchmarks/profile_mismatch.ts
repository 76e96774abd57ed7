/**
 * What a cold start costs when a `--runtime deno` package runs at a memory size of the other
 * profile than the one it was built for (`deno task build --memory`): its start-up cache was made
 * under other code-changing V8 flags, so the launcher does not copy it, and Deno compiles at the
 * start. Builds `examples/echo.ts` for 128 MB and for 1024 MB (each for a task directory of its
 * own), and starts in alternating turns, each with an empty `DENO_DIR` (a fresh sandbox's `/tmp`),
 * exec → first `GET /next` (`tests/go/cmd/runtimeapihost`, Go's net/http):
 *
 * - at 1024 MB: the 1024 MB build (its cache taken: the reference), the 128 MB build (no cache),
 *   and the 128 MB build with a launcher that copies its cache anyway (V8 refuses the code cache
 *   and Deno rewrites it: the design not adopted);
 * - at 128 MB: the 128 MB build (the reference) and the 1024 MB build (no cache).
 *
 * Wall time and CPU (user + system of the process tree), medians.
 *
 * ```sh
 * deno run -A benchmarks/profile_mismatch.ts [--rounds 11]
 * ```
 *
 * Needs Go and `unzip` on the machine.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { launcherScript } from "../packaging/launcher.ts";
import { START_CACHE_DIR } from "../packaging/start_cache.ts";
import { goBuild, run } from "./_run.ts";
import { buildEcho, medianOf, parseStart, unzipInto } from "./_package.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "11" } },
});
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error("--rounds: a positive integer");

const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-mismatch-" }));
try {
  /** Builds echo.ts for `memory` MB into its own task directory; returns that directory. */
  const buildFor = async (memory: number): Promise<string> => {
    const task = `${work}/task-${memory}`;
    console.error(`building examples/echo.ts for ${memory} MB …`);
    await buildEcho({
      out: `${work}/dist-${memory}`,
      taskRoot: task,
      flags: ["--no-check", "--memory", String(memory)],
    });
    await unzipInto(`${work}/dist-${memory}/x86_64/bootstrap.zip`, task);
    return task;
  };
  const small = await buildFor(128);
  const large = await buildFor(1024);
  // The small build with a launcher that copies its cache under either profile (unchecked).
  await Deno.writeTextFile(
    `${small}/bootstrap-copy-anyway`,
    launcherScript({ startCacheRoot: small, startCacheProfile: "default" }),
    { mode: 0o755 },
  );
  for (const task of [small, large]) {
    const names = [...Deno.readDirSync(`${task}/${START_CACHE_DIR}`)].map((e) => e.name);
    if (!names.includes("v8_code_cache_v2")) throw new Error(`${task}: no start-up cache`);
  }

  await Deno.mkdir(`${work}/tmp`);
  const host = await goBuild("cmd/runtimeapihost", work);
  const subjects = [
    { name: "1024 MB, built for 1024 (cache taken)", cmd: `${large}/bootstrap`, memory: "1024" },
    { name: "1024 MB, built for 128 (no cache)", cmd: `${small}/bootstrap`, memory: "1024" },
    {
      name: "1024 MB, built for 128, cache copied anyway",
      cmd: `${small}/bootstrap-copy-anyway`,
      memory: "1024",
    },
    { name: "128 MB, built for 128 (cache taken)", cmd: `${small}/bootstrap`, memory: "128" },
    { name: "128 MB, built for 1024 (no cache)", cmd: `${large}/bootstrap`, memory: "128" },
  ];
  const times = new Map(
    subjects.map((s) => [s.name, { wall: [] as number[], cpu: [] as number[] }]),
  );
  let dirs = 0;
  console.error(`${rounds} rounds …`);
  for (let i = 0; i < rounds; i++) {
    for (const s of subjects) {
      const env = {
        DENO_DIR: `${work}/tmp/deno-${dirs++}`,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: s.memory,
      };
      const start = parseStart(await run(host, ["-n", "0", "--", s.cmd], { env }));
      times.get(s.name)!.wall.push(start.wall);
      times.get(s.name)!.cpu.push(start.cpu);
    }
  }

  const f = (x: number) => x.toFixed(1);
  console.log(
    `\`deno run -A benchmarks/profile_mismatch.ts --rounds ${rounds}\` (medians, ms)\n\n` +
      "| cold start | wall | CPU | CPU vs the same size's own build |\n|---|---:|---:|---:|",
  );
  for (const s of subjects) {
    const t = times.get(s.name)!;
    const ref = times.get(subjects[s.memory === "1024" ? 0 : 3].name)!;
    console.log(
      `| ${s.name} | ${f(medianOf(t.wall))} | ${f(medianOf(t.cpu))} | ` +
        `${(medianOf(t.cpu) / medianOf(ref.cpu)).toFixed(2)}× |`,
    );
  }
} finally {
  await Deno.remove(work, { recursive: true });
}
