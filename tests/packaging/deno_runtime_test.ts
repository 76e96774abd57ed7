/**
 * `--runtime deno` end to end: build the fixture, unzip the package into a task directory as
 * Lambda does, start its `bootstrap` there in each protocol, invoke, check the answers.
 *
 * Runtime API: a local platform (`_mini_platform.ts`, or the emulator once it is in the tree).
 * go1.x: the emulator when present, else Go's own net/rpc client (`tests/go/cmd/go1xhost`).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { goTest } from "../_support/go.ts";
import { buildGo } from "../_support/go.ts";
import { elfMachine } from "../../packaging/targets.ts";
import { CODE_FLAGS, launcherConfig, launcherScript } from "../../packaging/launcher.ts";
import { startHelper } from "../../packaging/start_helper.ts";
import { runBootstrap } from "./_mini_platform.ts";
import { LocalFunction } from "../../emulator/mod.ts";
import { buildDenoPackage, codeCacheOf, readZip, repoPath } from "./_helpers.ts";

const FN = repoPath("tests/packaging/fixtures/fn.ts");

/** A build of the fixture, unzipped. */
type Built = { dir: string; task: string; stderr: string };

const built = new Map<number | undefined, Promise<Built>>();

/**
 * Builds and unzips the fixture once per test process and memory size (`--memory`; none: the
 * default, 128 MB).
 */
function buildOnce(memoryMb?: number): Promise<Built> {
  const made = built.get(memoryMb) ?? (async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-deno-runtime-" }));
    const task = `${dir}/var/task`;
    // The start-up cache is made for the directory the package is unzipped into, as a real
    // build makes it for /var/task.
    const stderr = await buildDenoPackage(
      FN,
      dir,
      task,
      memoryMb === undefined ? [] : ["--memory", String(memoryMb)],
    );
    return { dir, task, stderr };
  })();
  built.set(memoryMb, made);
  return made;
}

/** The sources a bundle file's source map names. */
async function sourcesOf(file: string): Promise<string[]> {
  return (JSON.parse(await Deno.readTextFile(`${file}.map`)) as { sources: string[] }).sources;
}

/** `name` and the files it imports statically (`from"./x.js"`), transitively; not `import()`. */
async function staticallyLoaded(dir: string, name: string): Promise<string[]> {
  const seen = [name];
  for (let i = 0; i < seen.length; i++) {
    const text = await Deno.readTextFile(`${dir}/${seen[i]}`);
    for (const m of text.matchAll(/(?:from|import)\s*"\.\/([^"]+)"/g)) {
      if (!seen.includes(m[1])) seen.push(m[1]);
    }
  }
  return seen;
}

Deno.test({
  name: "deno runtime: layout, zip modes and sizes",
  sanitizeResources: false,
  fn: async () => {
    const { dir, task, stderr } = await buildOnce();
    const out = `${dir}/dist/x86_64`;
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    const chunks = names.filter((n) => n.endsWith(".js") && n !== "handler.js");
    assert.deepEqual(
      names,
      [
        ".deno-cache",
        "bootstrap",
        "bootstrap.conf",
        "bootstrap.sh",
        "bootstrap.zip",
        ...chunks.flatMap((c) => [c, `${c}.map`]),
        "deno",
        "gopherless-start",
        "handler.js",
        "handler.js.map",
      ].sort(),
    );
    // The launcher has gopherless-start check the shipped cache against the files built.
    const startCacheFiles = [];
    for (const file of ["dep_analysis_cache_v2", "node_analysis_cache_v2", "v8_code_cache_v2"]) {
      const name = `.deno-cache/${file}`;
      startCacheFiles.push({ name, data: await Deno.readFile(`${out}/${name}`) });
    }
    // `bootstrap` is the native launcher, the script beside it for every case but the plain one.
    assert.deepEqual(await Deno.readFile(`${out}/bootstrap`), startHelper("x86_64"));
    assert.equal(
      await Deno.readTextFile(`${out}/bootstrap.sh`),
      launcherScript({ startCacheRoot: task, startCacheFiles }),
    );
    assert.equal(
      await Deno.readTextFile(`${out}/bootstrap.conf`),
      launcherConfig({ memoryMb: 128, startCacheRoot: task, startCacheFiles }),
    );
    const zip = await readZip(`${out}/bootstrap.zip`);
    assert.deepEqual(zip.map((e) => [e.name, e.mode.toString(8)]), [
      ["bootstrap", "100755"],
      ["bootstrap.conf", "100644"],
      ["bootstrap.sh", "100755"],
      ["deno", "100755"],
      ["gopherless-start", "100755"],
      ["handler.js", "100644"],
      ["handler.js.map", "100644"],
      ...chunks.flatMap((c) => [[c, "100644"], [`${c}.map`, "100644"]]),
      // One cache, for every memory size. No CommonJS in the fixture: no entry in Node.js's
      // analysis cache, whose database ships all the same (every start opens it).
      [".deno-cache/dep_analysis_cache_v2", "100644"],
      [".deno-cache/node_analysis_cache_v2", "100644"],
      [".deno-cache/v8_code_cache_v2", "100644"],
    ]);
    // Code split: the go1.x protocol (gob, net/rpc) and the fixture's lazily imported module
    // are chunks of their own, and neither is in what handler.js imports statically.
    const inChunks = await Promise.all(chunks.map((c) => sourcesOf(`${out}/${c}`)));
    const chunkOf = (source: string) => chunks.find((_, i) => inChunks[i].includes(source));
    assert.ok(chunkOf("runtime/go1x.ts"), `no chunk holds runtime/go1x.ts: ${inChunks}`);
    assert.ok(chunkOf("gob/_decode_core.ts"), "gob is in a chunk");
    assert.ok(chunkOf("tests/packaging/fixtures/lazy.ts"), "the lazy module is in a chunk");
    const loaded = await staticallyLoaded(out, "handler.js");
    const atStart = (await Promise.all(loaded.map((f) => sourcesOf(`${out}/${f}`)))).flat();
    assert.ok(atStart.includes("runtime/start.ts"), `${atStart}`);
    assert.deepEqual(
      atStart.filter((s) => /^(gob|rpc)\/|go1x|fixtures\/lazy/.test(s)),
      [],
      `loaded at start: ${loaded}`,
    );
    // A go1.x start loads the go1.x chunk and what it imports: no JSON-RPC codec, no HTTP
    // CONNECT, no Runtime API client (each is a chunk of its own, loaded when asked for). The
    // protocol's shared constants (`protocol/runtime_api.ts`) are no client.
    const go1x = chunkOf("runtime/go1x.ts")!;
    const go1xLoads = await staticallyLoaded(out, go1x);
    const atGo1x = (await Promise.all(go1xLoads.map((f) => sourcesOf(`${out}/${f}`)))).flat();
    assert.ok(atGo1x.includes("rpc/gob_codec.ts"), `${atGo1x}`);
    assert.deepEqual(
      atGo1x.filter((s) =>
        /^rpc\/(jsonrpc|typed_json|http)\.ts|http1\.ts|^runtime\/runtime_api(_client)?\.ts/.test(s)
      ),
      [],
      `loaded by the go1.x chunk: ${go1xLoads}`,
    );
    // It decodes into descriptors only: the typed plans, not the schemaless (plain) plans, their
    // zero values of wire types, or the JSON rendering `gob dump` uses.
    assert.ok(atGo1x.includes("gob/_decode_typed.ts"), `${atGo1x}`);
    assert.deepEqual(
      atGo1x.filter((s) =>
        /^gob\/(_decode_plain|_decode_zero_wire|_decode_json|_go_source)\.ts/.test(s)
      ),
      [],
      `schemaless decoding loaded by the go1.x chunk: ${go1xLoads}`,
    );
    const head = (await Deno.readFile(`${out}/deno`)).subarray(0, 64);
    assert.equal(elfMachine(head), 62, "an x86_64 Deno");
    const report = JSON.parse(await Deno.readTextFile(`${dir}/dist/build.json`));
    const a = report.artifacts[0];
    assert.equal(a.zipBytes, (await Deno.stat(`${out}/bootstrap.zip`)).size);
    assert.ok(a.zipWithinDirectUpload, `zip ${a.zipBytes} B is over 50 MB`);
    assert.ok(a.unzippedWithinLimit);
    assert.equal(a.startCache.taskRoot, task);
    assert.equal(a.startCache.modules, chunks.length + 1, "handler.js and every chunk");
    // Built for 128 MB, Lambda's default: the small profile's cache.
    assert.equal(a.startCache.memoryMb, 128);
    assert.equal(a.startCache.profile, "small");
    assert.deepEqual(a.startCache.v8Flags, CODE_FLAGS.small);
    // The runtime's own chunks are cached with every function compiled; the fixture's are not.
    const runtimeOnly = chunks.filter((_, i) =>
      inChunks[i].every((s) => /^(gob|rpc|runtime|http|ground|protocol)\//.test(s))
    );
    assert.ok(runtimeOnly.includes(go1x), `${runtimeOnly}`);
    assert.ok(!runtimeOnly.includes(chunkOf("tests/packaging/fixtures/lazy.ts")!));
    assert.equal(a.startCache.eagerModules, runtimeOnly.length);
    assert.match(stderr, /x86_64: deno \S+ from (cache|installed|npm)/);
  },
});

Deno.test({
  name: "deno runtime: the unzipped bootstrap serves the Runtime API from its task directory",
  sanitizeResources: false,
  fn: async () => {
    const { task } = await buildOnce();
    const run = await runBootstrap(`${task}/bootstrap`, task, [
      { id: "r1", body: JSON.stringify({ op: "hello", name: "Ada" }) },
      { id: "r2", body: JSON.stringify({ op: "where" }) },
      { id: "r3", body: JSON.stringify({ op: "fail", name: "x" }) },
      { id: "r4", body: JSON.stringify({ op: "lazy-fail", name: "y" }) },
    ], { env: { DENO_DIR: `${task}/../../tmp/deno` } });
    const msg = `stderr:\n${run.stderr}`;
    assert.deepEqual(run.initErrors, [], msg);
    assert.deepEqual(JSON.parse(run.answers.get("r1")?.body ?? "null"), {
      message: "Hello, Ada!",
      requestId: "r1",
    }, msg);
    const where = JSON.parse(run.answers.get("r2")?.body ?? "null");
    assert.equal(where.cwd, task);
    assert.equal(where.main, `file://${task}/handler.js`);
    assert.equal(where.deno, Deno.version.deno);
    const fail = run.answers.get("r3");
    assert.equal(fail?.kind, "error");
    assert.equal(fail?.errorType, "ValidationError", "the bundle keeps class names");
    const doc = JSON.parse(fail!.body);
    assert.equal(doc.errorMessage, "bad input: x");
    // The bundle's frame is mapped back to the fixture's own line through handler.js.map, and
    // no frame of the runtime is reported.
    assert.deepEqual(doc.trace, [
      "Error: bad input: x",
      "    at handler (tests/packaging/fixtures/fn.ts:34:13)",
    ]);
    // A frame in a chunk is mapped through that chunk's own map.
    const lazy = run.answers.get("r4");
    assert.equal(lazy?.errorType, "RangeError", msg);
    assert.deepEqual(JSON.parse(lazy!.body).trace.slice(0, 2), [
      "RangeError: lazy failure: y",
      "    at Module.failLater (tests/packaging/fixtures/lazy.ts:10:9)",
    ]);
    console.log(
      `--runtime deno start-up (spawn → first /next, cold DENO_DIR): ${
        run.startupMs.toFixed(0)
      } ms`,
    );
  },
});

goTest("deno runtime: the unzipped bootstrap serves go1.x (Go's net/rpc client)", async () => {
  const { task } = await buildOnce();
  const host = await buildGo("cmd/go1xhost");
  const out = await new Deno.Command(host, {
    args: ["-scenario", "basic", "--", "sh", "-c", `cd '${task}' && exec ./bootstrap`],
    env: { DENO_DIR: `${task}/../../tmp/deno` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const report = JSON.parse(text) as {
    startupMs: number;
    calls: { name: string; payload?: string; error?: { message: string; type: string } }[];
  };
  const call = (name: string) => report.calls.find((c) => c.name === name);
  assert.deepEqual(JSON.parse(call("echo")?.payload ?? "null"), { a: 1, html: "<&>" }, text);
  assert.equal(call("nil")?.payload, "null", text);
  assert.deepEqual(JSON.parse(call("echo2")?.payload ?? "null"), [1, 2, 3], text);
  assert.equal(call("error")?.error?.type, "Error", text);
  console.log(`--runtime deno go1.x start-up (spawn → Ping answered): ${report.startupMs} ms`);
});

Deno.test({
  name: "deno runtime: both protocols under the emulator",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { task } = await buildOnce();
    for (const protocol of ["runtime-api", "go1x"] as const) {
      const fn = await LocalFunction.start({
        bootstrap: `${task}/bootstrap`,
        cwd: task,
        protocol,
        env: { DENO_DIR: `${task}/../../tmp/deno` },
      });
      try {
        const ok = await fn.invoke({ op: "hello", name: "Ada" });
        assert.ok(ok.ok, protocol);
        assert.equal(
          JSON.parse(new TextDecoder().decode(ok.payload)).message,
          "Hello, Ada!",
          protocol,
        );
        const bad = await fn.invoke({ op: "fail", name: "x" });
        assert.equal(bad.ok, false, protocol);
        assert.equal(bad.error?.errorType, "ValidationError", protocol);
      } finally {
        await fn.close();
      }
    }
  },
});

/**
 * Starts the package at `task` with a fresh `DENO_DIR` at `memory` MB ("": unset), in both
 * protocols (the go1.x host loads the go1.x server's chunks), and checks its answers; returns
 * the code cache Deno left.
 */
async function coldStart(
  dir: string,
  task: string,
  memory: string,
  what: string,
): Promise<Map<string, string>> {
  const invokes = [{ id: "r1", body: JSON.stringify({ op: "hello", name: "Ada" }) }];
  // Lambda's /tmp, and in it no DENO_DIR yet.
  await Deno.mkdir(`${dir}/tmp`, { recursive: true });
  const fresh = `${dir}/tmp/deno-fresh-${what}`;
  const run = await runBootstrap(`${task}/bootstrap`, task, invokes, {
    env: { DENO_DIR: fresh, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory },
  });
  const answer = run.answers.get("r1");
  assert.equal(answer?.kind, "response", `${what}: ${run.stderr}`);
  assert.equal(JSON.parse(answer.body).message, "Hello, Ada!", what);
  assert.ok(!/start-up cache/.test(run.stderr), run.stderr);
  const fn = await LocalFunction.start({
    bootstrap: `${task}/bootstrap`,
    cwd: task,
    protocol: "go1x",
    env: { DENO_DIR: fresh, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory },
  });
  try {
    assert.ok((await fn.invoke({ op: "hello", name: "Ada" })).ok, what);
  } finally {
    await fn.close();
  }
  return await codeCacheOf(fresh);
}

Deno.test({
  name:
    "deno runtime: a 1024 MB build ships the full tiers' cache, taken as is at 1024 MB; a 128 MB build's at 128",
  sanitizeResources: false,
  fn: async () => {
    const small = await buildOnce();
    const large = await buildOnce(1024);
    const report = JSON.parse(await Deno.readTextFile(`${large.dir}/dist/build.json`));
    const a = report.artifacts[0];
    assert.equal(a.startCache.memoryMb, 1024);
    assert.equal(a.startCache.profile, "default");
    assert.deepEqual(a.startCache.v8Flags, CODE_FLAGS.default, "no --max-opt");
    assert.match(
      large.stderr,
      new RegExp(`1024 MB, default profile: V8 flags ${CODE_FLAGS.default.join(" ")}`),
    );
    // Each build's cache is taken as it is (nothing recompiled, nothing rewritten) at the sizes
    // of its profile: the 1024 MB build's under every tier, as with no memory size set.
    const cases = [
      [small, "128", "small-128"],
      [small, "512", "small-512"],
      [large, "1024", "large-1024"],
      [large, "10240", "large-10240"],
      [large, "", "large-unset"],
    ] as const;
    for (const [{ dir, task }, memory, what] of cases) {
      const shipped = await codeCacheOf(`${task}/.deno-cache`);
      assert.ok(shipped.size > 1, what);
      assert.deepEqual(await coldStart(dir, task, memory, what), shipped, what);
    }
  },
});

Deno.test({
  name:
    "deno runtime: started at a size of the other profile, it answers without the shipped cache",
  sanitizeResources: false,
  fn: async () => {
    const small = await buildOnce();
    const large = await buildOnce(1024);
    const cases = [[small, "1024", "small-at-1024"], [large, "128", "large-at-128"]] as const;
    for (const [{ dir, task }, memory, what] of cases) {
      const shipped = await codeCacheOf(`${task}/.deno-cache`);
      const made = await coldStart(dir, task, memory, what);
      // Deno compiled what it loaded under its own flags: none of the shipped entries.
      assert.ok(made.size > 1, what);
      for (const [specifier, data] of made) {
        assert.ok(shipped.has(specifier), `${what}: ${specifier}`);
        assert.notDeepEqual(data, shipped.get(specifier), `${what}: ${specifier}`);
      }
    }
  },
});

Deno.test({
  name: "deno runtime: a cold start at the task root starts from the shipped cache, elsewhere not",
  sanitizeResources: false,
  fn: async () => {
    const { dir, task } = await buildOnce();
    const files = [...Deno.readDirSync(task)].filter((e) => e.name.endsWith(".js"));
    const invokes = [{ id: "r1", body: JSON.stringify({ op: "hello", name: "Ada" }) }];
    // The cache of the default build, 128 MB.
    const shipped = await codeCacheOf(`${task}/.deno-cache`);
    for (const [profile, memory] of [["small", "128"]]) {
      assert.deepEqual(
        [...shipped.keys()].sort(),
        files.map((e) => `file://${task}/${e.name}`).sort(),
        "every module of the package, keyed for the task root",
      );
      // Deno found every entry valid, those fully compiled too: nothing recompiled, nothing
      // rewritten.
      assert.deepEqual(await coldStart(dir, task, memory, profile), shipped, profile);
    }

    // The same package in another directory: the launcher does not copy the cache (its keys
    // would not match), Deno makes its own.
    const elsewhere = `${dir}/elsewhere`;
    const cp = await new Deno.Command("cp", { args: ["-R", task, elsewhere] }).output();
    assert.ok(cp.success);
    const other = `${dir}/tmp/deno-elsewhere`;
    const run2 = await runBootstrap(`${elsewhere}/bootstrap`, elsewhere, invokes, {
      env: { DENO_DIR: other },
    });
    assert.ok(run2.answers.get("r1"), run2.stderr);
    const made = [...(await codeCacheOf(other)).keys()];
    assert.ok(
      made.length > 0 && made.every((s) => s.startsWith(`file://${elsewhere}/`)),
      `${made}`,
    );
  },
});

Deno.test({
  name:
    "deno runtime: a concurrent start's worker isolates compile nothing the shipped cache could hold",
  sanitizeResources: false,
  fn: async () => {
    // A small function (1 MB semi-spaces) and a large one (a Managed Instances size), each
    // started from a build of its profile (128 and 1024 MB).
    const cases = [["small", 512, undefined], ["large", 2048, 1024]] as const;
    for (const [profile, memoryMb, builtFor] of cases) {
      const { dir, task } = await buildOnce(builtFor);
      const shipped = await codeCacheOf(`${task}/.deno-cache`, true);
      // Lambda's /tmp, and in it no DENO_DIR yet.
      await Deno.mkdir(`${dir}/tmp`, { recursive: true });
      const fresh = `${dir}/tmp/deno-concurrent-${profile}`;
      const fn = await LocalFunction.start({
        bootstrap: `${task}/bootstrap`,
        cwd: task,
        perEnvironmentMaxConcurrency: 8,
        memoryMb,
        env: { DENO_DIR: fresh, GOPHERLESS_WORKER_COUNT: "2" },
      });
      try {
        // Eight at once over two isolates: the worker serves them (handlers that return at once
        // leave it nothing waiting to begin, so the main isolate only hands them out).
        const isolates = new Set<string>();
        for (let i = 0; i < 10 && !isolates.has("gopherless-worker-1"); i++) {
          const batch = await Promise.all(
            Array.from({ length: 8 }, () => fn.invoke({ op: "where" })),
          );
          for (const r of batch) {
            assert.ok(r.ok, JSON.stringify(r));
            isolates.add(JSON.parse(new TextDecoder().decode(r.payload)).isolate);
          }
        }
        assert.ok(isolates.has("gopherless-worker-1"), profile);
      } finally {
        await fn.close();
      }
      // Every entry, Deno's own modules' included (its Node.js worker bootstrap loads some the
      // main isolate never does): taken as shipped, none rewritten, none added.
      assert.deepEqual(await codeCacheOf(fresh, true), shipped, profile);
    }
  },
});

/** `data` with one bit flipped at `offset` (a negative one counts from the end). */
function flipped(data: Uint8Array, offset: number): Uint8Array {
  const out = data.slice();
  out[offset < 0 ? out.length + offset : offset] ^= 0x10;
  return out;
}

Deno.test({
  name: "deno runtime: a damaged start-up cache is left out: the function answers, only slower",
  sanitizeResources: false,
  fn: async () => {
    const { dir, task } = await buildOnce();
    const path = `${task}/.deno-cache/v8_code_cache_v2`;
    const original = await Deno.readFile(path);
    const invokes = [{ id: "r1", body: JSON.stringify({ op: "hello", name: "Ada" }) }];
    const env = (denoDir: string) => ({
      DENO_DIR: denoDir,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    });
    // A launcher without the build's checksums, to show that the damage is one Deno does not
    // survive (a panic, a segmentation fault or libc++'s assertion, by where the bit is).
    await Deno.writeTextFile(
      `${task}/bootstrap-unchecked`,
      launcherScript({ startCacheRoot: task }),
      {
        mode: 0o755,
      },
    );
    try {
      // One bit of handler.js's code cache payload (past V8's 32-byte header, which V8 checks).
      for (const offset of [40, 100]) {
        const copy = `${dir}/damaged.db`;
        await Deno.writeFile(copy, original);
        const db = new DatabaseSync(copy);
        try {
          const url = `file://${task}/handler.js`;
          const row = db.prepare("SELECT data FROM codecache WHERE specifier = ?").get(url) as {
            data: Uint8Array;
          };
          db.prepare("UPDATE codecache SET data = ? WHERE specifier = ?")
            .run(flipped(row.data, offset), url);
        } finally {
          db.close();
        }
        await Deno.writeFile(path, await Deno.readFile(copy));
        await Deno.remove(copy);

        const run = await runBootstrap(`${task}/bootstrap`, task, invokes, {
          env: env(`${dir}/tmp/deno-damaged-${offset}`),
        });
        assert.equal(
          JSON.parse(run.answers.get("r1")?.body ?? "null")?.message,
          "Hello, Ada!",
          run.stderr,
        );
        assert.match(run.stderr, /start-up cache in .* is damaged or missing; starting without it/);

        const unchecked = await runBootstrap(`${task}/bootstrap-unchecked`, task, invokes, {
          env: env(`${dir}/tmp/deno-unchecked-${offset}`),
          timeoutMs: 15_000,
        });
        assert.equal(unchecked.answers.get("r1"), undefined, `offset ${offset}: Deno survived it`);
      }
    } finally {
      await Deno.writeFile(path, original);
      await Deno.remove(`${task}/bootstrap-unchecked`);
    }
  },
});

Deno.test({
  name: "deno runtime: a start-up cache copy cut short is one Deno survives: the function answers",
  sanitizeResources: false,
  fn: async () => {
    const { dir, task } = await buildOnce();
    const cache = `${task}/.deno-cache`;
    const code = await Deno.readFile(`${cache}/v8_code_cache_v2`);
    const invokes = [{ id: "r1", body: JSON.stringify({ op: "hello", name: "Ada" }) }];
    // The launcher copies the files in turn, the code cache last, each from its start: a start
    // killed while it copied the code cache (Lambda ends an init that takes too long) leaves that
    // file cut short, and the next start in the same /tmp sees it and copies nothing. The launcher
    // relies on Deno surviving it (a marker or a rename would cost a process more).
    for (const length of [4096, Math.floor(code.length / 2) + 1]) {
      const denoDir = `${dir}/tmp/deno-cut-${length}`;
      await Deno.mkdir(denoDir, { recursive: true });
      for (const name of ["dep_analysis_cache_v2", "node_analysis_cache_v2"]) {
        await Deno.copyFile(`${cache}/${name}`, `${denoDir}/${name}`);
      }
      await Deno.writeFile(`${denoDir}/v8_code_cache_v2`, code.subarray(0, length));
      const run = await runBootstrap(`${task}/bootstrap`, task, invokes, {
        env: { DENO_DIR: denoDir, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128" },
        timeoutMs: 15_000,
      });
      assert.equal(
        JSON.parse(run.answers.get("r1")?.body ?? "null")?.message,
        "Hello, Ada!",
        `cut at ${length} bytes: ${run.stderr}`,
      );
      assert.doesNotMatch(run.stderr, /start-up cache/);
    }
  },
});

Deno.test({
  name: "deno runtime: clean up the build",
  sanitizeResources: false,
  fn: async () => {
    for (const b of built.values()) await Deno.remove((await b).dir, { recursive: true });
  },
});
