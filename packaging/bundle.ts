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
 * - A source map is written beside the bundle (`handler.js.map`, no `sourceMappingURL` comment:
 *   the runtime reads it only when it reports an error, see `runtime/source_map.ts`). Its sources
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
  /** The `deno.json` to resolve with, else none (`--no-config`). */
  config?: string;
  /** The directory source-map paths are made relative to. Default: the config's or entry's. */
  root?: string;
}

/** What {@link bundle} produced. */
export interface BundleResult {
  /** The bundled module's source. */
  code: Uint8Array;
  /** Its source map (JSON), sources relative to the project; see the module docs. */
  map: Uint8Array;
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

function isRuntimeSource(abs: string): boolean {
  return RUNTIME_FOLDERS.some((f) => abs.startsWith(`${LIBRARY_ROOT}${f}/`));
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

/** Bundles the module at `entry` (a path) into one ES module with its source map. */
export async function bundle(entry: string, options: BundleOptions = {}): Promise<BundleResult> {
  const work = await Deno.makeTempDir({ prefix: "gopherless-bundle-" });
  const out = `${work}/handler.js`;
  const args = [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "--format",
    "esm",
    "--keep-names",
    "--sourcemap",
    "external",
    ...(options.config ? ["--config", options.config] : ["--no-config"]),
    ...((options.minify ?? true) ? ["--minify"] : []),
    "--output",
    out,
    entry,
  ];
  const t0 = performance.now();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const ms = performance.now() - t0;
    if (!r.success) {
      const text = new TextDecoder().decode(r.stderr).replace(
        /^.*deno bundle.*experimental.*\n/m,
        "",
      )
        .trim();
      throw new BundleError(`bundling ${entry} failed:\n${text}`);
    }
    const text = await Deno.readTextFile(out);
    // Only bundles with CommonJS in them get the prelude: importing node:module costs start-up.
    const prelude = text.includes(DYNAMIC_REQUIRE_SHIM) ? REQUIRE_PRELUDE : "";
    const code = new TextEncoder().encode(prelude + text);
    const raw = JSON.parse(await Deno.readTextFile(`${out}.map`)) as RawSourceMap;
    const root = options.root ?? dirname(options.config ?? entry);
    const ignoreList: number[] = [];
    const sources = raw.sources.map((s, i) => {
      const abs = resolve(work, s);
      if (isRuntimeSource(abs)) ignoreList.push(i);
      return displayPath(abs, root);
    });
    // No sourcesContent: the map serves stack traces only, and the sources would double its size.
    const map: RawSourceMap = {
      version: 3,
      sources,
      names: raw.names,
      // One generated line more at the top when there is the prelude.
      mappings: (prelude ? ";" : "") + raw.mappings,
      ignoreList,
    };
    return {
      code,
      map: new TextEncoder().encode(JSON.stringify(map)),
      modules: raw.sources.length,
      ms,
    };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
