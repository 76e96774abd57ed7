/**
 * The `--runtime deno` launcher: V8's heap limits from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, as
 * Lambda's Node.js runtime derives them, and a small function's footprint settings, passed to the
 * real Deno binary.
 */
import assert from "node:assert/strict";
import {
  CODE_FLAGS,
  type CodeProfile,
  codeProfile,
  heapFlags,
  LAUNCHER,
  launcherScript,
  MAX_MEMORY_MB,
  SMALL_FUNCTION_MB,
  SMALL_GC_FLAGS,
  v8Flags,
} from "../../packaging/launcher.ts";
import {
  availableParallelism,
  cgroupCpus,
  WORKER_COUNT_VARIABLE,
  workerCount,
} from "../../runtime/worker_count.ts";
import { START_HELPER, startHelper } from "../../packaging/start_helper.ts";
import { hostArch } from "../../packaging/targets.ts";
import { has, runClean } from "./_helpers.ts";

/** This machine's architecture, whose `gopherless-start` the stand-in packages hold. */
const HOST_ARCH = hostArch() ?? "x86_64";

Deno.test("heapFlags: Lambda's Node.js formula (a tenth young in two semi-spaces, the rest old)", () => {
  assert.deepEqual(heapFlags(128), ["--max-semi-space-size=6", "--max-old-space-size=116"]);
  assert.deepEqual(heapFlags(1024), ["--max-semi-space-size=51", "--max-old-space-size=922"]);
  assert.deepEqual(heapFlags(10240), ["--max-semi-space-size=512", "--max-old-space-size=9216"]);
  assert.deepEqual(heapFlags(0), []);
  assert.deepEqual(heapFlags(-5), []);
  assert.deepEqual(heapFlags(12.5), []);
});

Deno.test("v8Flags: up to 512 MB, 1 MB semi-spaces, Maglev at most, GC on the main thread; above, every tier", () => {
  assert.deepEqual(CODE_FLAGS, {
    small: ["--max-opt=2"],
    default: ["--incremental-marking-soft-trigger=80", "--incremental-marking-hard-trigger=90"],
  });
  assert.deepEqual(SMALL_GC_FLAGS, ["--single-threaded-gc", "--no-concurrent-recompilation"]);
  assert.equal(SMALL_FUNCTION_MB, 512);
  assert.deepEqual(v8Flags(128), [
    "--max-semi-space-size=1",
    "--max-old-space-size=116",
    ...CODE_FLAGS.small,
    ...SMALL_GC_FLAGS,
  ]);
  assert.deepEqual(v8Flags(512), [
    "--max-semi-space-size=1",
    "--max-old-space-size=461",
    ...CODE_FLAGS.small,
    ...SMALL_GC_FLAGS,
  ]);
  // above it, Node's formula, Turbofan and V8's worker threads, and when the old generation is
  // marked; for no size Lambda gives, that alone (as the launcher passes with no size)
  for (const mb of [513, 1024, 1769, 10240]) {
    assert.deepEqual(v8Flags(mb), [...heapFlags(mb), ...CODE_FLAGS.default]);
  }
  for (const bad of [0, -5, 12.5, NaN]) assert.deepEqual(v8Flags(bad), CODE_FLAGS.default);
});

Deno.test("codeProfile: small up to 512 MB, default above and for no size", () => {
  for (const mb of [1, 128, 512]) assert.equal(codeProfile(mb), "small", `${mb}`);
  for (const mb of [513, 1024, 2048, 10240, 0, -5, 12.5, NaN]) {
    assert.equal(codeProfile(mb), "default", `${mb}`);
  }
  // The profile's code flags are the ones v8Flags passes at that size.
  for (const mb of [128, 512, 513, 1024]) {
    const code = v8Flags(mb).filter((f) =>
      !/^--max-(semi|old)-space-size=/.test(f) && !SMALL_GC_FLAGS.includes(f)
    );
    assert.deepEqual(code, CODE_FLAGS[codeProfile(mb)], `${mb}`);
  }
});

/** What the stand-in `deno` saw: its V8 flags, its arguments, its `MALLOC_ARENA_MAX`. */
interface Launched {
  flags: string;
  args: string;
  arenas: string;
}

/**
 * Runs the launcher with a stand-in `deno` that prints what it was started with; by its `#!`
 * line, or by the `shell` given.
 */
async function launch(
  env: Record<string, string>,
  shell?: string,
  wrap: string[] = [],
): Promise<Launched> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bootstrap`, LAUNCHER, { mode: 0o755 });
    await Deno.writeTextFile(
      `${dir}/deno`,
      '#!/bin/sh\nprintf "%s\\n" "${DENO_V8_FLAGS-<unset>}" "$*" "${MALLOC_ARENA_MAX-<unset>}"\n',
      { mode: 0o755 },
    );
    const command = [...wrap, ...(shell ? [shell, `${dir}/bootstrap`] : [`${dir}/bootstrap`])];
    const out = await runClean(command, env);
    assert.equal(out.code, 0, out.stderr);
    const [flags, args, arenas] = out.stdout.split("\n");
    return { flags, args, arenas };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("launcher: the V8 flags it passes are v8Flags of the function's memory", async () => {
  for (const mb of [128, 256, 512, 513, 1769, 10240]) {
    const { flags, args } = await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(mb) });
    assert.equal(flags, v8Flags(mb).join(","));
    assert.match(args, /^run --allow-all .*\/handler\.js$/);
  }
});

Deno.test("launcher: one malloc arena up to 512 MB, unless the user set MALLOC_ARENA_MAX", async () => {
  assert.equal((await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128" })).arenas, "1");
  assert.equal((await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512" })).arenas, "1");
  assert.equal((await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "513" })).arenas, "<unset>");
  assert.equal((await launch({})).arenas, "<unset>");
  const user = await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128", MALLOC_ARENA_MAX: "4" });
  assert.equal(user.arenas, "4");
});

Deno.test("launcher: the user's DENO_V8_FLAGS come last (they win); no size, the default profile's", async () => {
  const user = await launch({
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    DENO_V8_FLAGS: "--max-old-space-size=64",
  });
  assert.equal(user.flags, `${v8Flags(128).join(",")},--max-old-space-size=64`);
  const noSize = CODE_FLAGS.default.join(",");
  assert.equal((await launch({})).flags, noSize);
  assert.equal((await launch({ DENO_V8_FLAGS: "--expose-gc" })).flags, `${noSize},--expose-gc`);
  for (const bad of ["", "abc", "12x", "0128"]) {
    assert.equal((await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: bad })).flags, noSize);
  }
});

/** The POSIX shells here the launcher is tested under (CI installs dash: `.ci/run`). */
const SHELLS = ["dash", "bash"].filter((sh) => has(sh));

Deno.test("launcher: the same flags under dash and bash; a 20-digit memory size is ignored", async () => {
  assert.ok(SHELLS.includes("bash") && (SHELLS.includes("dash") || !Deno.env.get("CI")), "shells");
  for (const shell of SHELLS) {
    for (const mb of [128, 512, 513, 10240, MAX_MEMORY_MB]) {
      const { flags } = await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(mb) }, shell);
      assert.equal(flags, v8Flags(mb).join(","), `${shell}, ${mb} MB`);
    }
    // No size Lambda gives: the flags of an unset one, and no arithmetic that overflows (dash
    // refused such a number and the launcher exited; bash wrapped it round).
    for (const huge of [String(MAX_MEMORY_MB + 1), "12345678901234567890", "9".repeat(23)]) {
      const { flags, args } = await launch({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: huge }, shell);
      assert.equal(flags, CODE_FLAGS.default.join(","), `${shell}, ${huge}`);
      assert.match(args, /^run --allow-all .*\/handler\.js$/);
    }
  }
});

/**
 * Starts `handler` (a script's source) through the launcher with the real Deno, once per memory
 * size in `memories` (MB), and returns what it printed each time.
 */
async function printedAt(
  handler: string,
  memories: string[],
  env: Record<string, string> = {},
): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bootstrap`, LAUNCHER, { mode: 0o755 });
    await Deno.symlink(Deno.execPath(), `${dir}/deno`);
    await Deno.writeTextFile(`${dir}/handler.js`, handler);
    const printed: string[] = [];
    for (const mb of memories) {
      const out = await new Deno.Command(`${dir}/bootstrap`, {
        env: { DENO_DIR: `${dir}/cache`, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: mb, ...env },
        stdout: "piped",
      }).output();
      assert.ok(out.success);
      printed.push(new TextDecoder().decode(out.stdout));
    }
    return printed;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("launcher: Deno's V8 takes the limits (heap_size_limit follows the memory)", async () => {
  const [small, large] = (await printedAt(
    'import v8 from "node:v8";\nconsole.log(v8.getHeapStatistics().heap_size_limit);\n',
    ["128", "1024"],
  )).map((text) => Number(text) / 1024 / 1024);
  // old space plus the young generation (a few semi-spaces); without the flags V8 sizes the
  // heap for this machine (gigabytes)
  assert.ok(small >= 116 && small < 160, `128 MB function: heap limit ${small} MB`);
  assert.ok(large >= 922 && large < 1300, `1024 MB function: heap limit ${large} MB`);
});

Deno.test("launcher: in a concurrent environment, each isolate's share of the flags", async () => {
  const count = (concurrency: number, override?: string) =>
    workerCount(concurrency, { env: () => override, parallelism: () => 2, cgroupCpus: () => 2 });
  const cases: [string, Record<string, string>, number][] = [
    // override, capped at the concurrency
    ["3 of 64", { AWS_LAMBDA_MAX_CONCURRENCY: "64", [WORKER_COUNT_VARIABLE]: "3" }, count(64, "3")],
    ["4 of 2", { AWS_LAMBDA_MAX_CONCURRENCY: "2", [WORKER_COUNT_VARIABLE]: "4" }, count(2, "4")],
    // sequential: a concurrency of 1, or none (the override alone does not make workers)
    ["concurrency 1", { AWS_LAMBDA_MAX_CONCURRENCY: "1", [WORKER_COUNT_VARIABLE]: "3" }, 1],
    ["no concurrency", { [WORKER_COUNT_VARIABLE]: "3" }, 1],
  ];
  for (const shell of SHELLS) {
    for (const [what, env, isolates] of cases) {
      for (const mb of [512, 2048, 10240]) {
        const { flags } = await launch(
          { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(mb), ...env },
          shell,
        );
        assert.equal(flags, v8Flags(mb, isolates).join(","), `${shell}, ${what}, ${mb} MB`);
      }
    }
  }
  assert.deepEqual(heapFlags(2048, 2), ["--max-semi-space-size=51", "--max-old-space-size=922"]);
  assert.deepEqual(v8Flags(2048, 1), v8Flags(2048));
});

Deno.test("launcher: without an override, the CPUs of the cgroup's quota and of the affinity, as the runtime counts them", async () => {
  if (Deno.uid() !== 0 || !has("unshare")) {
    throw new Error("needs root and unshare (a mount namespace)");
  }
  const dir = await Deno.makeTempDir();
  try {
    // Cgroup file systems as the process would see them: v2 (`cpu.max`), v1 (`cpu/cpu.cfs_*`),
    // none; mounted over /sys/fs/cgroup in a mount namespace of the launcher's own.
    const layouts: [string, Record<string, string>][] = [
      ["none", {}],
      ["v2 1.5 CPUs", { "cpu.max": "150000 100000\n" }],
      ["v2 half a CPU", { "cpu.max": "50000 100000\n" }],
      ["v2 no quota", { "cpu.max": "max 100000\n" }],
      ["v1 1 CPU", { "cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n" }],
      ["v1 no quota", { "cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n" }],
    ];
    for (const [i, [what, files]] of layouts.entries()) {
      const root = `${dir}/cgroup-${i}`;
      await Deno.mkdir(`${root}/cpu`, { recursive: true });
      for (const [name, text] of Object.entries(files)) {
        await Deno.writeTextFile(`${root}/${name}`, text);
      }
      for (const pinned of [false, true]) {
        const wrap = [
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          'mount --bind "$0" /sys/fs/cgroup && exec "$@"',
          root,
          ...(pinned ? ["taskset", "-c", "0"] : []),
        ];
        const env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "2048", AWS_LAMBDA_MAX_CONCURRENCY: "64" };
        const { flags } = await launch(env, undefined, wrap);
        const isolates = workerCount(64, {
          env: () => undefined,
          cgroupCpus: () => cgroupCpus(undefined, root),
          parallelism: () => pinned ? 1 : availableParallelism(),
        });
        assert.equal(
          flags,
          v8Flags(2048, isolates).join(","),
          `${what}${pinned ? ", pinned" : ""}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("launcher: in a concurrent environment, V8 gives the main isolate and a worker the same share", async () => {
  const handler = `import v8 from "node:v8";
import { Worker, isMainThread, parentPort } from "node:worker_threads";
const limit = () => Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
if (isMainThread) {
  // The runtime's worker limits (runtime/workers.ts), which V8's flags override.
  const w = new Worker(new URL(import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: 922, maxYoungGenerationSizeMb: 153 },
  });
  w.on("message", (m) => { console.log(JSON.stringify({ main: limit(), worker: m })); w.terminate(); });
} else parentPort.postMessage(limit());
`;
  const [sequential, concurrent] = (await Promise.all([
    printedAt(handler, ["2048"]),
    printedAt(handler, ["2048"], { AWS_LAMBDA_MAX_CONCURRENCY: "8", [WORKER_COUNT_VARIABLE]: "2" }),
  ])).map(([text]) => JSON.parse(text) as { main: number; worker: number });
  // Sequential: Lambda's Node.js limits (1844 MB old, 102 MB semi-spaces), for every isolate.
  assert.ok(sequential.main >= 1844 && sequential.main < 2300, `${sequential.main}`);
  // Concurrent over two isolates: 922 MB old and 51 MB semi-spaces each (V8 rounds them up to
  // 64), the worker included.
  for (const limit of [concurrent.main, concurrent.worker]) {
    assert.ok(limit >= 922 && limit < 1200, `${JSON.stringify(concurrent)}`);
  }
});

Deno.test("launcher: the shipped start-up cache is copied into an empty DENO_DIR at its root, under its profile's flags only", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const task = `${dir}/task`;
    await Deno.mkdir(`${task}/.deno-cache`, { recursive: true });
    await Deno.writeTextFile(`${task}/.deno-cache/v8_code_cache_v2`, "shipped");
    // A stand-in deno that prints the code cache it finds.
    await Deno.writeTextFile(
      `${task}/deno`,
      '#!/bin/sh\ncat "$DENO_DIR/v8_code_cache_v2" 2>/dev/null || echo none\n',
      { mode: 0o755 },
    );
    const start = async (
      root: string,
      denoDir: string,
      relative = false,
      memory = "",
      profile: CodeProfile = "default",
    ) => {
      await Deno.writeTextFile(
        `${task}/bootstrap`,
        launcherScript({ startCacheRoot: root, startCacheProfile: profile }),
        { mode: 0o755 },
      );
      const out = await new Deno.Command(relative ? "./bootstrap" : `${task}/bootstrap`, {
        cwd: task,
        env: { PATH: "/usr/bin:/bin", DENO_DIR: denoDir, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory },
        clearEnv: true,
        stdout: "piped",
      }).output();
      assert.ok(out.success);
      return new TextDecoder().decode(out.stdout).trim();
    };
    assert.equal(await start(task, `${dir}/fresh1`), "shipped", "a fresh DENO_DIR gets it");
    assert.equal(await start(task, `${dir}/fresh2`, true), "shipped", "started as ./bootstrap");
    // Only at a memory size whose code flags the cache was made under: V8 would refuse it under
    // the other profile's, and Deno starts without it.
    const at = (n: number, memory: string, profile: CodeProfile) =>
      start(task, `${dir}/fresh-${n}`, false, memory, profile);
    assert.equal(await at(4, "1024", "default"), "shipped", "a large function, a large build");
    assert.equal(await at(5, "128", "small"), "shipped", "a small function, a small build");
    assert.equal(await at(6, "512", "small"), "shipped", "512 MB, a small build");
    assert.equal(await at(7, "128", "default"), "none", "a small function, a large build");
    assert.equal(await at(8, "1024", "small"), "none", "a large function, a small build");
    assert.equal(await at(9, "", "small"), "none", "no memory size, a small build");
    assert.equal(await start("/var/task", `${dir}/fresh3`), "none", "made for another root");
    await Deno.writeTextFile(`${dir}/fresh1/v8_code_cache_v2`, "warm");
    assert.equal(await start(task, `${dir}/fresh1`), "warm", "a warm DENO_DIR is left alone");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Not `--single-threaded` (no V8 worker threads at all): under it Deno runs V8 on a single-threaded
// platform that collects garbage and ArrayBuffers so late that 1 MB events outgrew a 128 MB
// function (tests/packaging/large_event_test.ts). A small function's GC stays on the main thread
// (`--single-threaded-gc`) on the ordinary platform, whose worker threads run.
Deno.test("launcher: Deno runs V8's worker threads at every size (not the single-threaded platform)", async () => {
  const [small, large, unset] = (await printedAt(
    "const names = [];\n" +
      'for (const t of Deno.readDirSync("/proc/self/task")) {\n' +
      "  names.push(Deno.readTextFileSync(`/proc/self/task/${t.name}/comm`).trim());\n" +
      "}\n" +
      "console.log(JSON.stringify(names));\n",
    ["128", "1024", ""],
  )).map((text) => (JSON.parse(text) as string[]).filter((n) => n.startsWith("V8 ")).length);
  assert.ok(small > 0, "V8's worker threads run in a 128 MB function");
  assert.ok(large > 0, "V8's worker threads run in a 1024 MB function");
  assert.ok(unset > 0, "and with no memory size set");
});

/**
 * A package at `<dir>/task` with a stand-in start-up cache (one file, holding "shipped") and a
 * stand-in `deno` that prints the cache it finds and the handler it is
 * given, with the host's `gopherless-start` beside it; its launcher has that check the cache
 * unless `unchecked`.
 */
async function cachePackage(dir: string, unchecked = false): Promise<string> {
  const task = `${dir}/task`;
  await Deno.mkdir(`${task}/.deno-cache`, { recursive: true });
  const name = ".deno-cache/v8_code_cache_v2";
  const data = new TextEncoder().encode("shipped");
  await Deno.writeFile(`${task}/${name}`, data);
  const files = [{ name, data }];
  await Deno.writeTextFile(
    `${task}/deno`,
    '#!/bin/sh\nc=$(cat "$DENO_DIR/v8_code_cache_v2" 2>/dev/null) || c=none\n' +
      'eval "h=\\${$#}"\necho "$c $h"\n',
    { mode: 0o755 },
  );
  await Deno.writeFile(`${task}/${START_HELPER}`, startHelper(HOST_ARCH), { mode: 0o755 });
  await Deno.writeTextFile(
    `${task}/bootstrap`,
    launcherScript({ startCacheRoot: task, startCacheFiles: unchecked ? undefined : files }),
    { mode: 0o755 },
  );
  return task;
}

/** Runs `command` (the launcher, by some path) in `cwd` with `shell`; what the stand-in saw. */
async function startAs(
  command: string,
  cwd: string,
  denoDir: string,
  shell?: string,
  memory = "",
): Promise<{ stdout: string; stderr: string }> {
  const out = await new Deno.Command(shell ?? command, {
    args: shell ? [command] : [],
    cwd,
    env: { PATH: "/usr/bin:/bin", DENO_DIR: denoDir, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.ok(out.success, `${command}: ${dec.decode(out.stderr)}`);
  return { stdout: dec.decode(out.stdout).trim(), stderr: dec.decode(out.stderr) };
}

Deno.test("launcher: started through a link or by any spelling of its folder, it runs with its cache", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const task = await cachePackage(dir);
    await Deno.mkdir(`${dir}/elsewhere/deeper`, { recursive: true });
    await Deno.symlink(`${task}/bootstrap`, `${dir}/elsewhere/b`);
    await Deno.symlink("../b", `${dir}/elsewhere/deeper/b2`); // a link to a link
    await Deno.symlink("task", `${dir}/linked-task`); // a link to the folder
    const spellings: [string, string][] = [
      [`${task}/bootstrap`, dir],
      [`${dir}/elsewhere/b`, dir],
      [`${dir}/elsewhere/deeper/b2`, dir],
      ["./b", `${dir}/elsewhere`],
      ["../task/bootstrap", `${dir}/elsewhere`],
      [`${task}/./bootstrap`, dir],
      [`${dir}/elsewhere/../task/bootstrap`, dir],
      [`${dir}//task//bootstrap`, dir],
      ["./bootstrap", task],
      [`${dir}/linked-task/bootstrap`, dir],
    ];
    let n = 0;
    for (const shell of [undefined, ...SHELLS]) {
      for (const [command, cwd] of spellings) {
        const what = `${shell ?? "#!"} ${command} in ${cwd}`;
        const run = await startAs(command, cwd, `${dir}/fresh-${n++}`, shell, "128");
        // The shipped cache, and the handler by the path the cache's entries are keyed for.
        assert.equal(run.stdout, `shipped ${task}/handler.js`, what);
        assert.equal(run.stderr, "", what);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("launcher: a damaged start-up cache is not copied (its size and hash are checked); a clean one is", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const task = await cachePackage(dir);
    for (const shell of [undefined, ...SHELLS]) {
      const tag = shell ?? "#!";
      const clean = await startAs(`${task}/bootstrap`, dir, `${dir}/clean-${tag}`, shell, "128");
      assert.equal(clean.stdout, `shipped ${task}/handler.js`, tag);
    }
    // One bit flipped in the cache's file: it is left out and Deno starts without it, and says
    // so; at a size of the other profile, it is not copied anyway.
    const path = `${task}/.deno-cache/v8_code_cache_v2`;
    const data = await Deno.readFile(path);
    data[2] ^= 0x10;
    await Deno.writeFile(path, data);
    for (const shell of [undefined, ...SHELLS]) {
      const tag = shell ?? "#!";
      const bad = await startAs(`${task}/bootstrap`, dir, `${dir}/bad-${tag}`, shell, "128");
      assert.equal(bad.stdout, `none ${task}/handler.js`, tag);
      assert.match(bad.stderr, /start-up cache in .*cache is damaged or missing; starting without/);
      const large = await startAs(`${task}/bootstrap`, dir, `${dir}/large-${tag}`, shell, "1024");
      assert.deepEqual(large, { stdout: `none ${task}/handler.js`, stderr: "" }, tag);
    }
    // A missing file is as damaged.
    await Deno.remove(path);
    const gone = await startAs(`${task}/bootstrap`, dir, `${dir}/gone`, undefined, "128");
    assert.equal(gone.stdout, `none ${task}/handler.js`);
    // Without the build's checksums (an older launcher) the damage would be copied.
    await Deno.writeFile(path, data);
    const unchecked = await cachePackage(`${dir}/unchecked`, true);
    await Deno.writeFile(`${unchecked}/.deno-cache/v8_code_cache_v2`, data);
    const copied = await startAs(
      `${unchecked}/bootstrap`,
      dir,
      `${dir}/unchecked-dd`,
      undefined,
      "128",
    );
    assert.equal(copied.stdout, `${new TextDecoder().decode(data)} ${unchecked}/handler.js`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
