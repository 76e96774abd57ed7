/**
 * `deno task build <entry> [options]`: builds a Lambda function's deployment package.
 *
 * ```
 * deno task build examples/hello.ts                    # dist/x86_64/bootstrap(.zip)
 * deno task build examples/hello.ts --arch both        # and dist/arm64/…
 * deno task build examples/hello.ts --runtime deno     # launcher + Deno binary + bundle
 * ```
 *
 * Exit status: 0 built, 1 the build failed, 2 bad arguments.
 *
 * @module
 */

import { build, BuildError, type BuildOptions } from "./build.ts";
import { DenortError } from "./denort.ts";
import type { Arch } from "./targets.ts";
import {
  type FlagTable,
  oneOf,
  parseCommandLine,
  UsageError,
  usageFailure,
  wholeNumber,
} from "../ground/command_line.ts";

export type { Arch, BuildOptions, RuntimeKind } from "./build.ts";

/** The usage text. */
export const USAGE = `usage: deno task build <entry.ts> [options]

  --arch x86_64|arm64|both   Lambda architecture(s) (default x86_64)
  --runtime compiled|deno    compiled: deno compile into one binary (default);
                             deno: a bootstrap launcher, the Deno binary and the bundled handler
  --out DIR                  output directory (default dist)
  --no-bundle                compile the entry as is instead of a deno bundle (compiled only)
  --no-check                 skip type-checking the entry
  --offline                  never download a denort (compiled); fail if it is not cached
  --memory MB                the function's memory size (128-10240). compiled: bakes V8's heap
                             limits for it into the binary, as Lambda's Node.js runtime derives
                             them, and up to 512 MB the footprint flags. deno (default 128): the
                             launcher derives its flags at start-up; the start-up cache is made
                             for this size's (one profile up to 512 MB, full V8 tiers above),
                             and a function run at a size of the other profile starts without it
  --cache-dir DIR            cache for Deno binaries (deno; default ~/.cache/gopherless)
  --task-root DIR            where the package will run (deno; default /var/task, Lambda's):
                             the start-up cache it ships is made for that directory
  --no-start-cache           ship no start-up cache (deno)
  --layer                    split the package (deno; implies --runtime deno): a runtime layer
                             <arch>/layer.zip (the launcher as /opt/bootstrap, the Deno binary),
                             shared by every function of the same Deno and gopherless, and the
                             function's own <arch>/function.zip (docs/layer.md)
  --qemu PROGRAM             the qemu-user that runs the other architecture's deno to make its
                             start-up cache (deno; default qemu-aarch64-static or qemu-aarch64
                             on PATH, for arm64 on x86_64: docs/arm64.md)
  --deno-version X.Y.Z       Deno version to ship (deno; default: this Deno's)
  -h, --help                 this text

denort (the runtime deno compile builds on) comes from DENORT_BIN_X86_64 / DENORT_BIN_ARM64,
else DENORT_BIN, else Deno's cache ($DENO_DIR/dl/release/v<version>/denort-<target>.zip), else a
download from dl.deno.land.`;

export { UsageError } from "../ground/command_line.ts";

/** The flags of `deno task build`. */
const FLAGS = {
  arch: "string",
  runtime: "string",
  out: "string",
  "cache-dir": "string",
  "deno-version": "string",
  "task-root": "string",
  memory: "string",
  qemu: "string",
  "no-bundle": "boolean",
  "no-check": "boolean",
  "no-start-cache": "boolean",
  layer: "boolean",
  offline: "boolean",
} as const satisfies FlagTable;

/** The architectures `--arch` names. */
function archList(v: string): Arch[] {
  if (v === "both") return ["x86_64", "arm64"];
  if (v === "amd64" || v === "aarch64") {
    throw new UsageError(`--arch ${v}: Lambda calls it ${v === "amd64" ? "x86_64" : "arm64"}`);
  }
  return [oneOf("--arch", v, ["x86_64", "arm64", "both"] as const) as Arch];
}

/** Parses the command line into build options (`{ help: true }` for `--help`). */
export function parseArgs(args: string[]): BuildOptions | { help: true } {
  const { flags: f, positional, help } = parseCommandLine(args, FLAGS);
  if (help) return { help: true };
  if (positional.length === 0) throw new UsageError("missing the entry module");
  if (positional.length > 1) {
    throw new UsageError(`one entry module, not ${positional.length}: ${positional.join(" ")}`);
  }
  const opts: BuildOptions = { entry: positional[0] };
  if (f.arch !== undefined) opts.arch = archList(f.arch);
  if (f.runtime !== undefined) {
    opts.runtime = oneOf("--runtime", f.runtime, ["compiled", "deno"] as const);
  }
  if (f.out !== undefined) opts.out = f.out;
  if (f["cache-dir"] !== undefined) opts.cacheDir = f["cache-dir"];
  if (f["deno-version"] !== undefined) {
    if (!/^\d+\.\d+\.\d+$/.test(f["deno-version"])) {
      throw new UsageError(`--deno-version takes X.Y.Z, not ${f["deno-version"]}`);
    }
    opts.denoVersion = f["deno-version"];
  }
  if (f["no-bundle"]) opts.bundle = false;
  if (f["no-check"]) opts.check = false;
  if (f["task-root"] !== undefined) {
    if (!f["task-root"].startsWith("/")) {
      throw new UsageError(`--task-root takes an absolute path, not ${f["task-root"]}`);
    }
    opts.taskRoot = f["task-root"];
  }
  if (f["no-start-cache"]) opts.startCache = false;
  if (f.layer) {
    if (opts.runtime === "compiled") {
      throw new UsageError("--layer splits a --runtime deno package; drop --runtime compiled");
    }
    opts.runtime = "deno";
    opts.layer = true;
  }
  if (f.qemu !== undefined) opts.qemu = f.qemu;
  if (f.offline) opts.offline = true;
  if (f.memory !== undefined) {
    opts.memoryMb = wholeNumber("--memory", f.memory, 128, 10240, "Lambda's memory size in MB");
  }
  return checkCombination(opts);
}

/** Refuses options that do not go together. */
function checkCombination(opts: BuildOptions): BuildOptions {
  if (opts.runtime === "deno" && opts.bundle === false) {
    throw new UsageError("--runtime deno packages the bundled handler; drop --no-bundle");
  }
  if ((opts.taskRoot !== undefined || opts.startCache === false) && opts.runtime !== "deno") {
    throw new UsageError("--task-root and --no-start-cache are for --runtime deno");
  }
  if (opts.qemu !== undefined && (opts.runtime !== "deno" || opts.startCache === false)) {
    throw new UsageError("--qemu makes the start-up cache of a --runtime deno package");
  }
  if (opts.offline && opts.runtime === "deno") {
    throw new UsageError("--offline is about denort, which --runtime deno does not use");
  }
  return opts;
}

/** Runs the CLI with `args`; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let opts: BuildOptions | { help: true };
  try {
    opts = parseArgs(args);
  } catch (e) {
    return usageFailure(e, USAGE);
  }
  if ("help" in opts) {
    console.log(USAGE);
    return 0;
  }
  try {
    await build(opts);
    return 0;
  } catch (e) {
    if (e instanceof BuildError || e instanceof DenortError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
