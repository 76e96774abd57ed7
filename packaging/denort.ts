/**
 * Where `deno compile` gets its `denort` (the runtime-only Deno every compiled binary is made of)
 * for a target, and a clear error when it cannot get one.
 *
 * `deno compile` itself (Deno 2.x, `cli/standalone/binary.rs`) reads the base binary from:
 * 1. `DENORT_BIN`, a path to an unpacked `denort`, read as is with no check of its target (it only
 *    has to be an executable format `libsui` can append a section to; an x86_64 `denort` given
 *    for an arm64 build would give a binary that cannot run, silently);
 * 2. else `$DENO_DIR/dl/release/v<version>/denort-<triple>.zip`, its download cache;
 * 3. else it downloads `https://dl.deno.land/release/v<version>/denort-<triple>.zip` into 2.
 *
 * The build honours the same order and adds, for builds of both architectures at once, the
 * per-architecture variables `DENORT_BIN_X86_64` and `DENORT_BIN_ARM64` (taking precedence over
 * `DENORT_BIN`). A `DENORT_BIN*` file is checked before use: it must exist and be an ELF
 * executable for the target's machine. With `offline`, a missing cache is an error at once
 * instead of a download attempt.
 *
 * @module
 */

import { elfMachine, machineName, readHead, type Target } from "./targets.ts";

export type { Arch, Target } from "./targets.ts";

/** How `deno compile` will get the `denort` of one target. */
export type DenortSource =
  | { kind: "env"; variable: string; path: string }
  | { kind: "cache"; path: string }
  | { kind: "download"; url: string; cachePath: string };

/** The failure to find (or use) a `denort`; its message says what is missing and how to fix it. */
export class DenortError extends Error {
  /** Always `"DenortError"`. */
  override name = "DenortError";
}

/** The URL Deno downloads the `denort` of `triple` from, for Deno `version`. */
export function denortUrl(version: string, triple: string): string {
  return `https://dl.deno.land/release/v${version}/denort-${triple}.zip`;
}

/** `$DENO_DIR` as the `deno` at `denoExe` sees it. */
export async function denoDir(denoExe: string = Deno.execPath()): Promise<string> {
  const fromEnv = Deno.env.get("DENO_DIR");
  if (fromEnv) return fromEnv;
  const out = await new Deno.Command(denoExe, {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).output();
  if (out.success) {
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { denoDir?: string };
    if (info.denoDir) return info.denoDir;
  }
  const home = Deno.env.get("HOME") ?? "/root";
  return `${Deno.env.get("XDG_CACHE_HOME") ?? `${home}/.cache`}/deno`;
}

/** The path of the cached `denort` archive for `triple`, under `dir` (a `$DENO_DIR`). */
export function denortCachePath(dir: string, version: string, triple: string): string {
  return `${dir}/dl/release/v${version}/denort-${triple}.zip`;
}

/** The environment variables that can name a `denort` for `target`, in order of precedence. */
export function denortVariables(target: Target): string[] {
  return [`DENORT_BIN_${target.arch.toUpperCase()}`, "DENORT_BIN"];
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Options of {@link resolveDenort}. */
export interface ResolveDenortOptions {
  /** Deno's version (default: the running Deno's). */
  version?: string;
  /** `$DENO_DIR` (default: as `deno info` reports it). */
  denoDir?: string;
  /** Never plan a download: a missing cache is an error. */
  offline?: boolean;
  /** The environment (default: `Deno.env`). */
  env?: (name: string) => string | undefined;
}

/**
 * Finds the `denort` for `target`, or throws a {@link DenortError} saying what is missing and how
 * to get it.
 */
export async function resolveDenort(
  target: Target,
  options: ResolveDenortOptions = {},
): Promise<DenortSource> {
  const env = options.env ?? ((n: string) => Deno.env.get(n));
  const version = options.version ?? Deno.version.deno;
  for (const variable of denortVariables(target)) {
    const path = env(variable);
    if (!path) continue;
    let head: Uint8Array;
    try {
      head = await readHead(path);
    } catch (e) {
      throw new DenortError(
        `${variable}=${path}: cannot read it (${e instanceof Error ? e.message : e}). ` +
          `${variable} must name an unpacked denort binary for ${target.triple}.`,
      );
    }
    const machine = elfMachine(head);
    if (machine !== target.elfMachine) {
      throw new DenortError(
        `${variable}=${path} is ${machineName(machine)}, but the ${target.arch} build needs a ` +
          `denort for ${target.triple}` +
          (variable === "DENORT_BIN"
            ? `; for a build of both architectures set DENORT_BIN_X86_64 and DENORT_BIN_ARM64.`
            : "."),
      );
    }
    return { kind: "env", variable, path };
  }
  const dir = options.denoDir ?? await denoDir();
  const cachePath = denortCachePath(dir, version, target.triple);
  if (await exists(cachePath)) return { kind: "cache", path: cachePath };
  const url = denortUrl(version, target.triple);
  if (options.offline) throw missingDenort(target, version, cachePath, url, "--offline is set");
  return { kind: "download", url, cachePath };
}

/** The error for a `denort` that is neither named, cached nor downloadable. */
export function missingDenort(
  target: Target,
  version: string,
  cachePath: string,
  url: string,
  why: string,
): DenortError {
  const [perArch] = denortVariables(target);
  return new DenortError(
    [
      `deno compile needs denort ${version} for ${target.triple} (the runtime every compiled ` +
      `binary is built on), and there is none here (${why}):`,
      `  - DENORT_BIN / ${perArch} are not set;`,
      `  - the offline cache ${cachePath} does not exist;`,
      `  - the download ${url} ${why === "--offline is set" ? "was not tried" : "failed"}.`,
      `To fix, on a machine that can reach dl.deno.land either`,
      `  - fetch ${url} and copy it to ${cachePath} (Deno's own cache, used as is), or`,
      `  - unzip it and point ${perArch} (or DENORT_BIN for a one-architecture build) at the ` +
      `\`denort\` inside;`,
      `or build with --runtime deno, which needs only the npm registry (it ships the Deno binary ` +
      `from the ${target.denoPackage} npm package next to the bundled handler).`,
    ].join("\n"),
  );
}
