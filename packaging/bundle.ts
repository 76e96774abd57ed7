/**
 * Bundles a handler module and everything it imports into one ES module with esbuild's
 * WebAssembly build (`esbuild-wasm` from npm, pinned), tree-shaken.
 *
 * - Relative and `file:` imports are bundled; TypeScript is stripped (imports used only as types
 *   vanish with it).
 * - `node:` built-ins stay imports (Deno provides them).
 * - `npm:`, `jsr:`, `http(s):` and bare specifiers (import-map names) stay imports too, and are
 *   reported in {@link BundleResult.externals}: `deno compile` resolves them with the project's
 *   `deno.json`, while a `--runtime deno` package, which runs with no config and no network,
 *   refuses a bundle that still has them.
 * - Identifiers are kept (`keepNames`), because the name of an error's class is its Lambda
 *   `errorType`.
 *
 * @module
 */

import * as esbuild from "esbuild-wasm";

/** The esbuild version the build is pinned to. */
export const ESBUILD_VERSION = "0.28.2";

/** Options of {@link bundle}. */
export interface BundleOptions {
  /** Minify whitespace and syntax (identifiers are never renamed). Default `true`. */
  minify?: boolean;
}

/** What {@link bundle} produced. */
export interface BundleResult {
  /** The bundled module's source. */
  code: Uint8Array;
  /** The imports left in the bundle that are not `node:` built-ins. */
  externals: string[];
  /** The modules bundled (paths relative to the working directory). */
  inputs: string[];
  /** Milliseconds the bundling took. */
  ms: number;
}

/** Bundles the module at `entry` (a path) into one ES module. */
export async function bundle(entry: string, options: BundleOptions = {}): Promise<BundleResult> {
  const externals = new Set<string>();
  const keep: esbuild.Plugin = {
    name: "gopherless-externals",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("file:")) {
          return { path: decodeURIComponent(new URL(args.path).pathname) };
        }
        if (!args.path.startsWith("node:")) externals.add(args.path);
        return { path: args.path, external: true };
      });
    },
  };
  const minify = options.minify ?? true;
  const t0 = performance.now();
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "esnext",
      treeShaking: true,
      minifyWhitespace: minify,
      minifySyntax: minify,
      keepNames: true,
      legalComments: "none",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [keep],
    });
    return {
      code: result.outputFiles[0].contents,
      externals: [...externals].sort(),
      inputs: Object.keys(result.metafile.inputs),
      ms: performance.now() - t0,
    };
  } catch (e) {
    const errors = (e as { errors?: esbuild.Message[] }).errors;
    if (errors?.length) {
      const lines = errors.map((m) =>
        m.location
          ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}`
          : m.text
      );
      throw new Error(`bundling ${entry} failed:\n  ${lines.join("\n  ")}`);
    }
    throw e;
  } finally {
    await esbuild.stop();
  }
}
