/**
 * gopherless's build: a Lambda handler module in, an uploadable `bootstrap.zip` out, for x86_64
 * and arm64, either `deno compile`d into one binary or as a launcher with the Deno binary and the
 * bundled handler. The command line is `deno task build` ({@link main}).
 *
 * @example
 * ```ts
 * import { build } from "./mod.ts";
 *
 * const report = await build({ entry: "examples/hello.ts", arch: ["x86_64", "arm64"] });
 * for (const a of report.artifacts) console.log(a.arch, a.zip, a.zipBytes);
 * ```
 *
 * @module
 */

export {
  type Arch,
  type Artifact,
  build,
  BuildError,
  type BuildOptions,
  type BuildReport,
  DEFAULT_MEMORY_MB,
  LAUNCHER,
  type LayerArtifact,
  type PackagedFile,
  type RuntimeKind,
  UNZIPPED_LIMIT,
  ZIP_DIRECT_UPLOAD_LIMIT,
} from "./build.ts";
export { main, parseArgs, USAGE, UsageError } from "./cli.ts";
export {
  CODE_FLAGS,
  type CodeProfile,
  codeProfile,
  heapFlags,
  type LauncherOptions,
  launcherScript,
  SMALL_FUNCTION_MB,
  SMALL_GC_FLAGS,
  v8Flags,
} from "./launcher.ts";
export {
  LAMBDA_TASK_ROOT,
  type PrimeOptions,
  primeStartCache,
  START_CACHE_DIR,
  type StartCache,
  StartCacheError,
  type StartCacheFile,
} from "./start_cache.ts";
export {
  bundle,
  BundleError,
  type BundleOptions,
  type BundleResult,
  RUNTIME_FOLDERS,
} from "./bundle.ts";
export {
  DenortError,
  type DenortSource,
  denortUrl,
  resolveDenort,
  type ResolveDenortOptions,
} from "./denort.ts";
export { type DenoBinary, denoBinary } from "./deno_binary.ts";
export { type Target, TARGETS } from "./targets.ts";
export { writeZip, type ZipEntry, type ZipOptions } from "./zip.ts";
export { crc32 } from "../ground/bytes.ts";
