/**
 * The start-up cache: made by loading the package's modules without running them, keyed for the
 * task root, and shipped even when a module with top-level `await` is refused what it reaches for.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { nodeBuiltins, primeStartCache, StartCacheError } from "../../packaging/start_cache.ts";
import { CODE_FLAGS, codeProfile, SMALL_GC_FLAGS, v8Flags } from "../../packaging/launcher.ts";
import { flagHashOf } from "../../packaging/v8_code_cache.ts";

/** The specifiers of one table of a database made by primeStartCache (`all`: not only files). */
function specifiers(data: Uint8Array, table: string, dir: string, all = false): string[] {
  const path = `${dir}/db-${table}`;
  Deno.writeFileSync(path, data);
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare(`SELECT specifier FROM ${table} ORDER BY specifier`).all() as {
      specifier: string;
    }[];
    return rows.map((r) => r.specifier).filter((s) => all || s.startsWith("file:"));
  } finally {
    db.close();
  }
}

Deno.test("primeStartCache: caches every module for the task root and runs none of them", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    // A module that never finishes if it runs (no permission is needed to loop), and one it
    // imports.
    await Deno.writeTextFile(
      `${dir}/handler.js`,
      `import { part } from "./chunk.js";\nconsole.log(part);\nfor (;;);\n`,
    );
    await Deno.writeTextFile(`${dir}/chunk.js`, `export const part = "x";\nfor (;;);\n`);
    const cache = await primeStartCache({
      deno: Deno.execPath(),
      dir,
      modules: ["handler.js", "chunk.js"],
      taskRoot: "/var/task",
      timeoutMs: 20_000,
    });
    assert.equal(cache.warning, undefined, "a clean run: nothing looped");
    assert.equal(cache.modules, 2);
    const names = cache.files.map((f) => f.name).sort();
    // Nothing for Node.js's CommonJS analysis to cache, and its database ships all the same:
    // every start opens it, and makes it anew (with fsyncs) when it is missing.
    assert.deepEqual(names, [
      "dep_analysis_cache_v2",
      "node_analysis_cache_v2",
      "v8_code_cache_v2",
    ]);
    const node = cache.files.find((f) => f.name === "node_analysis_cache_v2")!.data;
    assert.deepEqual(specifiers(node, "cjsanalysiscache", dir, true), []);
    const code = cache.files.find((f) => f.name === "v8_code_cache_v2")!.data;
    const analysis = cache.files.find((f) => f.name === "dep_analysis_cache_v2")!.data;
    const want = ["file:///var/task/chunk.js", "file:///var/task/handler.js"];
    assert.deepEqual(specifiers(code, "codecache", dir), want);
    assert.deepEqual(specifiers(analysis, "moduleinfocache", dir), want);
    // As Deno leaves them, so that a cold start writes nothing to them (no journal, no fsync):
    // in write-ahead-log mode (the header's read and write versions are 2), and analysed (what
    // Deno's `PRAGMA optimize` does to a table with no statistics).
    for (const f of cache.files) {
      assert.deepEqual([f.data[18], f.data[19]], [2, 2], f.name);
      const path = `${dir}/analysed-${f.name}`;
      Deno.writeFileSync(path, f.data);
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const stats = db.prepare("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
          .all();
        assert.equal(stats.length, 1, f.name);
      } finally {
        db.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("primeStartCache: top-level await runs without permissions, and the cache still ships", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    // Top-level await is evaluated even through a deferred import; here it asks for the
    // environment, which the priming run does not grant.
    await Deno.writeTextFile(
      `${dir}/handler.js`,
      `const secret = await Promise.resolve(Deno.env.get("HOME"));\nexport { secret };\n`,
    );
    const cache = await primeStartCache({ deno: Deno.execPath(), dir, modules: ["handler.js"] });
    assert.match(cache.warning ?? "", /env/, "the refusal is reported");
    assert.equal(cache.taskRoot, "/var/task");
    const code = cache.files.find((f) => f.name === "v8_code_cache_v2")!.data;
    assert.deepEqual(specifiers(code, "codecache", dir), ["file:///var/task/handler.js"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("primeStartCache: a deno that cannot run, or a relative task root, is a StartCacheError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/handler.js`, "export {};\n");
    await assert.rejects(
      primeStartCache({ deno: `${dir}/no-such-deno`, dir, modules: ["handler.js"] }),
      StartCacheError,
    );
    await assert.rejects(
      primeStartCache({ deno: Deno.execPath(), dir, modules: ["handler.js"], taskRoot: "task" }),
      StartCacheError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nodeBuiltins: the node: modules a bundle names, however it imports them", () => {
  const code = 'import{a}from"node:fs";export*from"node:path";await import("node:http");' +
    "const c=require('node:crypto'),p=require(\"node:fs/promises\");const x='node';";
  assert.deepEqual(nodeBuiltins(code), [
    "node:crypto",
    "node:fs",
    "node:fs/promises",
    "node:http",
    "node:path",
  ]);
});

Deno.test("primeStartCache: Deno's Node.js modules a package imports are cached as they load", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(
      `${dir}/handler.js`,
      'import { createHash } from "node:crypto";\nexport const hash = () => createHash("sha256");\n',
    );
    const cache = await primeStartCache({ deno: Deno.execPath(), dir, modules: ["handler.js"] });
    const code = cache.files.find((f) => f.name === "v8_code_cache_v2")!.data;
    const all = specifiers(code, "codecache", dir, true);
    // node:crypto's implementation, which only its evaluation loads, and much more besides.
    assert.ok(all.includes("ext:deno_node/crypto.ts"), `${all}`);
    assert.ok(all.filter((s) => s.startsWith("ext:deno_node/")).length > 50, `${all}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The `codecache` rows of a database (specifier → data). */
function codeRows(data: Uint8Array, dir: string): Map<string, Uint8Array> {
  const path = `${dir}/db-rows-${crypto.randomUUID()}`;
  Deno.writeFileSync(path, data);
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare("SELECT specifier, data FROM codecache").all() as {
      specifier: string;
      data: Uint8Array;
    }[];
    return new Map(rows.map((r) => [r.specifier, new Uint8Array(r.data)]));
  } finally {
    db.close();
  }
}

Deno.test("primeStartCache: eager modules are cached fully compiled, and Deno takes them as they are", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    // Many functions, none called at load: a lazy cache holds little more than the top level.
    const fns = Array.from(
      { length: 40 },
      (_, i) =>
        `export function f${i}(x) { let s = 0; for (const c of x) s += c * ${i}; return s; }`,
    );
    await Deno.writeTextFile(`${dir}/runtime.js`, fns.join("\n") + "\n");
    await Deno.writeTextFile(`${dir}/user.js`, fns.join("\n").replace(/\bf(\d)/g, "g$1") + "\n");
    await Deno.writeTextFile(
      `${dir}/handler.js`,
      'import { f7 } from "./runtime.js";\nimport { g7 } from "./user.js";\n' +
        "console.log(f7([1, 2]) + g7([3]));\n",
    );
    const modules = ["handler.js", "runtime.js", "user.js"];
    // Keyed for the directory itself, so that the cache can be tried here.
    const lazy = await primeStartCache({ deno: Deno.execPath(), dir, modules, taskRoot: dir });
    const eager = await primeStartCache({
      deno: Deno.execPath(),
      dir,
      modules,
      taskRoot: dir,
      eager: ["runtime.js"],
    });
    assert.equal(lazy.warning, undefined);
    assert.equal(lazy.eagerModules, 0);
    assert.equal(eager.eagerModules, 1);
    const file = (m: string) => `file://${dir}/${m}`;
    const lazyRows = codeRows(lazy.files.find((f) => f.name === "v8_code_cache_v2")!.data, dir);
    const eagerDb = eager.files.find((f) => f.name === "v8_code_cache_v2")!;
    const eagerRows = codeRows(eagerDb.data, dir);
    assert.ok(
      eagerRows.get(file("runtime.js"))!.length > 2 * lazyRows.get(file("runtime.js"))!.length,
      "every function's bytecode is in the eager entry",
    );
    assert.deepEqual(eagerRows.get(file("user.js")), lazyRows.get(file("user.js")), "user.js");

    // A start with the shipped databases: the module runs, and V8 took every entry (Deno
    // replaces one V8 refuses).
    const denoDir = `${dir}/deno-dir`;
    await Deno.mkdir(denoDir);
    for (const f of eager.files) await Deno.writeFile(`${denoDir}/${f.name}`, f.data);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-lock", `${dir}/handler.js`],
      env: { DENO_DIR: denoDir, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(
      new TextDecoder().decode(out.stdout),
      "42\n",
      new TextDecoder().decode(out.stderr),
    );
    const after = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
    try {
      const rows = after.prepare("SELECT specifier, data FROM codecache WHERE specifier = ?");
      for (const m of modules) {
        const row = rows.get(file(m)) as { data: Uint8Array };
        assert.deepEqual(new Uint8Array(row.data), eagerRows.get(file(m)), m);
      }
    } finally {
      after.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("primeStartCache: the same modules in two folders give the same bytes", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  try {
    // Several modules, so that Deno's loads can finish in another order from run to run.
    const modules = ["handler.js", ...Array.from({ length: 8 }, (_, i) => `chunk-${i}.js`)];
    const caches = [];
    for (const dir of [`${root}/a`, `${root}/somewhere/else/b`]) {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/handler.js`,
        modules.slice(1).map((m, i) => `import { v as v${i} } from "./${m}";`).join("\n") +
          `\nexport function f() { return [${modules.slice(1).map((_, i) => `v${i}`)}]; }\n`,
      );
      for (const [i, m] of modules.slice(1).entries()) {
        await Deno.writeTextFile(`${dir}/${m}`, `export const v = ${i};\nexport function g() {}\n`);
      }
      const made = await primeStartCache({
        deno: Deno.execPath(),
        dir,
        modules,
        eager: ["chunk-0.js"],
        timeoutMs: 20_000,
      });
      assert.equal(made.modules, modules.length);
      caches.push(made.files);
    }
    assert.deepEqual(caches[1].map((f) => f.name), caches[0].map((f) => f.name));
    for (const [i, f] of caches[0].entries()) {
      assert.deepEqual(caches[1][i].data, f.data, `${f.name} differs`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("primeStartCache: the cache made under the launcher's flags has one flag hash per profile, two in all", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(`${dir}/handler.js`, "export const answer = () => 42;\n");
    /** The flag hash of the handler's code cache made under `flags`. */
    let primed = 0;
    const hashUnder = async (flags: readonly string[]) => {
      const made = await primeStartCache({
        deno: Deno.execPath(),
        dir,
        modules: ["handler.js"],
        taskRoot: dir,
        v8Flags: [...flags],
      });
      const path = `${dir}/v8-${primed++}`;
      await Deno.writeFile(path, made.files.find((f) => f.name === "v8_code_cache_v2")!.data);
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const row = db.prepare("SELECT data FROM codecache WHERE specifier = ?")
          .get(`file://${dir}/handler.js`) as { data: Uint8Array };
        return flagHashOf(new Uint8Array(row.data));
      } finally {
        db.close();
      }
    };
    // What the launcher passes at each size has its profile's hash (the build primes under the
    // profile's code flags alone; heap sizes do not count); the two profiles' hashes differ, so
    // a cache is taken at the sizes of its profile only.
    const small = await hashUnder(CODE_FLAGS.small);
    const large = await hashUnder(CODE_FLAGS.default);
    assert.notEqual(small, undefined);
    assert.notEqual(large, undefined);
    assert.notEqual(small, large, "the two profiles");
    for (const mb of [128, 512, 513, 1024, 10240]) {
      const want = codeProfile(mb) === "small" ? small : large;
      assert.equal(await hashUnder(v8Flags(mb)), want, `${mb} MB`);
    }
    // With no memory size the launcher passes the default profile's flags alone, and V8 hashes
    // them: a cache primed under no flags at all is not the default profile's.
    assert.notEqual(await hashUnder([]), large, "no flags at all");
    // V8 hashes the flags that change code: any difference in them would split the cache.
    assert.notEqual(
      await hashUnder(["--max-opt=2", "--single-threaded"]),
      small,
      "--single-threaded",
    );
    // The small function's GC flags are outside the hash: they need no profile of their own.
    assert.equal(
      await hashUnder([...CODE_FLAGS.default, ...SMALL_GC_FLAGS]),
      large,
      SMALL_GC_FLAGS.join(" "),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
