/**
 * Lambda's largest event (6 MB) through the packaged echo function in a memory cgroup of 128 MB,
 * as Lambda's sandbox bounds a 128 MB function: the workaround docs/limits.md gives (a smaller V8
 * old space) must keep it alive, request and response of 6 MB each, invoke after invoke. Started
 * by Go's net/http Runtime API stand-in (`tests/go/cmd/runtimeapihost`), which checks every
 * response byte for byte. Needs root (a cgroup of the test's own, v1 or v2).
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";
import { buildDenoPackage, repoPath } from "./_helpers.ts";

const LIMIT = 128 * 1024 * 1024;

/** A memory cgroup limited to `LIMIT` without swap: its directory and how to read its state. */
async function memoryCgroup(name: string): Promise<{ dir: string; oomKills(): Promise<number> }> {
  const v2 = "/sys/fs/cgroup";
  const controllers = await Deno.readTextFile(`${v2}/cgroup.controllers`).catch(() => "");
  if (controllers.split(/\s+/).includes("memory")) {
    const dir = `${v2}/${name}`;
    await Deno.mkdir(dir);
    await Deno.writeTextFile(`${dir}/memory.max`, String(LIMIT));
    await Deno.writeTextFile(`${dir}/memory.swap.max`, "0").catch(() => {});
    return { dir, oomKills: () => counter(`${dir}/memory.events`, "oom_kill") };
  }
  const v1 = "/sys/fs/cgroup/memory";
  const dir = `${v1}/${name}`;
  await Deno.mkdir(dir);
  await Deno.writeTextFile(`${dir}/memory.limit_in_bytes`, String(LIMIT));
  // Memory and swap together: no swapping out of the limit.
  await Deno.writeTextFile(`${dir}/memory.memsw.limit_in_bytes`, String(LIMIT)).catch(() => {});
  return { dir, oomKills: () => counter(`${dir}/memory.oom_control`, "oom_kill") };
}

async function counter(file: string, key: string): Promise<number> {
  const line = (await Deno.readTextFile(file)).split("\n").find((l) => l.startsWith(`${key} `));
  return Number(line?.split(" ")[1] ?? 0);
}

goTest(
  "a 6 MB event and its 6 MB response fit a 128 MB function (Runtime API, old space 48 MB)",
  async () => {
    if (Deno.uid() !== 0) throw new Error("needs root (a memory cgroup of the test's own)");
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-large-event-" }));
    const task = `${dir}/var/task`;
    const name = `gopherless-large-event-${Deno.pid}`;
    let cgroup: string | undefined;
    try {
      await buildDenoPackage(repoPath("examples/echo.ts"), dir, task);
      const cg = await memoryCgroup(name);
      cgroup = cg.dir;
      // The function's process joins the cgroup, then becomes the bootstrap (the same process).
      const start = `${dir}/start.sh`;
      await Deno.writeTextFile(
        start,
        `#!/bin/sh\necho $$ > '${cgroup}/cgroup.procs' && cd '${task}' && exec ./bootstrap\n`,
        { mode: 0o755 },
      );
      const host = await buildGo("cmd/runtimeapihost");
      const out = await new Deno.Command(host, {
        args: ["-n", "12", "-warmup", "0", "-sample", "1", "-event-bytes", "6000000", "--", start],
        env: {
          DENO_DIR: `${dir}/tmp/deno`,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
          DENO_V8_FLAGS: "--max-old-space-size=48",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(await cg.oomKills(), 0, `the function was killed past 128 MB: ${stderr}`);
      assert.ok(out.success, stderr);
      const report = JSON.parse(new TextDecoder().decode(out.stdout)) as {
        invokes: number;
        badResponses: number;
        samples: { hwmKb: number }[];
      };
      assert.equal(report.invokes, 12);
      assert.equal(report.badResponses, 0);
      const peakMiB = Math.max(...report.samples.map((s) => s.hwmKb)) / 1024;
      console.log(
        `6 MB events at 128 MB, old space 48 MB: peak ${peakMiB.toFixed(1)} MiB resident`,
      );
    } finally {
      if (cgroup) await Deno.remove(cgroup).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
);
