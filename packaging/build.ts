/**
 * The build: a handler module in, one directory per Lambda architecture out, each holding what
 * goes into the function's package and `bootstrap.zip`, ready for `provided.al2023`:
 *
 * ```
 * dist/
 *   build.json                  what was built, with sizes against Lambda's limits
 *   x86_64/bootstrap            --runtime compiled: the `deno compile`d binary
 *   x86_64/bootstrap.zip        the deployment package (bootstrap with mode 0755)
 *   arm64/…
 * ```
 *
 * With `--runtime deno` each directory holds `bootstrap` (a launcher script), `deno` (Deno's
 * binary for the architecture, from its npm package), `handler.js` (the bundled handler), the
 * chunks it imports on demand (`*.js`: the code only one protocol uses, such as go1.x's gob and
 * net/rpc, is in a chunk of its own, so a start parses only its protocol's code) and a source map
 * beside each file (`handler.js.map`, `<chunk>.js.map`, read only to report an error's frames),
 * and `.deno-cache/` (Deno's module analysis and V8 code cache for those files, made at build time
 * for `/var/task` so that a cold start does not redo them: `start_cache.ts`); `bootstrap.zip`
 * holds them all. `--runtime compiled` compiles the same bundle, the chunks
 * and maps embedded beside it. With `--layer` the `--runtime deno` package is split in two,
 * `layer.zip` and `function.zip` (`layer_build.ts`); the parts both layouts share are in
 * `deno_package.ts`.
 *
 * The handler is bundled with `deno bundle` (see `bundle.ts`), resolved with the `deno.json`
 * found from the entry's directory upwards (its import map and compiler options), so `npm:`
 * packages, import-map names and `node_modules` all end up inside the bundle.
 *
 * For the legacy `go1.x` runtime the handler setting is the name of the executable in the zip,
 * so it is `bootstrap` there too.
 *
 * @module
 */

import { bundle, BundleError } from "./bundle.ts";
import { DenortError, type DenortSource, missingDenort, resolveDenort } from "./denort.ts";
import { defaultCacheDir, type DenoBinary } from "./deno_binary.ts";
import { type Arch, TARGETS } from "./targets.ts";
import { LAMBDA_TASK_ROOT } from "./start_cache.ts";
import { writeZipFile, type ZipEntry } from "./zip.ts";
import {
  codeProfile,
  LAUNCHER_CONFIG,
  LAUNCHER_SCRIPT,
  launcherConfig,
  launcherScript,
  v8Flags,
} from "./launcher.ts";
import { startHelper } from "./start_helper.ts";
import {
  type Artifact,
  type BuildBase,
  BuildError,
  type BundledHandler,
  type DenoPlan,
  limitMb,
  mb,
  UNZIPPED_LIMIT,
  ZIP_DIRECT_UPLOAD_LIMIT,
} from "./build_types.ts";
import { denoEntry, shipHandler, startHelperEntry, writeFileMode } from "./deno_package.ts";
import { bundleMismatchScript, packageLayered } from "./layer_build.ts";

export type { Arch } from "./targets.ts";
export type { DenortSource } from "./denort.ts";
export type { DenoBinary } from "./deno_binary.ts";
export type { Artifact, LayerArtifact, PackagedFile } from "./build_types.ts";
export { BuildError, mb, UNZIPPED_LIMIT, ZIP_DIRECT_UPLOAD_LIMIT } from "./build_types.ts";
export { LAUNCHER } from "./launcher.ts";

/**
 * The modification time of every file a build embeds: 1980-01-01 00:00 UTC, the time `zip.ts`
 * writes, so that the same inputs give the same bytes at any time of day.
 */
const FIXED_MTIME = new Date(Date.UTC(1980, 0, 1));

/** How the function is packaged. */
export type RuntimeKind = "compiled" | "deno";

/**
 * The memory size (MB) a `--runtime deno` function is built for when none is given: 128,
 * Lambda's default.
 */
export const DEFAULT_MEMORY_MB = 128;

/** Options of {@link build}. */
export interface BuildOptions {
  /** The handler module (a path). */
  entry: string;
  /** The architectures to build for. Default `["x86_64"]`. */
  arch?: Arch[];
  /** `compiled` (default): `deno compile`; `deno`: launcher + Deno binary + bundle. */
  runtime?: RuntimeKind;
  /** The output directory. Default `dist`. */
  out?: string;
  /** Bundle the handler with `deno bundle` first. Default `true` (required by `runtime: "deno"`). */
  bundle?: boolean;
  /** Type-check the entry with `deno check` first. Default `true`. */
  check?: boolean;
  /** Never download a `denort`; a missing one is an error at once. */
  offline?: boolean;
  /** The cache directory for Deno binaries (`runtime: "deno"`). */
  cacheDir?: string;
  /** The Deno version shipped by `runtime: "deno"`. Default: the running Deno's. */
  denoVersion?: string;
  /**
   * The function's memory size (MB). `runtime: "compiled"`: V8's heap limits and footprint flags
   * for it ({@linkcode v8Flags}) are baked into the binary with `deno compile --v8-flags`: a
   * compiled binary takes V8 flags only from there (it ignores `DENO_V8_FLAGS`), so it cannot
   * derive them from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` at start-up as the `--runtime deno`
   * launcher does; unset, none are baked (V8 sizes its heap for the machine). `runtime: "deno"`:
   * the launcher derives its flags at start-up, and the start-up cache is made under the
   * code-changing ones of this size ({@linkcode codeProfile}: one profile up to 512 MB, another
   * above); a function started at a size of the other profile starts without it. Default
   * {@linkcode DEFAULT_MEMORY_MB}.
   */
  memoryMb?: number;
  /**
   * `runtime: "deno"`: ship Deno's start-up cache for the package (`start_cache.ts`), made with
   * the shipped `deno`: directly for this machine's architecture, through qemu-user for the
   * other one ({@linkcode BuildOptions.qemu}; without it, that package ships none). Default
   * `true`.
   */
  startCache?: boolean;
  /**
   * `runtime: "deno"`: the qemu-user program (a path, or a name on `PATH`) that runs the other
   * architecture's `deno` to make its start-up cache (`ground/qemu.ts`). Default:
   * `qemu-aarch64-static` or `qemu-aarch64` on `PATH` (for arm64 on x86_64), and when there is
   * none the package ships without a cache (the build says so); a program named here that does
   * not work fails the build.
   */
  qemu?: string;
  /**
   * `runtime: "deno"`: the directory the package runs from, which the start-up cache is made
   * for. Default `/var/task`, where Lambda puts a function's code.
   */
  taskRoot?: string;
  /**
   * `runtime: "deno"`: split the package in two (`layer.ts`): a runtime layer (`layer.zip`: the
   * launcher as `/opt/bootstrap`, the Deno binary) shared by every function built with the same
   * Deno and gopherless, and the function's own zip (`function.zip`: the bundle and its start-up
   * cache, no `bootstrap`), which names the layer it was built for. Default `false`.
   */
  layer?: boolean;
  /** Where progress lines go. Default: stderr. */
  log?: (line: string) => void;
}

/** What {@link build} did; also written to `<out>/build.json`. */
export interface BuildReport {
  /** The entry module. */
  entry: string;
  /** The packaging. */
  runtime: RuntimeKind;
  /** Whether the handler was bundled. */
  bundled: boolean;
  /** The bundle's size, when bundled. */
  bundleBytes?: number;
  /** How many modules went into the bundle, when bundled. */
  bundleModules?: number;
  /** The `deno.json` the handler was checked and bundled with, if any. */
  config?: string;
  /** One per architecture. */
  artifacts: Artifact[];
}

/**
 * The project the entry belongs to: the nearest `deno.json` from its folder upwards (its import
 * map and compiler options); else, with none, the nearest `package.json` (a Node project, such as
 * a CDK app for Node: Deno resolves the entry's imports from its `package.json` and
 * `node_modules`, which it does only when it runs in that folder without `--no-config`).
 */
async function findProject(entry: string): Promise<{ config?: string; packageDir?: string }> {
  const isFile = async (path: string) => {
    try {
      return (await Deno.stat(path)).isFile;
    } catch {
      return false;
    }
  };
  let packageDir: string | undefined;
  let dir = entry.slice(0, entry.lastIndexOf("/")) || "/";
  for (;;) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      if (await isFile(`${dir}/${name}`)) return { config: `${dir}/${name}` };
    }
    if (packageDir === undefined && await isFile(`${dir}/package.json`)) packageDir = dir;
    if (dir === "/" || dir === "") return { packageDir };
    dir = dir.slice(0, dir.lastIndexOf("/")) || "/";
  }
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

async function runDeno(
  args: string[],
  env: Record<string, string>,
  unset: string[] = [],
  cwd?: string,
): Promise<{ success: boolean; stderr: string }> {
  const childEnv = Deno.env.toObject();
  for (const k of unset) delete childEnv[k];
  Object.assign(childEnv, env, { NO_COLOR: "1" });
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: childEnv,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { success: out.success, stderr: dec.decode(out.stderr) + dec.decode(out.stdout) };
}

/** The useful lines of a `deno` error (no stack backtrace). */
function denoErrorText(stderr: string): string {
  const cut = stderr.indexOf("Stack backtrace:");
  return (cut >= 0 ? stderr.slice(0, cut) : stderr).trim().split("\n").filter((l) =>
    !/^\s*$/.test(l)
  ).slice(-12).join("\n");
}

/** A `--runtime compiled` build: every architecture's `denort` is found before any work. */
interface CompiledPlan extends BuildBase {
  runtime: "compiled";
  /** Whether to compile the bundle (else the entry as is). */
  bundle: boolean;
  targets: { arch: Arch; denort: DenortSource }[];
  memoryMb?: number;
}

/** The handler as a package holds it: the bundle and what goes beside it, or the entry as is. */
type Handler = BundledHandler | { kind: "source"; path: string };

/** One architecture's package, before it is zipped. */
interface Packaged {
  entries: ZipEntry[];
  denort?: DenortSource;
  deno?: DenoBinary;
  denoVersion?: string;
  startCache?: Artifact["startCache"];
}

/** Builds `options.entry`; see the module docs for the layout. */
export async function build(options: BuildOptions): Promise<BuildReport> {
  const plan = await planBuild(options);
  if (options.check ?? true) await typeCheck(plan);
  const work = await Deno.makeTempDir({ prefix: "gopherless-build-" });
  try {
    let handler: Handler;
    const artifacts: Artifact[] = [];
    if (plan.runtime === "deno") {
      const bundled = await bundleHandler(plan, work);
      handler = bundled;
      const mismatch = plan.layer ? await bundleMismatchScript(plan) : undefined;
      for (const arch of plan.arches) {
        const dir = await freshDir(plan, arch);
        if (mismatch) {
          artifacts.push(await packageLayered(plan, arch, dir, bundled, mismatch));
          continue;
        }
        artifacts.push(
          await zipArtifact(plan, arch, dir, await packageDeno(plan, arch, dir, bundled)),
        );
      }
    } else {
      handler = plan.bundle
        ? await bundleHandler(plan, work)
        : { kind: "source", path: plan.entry };
      for (const { arch, denort } of plan.targets) {
        const dir = await freshDir(plan, arch);
        const packaged = await packageCompiled(plan, arch, denort, dir, handler);
        artifacts.push(await zipArtifact(plan, arch, dir, packaged));
      }
    }
    const report: BuildReport = {
      entry: plan.entryName,
      runtime: plan.runtime,
      bundled: handler.kind === "bundled",
      bundleBytes: handler.kind === "bundled" ? handler.code.length : undefined,
      bundleModules: handler.kind === "bundled" ? handler.modules : undefined,
      config: plan.config,
      artifacts,
    };
    await Deno.writeTextFile(`${plan.out}/build.json`, JSON.stringify(report, null, 2) + "\n");
    plan.log(
      `deploy: runtime provided.al2023, handler "bootstrap" (the legacy go1.x runtime takes the ` +
        `executable's name as the handler: also "bootstrap"), architecture ${
          artifacts.map((a) => a.arch).join(" / ")
        }`,
    );
    return report;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** Settles the options and finds what the build needs up front (the entry, its config, denorts). */
async function planBuild(options: BuildOptions): Promise<CompiledPlan | DenoPlan> {
  const entry = absolute(options.entry);
  const bundle = options.bundle ?? true;
  const arches = options.arch ?? ["x86_64"];
  if (options.layer && options.runtime !== "deno") {
    throw new BuildError("--layer splits a --runtime deno package; add --runtime deno");
  }
  if (options.runtime === "deno" && !bundle) {
    throw new BuildError("--runtime deno packages the bundled handler; drop --no-bundle");
  }
  try {
    if (!(await Deno.stat(entry)).isFile) throw new Error();
  } catch {
    throw new BuildError(`entry module not found: ${options.entry}`);
  }
  const { config, packageDir } = await findProject(entry);
  const base: BuildBase = {
    entryName: options.entry,
    entry,
    out: absolute(options.out ?? "dist"),
    config,
    packageDir,
    configArgs: config ? ["--config", config] : packageDir ? [] : ["--no-config"],
    log: options.log ?? ((line: string) => console.error(line)),
  };
  if (options.runtime === "deno") {
    return {
      ...base,
      runtime: "deno",
      arches,
      denoVersion: options.denoVersion ?? Deno.version.deno,
      cacheDir: options.cacheDir ?? defaultCacheDir(),
      startCache: options.startCache ?? true,
      taskRoot: options.taskRoot ?? LAMBDA_TASK_ROOT,
      qemu: options.qemu,
      layer: options.layer ?? false,
      memoryMb: options.memoryMb ?? DEFAULT_MEMORY_MB,
    };
  }
  // Find every denort before any work, so a missing one fails the build at once.
  const targets: CompiledPlan["targets"] = [];
  for (const arch of arches) {
    targets.push({
      arch,
      denort: await resolveDenort(TARGETS[arch], { offline: options.offline }),
    });
  }
  return { ...base, runtime: "compiled", bundle, targets, memoryMb: options.memoryMb };
}

async function typeCheck(plan: BuildBase): Promise<void> {
  plan.log(`check ${plan.entryName}`);
  const r = await runDeno(
    ["check", "--quiet", ...plan.configArgs, plan.entry],
    {},
    [],
    plan.packageDir,
  );
  if (!r.success) throw new BuildError(`type check failed:\n${denoErrorText(r.stderr)}`);
}

/** Bundles the entry into `work` (handler.js, its chunks and their source maps). */
async function bundleHandler(plan: BuildBase, work: string): Promise<BundledHandler> {
  let bundled: Awaited<ReturnType<typeof bundle>>;
  try {
    bundled = await bundle(plan.entry, {
      config: plan.config,
      packageDir: plan.packageDir,
      split: true,
    });
  } catch (e) {
    if (e instanceof BundleError) throw new BuildError(e.message);
    throw e;
  }
  const path = `${work}/handler.js`;
  await Deno.writeFile(path, bundled.code);
  const besides: ZipEntry[] = [{ name: "handler.js.map", data: bundled.map, mode: 0o644 }];
  for (const c of bundled.chunks) {
    besides.push(
      { name: c.name, data: c.code, mode: 0o644 },
      { name: `${c.name}.map`, data: c.map, mode: 0o644 },
    );
  }
  for (const b of besides) await Deno.writeFile(`${work}/${b.name}`, b.data);
  // `deno compile` records each embedded file's mtime: one fixed time, as the zip's.
  for (const name of ["handler.js", ...besides.map((b) => b.name)]) {
    await Deno.utime(`${work}/${name}`, FIXED_MTIME, FIXED_MTIME);
  }
  const chunkBytes = bundled.chunks.reduce((n, c) => n + c.code.length, 0);
  const mapBytes = besides.reduce((n, b) => n + (b.name.endsWith(".map") ? b.data.length : 0), 0);
  plan.log(
    `bundle ${plan.entryName}: ${bundled.modules} modules → ${bundled.code.length} bytes ` +
      `+ ${bundled.chunks.length} chunks of ${chunkBytes} bytes loaded on demand ` +
      `(source maps ${mapBytes} bytes)`,
  );
  return {
    kind: "bundled",
    path,
    code: bundled.code,
    chunks: bundled.chunks,
    modules: bundled.modules,
    besides,
  };
}

/** `<out>/<arch>`, emptied. */
async function freshDir(plan: BuildBase, arch: Arch): Promise<string> {
  const dir = `${plan.out}/${arch}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** `--runtime compiled`: `deno compile`s the handler into `<dir>/bootstrap`. */
async function packageCompiled(
  plan: CompiledPlan,
  arch: Arch,
  denort: DenortSource,
  dir: string,
  handler: Handler,
): Promise<Packaged> {
  const target = TARGETS[arch];
  plan.log(
    `${arch}: denort from ${denort.kind === "env" ? denort.variable : denort.kind}` +
      ` (${denort.kind === "download" ? denort.url : denort.path})`,
  );
  const bin = `${dir}/bootstrap`;
  const args = ["compile", "--allow-all", "--no-check", "--target", target.triple];
  if (plan.memoryMb !== undefined) args.push(`--v8-flags=${v8Flags(plan.memoryMb).join(",")}`);
  if (handler.kind === "bundled") {
    args.push("--no-config", "--no-lock");
    // The chunks are dynamic imports of the bundle; the maps are read at run time.
    const work = handler.path.slice(0, handler.path.lastIndexOf("/"));
    for (const b of handler.besides) args.push("--include", `${work}/${b.name}`);
  } else args.push(...plan.configArgs);
  args.push("--output", bin, handler.path);
  const env: Record<string, string> = denort.kind === "env" ? { DENORT_BIN: denort.path } : {};
  const r = await runDeno(args, env, ["DENORT_BIN"], plan.packageDir);
  if (!r.success) {
    if (denort.kind === "download") {
      const e = missingDenort(
        target,
        Deno.version.deno,
        denort.cachePath,
        denort.url,
        "the download failed",
      );
      throw new DenortError(`${e.message}\n\ndeno compile said:\n${denoErrorText(r.stderr)}`);
    }
    throw new BuildError(`deno compile for ${target.triple} failed:\n${denoErrorText(r.stderr)}`);
  }
  return { entries: [{ name: "bootstrap", data: await Deno.readFile(bin), mode: 0o755 }], denort };
}

/** `--runtime deno`: the launcher, Deno's binary, the bundle and the start-up cache, in `dir`. */
async function packageDeno(
  plan: DenoPlan,
  arch: Arch,
  dir: string,
  handler: BundledHandler,
): Promise<Packaged> {
  const { deno, entry } = await denoEntry(plan, arch);
  const shipped = await shipHandler(plan, arch, dir, `${dir}/deno`, handler, [
    entry,
    startHelperEntry(arch),
  ]);
  const { entries } = shipped;
  const script = new TextEncoder().encode(
    launcherScript({
      startCacheRoot: shipped.startCacheRoot,
      startCacheFiles: shipped.startCacheFiles,
      startCacheProfile: codeProfile(plan.memoryMb),
    }),
  );
  // With a start-up cache, `bootstrap` is the native launcher (`native/start.c`), which starts
  // Deno itself in the plain case and runs the script beside it in any other; without one, the
  // script is the `bootstrap`.
  const leading: ZipEntry[] = shipped.startCacheRoot === undefined
    ? [{ name: "bootstrap", data: script, mode: 0o755 }]
    : [
      { name: "bootstrap", data: startHelper(arch), mode: 0o755 },
      {
        name: LAUNCHER_CONFIG,
        data: new TextEncoder().encode(launcherConfig({
          memoryMb: plan.memoryMb,
          startCacheRoot: shipped.startCacheRoot,
          startCacheFiles: shipped.startCacheFiles,
        })),
        mode: 0o644,
      },
      { name: LAUNCHER_SCRIPT, data: script, mode: 0o755 },
    ];
  entries.unshift(...leading);
  for (const e of leading) await writeFileMode(`${dir}/${e.name}`, e.data, e.mode ?? 0o644);
  return { entries, deno, denoVersion: plan.denoVersion, startCache: shipped.startCache };
}

/** Zips one architecture's package and measures it against Lambda's limits. */
async function zipArtifact(
  plan: BuildBase,
  arch: Arch,
  dir: string,
  packaged: Packaged,
): Promise<Artifact> {
  const zipped = await writeZipFile(`${dir}/bootstrap.zip`, packaged.entries);
  const { zip: zipPath, zipBytes, unzippedBytes } = zipped;
  const artifact: Artifact = {
    arch,
    dir,
    ...zipped,
    zipWithinDirectUpload: zipBytes <= ZIP_DIRECT_UPLOAD_LIMIT,
    unzippedWithinLimit: unzippedBytes <= UNZIPPED_LIMIT,
    denort: packaged.denort,
    deno: packaged.deno,
    denoVersion: packaged.denoVersion,
    startCache: packaged.startCache,
  };
  plan.log(
    `${arch}: ${zipPath}  zip ${mb(zipBytes)} of ${limitMb(ZIP_DIRECT_UPLOAD_LIMIT)} ` +
      `direct upload${artifact.zipWithinDirectUpload ? "" : " (TOO LARGE: upload through S3)"}` +
      `, unzipped ${mb(unzippedBytes)} of ${limitMb(UNZIPPED_LIMIT)}` +
      `${artifact.unzippedWithinLimit ? "" : " (TOO LARGE for Lambda)"}`,
  );
  return artifact;
}
