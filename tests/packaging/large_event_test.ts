/**
 * Large events through the packaged echo function, as shipped (the launcher's own V8 flags for
 * 128 MB, no `DENO_V8_FLAGS` of the user's), in a memory cgroup of 128 MB as Lambda's sandbox
 * bounds a 128 MB function: Lambda's largest event (6 MB) and its 6 MB response, and a stream
 * of 1 MB events, on both protocols, invoke after invoke. Under `--single-threaded` (the
 * launcher's flags before) garbage was collected so late that both were killed; 6 MB events on
 * go1.x peaked at 172 MiB until its server stopped copying them and freed their buffers once
 * replied. Started by Go's net/http Runtime API stand-in (`tests/go/cmd/runtimeapihost`) or the
 * go1.x host (`tests/go/cmd/go1xhost`, Go's net/rpc), which check every response byte for byte.
 * Needs root (a memory cgroup of the test's own, v1 or v2).
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";
import { echoPackageOnce } from "./_helpers.ts";

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

/** The packaged echo function, built once for every case and unzipped into `<dir>/var/task`. */
const echo = echoPackageOnce("gopherless-large-event-");

/** How many cases have made a cgroup: each one's name. */
let cases = 0;

/** Removes an emptied cgroup, waiting up to a second for its last process to be reaped. */
async function removeCgroup(dir: string): Promise<void> {
  for (let tries = 0; tries < 20; tries++) {
    try {
      return await Deno.remove(dir);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** One host's run against the package in a fresh 128 MB cgroup; its report's peak `VmHWM`. */
async function echoInCgroup(
  host: "runtimeapihost" | "go1xhost",
  eventBytes: number,
  invokes: number,
): Promise<number> {
  if (Deno.uid() !== 0) throw new Error("needs root (a memory cgroup of the test's own)");
  const built = await echo.get();
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-large-event-" }));
  const task = `${built}/var/task`;
  let cgroup: string | undefined;
  try {
    // A cgroup of each case's own: the last one's may linger while its process is reaped.
    const cg = await memoryCgroup(`gopherless-large-event-${Deno.pid}-${++cases}`);
    cgroup = cg.dir;
    // The function's process joins the cgroup, then becomes the bootstrap (the same process).
    const start = `${dir}/start.sh`;
    await Deno.writeTextFile(
      start,
      `#!/bin/sh\necho $$ > '${cgroup}/cgroup.procs' && cd '${task}' && exec ./bootstrap\n`,
      { mode: 0o755 },
    );
    const scenario = host === "go1xhost" ? ["-scenario", "bench"] : [];
    const n = String(invokes);
    const out = await new Deno.Command(await buildGo(`cmd/${host}`), {
      args: [
        ...scenario,
        "-n",
        n,
        "-warmup",
        "0",
        "-sample",
        "1",
        "-event-bytes",
        String(eventBytes),
        "--",
        start,
      ],
      // As shipped: the launcher's flags alone.
      env: {
        DENO_DIR: `${dir}/tmp/deno`,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
        DENO_V8_FLAGS: "",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(await cg.oomKills(), 0, `the function was killed past 128 MB: ${stderr}`);
    assert.ok(out.success, stderr);
    const report = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      badResponses?: number;
      samples: { hwmKb: number }[];
    };
    // go1xhost exits non-zero on a response that is not the event; runtimeapihost counts them.
    assert.equal(report.badResponses ?? 0, 0);
    assert.equal(report.samples.length, invokes, "every invoke answered");
    // Lambda counts the function's resident memory: the peak must stay under 128 MiB too, file
    // pages included (those of the binary another process faulted in are not charged to the
    // cgroup, so the cgroup alone could let a function past 128 MiB).
    const peakMiB = Math.max(...report.samples.map((s) => s.hwmKb)) / 1024;
    assert.ok(peakMiB < LIMIT / 1024 / 1024, `peak ${peakMiB.toFixed(1)} MiB resident`);
    return peakMiB;
  } finally {
    if (cgroup) await removeCgroup(cgroup);
    await Deno.remove(dir, { recursive: true });
  }
}

goTest(
  "a 6 MB event and its 6 MB response fit a 128 MB function as shipped (Runtime API)",
  async () => {
    const peak = await echoInCgroup("runtimeapihost", 6_000_000, 12);
    console.log(`6 MB events × 12 at 128 MB, Runtime API: peak ${peak.toFixed(1)} MiB resident`);
  },
);

goTest(
  "a 6 MB event and its 6 MB response fit a 128 MB function as shipped (go1.x)",
  async () => {
    const peak = await echoInCgroup("go1xhost", 6_000_000, 12);
    console.log(`6 MB events × 12 at 128 MB, go1.x: peak ${peak.toFixed(1)} MiB resident`);
  },
);

goTest("a stream of 1 MB events fits a 128 MB function as shipped (go1.x)", async () => {
  const peak = await echoInCgroup("go1xhost", 1_000_000, 40);
  console.log(`1 MB events × 40 at 128 MB, go1.x: peak ${peak.toFixed(1)} MiB resident`);
});

goTest("a stream of 1 MB events fits a 128 MB function as shipped (Runtime API)", async () => {
  const peak = await echoInCgroup("runtimeapihost", 1_000_000, 40);
  console.log(`1 MB events × 40 at 128 MB, Runtime API: peak ${peak.toFixed(1)} MiB resident`);
});

goTest("large events: clean up the build", async () => {
  await echo.remove();
});
