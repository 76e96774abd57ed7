/**
 * The `bootstrap` of a `--runtime deno` package, and V8's heap limits for a function's memory.
 *
 * Lambda's managed Node.js runtime starts `node` from `/var/runtime/bootstrap` with heap limits
 * derived from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (MB): a tenth of the memory for the young
 * generation, in two semi-spaces, and the rest for the old generation:
 *
 * ```sh
 * new_space=$(expr $AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10)
 * semi_space=$(expr $new_space / 2)
 * old_space=$(expr $AWS_LAMBDA_FUNCTION_MEMORY_SIZE - $new_space)
 * node --max-semi-space-size=$semi_space --max-old-space-size=$old_space …
 * ```
 *
 * Without them V8 sizes its heap for the machine (Lambda hosts have far more memory than a
 * function is given): a 128 MB function then grows young generations of 16 MB semi-spaces and
 * lets garbage accumulate up to the function's whole memory. The launcher sets the same limits
 * for Deno, through `DENO_V8_FLAGS`, ahead of any flags already there (V8 takes the last value
 * of a flag, so a user's own `DENO_V8_FLAGS` still wins).
 *
 * A `deno compile`d binary (`--runtime compiled`) cannot do this at start-up: `denort` takes its
 * V8 flags only from what `deno compile --v8-flags` baked in and ignores `DENO_V8_FLAGS`, so
 * there the limits are fixed at build time for the memory size the build is told
 * ({@linkcode heapFlags}).
 *
 * @module
 */

import { START_CACHE_DIR } from "./start_cache.ts";

/**
 * V8 flags for a function of `memoryMb` MB, as Lambda's Node.js runtime derives them:
 * `--max-semi-space-size` = memory / 10 / 2, `--max-old-space-size` = memory − memory / 10
 * (integer division, MB). Empty for a size that is not a positive integer.
 *
 * @example
 * ```ts
 * import { heapFlags } from "./launcher.ts";
 * heapFlags(128); // ["--max-semi-space-size=6", "--max-old-space-size=116"]
 * ```
 */
export function heapFlags(memoryMb: number): string[] {
  if (!Number.isSafeInteger(memoryMb) || memoryMb <= 0) return [];
  const newSpace = Math.floor(memoryMb / 10);
  const semiSpace = Math.max(1, Math.floor(newSpace / 2));
  return [`--max-semi-space-size=${semiSpace}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** Quotes `text` for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Options of {@link launcherScript}. */
export interface LauncherOptions {
  /**
   * The package ships Deno's start-up cache for this directory (`start_cache.ts`): when started
   * from there with no cache in `DENO_DIR` yet, the launcher copies it in first.
   */
  startCacheRoot?: string;
}

/** The `bootstrap` of a `--runtime deno` package (see the module docs for the heap limits). */
export function launcherScript(options: LauncherOptions = {}): string {
  const root = options.startCacheRoot;
  const copyCache = root === undefined
    ? ""
    : `# Started by a relative path (cd /var/task && ./bootstrap): the same directory, absolute.
case "$here" in /*) ;; .) here=$PWD ;; ./*) here="$PWD/\${here#./}" ;; *) here="$PWD/$here" ;; esac
# The package ships Deno's module analysis and V8 code cache for its files at ${root}
# (packaging/start_cache.ts): a fresh sandbox's empty DENO_DIR starts with them instead of
# analysing and compiling every module again. A failed copy only costs that time.
if [ "$here" = ${shellQuote(root)} ] && [ ! -e "$DENO_DIR/v8_code_cache_v2" ]; then
  cp -R "$here/${START_CACHE_DIR}/." "$DENO_DIR" 2>/dev/null || :
fi
`;
  return `#!/bin/sh
# gopherless launcher (--runtime deno): runs the bundled handler with the Deno binary beside it.
# Lambda starts this as the function's bootstrap, in /var/task (read-only; /tmp is writable).
case "$0" in */*) here="\${0%/*}" ;; *) here=. ;; esac
: "\${DENO_DIR:=/tmp/.deno}"
export DENO_DIR
${copyCache}export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
# V8's heap limits from the function's memory, as Lambda's Node.js runtime sets them: a tenth for
# the young generation (two semi-spaces), the rest for the old one. DENO_V8_FLAGS set by the user
# come after these, and V8 keeps the last value of a flag.
case "\${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-}" in
  "" | 0* | *[!0-9]*) ;;
  *)
    new_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10))
    semi_space=$((new_space / 2))
    [ "$semi_space" -ge 1 ] || semi_space=1
    old_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE - new_space))
    DENO_V8_FLAGS="--max-semi-space-size=$semi_space,--max-old-space-size=$old_space\${DENO_V8_FLAGS:+,$DENO_V8_FLAGS}"
    export DENO_V8_FLAGS
    ;;
esac
exec "$here/deno" run --allow-all --no-config --no-lock --no-remote --no-npm "$here/handler.js"
`;
}

/** The `bootstrap` of a `--runtime deno` package that ships no start-up cache. */
export const LAUNCHER: string = launcherScript();
