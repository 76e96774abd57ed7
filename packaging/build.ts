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
 * and maps embedded beside it.
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

import { bundle, type BundleChunk, BundleError } from "./bundle.ts";
import { DenortError, type DenortSource, missingDenort, resolveDenort } from "./denort.ts";
import { defaultCacheDir, type DenoBinary, denoBinary } from "./deno_binary.ts";
import { type Arch, hostArch, TARGETS } from "./targets.ts";
import {
  LAMBDA_TASK_ROOT,
  primeStartCache,
  START_CACHE_DIR,
  type StartCache,
  StartCacheError,
} from "./start_cache.ts";

export type { Arch } from "./targets.ts";
export type { DenortSource } from "./denort.ts";
export type { DenoBinary } from "./deno_binary.ts";
import { type CompressedData, compressEntry, writeZip, type ZipEntry } from "./zip.ts";
import { CODE_FLAGS, launcherScript, v8Flags } from "./launcher.ts";
export { LAUNCHER } from "./launcher.ts";

/** Lambda's limit on a zip uploaded directly (not through S3): 50 MB. */
export const ZIP_DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;
/** Lambda's limit on a function's unzipped package, layers included: 250 MB. */
export const UNZIPPED_LIMIT = 250 * 1024 * 1024;

/**
 * The modification time of every file a build embeds: 1980-01-01 00:00 UTC, the time `zip.ts`
 * writes, so that the same inputs give the same bytes at any time of day.
 */
const FIXED_MTIME = new Date(Date.UTC(1980, 0, 1));

/** How the function is packaged. */
export type RuntimeKind = "compiled" | "deno";

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
   * `runtime: "compiled"`: the function's memory size (MB). V8's heap limits and footprint flags
   * for it ({@linkcode v8Flags}) are baked into the binary with `deno compile --v8-flags`: a compiled
   * binary takes V8 flags only from there (it ignores `DENO_V8_FLAGS`), so it cannot derive them
   * from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` at start-up as the `--runtime deno` launcher does.
   * Unset: none baked (V8 sizes its heap for the machine).
   */
  memoryMb?: number;
  /**
   * `runtime: "deno"`: ship Deno's start-up cache for the package (`start_cache.ts`), made with
   * the shipped `deno` (so only for this machine's architecture). Default `true`.
   */
  startCache?: boolean;
  /**
   * `runtime: "deno"`: the directory the package runs from, which the start-up cache is made
   * for. Default `/var/task`, where Lambda puts a function's code.
   */
  taskRoot?: string;
  /** Where progress lines go. Default: stderr. */
  log?: (line: string) => void;
}

/** A file of a built package. */
export interface PackagedFile {
  /** Its name inside the zip. */
  name: string;
  /** Its size in bytes. */
  bytes: number;
  /** Its Unix mode. */
  mode: number;
}

/** One architecture's output. */
export interface Artifact {
  /** The architecture. */
  arch: Arch;
  /** The directory holding the files and the zip. */
  dir: string;
  /** The files of the package. */
  files: PackagedFile[];
  /** The package's unzipped size. */
  unzippedBytes: number;
  /** The zip's path. */
  zip: string;
  /** The zip's size. */
  zipBytes: number;
  /** Whether the zip fits a direct upload (50 MB); else upload it through S3. */
  zipWithinDirectUpload: boolean;
  /** Whether the unzipped package fits Lambda's 250 MB. */
  unzippedWithinLimit: boolean;
  /** `runtime: "compiled"`: where the `denort` came from. */
  denort?: DenortSource;
  /** `runtime: "deno"`: where the Deno binary came from. */
  deno?: DenoBinary;
  /**
   * `runtime: "deno"`: the start-up cache shipped in `.deno-cache/` (the directory it is made
   * for, the modules it covers, its size), or why there is none.
   */
  startCache?: {
    taskRoot: string;
    modules: number;
    /**
     * Of those, the runtime's own chunks, cached with every function compiled (`eager` in
     * `start_cache.ts`).
     */
    eagerModules: number;
    /** The launcher's V8 flag profiles it is made for (`CODE_FLAGS` in `launcher.ts`). */
    profiles: string[];
    bytes: number;
    warning?: string;
  } | {
    skipped: string;
  };
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

/** A build failure whose message is meant for the user as is. */
export class BuildError extends Error {
  /** Always `"BuildError"`. */
  override name = "BuildError";
}

async function findConfig(entry: string): Promise<string | undefined> {
  let dir = entry.slice(0, entry.lastIndexOf("/")) || "/";
  for (;;) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        if ((await Deno.stat(`${dir}/${name}`)).isFile) return `${dir}/${name}`;
      } catch {
        // keep looking
      }
    }
    if (dir === "/" || dir === "") return undefined;
    dir = dir.slice(0, dir.lastIndexOf("/")) || "/";
  }
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/**
 * The Deno binary's zip entry data, compressed once and kept in the cache directory: deflating
 * ~95 MB takes most of a build, and the binary only changes with its version.
 */
async function compressedDeno(
  path: string,
  data: Uint8Array,
  cacheDir: string,
): Promise<CompressedData> {
  const st = await Deno.stat(path);
  const key = `${path.replace(/[^A-Za-z0-9.-]+/g, "_")}-${st.size}-${st.mtime?.getTime() ?? 0}`;
  const dir = `${cacheDir}/deflated`;
  const file = `${dir}/${key}`;
  try {
    const cached = await Deno.readFile(file);
    const crc = new DataView(cached.buffer, cached.byteOffset).getUint32(0);
    return { crc32: crc, deflated: cached.subarray(4) };
  } catch {
    // not cached yet
  }
  const c = await compressEntry(data);
  try {
    await Deno.mkdir(dir, { recursive: true });
    const out = new Uint8Array(4 + c.deflated.length);
    new DataView(out.buffer).setUint32(0, c.crc32);
    out.set(c.deflated, 4);
    const tmp = `${file}.${Deno.pid}.tmp`;
    await Deno.writeFile(tmp, out);
    await Deno.rename(tmp, file);
  } catch {
    // an unwritable cache only costs time
  }
  return c;
}

/** `n` bytes, in MB (MiB, as Lambda counts them). */
export function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

async function runDeno(
  args: string[],
  env: Record<string, string>,
  unset: string[] = [],
): Promise<{ success: boolean; stderr: string }> {
  const childEnv = Deno.env.toObject();
  for (const k of unset) delete childEnv[k];
  Object.assign(childEnv, env, { NO_COLOR: "1" });
  const out = await new Deno.Command(Deno.execPath(), {
    args,
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

/** Builds `options.entry`; see the module docs for the layout. */
export async function build(options: BuildOptions): Promise<BuildReport> {
  const log = options.log ?? ((line: string) => console.error(line));
  const runtime = options.runtime ?? "compiled";
  const arches = options.arch ?? ["x86_64"];
  const out = absolute(options.out ?? "dist");
  const doBundle = options.bundle ?? true;
  const entry = absolute(options.entry);
  if (runtime === "deno" && !doBundle) {
    throw new BuildError("--runtime deno packages the bundled handler; drop --no-bundle");
  }
  try {
    if (!(await Deno.stat(entry)).isFile) throw new Error();
  } catch {
    throw new BuildError(`entry module not found: ${options.entry}`);
  }
  const config = await findConfig(entry);
  const configArgs = config ? ["--config", config] : ["--no-config"];

  // Find every denort before any work, so a missing one fails the build at once.
  const denorts = new Map<Arch, DenortSource>();
  if (runtime === "compiled") {
    for (const arch of arches) {
      denorts.set(arch, await resolveDenort(TARGETS[arch], { offline: options.offline }));
    }
  }

  if (options.check ?? true) {
    log(`check ${options.entry}`);
    const r = await runDeno(["check", "--quiet", ...configArgs, entry], {});
    if (!r.success) throw new BuildError(`type check failed:\n${denoErrorText(r.stderr)}`);
  }

  const work = await Deno.makeTempDir({ prefix: "gopherless-build-" });
  try {
    let input = entry;
    let bundled:
      | { code: Uint8Array; map: Uint8Array; chunks: BundleChunk[]; modules: number }
      | undefined;
    // The files beside handler.js (chunks and every source map), as the package holds them.
    const besides: ZipEntry[] = [];
    if (doBundle) {
      try {
        bundled = await bundle(entry, { config, split: true });
      } catch (e) {
        if (e instanceof BundleError) throw new BuildError(e.message);
        throw e;
      }
      input = `${work}/handler.js`;
      await Deno.writeFile(input, bundled.code);
      besides.push({ name: "handler.js.map", data: bundled.map, mode: 0o644 });
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
      log(
        `bundle ${options.entry}: ${bundled.modules} modules → ${bundled.code.length} bytes ` +
          `+ ${bundled.chunks.length} chunks of ${chunkBytes} bytes loaded on demand ` +
          `(source maps ${
            besides.reduce((n, b) => n + (b.name.endsWith(".map") ? b.data.length : 0), 0)
          } bytes)`,
      );
    }

    const artifacts: Artifact[] = [];
    for (const arch of arches) {
      const target = TARGETS[arch];
      const dir = `${out}/${arch}`;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.mkdir(dir, { recursive: true });
      const entries: ZipEntry[] = [];
      let denort: DenortSource | undefined;
      let deno: DenoBinary | undefined;
      let startCache: Artifact["startCache"];

      if (runtime === "compiled") {
        denort = denorts.get(arch)!;
        log(
          `${arch}: denort from ${denort.kind === "env" ? denort.variable : denort.kind}` +
            ` (${denort.kind === "download" ? denort.url : denort.path})`,
        );
        const bin = `${dir}/bootstrap`;
        const args = ["compile", "--allow-all", "--no-check", "--target", target.triple];
        if (options.memoryMb !== undefined) {
          args.push(`--v8-flags=${v8Flags(options.memoryMb).join(",")}`);
        }
        if (doBundle) {
          args.push("--no-config", "--no-lock");
          // The chunks are dynamic imports of the bundle; the maps are read at run time.
          for (const b of besides) args.push("--include", `${work}/${b.name}`);
        } else args.push(...configArgs);
        args.push("--output", bin, input);
        const env: Record<string, string> = denort.kind === "env"
          ? { DENORT_BIN: denort.path }
          : {};
        const r = await runDeno(args, env, ["DENORT_BIN"]);
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
          throw new BuildError(
            `deno compile for ${target.triple} failed:\n${denoErrorText(r.stderr)}`,
          );
        }
        entries.push({ name: "bootstrap", data: await Deno.readFile(bin), mode: 0o755 });
      } else {
        try {
          deno = await denoBinary(
            target,
            options.denoVersion ?? Deno.version.deno,
            options.cacheDir ?? defaultCacheDir(),
          );
        } catch (e) {
          throw new BuildError(e instanceof Error ? e.message : String(e));
        }
        log(
          `${arch}: deno ${
            options.denoVersion ?? Deno.version.deno
          } from ${deno.source} (${deno.path})`,
        );
        const denoData = await Deno.readFile(deno.path);
        const cacheDir = options.cacheDir ?? defaultCacheDir();
        entries.push(
          {
            name: "deno",
            data: denoData,
            mode: 0o755,
            compressed: await compressedDeno(deno.path, denoData, cacheDir),
          },
          { name: "handler.js", data: bundled!.code, mode: 0o644 },
          ...besides,
        );
        for (const e of entries) {
          await Deno.writeFile(`${dir}/${e.name}`, e.data, { mode: e.mode });
          await Deno.chmod(`${dir}/${e.name}`, e.mode!);
        }
        const taskRoot = options.taskRoot ?? LAMBDA_TASK_ROOT;
        let cacheRoot: string | undefined;
        if (options.startCache === false) {
          startCache = { skipped: "not asked for (--no-start-cache)" };
        } else if (hostArch() !== arch) {
          startCache = { skipped: `the ${arch} deno cannot run on this machine to make it` };
        } else {
          try {
            // One cache per set of code-changing V8 flags the launcher may start Deno with.
            let bytes = 0;
            let cache: StartCache | undefined;
            for (const [profile, flags] of Object.entries(CODE_FLAGS)) {
              cache = await primeStartCache({
                deno: `${dir}/deno`,
                dir,
                modules: [
                  "handler.js",
                  ...besides.filter((b) => b.name.endsWith(".js")).map((b) => b.name),
                ],
                taskRoot,
                v8Flags: [...flags],
                eager: bundled!.chunks.filter((c) => c.runtimeOnly).map((c) => c.name),
              });
              await Deno.mkdir(`${dir}/${START_CACHE_DIR}/${profile}`, { recursive: true });
              for (const f of cache.files) {
                const name = `${START_CACHE_DIR}/${profile}/${f.name}`;
                entries.push({ name, data: f.data, mode: 0o644 });
                await Deno.writeFile(`${dir}/${name}`, f.data, { mode: 0o644 });
                bytes += f.data.length;
              }
            }
            cacheRoot = cache!.taskRoot;
            startCache = {
              taskRoot: cache!.taskRoot,
              modules: cache!.modules,
              eagerModules: cache!.eagerModules,
              profiles: Object.keys(CODE_FLAGS),
              bytes,
              warning: cache!.warning,
            };
            log(
              `${arch}: start-up cache for ${cache!.modules} modules at ${cache!.taskRoot} ` +
                `(${cache!.eagerModules} of the runtime's fully compiled; ` +
                `${Object.keys(CODE_FLAGS).join(" and ")} V8 flags, ${mb(bytes)})` +
                (cache!.warning ? `; the priming run said:\n${cache!.warning}` : ""),
            );
          } catch (e) {
            if (!(e instanceof StartCacheError)) throw e;
            startCache = { skipped: e.message };
          }
        }
        if (startCache && "skipped" in startCache) {
          log(`${arch}: no start-up cache: ${startCache.skipped}`);
        }
        const launcher = new TextEncoder().encode(launcherScript({ startCacheRoot: cacheRoot }));
        entries.unshift({ name: "bootstrap", data: launcher, mode: 0o755 });
        await Deno.writeFile(`${dir}/bootstrap`, launcher, { mode: 0o755 });
        await Deno.chmod(`${dir}/bootstrap`, 0o755);
      }

      const zip = await writeZip(entries);
      const zipPath = `${dir}/bootstrap.zip`;
      await Deno.writeFile(zipPath, zip);
      const unzippedBytes = entries.reduce((n, e) => n + e.data.length, 0);
      const artifact: Artifact = {
        arch,
        dir,
        files: entries.map((e) => ({ name: e.name, bytes: e.data.length, mode: e.mode ?? 0o644 })),
        unzippedBytes,
        zip: zipPath,
        zipBytes: zip.length,
        zipWithinDirectUpload: zip.length <= ZIP_DIRECT_UPLOAD_LIMIT,
        unzippedWithinLimit: unzippedBytes <= UNZIPPED_LIMIT,
        denort,
        deno,
        startCache,
      };
      artifacts.push(artifact);
      log(
        `${arch}: ${dir}/bootstrap.zip  zip ${mb(zip.length)} of 50 MB direct upload` +
          `${artifact.zipWithinDirectUpload ? "" : " (TOO LARGE: upload through S3)"}` +
          `, unzipped ${mb(unzippedBytes)} of 250 MB` +
          `${artifact.unzippedWithinLimit ? "" : " (TOO LARGE for Lambda)"}`,
      );
    }

    const report: BuildReport = {
      entry: options.entry,
      runtime,
      bundled: doBundle,
      bundleBytes: bundled?.code.length,
      bundleModules: bundled?.modules,
      config,
      artifacts,
    };
    await Deno.writeTextFile(`${out}/build.json`, JSON.stringify(report, null, 2) + "\n");
    log(
      `deploy: runtime provided.al2023, handler "bootstrap" (the legacy go1.x runtime takes the ` +
        `executable's name as the handler: also "bootstrap"), architecture ${arches.join(" / ")}`,
    );
    return report;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
