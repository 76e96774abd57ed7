/**
 * `gopherless-start` (`native/start.c`): the small static program a `--runtime deno` package's
 * launcher runs on a cold start to copy the start-up cache into `DENO_DIR`, checked, before it
 * becomes Deno. The packaging tool ships the build for the package's architecture beside `deno`
 * (in the package, or in the runtime layer), from the binaries embedded in `native/start_bin.ts`,
 * so that building needs no C compiler.
 *
 * @module
 */

import type { Arch } from "./targets.ts";
import { cacheHash } from "./cache_hash.ts";
import { START_CACHE_DIR } from "./start_cache.ts";
import { BINARY_BASE64 } from "./native/start_bin.ts";

/** Its file name, beside `deno`. */
export const START_HELPER = "gopherless-start";

/** The program for `arch` (see the module docs). */
export function startHelper(arch: Arch): Uint8Array {
  return Uint8Array.from(atob(BINARY_BASE64[arch]), (c) => c.charCodeAt(0));
}

/** A start-up cache file name the launcher passes on: Deno's own names are of these characters. */
const PLAIN_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The arguments that name the start-up cache's files to `gopherless-start`: their count, then
 * each one's name (in `.deno-cache/`), size and {@linkcode cacheHash}, sorted by name (the V8 code
 * cache, the file whose presence the launcher checks, is then written last). `files` are as the
 * package holds them (`.deno-cache/<file>`); a name that is not a plain file name is refused.
 */
export function startHelperFileArgs(
  files: readonly { name: string; data: Uint8Array }[],
): string[] {
  const list = files.map((f) => {
    const name = f.name.startsWith(`${START_CACHE_DIR}/`)
      ? f.name.slice(START_CACHE_DIR.length + 1)
      : f.name;
    if (!PLAIN_NAME.test(name) || name === "." || name === "..") {
      throw new Error(`not a start-up cache file name: ${f.name}`);
    }
    return { name, data: f.data };
  });
  list.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [
    String(list.length),
    ...list.flatMap((f) => [f.name, String(f.data.length), cacheHash(f.data)]),
  ];
}
