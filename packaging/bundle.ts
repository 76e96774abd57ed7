/**
 * Bundles a handler module and everything it imports (relative files, `npm:` packages, import-map
 * names, `node_modules`) into one ES module with Deno's own bundler, `deno bundle`: it resolves
 * modules the way `deno run` does, with the user's `deno.json` (import map and compiler options),
 * so nothing here re-implements a resolver.
 *
 * - `node:` built-ins stay imports (Deno provides them); everything else is inside the bundle, so
 *   it runs with no config, no `node_modules` and no network.
 * - CommonJS modules inside the bundle may `require` Node built-ins (the AWS SDK's
 *   `require("node:crypto")`): esbuild's ES-module output only forwards such calls to a `require`
 *   in scope, so a bundle that has esbuild's `require` shim starts with one made by
 *   `createRequire` (the source map is shifted by that line); others do without (importing
 *   `node:module` costs about 10 ms of start-up).
 * - Names are kept (`--keep-names`): the name of an error's class is its Lambda `errorType`.
 * - With `split`, what only a dynamic `import()` reaches goes into chunks of its own (each protocol
 *   of the runtime is loaded that way), and those imports are written so that Deno does not read
 *   a chunk before its import runs (`deferred_imports.ts`): a start parses and caches only what
 *   it uses.
 * - A source map is written beside each output file (`handler.js.map`, `<chunk>.js.map`, no
 *   `sourceMappingURL` comment: the runtime reads the one beside a frame's file only when it
 *   reports an error, see `runtime/source_map.ts`). Its sources
 *   are rewritten to paths a user recognises: relative to the project (the directory of the
 *   `deno.json` in use, else the entry's), npm packages as `node_modules/<name>/<file>`; the
 *   library's own runtime modules are listed in the map's `ignoreList`, so that their frames never
 *   show up in an error's stack.
 *
 * @module
 */

/** Options of {@link bundle}. */
export interface BundleOptions {
  /** Minify whitespace and syntax (names are kept). Default `true`. */
  minify?: boolean;
  /** The `deno.json` to resolve with, else none (`--no-config`, unless {@link packageDir}). */
  config?: string;
  /** The directory source-map paths are made relative to. Default: the config's or entry's. */
  root?: string;
  /**
   * With no `config`: the folder of the `package.json` of a Node project the entry is in. Deno
   * bundles from there, resolving with that `package.json` and its `node_modules`.
   */
  packageDir?: string;
  /**
   * Split the bundle (`deno bundle --code-splitting`): what only a dynamic `import()` loads (the
   * runtime's go1.x protocol, the Runtime API client) goes into chunks of its own, beside the
   * entry, so a start loads only what its protocol uses. Default `false`: one file.
   */
  split?: boolean;
}

/** The name of the bundle's entry file (the module `deno run` starts). */
export const ENTRY_NAME = "handler.js";

/** A file of a split bundle besides the entry, imported by it (see {@link BundleOptions.split}). */
export interface BundleChunk {
  /** Its file name, beside the entry's (the entry imports it as `./<name>`). */
  name: string;
  /** Its source. */
  code: Uint8Array;
  /** Its source map (JSON), written beside it as `<name>.map`. */
  map: Uint8Array;
  /**
   * Whether every module in it is one of the library's runtime modules ({@link RUNTIME_FOLDERS}):
   * none of the user's, none of a package's.
   */
  runtimeOnly: boolean;
}

/** What {@link bundle} produced. */
export interface BundleResult {
  /** The bundled module's source. */
  code: Uint8Array;
  /** Its source map (JSON), sources relative to the project; see the module docs. */
  map: Uint8Array;
  /** The other files of a split bundle (none unless {@link BundleOptions.split}). */
  chunks: BundleChunk[];
  /** How many modules went into the bundle. */
  modules: number;
  /** Milliseconds the bundling took. */
  ms: number;
}

/** A bundling failure; the message holds what `deno bundle` said. */
export class BundleError extends Error {
  /** Always `"BundleError"`. */
  override name = "BundleError";
}

import { RUNTIME_FOLDERS } from "../runtime/stack.ts";
import { deferChunkImports } from "./deferred_imports.ts";
import { contentChunkNames, renameChunkReferences } from "./chunk_names.ts";

export { RUNTIME_FOLDERS };

const LIBRARY_ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** `path` (absolute) relative to `from` (an absolute directory), with `../` steps as needed. */
function relative(from: string, path: string): string {
  const a = from.split("/").filter((s) => s !== "");
  const b = path.split("/").filter((s) => s !== "");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...Array(a.length - i).fill(".."), ...b.slice(i)].join("/");
}

/** Resolves `rel` against the absolute directory `dir` (`.`/`..` steps folded). */
function resolve(dir: string, rel: string): string {
  if (rel.startsWith("file://")) return decodeURIComponent(new URL(rel).pathname);
  if (rel.startsWith("/")) return rel;
  const out = dir.split("/").filter((s) => s !== "");
  for (const part of rel.split("/")) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  return "/" + out.join("/");
}

// `…/npm/registry.npmjs.org/<name>/<version>/<file>` (Deno's cache), and
// `…/node_modules/.deno/<name>@<version>/node_modules/<name>/<file>` (a local node_modules).
const NPM_CACHE_RE = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/@]+)\/[^/]+\/(.*)$/;
const NODE_MODULES_RE = /\/node_modules\/(?!\.deno\/)(.*)$/;

/** The path a user reads for the absolute source `abs` (see the module docs). */
function displayPath(abs: string, root: string): string {
  const nm = NODE_MODULES_RE.exec(abs);
  if (nm) return `node_modules/${nm[1]}`;
  const npm = NPM_CACHE_RE.exec(abs);
  if (npm) return `node_modules/${npm[1]}/${npm[2]}`;
  return relative(root, abs);
}

// In the npm package the build runs from `deno/`, and a Node project's handler imports the
// runtime compiled into `esm/` beside it.
const RUNTIME_ROOTS = [LIBRARY_ROOT, LIBRARY_ROOT.replace(/\/deno\/$/, "/esm/")];

function isRuntimeSource(abs: string): boolean {
  return RUNTIME_ROOTS.some((root) => RUNTIME_FOLDERS.some((f) => abs.startsWith(`${root}${f}/`)));
}

/** The first line of every bundle: a `require` for the CommonJS modules in it (module docs). */
export const REQUIRE_PRELUDE =
  'import { createRequire as __gopherlessRequire } from "node:module"; ' +
  "const require = __gopherlessRequire(import.meta.url);\n";

// What esbuild's `__require` shim throws when no `require` is in scope: its presence says that
// CommonJS code in the bundle may call `require`.
const DYNAMIC_REQUIRE_SHIM = "Dynamic require of ";

interface RawSourceMap {
  version: number;
  sources: string[];
  sourcesContent?: (string | null)[];
  mappings: string;
  names: string[];
  ignoreList?: number[];
}

/** The source map of one output file, sources rewritten for the user (see the module docs). */
function userMap(raw: RawSourceMap, outDir: string, root: string, prelude: string): RawSourceMap {
  const ignoreList: number[] = [];
  const sources = raw.sources.map((s, i) => {
    const abs = resolve(outDir, s);
    if (isRuntimeSource(abs)) ignoreList.push(i);
    return displayPath(abs, root);
  });
  // No sourcesContent: the map serves stack traces only, and the sources would double its size.
  return {
    version: 3,
    sources,
    names: raw.names,
    // One generated line more at the top when there is the prelude.
    mappings: (prelude ? ";" : "") + raw.mappings,
    ignoreList,
  };
}

/** The name `deno bundle --outdir` gives the output of the entry module `entry`. */
function entryOutputName(entry: string): string {
  const base = entry.slice(entry.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return `${dot > 0 ? base.slice(0, dot) : base}.js`;
}

/** Bundles the module at `entry` (a path) into an ES module with its source map (module docs). */
export async function bundle(entry: string, options: BundleOptions = {}): Promise<BundleResult> {
  const work = await Deno.makeTempDir({ prefix: "gopherless-bundle-" });
  const outDir = `${work}/out`;
  const t0 = performance.now();
  try {
    await runDenoBundle(
      entry,
      bundleArgs(entry, options, outDir),
      options.config ? undefined : options.packageDir,
    );
    const ms = performance.now() - t0;
    const entryName = options.split ? entryOutputName(entry) : ENTRY_NAME;
    const outputs = await readOutputs(entry, outDir, entryName);
    const root = options.root ?? options.packageDir ?? dirname(options.config ?? entry);
    const { files, modules } = await finishOutputs(outputs, outDir, entryName, root);
    const main = files.find((f) => f.name === ENTRY_NAME);
    if (main === undefined) throw new BundleError(`bundling ${entry}: no ${ENTRY_NAME}`);
    return { code: main.code, map: main.map, chunks: files.filter((f) => f !== main), modules, ms };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** `deno bundle`'s command line for `entry` into `outDir`. */
function bundleArgs(entry: string, options: BundleOptions, outDir: string): string[] {
  return [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "--format",
    "esm",
    "--keep-names",
    "--sourcemap",
    "external",
    ...(options.config ? ["--config", options.config] : options.packageDir ? [] : ["--no-config"]),
    ...((options.minify ?? true) ? ["--minify"] : []),
    ...(options.split
      ? ["--code-splitting", "--outdir", outDir]
      : ["--output", `${outDir}/${ENTRY_NAME}`]),
    entry,
  ];
}

async function runDenoBundle(entry: string, args: string[], cwd?: string): Promise<void> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    const text = new TextDecoder().decode(r.stderr).replace(
      /^.*deno bundle.*experimental.*\n/m,
      "",
    )
      .trim();
    throw new BundleError(`bundling ${entry} failed:\n${text}`);
  }
}

/** One output file of `deno bundle`: its code and its source map. */
interface Output {
  text: string;
  raw: RawSourceMap;
}

/**
 * The files `deno bundle` wrote, by name, each chunk import deferred to when its `import()` runs
 * (not when Deno builds the graph at start).
 */
async function readOutputs(
  entry: string,
  outDir: string,
  entryName: string,
): Promise<Map<string, Output>> {
  const names: string[] = [];
  for await (const e of Deno.readDir(outDir)) {
    if (e.isFile && e.name.endsWith(".js")) names.push(e.name);
  }
  if (!names.includes(entryName)) {
    throw new BundleError(`bundling ${entry}: deno bundle wrote no ${entryName}`);
  }
  const chunkNames = new Set(names.filter((n) => n !== entryName));
  const outputs = new Map<string, Output>();
  for (const name of names) {
    const raw = JSON.parse(await Deno.readTextFile(`${outDir}/${name}.map`)) as RawSourceMap;
    const deferred = deferChunkImports(
      await Deno.readTextFile(`${outDir}/${name}`),
      raw.mappings,
      chunkNames,
    );
    raw.mappings = deferred.mappings;
    outputs.set(name, { text: deferred.code, raw });
  }
  return outputs;
}

/**
 * The package's files from the outputs: chunks named after their code, the `require` prelude
 * where CommonJS needs it, source maps relative to `root`; sorted by name. `modules` counts the
 * source files bundled.
 */
async function finishOutputs(
  outputs: Map<string, Output>,
  outDir: string,
  entryName: string,
  root: string,
): Promise<{ files: BundleChunk[]; modules: number }> {
  const enc = new TextEncoder();
  const sources = new Set<string>();
  const chunkNames = new Set([...outputs.keys()].filter((n) => n !== entryName));
  // Chunk names from their code, not from where the build ran (`chunk_names.ts`).
  const renamed = await contentChunkNames(
    new Map([...outputs].map(([n, o]) => [n, o.text])),
    chunkNames,
  );
  const files: BundleChunk[] = [];
  for (const [name, { text: original, raw }] of outputs) {
    const text = renameChunkReferences(original, renamed);
    // Only files with CommonJS in them get the prelude: importing node:module costs start-up.
    const prelude = text.includes(DYNAMIC_REQUIRE_SHIM) ? REQUIRE_PRELUDE : "";
    for (const s of raw.sources) sources.add(resolve(outDir, s));
    const map = userMap(raw, outDir, root, prelude);
    files.push({
      name: name === entryName ? ENTRY_NAME : renamed.get(name) ?? name,
      code: enc.encode(prelude + text),
      map: enc.encode(JSON.stringify(map)),
      runtimeOnly: (map.ignoreList ?? []).length === map.sources.length,
    });
  }
  files.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { files, modules: sources.size };
}
