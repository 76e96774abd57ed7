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
 * A small function (at most {@linkcode SMALL_FUNCTION_MB} MB) gets more than the limits
 * ({@linkcode v8Flags}): there the Deno process's own ~45 MB are a tenth of the function's memory or
 * more. At 128 MB, the resident memory of `examples/echo.ts` after 30,000 invokes of a 1 KB event
 * (`benchmarks/shipped_function.ts`) fell from 54–56 to 43–45 MiB over the Runtime API and from
 * 57–62 to 47–51 MiB over go1.x (the higher figures with an empty `DENO_DIR`), and it now stays
 * flat to 100,000 invokes, where it used to reach 61 MiB; per-invoke p50 stayed within noise of
 * what it was (0.85× and 1.04× aws-lambda-go's):
 *
 * - `--max-semi-space-size=1`: the young generation stays at the 1 MB semi-spaces V8 starts with
 *   on 64-bit instead of growing to Node's cap (6 MB at 128 MB; 12 MB of resident pages for the two
 *   semi-spaces). A function's garbage per invoke dies within the invoke, so the larger young
 *   generation bought nothing measurable: a scavenge every 20–40 invokes at 0.1–0.5 ms. About
 *   4 MiB. The old generation keeps Node's limit.
 * - `--max-opt=2`: Maglev is the top tier, not Turbofan, whose compiler is pages of the `deno`
 *   binary a process otherwise faults in as code gets hot (`RssFile`, about 4 MiB). A function this
 *   small has a fraction of a vCPU (a whole one at 1,769 MB), which makes Turbofan's compile time
 *   weigh more against its peak speed.
 * - `--single-threaded`: no V8 worker threads (concurrent compilation, marking, parallel
 *   scavenges), so no stacks or malloc arenas for them; about 1–2 MiB.
 * - `MALLOC_ARENA_MAX=1` (unless set): Deno allocates with glibc's malloc, which gives each thread
 *   that allocates an arena of its own; one arena for the process saves 2–3 MiB of `RssAnon`.
 *
 * Not adopted: `--jitless` (p50 doubled), `--lite-mode` and `--max-opt=1` (p50 up 40–80%);
 * `--max-lazy`, `--no-sparkplug`, `--no-opt` and glibc's `mmap_threshold`, `trim_threshold`,
 * `top_pad` and `mxfast` tunables (no change); `--no-expose-wasm` is not a flag of this V8.
 * A user's `DENO_V8_FLAGS` still win (`--max-opt=4` brings Turbofan back).
 *
 * A `deno compile`d binary (`--runtime compiled`) cannot do this at start-up: `denort` takes its
 * V8 flags only from what `deno compile --v8-flags` baked in and ignores `DENO_V8_FLAGS`, so
 * there the flags are fixed at build time for the memory size the build is told
 * ({@linkcode v8Flags}); it cannot set `MALLOC_ARENA_MAX` (an environment variable of the process,
 * set in the function's configuration if wanted).
 *
 * @module
 */

import { START_CACHE_DIR } from "./start_cache.ts";
import { DENO_RUNNER_VARIABLE } from "../protocol/launcher.ts";

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

/**
 * The largest memory size (MB) that {@linkcode v8Flags} treats as a small function: one whose
 * footprint matters more than peak speed (see the module docs).
 */
export const SMALL_FUNCTION_MB = 512;

/**
 * All V8 flags for a function of `memoryMb` MB: {@linkcode heapFlags}, and for a small function
 * (at most {@linkcode SMALL_FUNCTION_MB} MB) a young generation of 1 MB semi-spaces, Maglev as
 * the top tier and no V8 worker threads (see the module docs for what each buys). Empty for a
 * size that is not a positive integer. What the launcher passes, and what `--runtime compiled`
 * bakes in for `--memory`.
 *
 * @example
 * ```ts
 * import { v8Flags } from "./launcher.ts";
 * v8Flags(128); // ["--max-semi-space-size=1", "--max-old-space-size=116", "--max-opt=2", "--single-threaded"]
 * v8Flags(1024); // ["--max-semi-space-size=51", "--max-old-space-size=922"]
 * ```
 */
export function v8Flags(memoryMb: number): string[] {
  const flags = heapFlags(memoryMb);
  if (flags.length === 0 || memoryMb > SMALL_FUNCTION_MB) return flags;
  return ["--max-semi-space-size=1", flags[1], ...CODE_FLAGS.small];
}

/**
 * The flags of {@linkcode v8Flags} that change the code V8 makes, by start-up cache profile. V8
 * refuses a code cache made under other such flags (heap sizes do not count), so a package ships
 * one start-up cache per profile (`start_cache.ts`) and the launcher copies the one whose flags
 * it starts Deno with: `small` for a function of at most {@linkcode SMALL_FUNCTION_MB} MB,
 * `default` otherwise (and when the memory size is not set).
 */
export const CODE_FLAGS: Readonly<Record<CodeProfile, readonly string[]>> = {
  small: ["--max-opt=2", "--single-threaded"],
  default: [],
};

/** A start-up cache profile (see {@linkcode CODE_FLAGS}). */
export type CodeProfile = "small" | "default";

/** The `bootstrap` of a `--runtime deno` package (see the module docs for the heap limits). */
export function launcherScript(options: LauncherOptions = {}): string {
  const root = options.startCacheRoot;
  const absoluteHere = root === undefined
    ? ""
    : `# Started by a relative path (cd /var/task && ./bootstrap): the same directory, absolute.
case "$here" in /*) ;; .) here=$PWD ;; ./*) here="$PWD/\${here#./}" ;; *) here="$PWD/$here" ;; esac
`;
  const copyCache = root === undefined
    ? ""
    : `# The package ships Deno's module analysis and V8 code cache for its files at ${root}, one per
# set of V8 flags that change code (packaging/start_cache.ts): a fresh sandbox's empty DENO_DIR
# starts with the one for these flags instead of analysing and compiling every module again. A
# failed copy only costs that time.
if [ "$here" = ${shellQuote(root)} ] && [ ! -e "$DENO_DIR/v8_code_cache_v2" ]; then
  cp -R "$here/${START_CACHE_DIR}/$cache_profile/." "$DENO_DIR" 2>/dev/null || :
fi
`;
  return `#!/bin/sh
# gopherless launcher (--runtime deno): runs the bundled handler with the Deno binary beside it.
# Lambda starts this as the function's bootstrap, in /var/task (read-only; /tmp is writable).
case "$0" in */*) here="\${0%/*}" ;; *) here=. ;; esac
: "\${DENO_DIR:=/tmp/.deno}"
export DENO_DIR
${absoluteHere}export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
# V8's heap limits from the function's memory, as Lambda's Node.js runtime sets them: a tenth for
# the young generation (two semi-spaces), the rest for the old one. A function of 512 MB or less
# trades peak speed for footprint: 1 MB semi-spaces, Maglev as the top tier, no V8 worker
# threads, one malloc arena. DENO_V8_FLAGS set by the user come after these, and V8 keeps the
# last value of a flag; a MALLOC_ARENA_MAX set by the user is kept.
cache_profile=default
case "\${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-}" in
  "" | 0* | *[!0-9]*) ;;
  *)
    new_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10))
    semi_space=$((new_space / 2))
    [ "$semi_space" -ge 1 ] || semi_space=1
    old_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE - new_space))
    v8_flags="--max-semi-space-size=$semi_space,--max-old-space-size=$old_space"
    if [ "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" -le ${SMALL_FUNCTION_MB} ]; then
      v8_flags="--max-semi-space-size=1,--max-old-space-size=$old_space,${
    CODE_FLAGS.small.join(",")
  }"
      cache_profile=small
      : "\${MALLOC_ARENA_MAX:=1}"
      export MALLOC_ARENA_MAX
    fi
    DENO_V8_FLAGS="$v8_flags\${DENO_V8_FLAGS:+,$DENO_V8_FLAGS}"
    export DENO_V8_FLAGS
    ;;
esac
${copyCache}# ${DENO_RUNNER_VARIABLE}: a program to run deno through, unset on Lambda; the emulator sets it
# to qemu-user to run a package built for the other architecture (ground/qemu.ts).
exec \${${DENO_RUNNER_VARIABLE}:+"$${DENO_RUNNER_VARIABLE}"} "$here/deno" run --allow-all --no-config --no-lock --no-remote --no-npm "$here/handler.js"
`;
}

/** The `bootstrap` of a `--runtime deno` package that ships no start-up cache. */
export const LAUNCHER: string = launcherScript();
