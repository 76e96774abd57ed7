/**
 * `gopherless-start` (`packaging/native/start.c`), the program a package's launcher execs on a
 * cold start to copy the start-up cache, checked, before it becomes Deno: the binaries embedded
 * for both architectures are what the source builds to; its hash is `cacheHash`'s; it copies a
 * whole cache, refuses a damaged one and starts the program either way; it refuses what does not
 * parse; the arm64 build does the same under qemu-user.
 */
import assert from "node:assert/strict";
import { cacheHash } from "../../packaging/cache_hash.ts";
import { startHelper, startHelperFileArgs } from "../../packaging/start_helper.ts";
import {
  codeProfile,
  FUNCTION_CONFIG,
  FUNCTION_MANIFEST,
  functionManifest,
  LAUNCHER_CONFIG,
  LAUNCHER_SCRIPT,
  launcherConfig,
  launcherScript,
  layerConfig,
  layerLauncherScript,
} from "../../packaging/launcher.ts";
import { hostArch } from "../../packaging/targets.ts";
import { buildNative, generatedModule, sha256, SOURCE } from "../../packaging/native/build.ts";
import * as embedded from "../../packaging/native/start_bin.ts";
import { findQemuUser, hostCpu, qemuRunner } from "../../ground/qemu.ts";
import { arm64Test } from "../_support/qemu.ts";
import { toolTest } from "../_support/tools.ts";
import { runClean as run } from "./_helpers.ts";

const HOST = hostArch() ?? "x86_64";
const CROSS = HOST === "x86_64" ? "aarch64-linux-gnu-gcc" : "x86_64-linux-gnu-gcc";

/** Writes the helper for `arch` into `dir`; its path. */
async function helperIn(dir: string, arch = HOST): Promise<string> {
  const path = `${dir}/gopherless-start`;
  await Deno.writeFile(path, startHelper(arch), { mode: 0o755 });
  return path;
}

/** A cache folder of `files` (name → bytes) under `dir`, and the arguments naming them. */
async function cacheOf(dir: string, files: Record<string, Uint8Array>) {
  const src = `${dir}/.deno-cache`;
  await Deno.mkdir(src, { recursive: true });
  for (const [name, data] of Object.entries(files)) await Deno.writeFile(`${src}/${name}`, data);
  const args = startHelperFileArgs(
    Object.entries(files).map(([name, data]) => ({ name: `.deno-cache/${name}`, data })),
  );
  return { src, args };
}

function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

toolTest(["gcc", CROSS], {
  name: "gopherless-start: the embedded binaries are what start.c builds to, on both architectures",
  fn: async () => {
    const source = await Deno.readFile(SOURCE);
    assert.equal(embedded.SOURCE_SHA256, await sha256(source), "start_bin.ts is from this start.c");
    const builds = { x86_64: await buildNative("x86_64"), arm64: await buildNative("arm64") };
    for (const arch of ["x86_64", "arm64"] as const) {
      assert.equal(
        builds[arch].compiler,
        embedded.COMPILED_WITH[arch],
        `${arch}: start_bin.ts was built with another compiler; rebuild it`,
      );
      assert.deepEqual(builds[arch].binary, startHelper(arch), `${arch}: not the same bytes`);
    }
    assert.equal(
      generatedModule(await sha256(source), builds),
      await Deno.readTextFile(new URL("../../packaging/native/start_bin.ts", import.meta.url)),
    );
  },
});

Deno.test("gopherless-start: static, a few kilobytes, an ELF of each architecture", () => {
  for (const [arch, machine] of [["x86_64", 62], ["arm64", 183]] as const) {
    const bin = startHelper(arch);
    assert.ok(bin.length < 16 * 1024, `${arch}: ${bin.length} bytes`);
    assert.deepEqual([...bin.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${arch}: ELF`);
    const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
    assert.equal(view.getUint16(18, true), machine, `${arch}: e_machine`);
    // No program header asks for an interpreter (a dynamic loader): it runs on any Linux.
    const phoff = Number(view.getBigUint64(32, true));
    const count = view.getUint16(56, true);
    for (let i = 0; i < count; i++) {
      assert.notEqual(view.getUint32(phoff + i * 56, true), 3, `${arch}: PT_INTERP`);
    }
  }
});

Deno.test("gopherless-start: its hash is cacheHash's, at every length; a whole cache is copied, then the program runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-start-" });
  try {
    const helper = await helperIn(dir);
    const files: Record<string, Uint8Array> = {};
    // Tails of every kind past the 16-byte step (it takes at most 16 files), and a large file.
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31]) {
      files[`f${String(n).padStart(2, "0")}`] = random(n);
    }
    files["v8_code_cache_v2"] = random(1_638_400 + 5);
    const { src, args } = await cacheOf(dir, files);
    assert.equal(args[0], String(Object.keys(files).length));
    const dst = `${dir}/deno-dir`;
    const r = await run([helper, src, dst, ...args, "/bin/sh", "-c", 'echo "ran $0 $1"', "a", "b"]);
    assert.deepEqual(r, { code: 0, stdout: "ran a b\n", stderr: "" });
    for (const [name, data] of Object.entries(files)) {
      assert.deepEqual(await Deno.readFile(`${dst}/${name}`), data, name);
    }
    // Into a DENO_DIR that exists already, too, and one whose parents do not (as Deno makes it).
    const again = await run([helper, src, dst, ...args, "/bin/true"]);
    assert.deepEqual(again, { code: 0, stdout: "", stderr: "" });
    const deep = `${dir}/not/yet/deno-dir/`;
    const parents = await run([helper, src, deep, ...args, "/bin/true"]);
    assert.deepEqual(parents, { code: 0, stdout: "", stderr: "" });
    assert.deepEqual(await Deno.readFile(`${deep}/v8_code_cache_v2`), files["v8_code_cache_v2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gopherless-start: a damaged, short, long or missing file leaves the whole cache uncopied, and the program runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-start-" });
  try {
    const helper = await helperIn(dir);
    const good = random(4096);
    const { src, args } = await cacheOf(dir, { a_first: random(100), v8_code_cache_v2: good });
    const cases: [string, (path: string) => Promise<void>][] = [
      ["a bit flipped", async (p) => {
        const d = good.slice();
        d[4000] ^= 0x04;
        await Deno.writeFile(p, d);
      }],
      ["cut short", (p) => Deno.writeFile(p, good.subarray(0, 4095))],
      ["one byte more", (p) => Deno.writeFile(p, new Uint8Array([...good, 0]))],
      ["missing", (p) => Deno.remove(p)],
    ];
    for (const [what, damage] of cases) {
      await damage(`${src}/v8_code_cache_v2`);
      const dst = `${dir}/dd-${what.replaceAll(" ", "-")}`;
      const r = await run([helper, src, dst, ...args, "/bin/echo", "started"]);
      assert.equal(r.code, 0, what);
      assert.equal(r.stdout, "started\n", what);
      assert.equal(
        r.stderr,
        `gopherless: the start-up cache in ${src} is damaged or missing; starting without it\n`,
        what,
      );
      // Nothing copied, not even the undamaged file named first.
      assert.throws(() => Deno.statSync(dst), Deno.errors.NotFound, what);
      await Deno.writeFile(`${src}/v8_code_cache_v2`, good);
    }
    // A DENO_DIR that cannot be made: said, and the program runs without the cache.
    await Deno.writeTextFile(`${dir}/a-file`, "");
    const blocked = await run([helper, src, `${dir}/a-file/deno`, ...args, "/bin/echo", "ok"]);
    assert.equal(blocked.code, 0);
    assert.equal(blocked.stdout, "ok\n");
    assert.match(blocked.stderr, /could not be copied into .*a-file\/deno \(error 20\); starting/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gopherless-start: arguments that do not parse are refused (2); a program that cannot run is 127", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-start-" });
  try {
    const helper = await helperIn(dir);
    const { src } = await cacheOf(dir, { v8_code_cache_v2: random(64) });
    const hash = cacheHash(random(64));
    const refused: string[][] = [
      [src, `${dir}/d`],
      [src, `${dir}/d`, "x", "/bin/true"], // a count that is no number
      [src, `${dir}/d`, "1", "v8_code_cache_v2", "64", hash], // no program
      [src, `${dir}/d`, "17", "/bin/true"], // more files than it takes
      [src, `${dir}/d`, "1", "../escape", "64", hash, "/bin/true"],
      [src, `${dir}/d`, "1", "a/b", "64", hash, "/bin/true"],
      [src, `${dir}/d`, "1", "v8_code_cache_v2", "-1", hash, "/bin/true"],
      [src, `${dir}/d`, "1", "v8_code_cache_v2", "64", "XYZ", "/bin/true"],
      [src, `${dir}/d`, "1", "v8_code_cache_v2", "64", "0".repeat(17), "/bin/true"],
    ];
    for (const args of refused) {
      const r = await run([helper, ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^gopherless-start: /, args.join(" "));
      assert.throws(() => Deno.statSync(`${dir}/d`), Deno.errors.NotFound);
    }
    const missing = await run([helper, src, `${dir}/d`, "0", `${dir}/no-such-program`]);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /cannot run .*no-such-program \(error 2\)/);
    // A bare name is looked up on PATH, as a shell would.
    const onPath = await run([helper, src, `${dir}/d`, "0", "sh", "-c", "echo found"], {
      PATH: `${dir}/nothing-here:/usr/bin:/bin`,
    });
    assert.deepEqual(onPath, { code: 0, stdout: "found\n", stderr: "" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

arm64Test(
  "gopherless-start: the arm64 build copies and checks the same, under qemu-user",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-start-arm64-" });
    try {
      const helper = await helperIn(dir, "arm64");
      const runner = hostCpu() === "aarch64" ? [] : qemuRunner(findQemuUser("aarch64"));
      const data = random(70_001);
      const { src, args } = await cacheOf(dir, { v8_code_cache_v2: data });
      const dst = `${dir}/deno-dir`;
      const r = await run([...runner, helper, src, dst, ...args, "/bin/echo", "ran"]);
      assert.deepEqual(r, { code: 0, stdout: "ran\n", stderr: "" });
      assert.deepEqual(await Deno.readFile(`${dst}/v8_code_cache_v2`), data);
      data[7] ^= 1;
      await Deno.writeFile(`${src}/v8_code_cache_v2`, data);
      const bad = await run([...runner, helper, src, `${dir}/other`, ...args, "/bin/echo", "ran"]);
      assert.equal(bad.stdout, "ran\n");
      assert.match(bad.stderr, /damaged or missing; starting without it/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("startHelperFileArgs: count, then name, size and hash of each, sorted; no paths", () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array(9);
  assert.deepEqual(
    startHelperFileArgs([
      { name: ".deno-cache/v8_code_cache_v2", data: a },
      { name: ".deno-cache/dep_analysis_cache_v2", data: b },
    ]),
    ["2", "dep_analysis_cache_v2", "9", cacheHash(b), "v8_code_cache_v2", "3", cacheHash(a)],
  );
  for (const name of [".deno-cache/../x", ".deno-cache/a b", ".deno-cache/sub/x", ".deno-cache/"]) {
    assert.throws(() => startHelperFileArgs([{ name, data: a }]), /not a start-up cache file/);
  }
});

Deno.test("cacheHash: fixed values (the C twin is held to it above)", () => {
  assert.equal(cacheHash(new Uint8Array(0)), "3002bb0b6ec4edbf");
  assert.equal(cacheHash(new Uint8Array([1, 2, 3])), "bc7c7c8d6ec4edbf");
  // One bit anywhere changes it.
  const d = new Uint8Array(1000);
  const h = cacheHash(d);
  for (const i of [0, 4, 8, 12, 16, 500, 998, 999]) {
    d[i] ^= 1;
    assert.notEqual(cacheHash(d), h, `bit at ${i}`);
    d[i] ^= 1;
  }
});

/** The stand-in start-up cache: one file holding "shipped". */
const SHIPPED = [{
  name: ".deno-cache/v8_code_cache_v2",
  data: new TextEncoder().encode("shipped"),
}];

/**
 * Writes into `folder` the stand-in cache, a stand-in `deno` that prints what it was given, the
 * native `bootstrap` for `arch` and `gopherless-start` (the script runs here, on the host, and so
 * does the copying step it execs).
 */
async function standIns(folder: string, arch: "x86_64" | "arm64") {
  await Deno.mkdir(`${folder}/.deno-cache`, { recursive: true });
  await Deno.writeFile(`${folder}/${SHIPPED[0].name}`, SHIPPED[0].data);
  await Deno.writeTextFile(
    `${folder}/deno`,
    "#!/bin/sh\n" +
      'c=$(cat "$DENO_DIR/v8_code_cache_v2" 2>/dev/null) || c=none\n' +
      'printf "%s\\n" "$0" "$*" "${DENO_V8_FLAGS-<unset>}" "${MALLOC_ARENA_MAX-<unset>}" ' +
      '"${DENO_DIR-<unset>}" "${DENO_NO_UPDATE_CHECK-<unset>}" "${DENO_NO_PROMPT-<unset>}" "$c"\n',
    { mode: 0o755 },
  );
  await Deno.writeFile(`${folder}/bootstrap`, startHelper(arch), { mode: 0o755 });
  await Deno.writeFile(`${folder}/gopherless-start`, startHelper(HOST), { mode: 0o755 });
}

/**
 * A stand-in package at `<dir>/task` as the build lays it out with a start-up cache: the native
 * `bootstrap` for `arch` with its `bootstrap.conf` for `memoryMb`, the script `bootstrap.sh`,
 * `gopherless-start`, the stand-in cache and `deno` ({@linkcode standIns}).
 */
async function nativePackage(dir: string, arch = HOST, memoryMb = 128): Promise<string> {
  const task = `${await Deno.realPath(dir)}/task`;
  await standIns(task, arch);
  const files = SHIPPED;
  await Deno.writeTextFile(
    `${task}/${LAUNCHER_CONFIG}`,
    launcherConfig({ memoryMb, startCacheRoot: task, startCacheFiles: files }),
  );
  await Deno.writeTextFile(
    `${task}/${LAUNCHER_SCRIPT}`,
    launcherScript({
      startCacheRoot: task,
      startCacheFiles: files,
      startCacheProfile: codeProfile(memoryMb),
    }),
    { mode: 0o755 },
  );
  return task;
}

/** The stand-in layer's id. */
const LAYER = "gopherless-0_0_0-deno-2_9_6-x86_64-0123456789abcdef";

/**
 * A stand-in runtime layer at `<dir>/opt` (the native `bootstrap` naming `LAYER`, the layer's
 * script, `gopherless-start`, `deno`) and a function built for `layer` at `<dir>/task` (its
 * manifest, its settings for 128 MB, the stand-in cache), as the build lays them out.
 */
async function layerPair(dir: string, layer = LAYER): Promise<{ opt: string; task: string }> {
  const root = await Deno.realPath(dir);
  const [opt, task] = [`${root}/opt`, `${root}/task`];
  await standIns(opt, HOST);
  await Deno.remove(`${opt}/.deno-cache`, { recursive: true });
  await Deno.writeTextFile(`${opt}/${LAUNCHER_CONFIG}`, layerConfig(LAYER));
  await Deno.writeTextFile(`${opt}/${LAUNCHER_SCRIPT}`, layerLauncherScript(LAYER), {
    mode: 0o755,
  });
  await Deno.mkdir(`${task}/.deno-cache`, { recursive: true });
  await Deno.writeFile(`${task}/${SHIPPED[0].name}`, SHIPPED[0].data);
  const cache = { startCacheRoot: task, startCacheFiles: SHIPPED };
  await Deno.writeTextFile(
    `${task}/${FUNCTION_MANIFEST}`,
    functionManifest({ layerId: layer, ...cache, startCacheProfile: "small" }),
  );
  await Deno.writeTextFile(
    `${task}/${FUNCTION_CONFIG}`,
    launcherConfig({ memoryMb: 128, ...cache, layerId: layer }),
  );
  return { opt, task };
}

/** The environments the native `bootstrap` is compared with the script in. */
function environments(denoDir: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const memory of ["128", "1024", "", "0128", "12x"]) {
    for (const concurrency of [undefined, "1", "4"]) {
      for (const flags of [undefined, "--stack-size=900"]) {
        for (const arena of [undefined, "2", ""]) {
          const env: Record<string, string> = { DENO_DIR: denoDir };
          if (memory) env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = memory;
          if (concurrency) env.AWS_LAMBDA_MAX_CONCURRENCY = concurrency;
          if (flags) env.DENO_V8_FLAGS = flags;
          if (arena !== undefined) env.MALLOC_ARENA_MAX = arena;
          out.push(env);
        }
      }
    }
  }
  return out;
}

/** Whether the native `bootstrap` starts Deno itself in `env` (else it runs the script). */
function plain(env: Record<string, string>, memory = "128"): boolean {
  const c = env.AWS_LAMBDA_MAX_CONCURRENCY;
  return env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE === memory && (c === undefined || c === "1");
}

/**
 * Starts `folder`'s native `bootstrap` and its `bootstrap.sh` in each of `cases` (each with a
 * `DENO_DIR` of its own under `dir`) and asserts that Deno gets the same from both; calls `check`
 * with each case's stand-in `deno` output lines. Then, with the script removed (and put back
 * after), asserts that only the plain cases still start: no shell runs in them.
 */
async function sameAsScript(
  dir: string,
  folder: string,
  cases: Record<string, string>[],
  check: (lines: string[], env: Record<string, string>) => void,
): Promise<void> {
  let n = 0;
  const start = async (command: string, env: Record<string, string>) => {
    const denoDir = `${dir}/dd-${n++}`;
    const r = await run([command], { ...env, DENO_DIR: denoDir });
    return { ...r, stdout: r.stdout.replaceAll(denoDir, "DIR") };
  };
  for (const env of cases) {
    const native = await start(`${folder}/bootstrap`, env);
    const script = await start(`${folder}/${LAUNCHER_SCRIPT}`, env);
    const what = JSON.stringify(env);
    assert.equal(native.code, 0, `${what}: ${native.stderr}`);
    assert.deepEqual(native, script, what);
    check(native.stdout.trim().split("\n"), env);
  }
  const scriptText = await Deno.readTextFile(`${folder}/${LAUNCHER_SCRIPT}`);
  await Deno.remove(`${folder}/${LAUNCHER_SCRIPT}`);
  for (const env of cases) {
    const r = await start(`${folder}/bootstrap`, env);
    assert.equal(r.code === 0, plain(env), `${JSON.stringify(env)}: ${r.stderr}`);
  }
  await Deno.writeTextFile(`${folder}/${LAUNCHER_SCRIPT}`, scriptText, { mode: 0o755 });
}

Deno.test("native bootstrap: Deno gets what the script would give it, in every environment; the plain case runs no shell", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-native-bootstrap-" });
  try {
    const task = await nativePackage(dir);
    await sameAsScript(dir, task, environments("DIR"), (lines, env) => {
      // The shipped cache reaches Deno at 128 MB (its profile), from either.
      const small = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE === "128";
      assert.equal(lines.at(-1), small ? "shipped" : "none", JSON.stringify(env));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("native bootstrap: a damaged cache, a task root elsewhere, a runner, a huge environment or no settings file go as the script would", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-native-bootstrap-" });
  try {
    const task = await nativePackage(dir);
    const env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128" };
    // One bit flipped: left out, said, Deno starts without it.
    await Deno.writeTextFile(`${task}/.deno-cache/v8_code_cache_v2`, "shippee");
    const damaged = await run([`${task}/bootstrap`], { ...env, DENO_DIR: `${dir}/d1` });
    assert.equal(damaged.code, 0);
    assert.equal(damaged.stdout.trim().split("\n").pop(), "none");
    assert.match(damaged.stderr, /start-up cache in .* is damaged or missing; starting without it/);
    await Deno.writeTextFile(`${task}/.deno-cache/v8_code_cache_v2`, "shipped");
    // Copied elsewhere (not its task root), with a runner, or without its settings: the script.
    await Deno.remove(`${task}/${LAUNCHER_SCRIPT}`);
    const moved = `${dir}/moved`;
    await run(["cp", "-R", task, moved]);
    // More variables than the program holds (Lambda allows 4 KB of them) are the script's too.
    const many = Object.fromEntries(Array.from({ length: 2100 }, (_, i) => [`V${i}`, "x"]));
    const cases: [string, Record<string, string>][] = [
      [`${moved}/bootstrap`, env],
      [`${task}/bootstrap`, { ...env, GOPHERLESS_DENO_RUNNER: "/usr/bin/env" }],
      [`${task}/bootstrap`, { ...env, ...many }],
    ];
    for (const [command, e] of cases) {
      const r = await run([command], { ...e, DENO_DIR: `${dir}/d2` });
      assert.notEqual(r.code, 0, `${command} ${JSON.stringify(e)} should have run the script`);
      assert.match(r.stderr, /bootstrap\.sh/);
    }
    await Deno.remove(`${task}/${LAUNCHER_CONFIG}`);
    const noConfig = await run([`${task}/bootstrap`], { ...env, DENO_DIR: `${dir}/d3` });
    assert.notEqual(noConfig.code, 0);
    assert.match(noConfig.stderr, /bootstrap\.sh/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("native bootstrap of a runtime layer: Deno gets what the layer's script would give it; the plain case runs no shell", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-native-layer-" });
  try {
    const { opt, task } = await layerPair(dir);
    const cases = environments("DIR").map((env) => ({ ...env, LAMBDA_TASK_ROOT: task }));
    await sameAsScript(dir, opt, cases, (lines, env) => {
      // The layer's deno runs the function's module, with its cache at its 128 MB.
      const what = JSON.stringify(env);
      assert.equal(lines[0], `${opt}/deno`, what);
      assert.match(lines[1], new RegExp(` ${task}/handler\\.js$`), what);
      const small = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE === "128";
      assert.equal(lines.at(-1), small ? "shipped" : "none", what);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("native bootstrap of a runtime layer: a function of another layer, without settings, or elsewhere is the script's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-native-layer-" });
  try {
    // Built for another layer: the script runs (here, without it, the start fails and says so).
    const other = await layerPair(`${await Deno.makeTempDir({ dir })}`, LAYER.replace(/f$/, "e"));
    const env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128", DENO_DIR: `${dir}/d` };
    const mismatch = await run([`${other.opt}/bootstrap`], {
      ...env,
      LAMBDA_TASK_ROOT: other.task,
    });
    assert.match(mismatch.stdout, /gopherless-layer-mismatch\.js/, mismatch.stderr);
    const { opt, task } = await layerPair(await Deno.makeTempDir({ dir }));
    await Deno.remove(`${opt}/${LAUNCHER_SCRIPT}`);
    const scriptsCase = async (e: Record<string, string>, why: string) => {
      const r = await run([`${opt}/bootstrap`], { ...env, ...e });
      assert.notEqual(r.code, 0, `${why}: should have run the script`);
      assert.match(r.stderr, /bootstrap\.sh/, why);
    };
    // The task root must be the one the function's cache was made for (LAMBDA_TASK_ROOT unset is
    // /var/task, which holds no such function here).
    await scriptsCase({}, "no LAMBDA_TASK_ROOT");
    const moved = `${dir}/moved`;
    await run(["cp", "-R", task, moved]);
    await scriptsCase({ LAMBDA_TASK_ROOT: moved }, "a copy of the task root");
    await scriptsCase({ LAMBDA_TASK_ROOT: task, GOPHERLESS_DENO_RUNNER: "/usr/bin/env" }, "runner");
    await Deno.remove(`${task}/${FUNCTION_CONFIG}`);
    await scriptsCase({ LAMBDA_TASK_ROOT: task }, "no function settings");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

arm64Test(
  "native bootstrap: the arm64 build starts Deno as the script would, under qemu-user",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-native-bootstrap-arm64-" });
    try {
      const task = await nativePackage(dir, "arm64");
      const runner = hostCpu() === "aarch64" ? [] : qemuRunner(findQemuUser("aarch64"));
      const env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128", DENO_V8_FLAGS: "--stack-size=900" };
      const native = await run([...runner, `${task}/bootstrap`], { ...env, DENO_DIR: `${dir}/a` });
      const script = await run([`${task}/${LAUNCHER_SCRIPT}`], { ...env, DENO_DIR: `${dir}/b` });
      assert.equal(native.code, 0, native.stderr);
      assert.deepEqual(
        native.stdout.replaceAll(`${dir}/a`, "DIR"),
        script.stdout.replaceAll(`${dir}/b`, "DIR"),
      );
      assert.equal(native.stdout.trim().split("\n").pop(), "shipped");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
