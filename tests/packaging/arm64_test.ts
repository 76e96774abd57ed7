/**
 * arm64 `--runtime deno` packages, built and run on this machine as shipped: their `deno` runs
 * through qemu-user (`ground/qemu.ts`), both when the build makes the start-up cache and when the
 * emulator starts the package (`emulator/emulation.ts`). Each package is built once per test
 * process and shared: qemu is slow (an emulated start takes seconds).
 *
 * - `examples/echo.ts`, arm64, with its start-up cache made for the directory it is unzipped
 *   into: answers in both protocols, and the shipped cache is taken by the arm64 deno as it is,
 *   at two memory sizes of the profile it is built for (no entry rewritten);
 * - `examples/error.ts`, both architectures, without a cache: the arm64 package's error
 *   documents are the x86_64 package's, byte for byte, in both protocols.
 */
import assert from "node:assert/strict";
import { LocalFunction } from "../../emulator/mod.ts";
import { launcherScript } from "../../packaging/launcher.ts";
import { elfMachine, hostArch, TARGETS } from "../../packaging/targets.ts";
import { CODE_FLAGS } from "../../packaging/launcher.ts";
import { findQemuUser, hostCpu, qemuRunner } from "../../ground/qemu.ts";
import { arm64Test } from "../_support/qemu.ts";
import { unzipInto } from "../_support/tools.ts";
import { codeCacheOf, readZip, repoPath, runCli } from "./_helpers.ts";

const dec = new TextDecoder();
let root: Promise<string> | undefined;
/** The tests' directory, with `tmp/` (Lambda's `/tmp`: the launcher's DENO_DIR goes under it). */
const workDir = () =>
  root ??= (async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-arm64-" }));
    await Deno.mkdir(`${dir}/tmp`);
    return dir;
  })();

interface Built {
  /** The build's output directory. */
  dist: string;
  /** Where each architecture's package is unzipped. */
  task: Partial<Record<"x86_64" | "arm64", string>>;
  /** The build's progress lines. */
  stderr: string;
}

const builds = new Map<string, Promise<Built>>();

/** Builds `entry` once per test process with `args`, and unzips each package. */
function buildOnce(name: string, entry: string, args: string[]): Promise<Built> {
  let p = builds.get(name);
  if (!p) {
    p = (async () => {
      const dir = `${await workDir()}/${name}`;
      const dist = `${dir}/dist`;
      const task: Built["task"] = {};
      const arches = args.includes("both") ? ["x86_64", "arm64"] as const : ["arm64"] as const;
      // The arm64 package runs from the directory its start-up cache is made for.
      const r = await runCli([
        repoPath(entry),
        "--runtime",
        "deno",
        "--out",
        dist,
        "--no-check",
        "--task-root",
        `${dir}/arm64/var/task`,
        ...args,
      ]);
      if (r.code !== 0) throw new Error(`build of ${entry} failed:\n${r.stderr}`);
      for (const arch of arches) {
        task[arch] = `${dir}/${arch}/var/task`;
        await unzipInto(`${dist}/${arch}/bootstrap.zip`, task[arch]);
      }
      return { dist, task, stderr: r.stderr };
    })();
    builds.set(name, p);
  }
  return p;
}

const echoPackage = () => buildOnce("echo", "examples/echo.ts", ["--arch", "arm64"]);
const errorPackage = () =>
  buildOnce("error", "examples/error.ts", ["--arch", "both", "--no-start-cache"]);

/** Emulated starts take seconds: Lambda's 3 s default would time out the first invoke. */
const SLOW = { timeoutMs: 120_000, initTimeoutMs: 300_000 };

arm64Test(
  "arm64 package: this Deno's version, its start-up cache made by the arm64 deno",
  async () => {
    const { dist, task, stderr } = await echoPackage();
    const out = `${dist}/arm64`;
    assert.equal(elfMachine(await Deno.readFile(`${out}/deno`)), TARGETS.arm64.elfMachine);
    const report = JSON.parse(await Deno.readTextFile(`${dist}/build.json`));
    const a = report.artifacts[0];
    assert.equal(a.arch, "arm64");
    // The same Deno as the x86_64 package ships (this one's), and as made the bundle.
    assert.equal(a.denoVersion, Deno.version.deno);
    assert.match(
      stderr,
      new RegExp(`arm64: deno ${Deno.version.deno.replaceAll(".", "\\.")} from`),
    );
    assert.doesNotMatch(stderr, /its bundle was made by/);
    if (hostCpu() !== "aarch64") {
      const runner = qemuRunner(findQemuUser("aarch64"));
      assert.match(stderr, /arm64: making the start-up cache with the arm64 deno through \S*qemu/);
      const v = await new Deno.Command(runner[0], {
        args: [...runner.slice(1), `${out}/deno`, "--version"],
        stdout: "piped",
      }).output();
      assert.match(
        dec.decode(v.stdout),
        new RegExp(`^deno ${Deno.version.deno.replaceAll(".", "\\.")} .*aarch64-unknown-linux-gnu`),
      );
    }
    assert.equal(a.startCache.taskRoot, task.arm64);
    // Built for 128 MB, the default: the small profile's cache (layer_test.ts has a 1024 MB one).
    assert.equal(a.startCache.profile, "small");
    assert.deepEqual(a.startCache.v8Flags, CODE_FLAGS.small);
    const chunks = [...Deno.readDirSync(out)].filter((e) => /\.js$/.test(e.name)).length;
    assert.equal(a.startCache.modules, chunks, "handler.js and every chunk");
    // echo.ts imports nothing but the runtime: every chunk is the runtime's, fully compiled.
    assert.equal(a.startCache.eagerModules, chunks - 1);
    // The cache, as the package holds it; the launcher checks it before the copy.
    const startCacheFiles = [];
    const names = [...Deno.readDirSync(`${out}/.deno-cache`)].map((e) => e.name).sort();
    assert.ok(names.includes("v8_code_cache_v2"), `${names}`);
    for (const file of names) {
      const name = `.deno-cache/${file}`;
      startCacheFiles.push({ name, data: await Deno.readFile(`${out}/${name}`) });
    }
    assert.equal(
      await Deno.readTextFile(`${task.arm64}/bootstrap.sh`),
      launcherScript({ startCacheRoot: task.arm64, startCacheFiles }),
    );
    const zipped = (await readZip(`${out}/bootstrap.zip`)).map((e) => e.name);
    for (const f of startCacheFiles) assert.ok(zipped.includes(f.name), `${f.name}: ${zipped}`);
  },
);

arm64Test(
  "arm64 package: the shipped cache is taken as it is, at the sizes of its profile, in both protocols",
  async () => {
    const { task } = await echoPackage();
    const root = task.arm64!;
    const files = [...Deno.readDirSync(root)].filter((e) => e.name.endsWith(".js"));
    const shipped = await codeCacheOf(`${root}/.deno-cache`);
    assert.deepEqual(
      [...shipped.keys()].sort(),
      files.map((e) => `file://${root}/${e.name}`).sort(),
      "every module of the package, keyed for the task root",
    );
    // Two sizes of the small profile (their flags differ only in ones outside V8's flag hash);
    // one protocol each, since an emulated start takes seconds.
    const cases = [["small", 128, "runtime-api"], ["small-512", 512, "go1x"]] as const;
    for (const [profile, memoryMb, only] of cases) {
      // Lambda's fresh /tmp: the DENO_DIR does not exist yet.
      const denoDir = `${await workDir()}/tmp/deno-${profile}`;
      for (const protocol of [only]) {
        const fn = await LocalFunction.start({
          bootstrap: `${root}/bootstrap`,
          cwd: root,
          protocol,
          memoryMb,
          env: { DENO_DIR: denoDir },
          ...SLOW,
        });
        try {
          assert.equal(fn.emulation?.cpu, hostCpu() === "aarch64" ? undefined : "aarch64");
          const event = { profile, protocol, list: [1, "two", { three: null }], text: "<&>é" };
          const r = await fn.invoke(event);
          assert.ok(r.ok, `${profile} ${protocol}: ${dec.decode(r.payload)}\n${r.logs}`);
          assert.deepEqual(JSON.parse(dec.decode(r.payload)), event);
        } finally {
          await fn.close();
        }
      }
      // The arm64 deno found every entry valid, the fully compiled ones too: nothing recompiled,
      // nothing rewritten.
      assert.deepEqual(await codeCacheOf(denoDir), shipped, profile);
    }
  },
);

arm64Test(
  "arm64 package: its error documents are the x86_64 package's, in both protocols",
  async () => {
    const { task } = await errorPackage();
    const event = { email: "not-an-address" };
    for (const protocol of ["runtime-api", "go1x"] as const) {
      const docs: Record<string, string> = {};
      for (const arch of ["x86_64", "arm64"] as const) {
        const fn = await LocalFunction.start({
          bootstrap: `${task[arch]}/bootstrap`,
          cwd: task[arch],
          protocol,
          env: { DENO_DIR: `${await workDir()}/tmp/deno-error-${arch}-${protocol}` },
          ...SLOW,
        });
        try {
          const r = await fn.invoke(event);
          assert.equal(r.ok, false, `${arch} ${protocol}`);
          if (r.ok) return;
          assert.equal(r.kind, "function", `${arch} ${protocol}: ${r.logs}`);
          assert.equal(r.error.errorType, "ValidationError");
          assert.equal(r.error.errorMessage, 'invalid email address: "not-an-address"');
          docs[arch] = dec.decode(r.payload);
        } finally {
          await fn.close();
        }
      }
      assert.equal(docs.arm64, docs.x86_64, protocol);
      // The frames are the handler's own, mapped back through the bundle's source map.
      const trace = JSON.parse(docs.arm64).stackTrace ?? JSON.parse(docs.arm64).trace;
      assert.ok(
        JSON.stringify(trace).includes("examples/error.ts"),
        `${protocol}: ${docs.arm64}`,
      );
    }
  },
);

arm64Test("arm64 package: deno task invoke runs it through qemu-user", async () => {
  const { task } = await echoPackage();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      repoPath("emulator/cli.ts"),
      "invoke",
      `${task.arm64}/bootstrap`,
      "-",
      "--protocol",
      "go1x",
      "--timeout",
      "120",
      "--env",
      `DENO_DIR=${await workDir()}/tmp/deno-cli`,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode('{"from":"the command line"}'));
  await w.close();
  const out = await child.output();
  const stderr = dec.decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(dec.decode(out.stdout), '{"from":"the command line"}\n');
  if (hostCpu() !== "aarch64") {
    assert.match(stderr, /the function is built for arm64: it runs through \S*qemu-aarch64/);
  }
  assert.match(stderr, /REPORT RequestId: /);
});

Deno.test({
  name: "arm64 package: without qemu-user the build ships no cache and says how to get one",
  ignore: hostArch() !== "x86_64",
  sanitizeResources: false,
  fn: async () => {
    const dir = `${await workDir()}/no-qemu`;
    const common = [
      repoPath("examples/echo.ts"),
      "--runtime",
      "deno",
      "--arch",
      "arm64",
      "--no-check",
      "--out",
      dir,
    ];
    // Only the directory of this deno on PATH: no qemu-aarch64 anywhere.
    const path = Deno.execPath().slice(0, Deno.execPath().lastIndexOf("/"));
    const r = await runCli(common, { PATH: path, QEMU_LD_PREFIX: "" });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /arm64: no start-up cache: the arm64 deno cannot run on this machine to make it: no qemu-user for arm64 on PATH \(qemu-aarch64-static or qemu-aarch64\): install it with `apt-get install qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross libstdc\+\+6-arm64-cross`/,
    );
    assert.equal(await Deno.readTextFile(`${dir}/arm64/bootstrap`), launcherScript());
    const report = JSON.parse(await Deno.readTextFile(`${dir}/build.json`));
    assert.match(report.artifacts[0].startCache.skipped, /no qemu-user for arm64/);
    // A qemu named on the command line that is not there fails the build instead.
    const bad = await runCli([...common, "--qemu", `${dir}/no-such-qemu`]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /--qemu: qemu-user \S+no-such-qemu is not an executable file/);
  },
});

Deno.test({
  name: "arm64 package: clean up the builds",
  sanitizeResources: false,
  fn: async () => {
    if (root) await Deno.remove(await root, { recursive: true });
  },
});
