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

import { build, BuildError, type BuildOptions, type RuntimeKind } from "./build.ts";
import { DenortError } from "./denort.ts";
import type { Arch } from "./targets.ts";

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
  --memory MB                the function's memory size (compiled): bakes V8's heap limits for
                             it into the binary, as Lambda's Node.js runtime derives them, and
                             up to 512 MB the launcher's footprint flags (a --runtime deno
                             launcher derives them at start-up by itself)
  --cache-dir DIR            cache for Deno binaries (deno; default ~/.cache/gopherless)
  --task-root DIR            where the package will run (deno; default /var/task, Lambda's):
                             the start-up cache it ships is made for that directory
  --no-start-cache           ship no start-up cache (deno)
  --deno-version X.Y.Z       Deno version to ship (deno; default: this Deno's)
  -h, --help                 this text

denort (the runtime deno compile builds on) comes from DENORT_BIN_X86_64 / DENORT_BIN_ARM64,
else DENORT_BIN, else Deno's cache ($DENO_DIR/dl/release/v<version>/denort-<target>.zip), else a
download from dl.deno.land.`;

/** A bad command line; the message says what is wrong. */
export class UsageError extends Error {
  /** Always `"UsageError"`. */
  override name = "UsageError";
}

/** Parses the command line into build options (`{ help: true }` for `--help`). */
export function parseArgs(args: string[]): BuildOptions | { help: true } {
  const opts: BuildOptions = { entry: "" };
  const entries: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    let inline: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, a);
      i++;
      return v;
    };
    switch (a) {
      case "-h":
      case "--help":
        return { help: true };
      case "--arch": {
        const v = take();
        if (v === "both") opts.arch = ["x86_64", "arm64"];
        else if (v === "x86_64" || v === "arm64") opts.arch = [v as Arch];
        else if (v === "amd64" || v === "aarch64") {
          throw new UsageError(
            `--arch ${v}: Lambda calls it ${v === "amd64" ? "x86_64" : "arm64"}`,
          );
        } else {throw new UsageError(
            `--arch must be x86_64, arm64 or both, not ${JSON.stringify(v)}`,
          );}
        break;
      }
      case "--runtime": {
        const v = take();
        if (v !== "compiled" && v !== "deno") {
          throw new UsageError(`--runtime must be compiled or deno, not ${JSON.stringify(v)}`);
        }
        opts.runtime = v as RuntimeKind;
        break;
      }
      case "--out":
        opts.out = take();
        break;
      case "--cache-dir":
        opts.cacheDir = take();
        break;
      case "--deno-version": {
        const v = take();
        if (!/^\d+\.\d+\.\d+$/.test(v)) {
          throw new UsageError(`--deno-version takes X.Y.Z, not ${v}`);
        }
        opts.denoVersion = v;
        break;
      }
      case "--no-bundle":
        opts.bundle = false;
        break;
      case "--no-check":
        opts.check = false;
        break;
      case "--task-root": {
        const v = take();
        if (!v.startsWith("/")) {
          throw new UsageError(`--task-root takes an absolute path, not ${v}`);
        }
        opts.taskRoot = v;
        break;
      }
      case "--no-start-cache":
        opts.startCache = false;
        break;
      case "--offline":
        opts.offline = true;
        break;
      case "--memory": {
        const v = take();
        if (!/^\d+$/.test(v) || Number(v) < 128 || Number(v) > 10240) {
          throw new UsageError(`--memory takes Lambda's memory size in MB (128–10240), not ${v}`);
        }
        opts.memoryMb = Number(v);
        break;
      }
      default:
        if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
        entries.push(a);
    }
  }
  if (entries.length === 0) throw new UsageError("missing the entry module");
  if (entries.length > 1) {
    throw new UsageError(`one entry module, not ${entries.length}: ${entries.join(" ")}`);
  }
  opts.entry = entries[0];
  if (opts.runtime === "deno" && opts.bundle === false) {
    throw new UsageError("--runtime deno packages the bundled handler; drop --no-bundle");
  }
  if (opts.memoryMb !== undefined && opts.runtime === "deno") {
    throw new UsageError(
      "--memory is for --runtime compiled; the --runtime deno launcher reads the memory size itself",
    );
  }
  if ((opts.taskRoot !== undefined || opts.startCache === false) && opts.runtime !== "deno") {
    throw new UsageError("--task-root and --no-start-cache are for --runtime deno");
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
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
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
