/**
 * The `bootstrap` of a `--runtime deno` package, and V8's flags for a function's memory.
 *
 * Lambda's Node.js runtime sizes V8's heap from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (a tenth for the
 * young generation, the rest for the old); without such limits V8 sizes its heap for the host,
 * which has far more memory than the function. The launcher passes the same limits to Deno
 * through `DENO_V8_FLAGS` (before the user's own, so that theirs win), and for a small function
 * trades peak speed for footprint, where Deno's own ~45 MB weigh most ({@linkcode v8Flags}).
 * On a cold start it has the package's start-up cache (`start_cache.ts`) copied into an empty
 * `DENO_DIR` by `gopherless-start` (`start_helper.ts`, a static program beside `deno`), which
 * checks it is the one the build wrote (a damaged V8 code cache crashes Deno, which does not
 * check its payload) and then becomes Deno: one exec in the chain, where `cksum` and `cp` cost
 * two processes. Deno cannot read the cache where the package holds it (it opens its caches at
 * start, before any module runs, and keeps them in memory when their folder is read-only), and a
 * copy cut short leaves a truncated database Deno survives, so the check is for damage in the
 * package itself. The script runs under any POSIX shell, and finds its folder when started
 * through a link. A `deno compile`d binary (`--runtime compiled`) ignores `DENO_V8_FLAGS`: its
 * flags are baked in at build time for the memory size the build is told. What each flag buys,
 * what the launcher's steps cost and what was tried and not adopted: BENCHMARKS.md.
 *
 * @module
 */

import { START_CACHE_DIR } from "./start_cache.ts";
import { START_HELPER, startHelperFileArgs } from "./start_helper.ts";
import { DENO_RUNNER_VARIABLE } from "../protocol/launcher.ts";
import { isolateHeap, MIN_OLD_SPACE_MB, WORKER_COUNT_VARIABLE } from "../runtime/worker_count.ts";

/**
 * V8 flags for a function of `memoryMb` MB, as Lambda's Node.js runtime derives them:
 * `--max-semi-space-size` = memory / 10 / 2, `--max-old-space-size` = memory − memory / 10
 * (integer division, MB). In a concurrent environment served by `isolates` isolates (Lambda
 * Managed Instances, `runtime/workers.ts`), each isolate's share of them
 * (`runtime/worker_count.ts`' `isolateHeap`): V8's flags hold for every isolate of the process,
 * worker threads included. Empty for a size that is not a positive integer.
 *
 * @example
 * ```ts
 * import { heapFlags } from "./launcher.ts";
 * heapFlags(128); // ["--max-semi-space-size=6", "--max-old-space-size=116"]
 * heapFlags(2048, 2); // ["--max-semi-space-size=51", "--max-old-space-size=922"]
 * ```
 */
export function heapFlags(memoryMb: number, isolates = 1): string[] {
  const heap = isolateHeap(memoryMb, isolates);
  if (heap === undefined) return [];
  return [`--max-semi-space-size=${heap.semiSpaceMb}`, `--max-old-space-size=${heap.oldSpaceMb}`];
}

/** Quotes `text` for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Options of {@link launcherScript}. */
export interface LauncherOptions {
  /**
   * The package ships Deno's start-up cache for this directory (`start_cache.ts`): when started
   * from there (however the path is spelled) with no cache in `DENO_DIR` yet, the launcher copies
   * it in first.
   */
  startCacheRoot?: string;
  /**
   * The start-up cache's files as the package holds them (`.deno-cache/<file>`): the launcher has
   * `gopherless-start` (`start_helper.ts`, beside `deno`) copy them only when each has the size
   * and hash it has here (a damaged cache is left out, and Deno starts without it). Without them,
   * it copies unchecked, with `cp`.
   */
  startCacheFiles?: readonly { name: string; data: Uint8Array }[];
  /**
   * The profile of the V8 flags the start-up cache is made under ({@linkcode CODE_FLAGS}): the
   * launcher copies it only when it starts Deno with that profile's flags (V8 would refuse its
   * code cache under the other's). Default `small`.
   */
  startCacheProfile?: CodeProfile;
}

/**
 * The largest memory size (MB) the launcher computes flags for: larger than any Lambda offers
 * (10,240 MB), small enough that no shell's arithmetic overflows. A larger value is ignored, as an
 * unset one is.
 */
export const MAX_MEMORY_MB = 999_999;

/**
 * The largest memory size (MB) that {@linkcode v8Flags} treats as a small function: one whose
 * footprint matters more than peak speed, since Deno's own ~45 MB are a tenth of it or more.
 */
export const SMALL_FUNCTION_MB = 512;

/**
 * All V8 flags for a function of `memoryMb` MB served by `isolates` isolates (1 but in a
 * concurrent environment): {@linkcode heapFlags}, and for a small function (at most
 * {@linkcode SMALL_FUNCTION_MB} MB) a young generation of 1 MB semi-spaces (its garbage dies
 * within an invoke), the small profile's {@linkcode CODE_FLAGS} (Maglev as the top tier) and
 * {@linkcode SMALL_GC_FLAGS} (garbage collected and code optimized on the main thread); the launcher gives it one
 * malloc arena. A larger function keeps every tier and V8's worker threads (its memory buys CPU,
 * which Turbofan uses), with the default profile's {@linkcode CODE_FLAGS} (when the old generation
 * is marked); so does a size that is not a positive integer, as the launcher does with no size. What
 * the launcher passes, and what `--runtime compiled` bakes in for `--memory`. Each one's measured
 * effect: BENCHMARKS.md.
 *
 * @example
 * ```ts
 * import { v8Flags } from "./launcher.ts";
 * v8Flags(128); // ["--max-semi-space-size=1", "--max-old-space-size=116", "--max-opt=2", "--single-threaded-gc", "--no-concurrent-recompilation"]
 * v8Flags(1024); // [...heapFlags(1024), ...CODE_FLAGS.default]
 * ```
 */
export function v8Flags(memoryMb: number, isolates = 1): string[] {
  const flags = heapFlags(memoryMb, isolates);
  if (flags.length === 0 || memoryMb > SMALL_FUNCTION_MB) return [...flags, ...CODE_FLAGS.default];
  return ["--max-semi-space-size=1", flags[1], ...CODE_FLAGS.small, ...SMALL_GC_FLAGS];
}

/**
 * The flags {@linkcode v8Flags} adds for a small function that do not change the code V8 makes
 * (outside V8's code flag hash, so not part of {@linkcode CODE_FLAGS}): garbage collection on the
 * main thread only (`--single-threaded-gc`: no parallel scavenges or concurrent marking threads to
 * pay for), and Maglev's optimizing compiles on the main thread too
 * (`--no-concurrent-recompilation`: a compile job's zones, allocated on a worker thread and kept by
 * malloc, held 3.5–4.8 MiB more after 30,000 invokes at 128 MB, at no cost in CPU per invoke).
 * Not `--single-threaded`: it makes Deno run V8 on a single-threaded platform under which garbage
 * and ArrayBuffers are collected so late that a stream of 1 MB events peaked near 170 MiB
 * resident, past a 128 MB function's limit.
 */
export const SMALL_GC_FLAGS: readonly string[] = [
  "--single-threaded-gc",
  "--no-concurrent-recompilation",
];

/**
 * A start-up cache profile: the code-changing V8 flags the launcher passes at a memory size
 * ({@linkcode CODE_FLAGS}, {@linkcode codeProfile}).
 */
export type CodeProfile = "small" | "default";

/**
 * The flags of {@linkcode v8Flags} that V8 hashes into every code cache, by profile: `small`
 * (Maglev as the top tier, since Turbofan's compiler is pages of the binary to fault in) for a
 * function of at most {@linkcode SMALL_FUNCTION_MB} MB; `default` (every tier) above it and when
 * no memory size is set, with the old generation marked once it is 80% of its limit (90%: at
 * once) instead of V8's own rule. That rule starts marking whenever the old generation has less
 * room left than the young generation holds, which with the large young generation of a big
 * function under a concurrent load (Managed Instances) is all the time: an isolate of
 * `benchmarks/managed_instances.ts` finished a full collection of a 6 MB heap every 50–90 ms, and
 * the marking took more CPU than the work it freed (BENCHMARKS.md). A sequential function's young
 * generation stays small and is not marked either way. V8 refuses a code cache made under other
 * flags of those it hashes (these; not heap sizes), so a package ships the start-up cache of one
 * profile, the one of the memory size it is built for (`deno task build --memory`), and the
 * launcher copies it only when it starts Deno with that profile's flags.
 */
export const CODE_FLAGS: Readonly<Record<CodeProfile, readonly string[]>> = {
  small: ["--max-opt=2"],
  default: [
    "--incremental-marking-soft-trigger=80",
    "--incremental-marking-hard-trigger=90",
  ],
};

/**
 * The profile of the flags the launcher passes at `memoryMb` MB: `small` for a whole number of
 * MB from 1 to {@linkcode SMALL_FUNCTION_MB}, else `default` (as for an unset memory size).
 *
 * @example
 * ```ts
 * import { codeProfile } from "./launcher.ts";
 * codeProfile(128); // "small"
 * codeProfile(1024); // "default"
 * ```
 */
export function codeProfile(memoryMb: number): CodeProfile {
  return Number.isSafeInteger(memoryMb) && memoryMb >= 1 && memoryMb <= SMALL_FUNCTION_MB
    ? "small"
    : "default";
}

/** The part of the launcher that copies the start-up cache (see {@link LauncherOptions}). */
function copyCacheScript(
  root: string,
  profile: CodeProfile,
  main: string,
  files?: LauncherOptions["startCacheFiles"],
): string {
  const body = files === undefined
    ? `  cp -R "$cache/." "$DENO_DIR" 2>/dev/null || :\n`
    : `  # Checked and copied by ${START_HELPER}, which then becomes Deno: V8 does not check a code
  # cache's payload, and a damaged one crashes Deno. One exec on a cold start, where cksum and cp
  # were two processes more (BENCHMARKS.md, "The launcher's cold-start steps").
  exec ${runThrough(`"$here/${START_HELPER}"`)} "$cache" "$DENO_DIR" ${
      startHelperFileArgs(files).map(shellQuote).join(" ")
    } \\
    ${denoCommand(main)}
`;
  return `# Deno's module analysis and V8 code cache for the package, made at build time for ${root}
# under the ${profile} profile's V8 flags that change code (packaging/start_cache.ts): copied only
# when Deno runs under them (V8 refuses a code cache made under others). The folder is compared by
# identity (every spelling of it, a link to it), and Deno is given it as the cache spells it.
if [ "$here" -ef ${shellQuote(root)} ]; then
  here=${shellQuote(root)}
fi
if [ "$cache_profile" = ${profile} ] && [ "$here" = ${shellQuote(root)} ] &&
  [ ! -e "$DENO_DIR/v8_code_cache_v2" ]; then
  cache="$here/${START_CACHE_DIR}"
${body}fi
`;
}

/** Digits of the largest count the launcher reads (concurrency: Lambda's is at most 1,600). */
const MAX_COUNT_DIGITS = 6;

/** Digits of the largest cgroup CPU quota or period the launcher reads (µs; a second is 7). */
const MAX_QUOTA_DIGITS = 9;

/** A shell `case` pattern for what is not a positive decimal of at most `digits` digits. */
function notPositive(digits: number): string {
  return `"" | 0* | *[!0-9]* | ${"?".repeat(digits + 1)}*`;
}

/**
 * The part of the launcher that sets `isolates`: how many isolates the runtime will run, by the
 * rule of `runtime/worker_count.ts`' `workerCount` (the override, else the cgroup's CPU quota
 * and the CPUs the process may run on, never more than the concurrency), so that each isolate's
 * heap flags are its share. 1 unless `AWS_LAMBDA_MAX_CONCURRENCY` is above 1: a sequential start
 * runs no process for it. An override the shell does not read as plain decimal digits is taken
 * as unset here.
 */
function isolatesScript(): string {
  const count = notPositive(MAX_COUNT_DIGITS);
  const quota = notPositive(MAX_QUOTA_DIGITS);
  return `    # How many isolates share the memory in a concurrent environment (Lambda Managed Instances;
    # runtime/worker_count.ts has the same rule): ${WORKER_COUNT_VARIABLE}, else the CPUs of the
    # cgroup's quota and of the process's affinity, never more than the concurrency.
    isolates=1
    case "\${AWS_LAMBDA_MAX_CONCURRENCY:-}" in
      ${count} | 1) ;;
      *)
        case "\${${WORKER_COUNT_VARIABLE}:-}" in
          ${count})
            isolates=$(nproc 2>/dev/null) || isolates=1
            case "$isolates" in ${count}) isolates=1 ;; esac
            quota=max period=100000
            if [ -r /sys/fs/cgroup/cpu.max ]; then
              read -r quota period < /sys/fs/cgroup/cpu.max || :
            else
              for d in cpu cpu,cpuacct cpuacct,cpu; do
                [ -r "/sys/fs/cgroup/$d/cpu.cfs_quota_us" ] || continue
                read -r quota < "/sys/fs/cgroup/$d/cpu.cfs_quota_us" || :
                read -r period < "/sys/fs/cgroup/$d/cpu.cfs_period_us" || :
                break
              done
            fi
            case "$quota" in
              ${quota}) ;;
              *)
                case "\${period:-100000}" in
                  ${quota}) ;;
                  *)
                    quota=$(((quota + \${period:-100000} - 1) / \${period:-100000}))
                    [ "$quota" -ge "$isolates" ] || isolates=$quota
                    ;;
                esac
                ;;
            esac
            ;;
          *) isolates=$${WORKER_COUNT_VARIABLE} ;;
        esac
        [ "$isolates" -le "$AWS_LAMBDA_MAX_CONCURRENCY" ] || isolates=$AWS_LAMBDA_MAX_CONCURRENCY
        ;;
    esac
`;
}

/** The launcher's first lines: its own folder, Deno's settings, V8's flags for the memory size. */
function preamble(what: string): string {
  return `#!/bin/sh
# gopherless launcher (--runtime deno${what}
# POSIX sh: Lambda's /bin/sh is bash, but dash or busybox ash may run it as well.
self=$0
# Started through a link (layers and images start runtimes that way): the file it links to. Only
# then does it cost a process.
if [ -L "$self" ]; then self=$(readlink -f -- "$self" 2>/dev/null) || self=$0; fi
case "$self" in */*) here="\${self%/*}" ;; *) here=. ;; esac
: "\${DENO_DIR:=/tmp/.deno}"
export DENO_DIR
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
# V8's heap limits from the function's memory, as Lambda's Node.js runtime sets them: a tenth for
# the young generation (two semi-spaces), the rest for the old one; in a concurrent environment,
# each isolate's share (V8's flags hold for every isolate of the process, worker threads too).
# A function of ${SMALL_FUNCTION_MB} MB or less trades peak speed for footprint: 1 MB semi-spaces,
# Maglev as the top tier (the "small" profile of the flags that change code, which a start-up
# cache must be made under to be taken), garbage collected and code optimized on the main thread,
# one malloc arena. DENO_V8_FLAGS set by
# the user come after these, and V8 keeps the last value of a flag; a MALLOC_ARENA_MAX set by the
# user is kept. A size with more than ${String(MAX_MEMORY_MB).length}
# digits is none Lambda gives: ignored, before any shell's arithmetic could overflow on it.
v8_flags=
cache_profile=default
case "\${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-}" in
  "" | 0* | *[!0-9]* | ${"?".repeat(String(MAX_MEMORY_MB).length + 1)}*) ;;
  *)
${isolatesScript()}    new_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10))
    semi_space=$((new_space / 2))
    old_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE - new_space))
    if [ "$isolates" -gt 1 ]; then
      semi_space=$((semi_space / isolates))
      old_space=$((old_space / isolates))
      [ "$old_space" -ge ${MIN_OLD_SPACE_MB} ] || old_space=${MIN_OLD_SPACE_MB}
    fi
    [ "$semi_space" -ge 1 ] || semi_space=1
    v8_flags="--max-semi-space-size=$semi_space,--max-old-space-size=$old_space"
    if [ "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" -le ${SMALL_FUNCTION_MB} ]; then
      v8_flags="--max-semi-space-size=1,--max-old-space-size=$old_space,${
    [...CODE_FLAGS.small, ...SMALL_GC_FLAGS].join(",")
  }"
      cache_profile=small
      : "\${MALLOC_ARENA_MAX:=1}"
      export MALLOC_ARENA_MAX
    fi
    ;;
esac
# Above ${SMALL_FUNCTION_MB} MB and with no size: when the old generation starts being marked (V8 hashes
# these with the code flags, so the start-up cache is made under them too).
if [ "$cache_profile" = default ]; then
  v8_flags="\${v8_flags:+$v8_flags,}${CODE_FLAGS.default.join(",")}"
fi
if [ -n "$v8_flags" ]; then
  DENO_V8_FLAGS="$v8_flags\${DENO_V8_FLAGS:+,$DENO_V8_FLAGS}"
  export DENO_V8_FLAGS
fi
`;
}

/**
 * `program` run through the emulator's runner when it names one: `${DENO_RUNNER_VARIABLE}`, unset
 * on Lambda; the emulator sets it to qemu-user to run a package built for the other architecture
 * (`ground/qemu.ts`).
 */
function runThrough(program: string): string {
  return `\${${DENO_RUNNER_VARIABLE}:+"$${DENO_RUNNER_VARIABLE}"} ${program}`;
}

/** The command that runs `main` with the `deno` beside the launcher. */
function denoCommand(main: string): string {
  return `${
    runThrough(`"$here/deno"`)
  } run --allow-all --no-config --no-lock --no-remote --no-npm ${main}`;
}

/** The launcher's last line: Deno, run through the emulator's runner when it names one. */
function execDeno(main: string): string {
  return `# ${DENO_RUNNER_VARIABLE}: a program to run deno through, unset on Lambda; the emulator sets it
# to qemu-user to run a package built for the other architecture (ground/qemu.ts).
exec ${denoCommand(main)}
`;
}

/** The `bootstrap` of a `--runtime deno` package (see the module docs). */
export function launcherScript(options: LauncherOptions = {}): string {
  const root = options.startCacheRoot;
  const copyCache = root === undefined ? "" : copyCacheScript(
    root,
    options.startCacheProfile ?? "small",
    `"$here/handler.js"`,
    options.startCacheFiles,
  );
  return preamble(`): runs the bundled handler with the Deno binary beside it.
# Lambda starts this as the function's bootstrap, in /var/task (read-only; /tmp is writable).`) +
    copyCache + execDeno(`"$here/handler.js"`);
}

/** The launcher script's name in a one-zip package, beside the native `bootstrap`. */
export const LAUNCHER_SCRIPT = "bootstrap.sh";

/** The native `bootstrap`'s settings file, beside it (`launcherConfig`). */
export const LAUNCHER_CONFIG = "bootstrap.conf";

/** Options of {@link launcherConfig}. */
export interface LauncherConfigOptions {
  /** The memory size (MB) the package is built for (`deno task build --memory`). */
  memoryMb: number;
  /** The task root its start-up cache is made for. */
  startCacheRoot: string;
  /** The start-up cache's files as the package holds them (`.deno-cache/<file>`). */
  startCacheFiles: readonly { name: string; data: Uint8Array }[];
  /**
   * The runtime layer the function is built for ({@link FUNCTION_CONFIG}); none for a one-zip
   * package's {@link LAUNCHER_CONFIG}.
   */
  layerId?: string;
}

/**
 * {@link LAUNCHER_CONFIG}: what the native `bootstrap` (`native/start.c`) needs to start the
 * function itself in the plain case (the memory size it was built for, a sequential environment,
 * its task root): that size, the V8 flags {@linkcode v8Flags} gives it, the malloc arenas a small
 * function gets, the task root, and the start-up cache's files as `gopherless-start` takes them.
 * In any other case the native `bootstrap` runs {@link LAUNCHER_SCRIPT}, so these values are the
 * script's own for that size (`tests/packaging/native_start_test.ts` compares the two).
 */
export function launcherConfig(options: LauncherConfigOptions): string {
  const { memoryMb } = options;
  if (!Number.isSafeInteger(memoryMb) || memoryMb < 1 || memoryMb > MAX_MEMORY_MB) {
    throw new RangeError(`not a memory size the launcher takes: ${memoryMb}`);
  }
  const lines = [
    `memory=${memoryMb}`,
    `v8_flags=${v8Flags(memoryMb).join(",")}`,
    `malloc_arena_max=${memoryMb <= SMALL_FUNCTION_MB ? "1" : ""}`,
    `root=${options.startCacheRoot}`,
    `cache=${startHelperFileArgs(options.startCacheFiles).join(" ")}`,
    ...options.layerId === undefined ? [] : [`layer=${options.layerId}`],
  ];
  for (const line of lines) {
    if (line.includes("\n") || line.includes("\0")) throw new Error(`not one line: ${line}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * A runtime layer's {@link LAUNCHER_CONFIG}, beside its native `bootstrap`: the layer's id only.
 * The rest comes from the function's {@link FUNCTION_CONFIG}, which must name the same layer.
 */
export function layerConfig(layerId: string): string {
  if (/[\n\0]/.test(layerId)) throw new Error(`not one line: ${layerId}`);
  return `layer=${layerId}\n`;
}

/**
 * The native settings of a function built for a runtime layer, at its task root beside
 * {@link FUNCTION_MANIFEST}: {@link launcherConfig}'s lines for the function and the layer's id.
 * The layer's native `bootstrap` reads them to start the function itself in the plain case
 * (`native/start.c`); in any other it runs the layer's script, which reads the manifest.
 */
export const FUNCTION_CONFIG = "gopherless-function.conf";

/**
 * The file a function built for a runtime layer holds at its task root, which the layer's
 * launcher reads (`.` in the shell: no process) before anything else of the function.
 */
export const FUNCTION_MANIFEST = "gopherless-function.sh";

/** The file of a runtime layer that reports a function built for another layer (`layer_mismatch.ts`). */
export const LAYER_MISMATCH_SCRIPT = "gopherless-layer-mismatch.js";

/** The variables the layer's launcher hands {@link LAYER_MISMATCH_SCRIPT}. */
export const MISMATCH_VARIABLES = {
  /** The layer the function was built for (empty: the task root holds no such function). */
  wanted: "GOPHERLESS_LAYER_WANTED",
  /** The layer that started it. */
  have: "GOPHERLESS_LAYER_HAVE",
  /** Where the function's manifest was looked for. */
  manifest: "GOPHERLESS_LAYER_MANIFEST",
} as const;

/**
 * The `bootstrap` of a runtime layer (`deno task build --layer`), unzipped by Lambda into `/opt`:
 * it runs the function in `LAMBDA_TASK_ROOT` (`/var/task`) with the Deno binary beside it, once
 * the function's manifest ({@link functionManifest}) says it was built for this very layer
 * (`layerId`); else it runs {@link LAYER_MISMATCH_SCRIPT}, which reports the mismatch as an init
 * error, and the function never runs on a layer it was not built for.
 */
export function layerLauncherScript(layerId: string): string {
  const m = MISMATCH_VARIABLES;
  return preamble(` runtime layer ${layerId}): runs the function in
# LAMBDA_TASK_ROOT (/var/task) with the Deno binary beside this file (/opt), when the function was
# built for this layer; else reports the mismatch as an init error.`) +
    `task="\${LAMBDA_TASK_ROOT:-/var/task}"
gopherless_layer=
gopherless_cache_root=
gopherless_cache_profile=
gopherless_cache_files=
if [ -f "$task/${FUNCTION_MANIFEST}" ]; then . "$task/${FUNCTION_MANIFEST}"; fi
if [ "$gopherless_layer" != ${shellQuote(layerId)} ]; then
  ${m.wanted}="$gopherless_layer" ${m.have}=${
      shellQuote(layerId)
    } ${m.manifest}="$task/${FUNCTION_MANIFEST}"
  export ${m.wanted} ${m.have} ${m.manifest}
  ${execDeno(`"$here/${LAYER_MISMATCH_SCRIPT}"`).replaceAll("\n", "\n  ").trimEnd()}
fi
# The function's start-up cache, made at build time for its task root with this layer's deno
# under the profile of V8 flags its manifest names, copied when Deno runs under that profile by
# ${START_HELPER} (beside this file), which checks each file's size and hash against the manifest's
# and then becomes Deno: the same rules as a one-zip package's launcher. (The manifest's file list
# is split into words: names, sizes and hex digits only.)
if [ -n "$gopherless_cache_root" ] && [ "$task" -ef "$gopherless_cache_root" ]; then
  task=$gopherless_cache_root
fi
if [ "$cache_profile" = "$gopherless_cache_profile" ] && [ "$task" = "$gopherless_cache_root" ] &&
  [ ! -e "$DENO_DIR/v8_code_cache_v2" ]; then
  cache="$task/${START_CACHE_DIR}"
  if [ -n "$gopherless_cache_files" ]; then
    exec ${runThrough(`"$here/${START_HELPER}"`)} "$cache" "$DENO_DIR" $gopherless_cache_files \\
      ${denoCommand(`"$task/handler.js"`)}
  fi
  echo "gopherless: the start-up cache in $cache is damaged or missing; starting without it" >&2
fi
` + execDeno(`"$task/handler.js"`);
}

/** Options of {@link functionManifest}. */
export interface FunctionManifestOptions {
  /** The layer the function is built for. */
  layerId: string;
  /** The task root its start-up cache is made for (none: it ships none). */
  startCacheRoot?: string;
  /** The start-up cache's files as the function's zip holds them (`.deno-cache/<file>`). */
  startCacheFiles?: readonly { name: string; data: Uint8Array }[];
  /** The profile of V8 flags the start-up cache is made under. Default `small`. */
  startCacheProfile?: CodeProfile;
}

/**
 * {@link FUNCTION_MANIFEST}: shell assignments only (the layer's launcher sources it): the layer
 * the function was built for, and its start-up cache's root, profile, and files (their count,
 * then each one's name, size and hash, as `gopherless-start` takes them: `start_helper.ts`).
 */
export function functionManifest(options: FunctionManifestOptions): string {
  const lines = [
    "# gopherless: a function built for a runtime layer (deno task build --layer); the layer's",
    "# launcher reads this first and runs the function only on the layer named here.",
    `gopherless_layer=${shellQuote(options.layerId)}`,
  ];
  const root = options.startCacheRoot;
  if (root !== undefined && options.startCacheFiles) {
    lines.push(`gopherless_cache_root=${shellQuote(root)}`);
    lines.push(`gopherless_cache_profile=${options.startCacheProfile ?? "small"}`);
    lines.push(
      `gopherless_cache_files=${
        shellQuote(startHelperFileArgs(options.startCacheFiles).join(" "))
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The `bootstrap` of a `--runtime deno` package that ships no start-up cache. */
export const LAUNCHER: string = launcherScript();
