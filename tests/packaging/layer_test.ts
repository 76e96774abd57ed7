/**
 * `deno task build --layer` end to end, in Lambda's own layout: the layer unzipped on `/opt`, the
 * function on `/var/task`, both read-only, in a mount namespace of the test's own (`unshare
 * --mount`, as root: the paths the start-up cache is made for are Lambda's, nothing is built for
 * other roots), `/opt/bootstrap` started as Lambda starts a custom runtime from a layer. Answers
 * in both protocols, under our emulator and AWS's Runtime Interface Emulator; the start-up cache
 * taken as shipped; a function built for another layer refused with a clear init error. An arm64
 * pair, its cache made by the layer's arm64 deno under qemu-user, started the same way with that
 * deno run through qemu-user (one protocol per memory size, since an emulated start takes seconds).
 */
import assert from "node:assert/strict";
import { LocalFunction } from "../../emulator/mod.ts";
import { findQemuUser, hostCpu } from "../../ground/qemu.ts";
import { DENO_RUNNER_VARIABLE } from "../../protocol/launcher.ts";
import { elfMachine } from "../../packaging/targets.ts";
import { arm64Test } from "../_support/qemu.ts";
import { goTest } from "../_support/go.ts";
import { unzipInto } from "../_support/tools.ts";
import { layerSandbox } from "../_support/lambda_layout.ts";
import { underRie } from "../_support/rie.ts";
import { runBootstrap } from "./_mini_platform.ts";
import { codeCacheOf, readZip, repoPath, runCli } from "./_helpers.ts";
import {
  FUNCTION_CONFIG,
  FUNCTION_MANIFEST,
  functionManifest,
  LAUNCHER_CONFIG,
  LAUNCHER_SCRIPT,
  LAYER_MISMATCH_SCRIPT,
  layerConfig,
  layerLauncherScript,
} from "../../packaging/launcher.ts";
import { startHelper } from "../../packaging/start_helper.ts";
import { LAYER_MISMATCH_ERROR } from "../../packaging/layer_mismatch.ts";
import { GOPHERLESS_VERSION } from "../../packaging/layer.ts";

const FN = repoPath("tests/packaging/fixtures/fn.ts");

interface Built {
  dir: string;
  /** Holds `opt/` and `var/task/`, mounted on `/opt` and `/var` by `layerSandbox`. */
  root: string;
  report: {
    artifacts: {
      zip: string;
      zipBytes: number;
      files: { name: string }[];
      startCache: { taskRoot: string; modules: number; profile: string };
      layer: { id: string; zip: string; zipBytes: number; denoVersion: string };
    }[];
  };
}

let built: Promise<Built> | undefined;

/**
 * The fixture built with `--layer` (for Lambda's own roots) and unzipped under `<root>/opt` and
 * `<root>/var/task`, with the sandbox script that starts it as Lambda does.
 */
function buildOnce(): Promise<Built> {
  built ??= (async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-layer-" }));
    const r = await runCli([FN, "--layer", "--no-check", "--out", `${dir}/dist`]);
    if (r.code !== 0) throw new Error(`build failed:\n${r.stderr}`);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/dist/build.json`));
    const root = `${dir}/root`;
    await unzipInto(`${dir}/dist/x86_64/layer.zip`, `${root}/opt`);
    await unzipInto(`${dir}/dist/x86_64/function.zip`, `${root}/var/task`);
    return { dir, root, report };
  })();
  return built;
}

Deno.test({
  name: "layer: two zips, the runtime in one, the function's own code in the other",
  sanitizeResources: false,
  fn: async () => {
    const { dir, report } = await buildOnce();
    const a = report.artifacts[0];
    const layer = await readZip(a.layer.zip);
    assert.deepEqual(layer.map((e) => [e.name, e.mode.toString(8)]), [
      ["bootstrap", "100755"],
      [LAUNCHER_CONFIG, "100644"],
      [LAUNCHER_SCRIPT, "100755"],
      ["deno", "100755"],
      ["gopherless-start", "100755"],
      [LAYER_MISMATCH_SCRIPT, "100644"],
    ]);
    const fn = await readZip(a.zip);
    const names = fn.map((e) => e.name);
    assert.deepEqual(names.slice(0, 2), [FUNCTION_MANIFEST, FUNCTION_CONFIG]);
    assert.ok(names.includes("handler.js"));
    assert.ok(!names.includes("bootstrap") && !names.includes("deno"), `${names}`);
    // The start-up cache of the memory size it is built for (128 MB, the default); Node.js's
    // analysis database with no entries: every start opens it.
    assert.deepEqual(names.filter((n) => n.startsWith(".deno-cache/")), [
      ".deno-cache/dep_analysis_cache_v2",
      ".deno-cache/node_analysis_cache_v2",
      ".deno-cache/v8_code_cache_v2",
    ]);
    assert.ok(a.zipBytes < 1024 * 1024, `function zip ${a.zipBytes} B`);
    assert.ok(a.layer.zipBytes > 20 * 1024 * 1024, "the layer holds Deno");
    assert.match(
      a.layer.id,
      new RegExp(
        `^gopherless-${GOPHERLESS_VERSION.replaceAll(".", "_")}-deno-` +
          `${a.layer.denoVersion.replaceAll(".", "_")}-x86_64-[0-9a-f]{16}$`,
      ),
    );
    // The function names its layer; the layer's launcher is the one for that id.
    const manifest = await Deno.readTextFile(`${dir}/dist/x86_64/function/${FUNCTION_MANIFEST}`);
    assert.match(manifest, new RegExp(`^gopherless_layer='${a.layer.id}'$`, "m"));
    // The layer's `bootstrap` is the native launcher, naming the layer; the script beside it
    // is the one for that id; the function's settings name the layer and its memory size.
    const layerDir = `${dir}/dist/x86_64/layer`;
    assert.deepEqual(await Deno.readFile(`${layerDir}/bootstrap`), startHelper("x86_64"));
    assert.equal(
      await Deno.readTextFile(`${layerDir}/${LAUNCHER_CONFIG}`),
      `layer=${a.layer.id}\n`,
    );
    assert.equal(
      await Deno.readTextFile(`${layerDir}/${LAUNCHER_SCRIPT}`),
      layerLauncherScript(a.layer.id),
    );
    const settings = await Deno.readTextFile(`${dir}/dist/x86_64/function/${FUNCTION_CONFIG}`);
    assert.match(settings, /^memory=128$/m);
    assert.match(settings, /^root=\/var\/task$/m);
    assert.match(settings, new RegExp(`^layer=${a.layer.id}$`, "m"));
    assert.equal(a.startCache.taskRoot, "/var/task");
    assert.equal(a.startCache.profile, "small");
    assert.match(manifest, /^gopherless_cache_profile=small$/m);
  },
});

Deno.test({
  name:
    "layer: the same inputs give the same two zips, and another function (of another memory size) the same layer",
  sanitizeResources: false,
  fn: async () => {
    const { dir, report } = await buildOnce();
    const other = `${dir}/other`;
    const r = await runCli(
      [repoPath("examples/hello.ts"), "--layer", "--no-check", "--out", other, "--memory", "1024"],
      {
        TZ: "Asia/Tokyo",
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const again = `${dir}/again`;
    const r2 = await runCli([FN, "--layer", "--no-check", "--out", again]);
    assert.equal(r2.code, 0, r2.stderr);
    const a = report.artifacts[0];
    const sum = async (p: string) =>
      Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(p))),
      ).join(",");
    assert.equal(await sum(`${other}/x86_64/layer.zip`), await sum(a.layer.zip), "one layer");
    assert.equal(await sum(`${again}/x86_64/layer.zip`), await sum(a.layer.zip));
    assert.equal(await sum(`${again}/x86_64/function.zip`), await sum(a.zip), "reproducible");
    assert.notEqual(await sum(`${other}/x86_64/function.zip`), await sum(a.zip));
    // The other function's cache is its memory size's: the layer's launcher reads which.
    const manifest = await Deno.readTextFile(`${other}/x86_64/function/${FUNCTION_MANIFEST}`);
    assert.match(manifest, /^gopherless_cache_profile=default$/m);
    await Deno.remove(other, { recursive: true });
    await Deno.remove(again, { recursive: true });
  },
});

Deno.test({
  name: "layer: /opt/bootstrap runs the function read-only in both protocols, cache as shipped",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { dir, root } = await buildOnce();
    const start = await layerSandbox(root);
    // Lambda's /tmp exists; the DENO_DIR in it does not yet.
    await Deno.mkdir(`${dir}/tmp`, { recursive: true });
    // The 128 MB build's cache: taken at 128 MB; at 1024 MB (the other profile) the function
    // answers as well, without it.
    const shipped = await codeCacheOf(`${root}/var/task/.deno-cache`);
    assert.ok(shipped.size > 1);
    for (const [profile, memory] of [["small", "128"], ["large", "1024"]]) {
      const fresh = `${dir}/tmp/deno-${profile}`;
      const env = { DENO_DIR: fresh, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory };
      const run = await runBootstrap(start, root, [
        { id: "r1", body: JSON.stringify({ op: "hello", name: "Ada" }) },
        { id: "r2", body: JSON.stringify({ op: "where" }) },
        { id: "r3", body: JSON.stringify({ op: "fail", name: "x" }) },
      ], { env });
      const msg = `stderr:\n${run.stderr}`;
      assert.deepEqual(run.initErrors, [], msg);
      assert.doesNotMatch(run.stderr, /damaged or missing/);
      assert.equal(JSON.parse(run.answers.get("r1")?.body ?? "null")?.message, "Hello, Ada!", msg);
      const where = JSON.parse(run.answers.get("r2")?.body ?? "null");
      assert.equal(where.cwd, "/var/task");
      assert.equal(where.main, "file:///var/task/handler.js");
      assert.equal(run.answers.get("r3")?.errorType, "ValidationError");
      const fn = await LocalFunction.start({ bootstrap: start, cwd: root, protocol: "go1x", env });
      try {
        const ok = await fn.invoke({ op: "hello", name: "Ada" });
        assert.ok(ok.ok, profile);
        assert.equal(JSON.parse(new TextDecoder().decode(ok.payload)).message, "Hello, Ada!");
      } finally {
        await fn.close();
      }
      const made = await codeCacheOf(fresh);
      if (profile === "small") {
        // Deno took every shipped entry as it was, the runtime's chunks fully compiled included:
        // nothing recompiled, nothing rewritten.
        assert.deepEqual(made, shipped, profile);
      } else {
        // Not copied: Deno compiled what it loaded under its own flags.
        assert.ok(made.size > 1);
        for (const [specifier, data] of made) assert.notEqual(data, shipped.get(specifier));
      }
    }
  },
});

goTest(
  "layer: the function in the layer layout under AWS's Runtime Interface Emulator",
  async () => {
    const { dir, root } = await buildOnce();
    const start = await layerSandbox(root);
    await underRie(start, root, { DENO_DIR: `${dir}/tmp/deno-rie` }, async (invoke) => {
      assert.equal(JSON.parse(await invoke({ op: "hello", name: "Ada" })).message, "Hello, Ada!");
      const fail = JSON.parse(await invoke({ op: "fail", name: "x" }));
      assert.equal(fail.errorType, "ValidationError");
      assert.equal(fail.errorMessage, "bad input: x");
    });
  },
);

Deno.test({
  name: "layer: a function built for another layer, or for none, is refused at init, clearly",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { dir, root, report } = await buildOnce();
    const id = report.artifacts[0].layer.id;
    // Another gopherless (or Deno) makes a layer with another id: its launcher, as the build
    // would write it, in a copy of the layer.
    const otherRoot = `${dir}/other-root`;
    const cp = await new Deno.Command("cp", { args: ["-R", root, otherRoot] }).output();
    assert.ok(cp.success);
    const otherId = id.replace(/-[0-9a-f]{16}$/, "-0123456789abcdef");
    const layerIs = async (layer: string) => {
      await Deno.writeTextFile(`${otherRoot}/opt/${LAUNCHER_CONFIG}`, layerConfig(layer));
      await Deno.writeTextFile(`${otherRoot}/opt/${LAUNCHER_SCRIPT}`, layerLauncherScript(layer));
    };
    await layerIs(otherId);
    const start = await layerSandbox(otherRoot);
    const events = [{ id: "r1", body: JSON.stringify({ op: "hello", name: "Ada" }) }];
    const env = { DENO_DIR: `${dir}/tmp/deno-mismatch` };
    const run = await runBootstrap(start, otherRoot, events, { env, timeoutMs: 20_000 });
    assert.equal(run.answers.size, 0, "the function never ran");
    assert.equal(run.initErrors.length, 1, run.stderr);
    const doc = JSON.parse(run.initErrors[0]);
    assert.equal(doc.errorType, LAYER_MISMATCH_ERROR);
    assert.ok(doc.errorMessage.includes(`built for the gopherless runtime layer ${id}`), doc);
    assert.ok(doc.errorMessage.includes(`but layer ${otherId} started it`), doc);
    // go1.x has no init error call: the message on stderr, and the process exits.
    const go1x = await LocalFunction.start({
      bootstrap: start,
      cwd: otherRoot,
      protocol: "go1x",
      env,
    })
      .then(async (fn) => {
        try {
          return await fn.invoke({ op: "hello", name: "Ada" });
        } finally {
          await fn.close();
        }
      });
    assert.equal(go1x.ok, false);
    assert.equal(go1x.kind, "init");
    assert.match(go1x.logs ?? "", new RegExp(`built for the gopherless runtime layer ${id}`));

    // No manifest: a function zip that was not built for a layer at all.
    await layerIs(id);
    await Deno.remove(`${otherRoot}/var/task/${FUNCTION_MANIFEST}`);
    await Deno.remove(`${otherRoot}/var/task/${FUNCTION_CONFIG}`);
    const none = await runBootstrap(start, otherRoot, events, { env, timeoutMs: 20_000 });
    assert.equal(none.answers.size, 0);
    assert.match(none.initErrors[0] ?? "", /found no function built for a layer/, none.stderr);

    // A manifest of this layer for a function built elsewhere: its cache is not used.
    await Deno.writeTextFile(
      `${otherRoot}/var/task/${FUNCTION_MANIFEST}`,
      functionManifest({ layerId: id }),
    );
    const uncached = await runBootstrap(start, otherRoot, events, {
      env: { DENO_DIR: `${dir}/tmp/deno-uncached` },
    });
    assert.equal(
      JSON.parse(uncached.answers.get("r1")?.body ?? "null")?.message,
      "Hello, Ada!",
      uncached.stderr,
    );
  },
});

Deno.test({
  name: "layer: --layer refuses --runtime compiled",
  fn: async () => {
    const r = await runCli([FN, "--layer", "--runtime", "compiled"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--layer splits a --runtime deno package/);
  },
});

arm64Test(
  "layer: an arm64 pair, its cache made under qemu, runs read-only under qemu in both protocols",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-layer-arm64-" }));
    try {
      // The one slow step: the function's start-up cache made by the layer's arm64 deno.
      const r = await runCli([
        FN,
        "--layer",
        "--arch",
        "arm64",
        "--no-check",
        "--out",
        `${dir}/dist`,
        // A large function's (every V8 tier): tests/packaging/arm64_test.ts has a small one's.
        "--memory",
        "1024",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/dist/build.json`));
      const a = report.artifacts[0];
      assert.equal(a.arch, "arm64");
      assert.equal(a.startCache.profile, "default");
      assert.match(a.layer.id, /-arm64-[0-9a-f]{16}$/);
      assert.equal(a.startCache.taskRoot, "/var/task", JSON.stringify(a.startCache));
      assert.ok(a.zipBytes < 1024 * 1024, `function zip ${a.zipBytes} B`);
      const root = `${dir}/root`;
      await unzipInto(a.layer.zip, `${root}/opt`);
      await unzipInto(a.zip, `${root}/var/task`);
      const head = (await Deno.readFile(`${root}/opt/deno`)).subarray(0, 64);
      assert.equal(elfMachine(head), 183, "an arm64 Deno in the layer");
      // `/opt/bootstrap` is the arm64 native launcher, which this machine cannot exec; given a
      // runner it runs the script beside it (native_start_test.ts runs it under qemu), so the
      // sandbox starts that script.
      assert.equal(elfMachine((await Deno.readFile(`${root}/opt/bootstrap`)).subarray(0, 64)), 183);
      const start = await layerSandbox(root, `/opt/${LAUNCHER_SCRIPT}`);
      // What the emulator does for a package of the other architecture: the launcher runs its
      // deno through qemu-user (on an arm64 machine, directly).
      const qemu = hostCpu() === "aarch64" ? undefined : findQemuUser("aarch64");
      const emulate: Record<string, string> = qemu
        ? { [DENO_RUNNER_VARIABLE]: qemu.program, QEMU_LD_PREFIX: qemu.ldPrefix }
        : {};
      await Deno.mkdir(`${dir}/tmp`);
      const shipped = await codeCacheOf(`${root}/var/task/.deno-cache`);
      assert.ok(shipped.size > 1);
      // One protocol per memory size of the profile built for: an emulated start takes seconds.
      const cases = [["10240", "runtime-api"], ["1024", "go1x"]] as const;
      for (const [memory, protocol] of cases) {
        const fresh = `${dir}/tmp/deno-${memory}`;
        const fn = await LocalFunction.start({
          bootstrap: start,
          cwd: root,
          protocol,
          env: { ...emulate, DENO_DIR: fresh, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory },
          // qemu's own memory counts in the process's: no limit for the emulated run (the
          // emulator lifts it itself when it sees the foreign deno beside a bootstrap).
          memoryMb: qemu ? 10_240 : Number(memory),
          timeoutMs: 120_000,
          initTimeoutMs: 300_000,
        });
        try {
          const ok = await fn.invoke({ op: "hello", name: "Ada" });
          assert.ok(ok.ok, `${protocol}: ${ok.logs}`);
          assert.equal(JSON.parse(new TextDecoder().decode(ok.payload)).message, "Hello, Ada!");
          const where = await fn.invoke({ op: "where" });
          assert.ok(where.ok, `${protocol}: ${where.logs}`);
          const w = JSON.parse(new TextDecoder().decode(where.payload));
          assert.equal(w.main, "file:///var/task/handler.js");
          assert.equal(w.cwd, "/var/task");
        } finally {
          await fn.close();
        }
        // The arm64 deno took every shipped entry as it was: nothing recompiled or rewritten.
        assert.deepEqual(await codeCacheOf(fresh), shipped, `${memory} MB, ${protocol}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test({
  name: "layer: clean up the build",
  sanitizeResources: false,
  fn: async () => {
    if (built) await Deno.remove((await built).dir, { recursive: true });
  },
});
