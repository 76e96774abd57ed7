/**
 * The start-up cache a `--runtime deno` package ships: Deno's module analysis and V8 code cache
 * for the package's own files, made at build time by the very `deno` it ships, so that a fresh
 * sandbox's empty `DENO_DIR` does not redo them on its cold start (the launcher copies them in,
 * `launcher.ts`). Deno keys each entry by the module's URL and checks it against a hash of the
 * source (V8 also against its version and code-changing flags): a stale entry is only recomputed.
 *
 * The modules are loaded through `import defer`, which reads, analyses and compiles them but runs
 * none of them; the run has no permissions, since top-level `await` still runs. The Node.js
 * built-ins the package imports are evaluated first, in a run of their own, so that the
 * compatibility code Deno loads for them is cached too (Deno writes no entry for a built-in that
 * a module graph loaded before it was evaluated); a package that imports `node:worker_threads`
 * has a worker thread started (in a run of its own), so that the modules of Deno's worker
 * bootstrap are cached for its workers. The
 * runtime's own chunks, whose functions nearly all run on the first invoke, are cached compiled
 * whole ({@linkcode PrimeOptions.eager}); a user's modules stay lazy. The databases are written
 * canonically, so that the same package gives the same bytes. What each of these buys, measured:
 * BENCHMARKS.md.
 *
 * A package for another CPU architecture than the build machine's is primed with its own `deno`
 * run through qemu-user ({@linkcode PrimeOptions.runner}): V8 checks a code cache entry against
 * its own version, the source and the code-changing flags, so the entries must come from the
 * very binary that reads them, and under qemu they do (a start of that binary under qemu rewrites
 * none of them: `tests/packaging/arm64_test.ts`). What this cannot do: prime a package whose
 * `deno` cannot run here at all, or for a path other than the one given.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { withFlagHashOf } from "./v8_code_cache.ts";

/** The directory beside `bootstrap` that holds the shipped caches. */
export const START_CACHE_DIR = ".deno-cache";

/** The directory Lambda runs a function's package from. */
export const LAMBDA_TASK_ROOT = "/var/task";

/** Deno's cache databases that are shipped, with the table each keeps its entries in. */
const DATABASES = [
  { file: "dep_analysis_cache_v2", table: "moduleinfocache" },
  { file: "node_analysis_cache_v2", table: "cjsanalysiscache" },
  { file: "v8_code_cache_v2", table: "codecache" },
] as const;

/** A file of the start-up cache, as the package holds it (under {@link START_CACHE_DIR}). */
export interface StartCacheFile {
  /** Its name inside {@link START_CACHE_DIR}. */
  name: string;
  /** Its content (a SQLite database). */
  data: Uint8Array;
}

/** What {@link primeStartCache} made. */
export interface StartCache {
  /** The databases to ship. */
  files: StartCacheFile[];
  /** The directory the entries are keyed for. */
  taskRoot: string;
  /** How many of the package's modules have analysis and code cache entries. */
  modules: number;
  /** How many of those have every function compiled (see {@link PrimeOptions.eager}). */
  eagerModules: number;
  /**
   * Set when the priming run did not end cleanly (a module with top-level `await` that needed a
   * permission, say): its first lines. What was cached before that is still shipped.
   */
  warning?: string;
}

/** Options of {@link primeStartCache}. */
export interface PrimeOptions {
  /**
   * The `deno` binary the package ships (it must run on this machine, directly or through
   * {@linkcode PrimeOptions.runner}).
   */
  deno: string;
  /**
   * A command that runs `deno` for it, its arguments first: qemu-user for a package of another
   * architecture (`ground/qemu.ts`), so that the cache is made by the very binary that will read it.
   * Default: none (`deno` runs directly).
   */
  runner?: string[];
  /** The directory holding the package's files, as they will be laid out at `taskRoot`. */
  dir: string;
  /** The package's JavaScript modules, relative to `dir` (the entry and its chunks). */
  modules: string[];
  /** The directory the package runs from. Default {@link LAMBDA_TASK_ROOT}. */
  taskRoot?: string;
  /**
   * The V8 flags the package's launcher will start Deno with. V8 refuses a code cache made under
   * flags that change its code (`--max-opt`, `--single-threaded`, …; heap sizes and `--single-threaded-gc` do not matter),
   * so the cache must be made under the same ones. Default: none.
   */
  v8Flags?: string[];
  /**
   * Modules of {@link modules} whose cache holds every function compiled, not only the top-level
   * code (see the module docs): those whose functions nearly all run on the first invoke.
   * Default: none.
   */
  eager?: string[];
  /** How long each priming run may take. Default 60 s. */
  timeoutMs?: number;
}

/** The start-up cache could not be made; the message says why (the package works without it). */
export class StartCacheError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StartCacheError";
  }
}

/** The `node:` built-ins named in `code` (imports, re-exports, `import()`, `require()`). */
export function nodeBuiltins(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/["'](node:[a-z0-9_]+(?:\/[a-z0-9_]+)*)["']/g)) found.add(m[1]);
  return [...found].sort();
}

/**
 * The directory the priming run loads the package from, as a `file:` URL: `/proc/self/cwd/`,
 * with the run started in `dir`, where Linux has it (else `dir` itself).
 *
 * V8 writes the URL of each script it compiles into the script's code cache. Deno takes the
 * cache for any URL of the same source (it replaces the URL as it loads the cache), but the URL
 * of the folder the build happened to run in would make two builds of the same package differ.
 * `/proc/self/cwd` is the same path in every build, and Deno does not resolve it to the folder
 * it links to.
 */
function primingBase(dir: string): string {
  try {
    if (Deno.build.os === "linux" && Deno.realPathSync(PROC_CWD) === Deno.cwd()) {
      return pathToFileURL(`${PROC_CWD}/`).href;
    }
  } catch {
    // no procfs: the build folder's own URL
  }
  return pathToFileURL(`${dir}/`).href;
}

/** Where Linux shows a process its own working directory. */
const PROC_CWD = "/proc/self/cwd";

/**
 * Runs `deno` (through `runner`) over `script` in `cwd` with no permissions and an empty
 * `denoDir`.
 */
async function primingRun(
  runner: string[],
  deno: string,
  script: string,
  cwd: string,
  denoDir: string,
  v8Flags: string[],
  timeoutMs: number,
): Promise<{ code: number; stderr: string }> {
  const env: Record<string, string> = {
    DENO_DIR: denoDir,
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
  };
  if (v8Flags.length > 0) env.DENO_V8_FLAGS = v8Flags.join(",");
  const args = [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    script,
  ];
  const command = [...runner, deno, ...args];
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    env,
    clearEnv: true,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const out = await child.output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    return { code: out.signal ? -1 : out.code, stderr: text };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Replaces the code cache entries of `urls` in `denoDir` by those made with every function
 * compiled in `eagerDir`, given the flag hash of the replaced entry (`v8_code_cache.ts`); an entry
 * whose source or V8 differs stays as it was. Returns how many were replaced.
 */
function adoptEagerEntries(denoDir: string, eagerDir: string, urls: string[]): number {
  for (const dir of [denoDir, eagerDir]) {
    try {
      Deno.statSync(`${dir}/v8_code_cache_v2`);
    } catch {
      return 0;
    }
  }
  const db = new DatabaseSync(`${denoDir}/v8_code_cache_v2`);
  const eagerDb = new DatabaseSync(`${eagerDir}/v8_code_cache_v2`, { readOnly: true });
  try {
    const select = "SELECT type, source_hash, data FROM codecache WHERE specifier = ?";
    const lazy = db.prepare(select);
    const compiled = eagerDb.prepare(select);
    // Deno's source hashes are 64-bit.
    lazy.setReadBigInts(true);
    compiled.setReadBigInts(true);
    const update = db.prepare(
      "UPDATE codecache SET data = ? WHERE specifier = ? AND type = ? AND source_hash = ?",
    );
    type Row = { type: bigint; source_hash: bigint; data: Uint8Array };
    let replaced = 0;
    for (const url of urls) {
      const before = lazy.get(url) as Row | undefined;
      const after = compiled.get(url) as Row | undefined;
      if (!before || !after || before.type !== after.type) continue;
      if (before.source_hash !== after.source_hash) continue;
      const data = withFlagHashOf(after.data, before.data);
      if (!data) continue;
      update.run(data, url, before.type, before.source_hash);
      replaced++;
    }
    return replaced;
  } finally {
    eagerDb.close();
    db.close();
  }
}

/**
 * Copies the SQLite database `from` into a new file `to` that depends only on its rows: one
 * self-contained file (in write-ahead-log mode and analysed, as Deno leaves it, but with no log
 * beside it), its tables made in the order `from` made them and filled in one transaction in the
 * order of their columns' values. Deno's priming run writes rows in the order its loads finish,
 * which varies from run to run, and SQLite lays pages out in the order rows arrive: a
 * `VACUUM INTO` keeps that order, so two builds gave two files.
 */
function copyCanonically(from: string, to: string): void {
  const db = new DatabaseSync(to);
  try {
    db.exec("PRAGMA page_size = 4096; PRAGMA journal_mode = DELETE");
    db.prepare("ATTACH DATABASE ? AS src").run(from);
    // SQLite's own tables are SQLite's to make: not copied (`sqlite_stat1`, which a second
    // priming run over the same databases leaves, is statistics for the query planner; `ANALYZE`
    // below makes them anew).
    const schema = db.prepare(
      "SELECT type, name, sql FROM src.sqlite_master " +
        "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
    ).all() as { type: string; name: string; sql: string }[];
    db.exec("BEGIN");
    for (const { sql } of schema) db.exec(sql);
    for (const { type, name } of schema) {
      if (type !== "table") continue;
      const table = `"${name.replaceAll('"', '""')}"`;
      const columns = db.prepare(`SELECT count(*) AS n FROM pragma_table_info(?, 'src')`)
        .get(name) as { n: number };
      const order = Array.from({ length: columns.n }, (_, i) => i + 1).join(", ");
      db.exec(`INSERT INTO main.${table} SELECT * FROM src.${table} ORDER BY ${order}`);
    }
    db.exec("COMMIT");
    db.exec("DETACH DATABASE src");
    // Deno opens its caches in write-ahead-log mode and runs `PRAGMA optimize`, which analyses a
    // table that has no statistics yet: on a database as the priming run leaves it, a switch of
    // mode through a journal and a new schema, written with fsyncs on every cold start. Done
    // here, the database ships as Deno leaves it, and a start writes nothing to it (the log is
    // folded back in and removed when this closes).
    db.exec("ANALYZE");
    db.exec("PRAGMA journal_mode = WAL");
  } finally {
    db.close();
  }
}

/** Fills Deno's caches for the package in `options.dir` (see the module docs). */
export async function primeStartCache(options: PrimeOptions): Promise<StartCache> {
  const taskRoot = (options.taskRoot ?? LAMBDA_TASK_ROOT).replace(/\/+$/, "") || "/";
  if (!taskRoot.startsWith("/")) {
    throw new StartCacheError(`the task root must be an absolute path, got ${taskRoot}`);
  }
  const dir = await Deno.realPath(options.dir);
  const work = await Deno.makeTempDir({ prefix: "gopherless-start-cache-" });
  try {
    const denoDir = `${work}/deno-dir`;
    const script = `${work}/prime.js`;
    const builtinsScript = `${work}/prime-builtins.js`;
    // The modules' URLs as the priming run sees them (see `primingBase`).
    const base = primingBase(dir);
    const builtins = await packageBuiltins(dir, options.modules);
    await Deno.writeTextFile(builtinsScript, builtinsPrimingScript(builtins));
    await Deno.writeTextFile(script, deferredImports(base, options.modules).join("\n") + "\n");
    const v8Flags = options.v8Flags ?? [];
    const timeoutMs = options.timeoutMs ?? 60_000;
    const runner = options.runner ?? [];
    let run;
    try {
      // The built-ins first, each made by this one isolate in a fixed order. Loaded after the
      // package's graph (which names some of them), Deno wrote no entry for them; both isolates of
      // the worker run below then compiled them (`node:stream`), each wrote its own, and which one
      // shipped depended on which write came last: the two differ in counters V8 keeps per
      // isolate, so builds above 512 MB gave two packages (BENCHMARKS.md, "Reproducible packages").
      if (builtins.size > 0) {
        await primingRun(runner, options.deno, builtinsScript, dir, denoDir, v8Flags, timeoutMs);
      }
      run = await primingRun(runner, options.deno, script, dir, denoDir, v8Flags, timeoutMs);
      if (builtins.has("node:worker_threads")) {
        // A run of its own, once the first one's entries are written: a worker started beside
        // the loads that write them would race them, and what ships would vary.
        const workerScript = `${work}/prime-worker.js`;
        await Deno.writeTextFile(workerScript, PRIME_WORKER_BOOTSTRAP);
        await primingRun(runner, options.deno, workerScript, dir, denoDir, v8Flags, timeoutMs);
      }
    } catch (e) {
      throw new StartCacheError(`the shipped deno cannot run here: ${String(e)}`, { cause: e });
    }
    const eager = options.eager ?? [];
    const eagerModules = eager.length === 0 ? 0 : await primeEagerly(
      { runner, deno: options.deno, dir, work, denoDir, base, v8Flags, timeoutMs },
      eager,
    );
    await makeNodeAnalysisTables(
      (wait) => primingRun(runner, options.deno, wait, dir, denoDir, v8Flags, timeoutMs),
      work,
      denoDir,
    );
    const to = pathToFileURL(taskRoot === "/" ? "/" : `${taskRoot}/`).href;
    const { files, modules } = await rebaseDatabases(denoDir, work, base, to);
    if (files.length === 0) {
      throw new StartCacheError(
        `the priming run wrote no cache (exit ${run.code}): ${run.stderr.trim().slice(0, 500)}`,
      );
    }
    const cache: StartCache = { files, taskRoot, modules, eagerModules };
    if (run.code !== 0) {
      cache.warning = run.stderr.trim().split("\n").slice(0, 3).join("\n") ||
        `the priming run ended with ${run.code < 0 ? "a timeout" : `exit ${run.code}`}`;
    }
    return cache;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** `import defer` of each module, by its URL under `base`. */
function deferredImports(base: string, modules: string[]): string[] {
  return modules.map((m, i) =>
    `import defer * as m${i} from ${JSON.stringify(new URL(m, base).href)};`
  );
}

/**
 * The module a priming run's worker thread runs: nothing of its own (a `data:` URL needs no
 * permission to load), only Deno's Node.js worker bootstrap around it. Its own cache entries are
 * not shipped.
 */
const PRIMING_WORKER_URL = "data:text/javascript,export%7B%7D";

/**
 * A priming script that starts a `node:worker_threads` worker and waits until it has ended:
 * Deno's Node.js worker bootstrap loads modules of its own (`node:process`, `node:module`,
 * `node:url`, …) that the main isolate never loads, so that a package's worker threads (the
 * runtime's isolates in a concurrent environment, `runtime/workers.ts`) find them cached as well.
 */
const PRIME_WORKER_BOOTSTRAP = `try {
  const { Worker } = await import("node:worker_threads");
  const worker = new Worker(new URL(${JSON.stringify(PRIMING_WORKER_URL)}));
  await new Promise((resolve) => { worker.on("exit", resolve); worker.on("error", resolve); });
} catch { /* cached as far as it got */ }
`;

/** The `node:` built-ins the package's `modules` (in `dir`) name. */
async function packageBuiltins(dir: string, modules: string[]): Promise<Set<string>> {
  const builtins = new Set<string>();
  for (const m of modules) {
    for (const b of nodeBuiltins(await Deno.readTextFile(`${dir}/${m}`))) builtins.add(b);
  }
  return builtins;
}

/**
 * The first priming run's script: Deno's Node.js modules that the package imports, evaluated in
 * a fixed order (so the compatibility code they load is cached too), each on its own: one that
 * cannot load here costs only its entries.
 */
function builtinsPrimingScript(builtins: Set<string>): string {
  return `for (const id of ${JSON.stringify([...builtins].sort())}) {\n` +
    `  try { await import(id); } catch { /* cached as far as it got */ }\n}\n`;
}

/** Where and how the priming runs happen. */
interface PrimingPlace {
  /** What runs `deno` ({@linkcode PrimeOptions.runner}). */
  runner: string[];
  deno: string;
  dir: string;
  work: string;
  denoDir: string;
  base: string;
  v8Flags: string[];
  timeoutMs: number;
}

/**
 * A second run, under `--no-lazy`, that compiles every function of the `eager` modules; their
 * entries replace the first run's. Resolves how many were adopted (none if the run failed).
 */
async function primeEagerly(place: PrimingPlace, eager: string[]): Promise<number> {
  const eagerDir = `${place.work}/deno-dir-eager`;
  const eagerScript = `${place.work}/prime-eager.js`;
  await Deno.writeTextFile(eagerScript, deferredImports(place.base, eager).join("\n") + "\n");
  const eagerRun = await primingRun(
    place.runner,
    place.deno,
    eagerScript,
    place.dir,
    eagerDir,
    [...place.v8Flags, "--no-lazy"],
    place.timeoutMs,
  );
  if (eagerRun.code !== 0) return 0;
  return adoptEagerEntries(place.denoDir, eagerDir, eager.map((m) => new URL(m, place.base).href));
}

/** Deno's Node.js analysis database: shipped even with no entries (see below). */
const NODE_ANALYSIS = DATABASES[1];

/** Whether the database at `path` exists and has the table `table`. */
function hasTable(path: string, table: string): boolean {
  try {
    Deno.statSync(path);
  } catch {
    return false;
  }
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const made = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = ?")
      .get(table) as { n: number };
    return made.n > 0;
  } finally {
    db.close();
  }
}

/**
 * Has Deno make its Node.js analysis database in `denoDir` if the priming run ended before it
 * did (Deno makes it in the background as it starts): runs `deno` on a script that waits a
 * little, until the table is there. Every start opens this database, and one a package does not
 * ship is made anew on each cold start, written with fsyncs; shipped empty, it is only read. The
 * wait keeps what ships independent of that race.
 */
async function makeNodeAnalysisTables(
  run: (script: string) => Promise<unknown>,
  work: string,
  denoDir: string,
): Promise<void> {
  const path = `${denoDir}/${NODE_ANALYSIS.file}`;
  const wait = `${work}/wait.js`;
  await Deno.writeTextFile(wait, "await new Promise((done) => setTimeout(done, 200));\n");
  for (let i = 0; i < 10 && !hasTable(path, NODE_ANALYSIS.table); i++) await run(wait);
}

/**
 * The databases to ship: only the package's entries (and Deno's built-in modules'), their URLs
 * moved from where the priming run saw the package (`from`) to where it will run (`to`), each
 * written canonically. `modules` counts the package's code cache entries.
 */
async function rebaseDatabases(
  denoDir: string,
  work: string,
  from: string,
  to: string,
): Promise<{ files: StartCacheFile[]; modules: number }> {
  const files: StartCacheFile[] = [];
  let modules = 0;
  for (const { file, table } of DATABASES) {
    const path = `${denoDir}/${file}`;
    try {
      await Deno.stat(path);
    } catch {
      continue;
    }
    const db = new DatabaseSync(path);
    let rows = 0;
    try {
      // Deno makes a database's tables in the background: one it never wrote to may lack
      // them when the run ends, or not, by the machine's load. Only a database with entries
      // is shipped, so that what ships does not depend on that race; the Node.js analysis
      // database, which every start opens, is made sure of first and shipped with none.
      const made = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = ?")
        .get(table) as { n: number };
      if (made.n === 0) continue;
      // Only the package's own files and Deno's built-in modules are worth shipping.
      db.prepare(
        `DELETE FROM ${table} WHERE specifier LIKE 'file:%' AND substr(specifier, 1, ?) != ?`,
      )
        .run(from.length, from);
      db.prepare(`DELETE FROM ${table} WHERE specifier = ?`).run(PRIMING_WORKER_URL);
      db.prepare(
        `UPDATE ${table} SET specifier = ? || substr(specifier, ?) WHERE substr(specifier, 1, ?) = ?`,
      )
        .run(to, from.length + 1, from.length, from);
      const row = db.prepare(
        `SELECT count(*) AS n FROM ${table} WHERE substr(specifier, 1, ?) = ?`,
      )
        .get(to.length, to) as { n: number };
      if (table === "codecache") modules = row.n;
      rows = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
    if (rows === 0 && table !== NODE_ANALYSIS.table) continue;
    const packed = `${work}/${file}.packed`;
    copyCanonically(path, packed);
    files.push({ name: file, data: await Deno.readFile(packed) });
  }
  return { files, modules };
}
