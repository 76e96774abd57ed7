/**
 * What the build's steps share (`build.ts` orchestrates them; `deno_package.ts` and
 * `layer_build.ts` make a `--runtime deno` package and a runtime layer): the report's types,
 * Lambda's size limits, the plan the steps follow, and the build's error.
 *
 * @module
 */

import type { Arch } from "./targets.ts";
import type { BundleChunk } from "./bundle.ts";
import type { DenortSource } from "./denort.ts";
import type { DenoBinary } from "./deno_binary.ts";
import type { ZipEntry } from "./zip.ts";
import type { CodeProfile } from "./launcher.ts";

/** Lambda's limit on a zip uploaded directly (not through S3): 50 MB. */
export const ZIP_DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

/** Lambda's limit on a function's unzipped package, layers included: 250 MB. */
export const UNZIPPED_LIMIT = 250 * 1024 * 1024;

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
  /** `runtime: "deno"`: the version of the Deno binary the package ships. */
  denoVersion?: string;
  /**
   * `layer: true`: the runtime layer the function is built for (`zip` and `files` above are then
   * the function's own zip, which holds no `bootstrap`).
   */
  layer?: LayerArtifact;
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
    /**
     * The memory size (MB) it is made for (`deno task build --memory`, default 128): V8 takes it
     * at every size of the same profile, and the launcher copies it only at those.
     */
    memoryMb: number;
    /** The profile of the V8 flags that change code it is made under (`launcher.ts`). */
    profile: CodeProfile;
    /** Those flags (`CODE_FLAGS[profile]` in `launcher.ts`). */
    v8Flags: string[];
    bytes: number;
    warning?: string;
  } | {
    skipped: string;
  };
}

/** The runtime layer of a `layer: true` build (`BuildOptions.layer` in `build.ts`). */
export interface LayerArtifact {
  /**
   * The layer's identity: a hash of everything in it (the Deno binary, the launcher, the
   * gopherless and Deno versions, the architecture). The function's zip names it; the layer's
   * launcher refuses a function built for another.
   */
  id: string;
  /** The gopherless version that built it. */
  gopherlessVersion: string;
  /** The Deno version it ships. */
  denoVersion: string;
  /** The directory holding its files (as Lambda puts them in `/opt`). */
  dir: string;
  /** Its files. */
  files: PackagedFile[];
  /** Its unzipped size. */
  unzippedBytes: number;
  /** The zip's path (`<arch>/layer.zip`). */
  zip: string;
  /** The zip's size. */
  zipBytes: number;
}

/** A build failure whose message is meant for the user as is. */
export class BuildError extends Error {
  /** Always `"BuildError"`. */
  override name = "BuildError";
}

/** `n` bytes, in MB (MiB, as Lambda counts them). */
export function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** `n` bytes as a whole number of MB, the way Lambda states its limits ("50 MB"). */
export function limitMb(n: number): string {
  return `${n / 1024 / 1024} MB`;
}

/** What every build step needs to know, settled before any work. */
export interface BuildBase {
  /** The entry as the user gave it (for messages and the report). */
  entryName: string;
  /** The entry's absolute path. */
  entry: string;
  /** The absolute output directory. */
  out: string;
  /** The `deno.json` found from the entry upwards, if any. */
  config?: string;
  /** The folder of the `package.json` found instead, if any: Deno runs there to resolve. */
  packageDir?: string;
  /**
   * `--config <file>`, else nothing in a `package.json` project, else `--no-config`, for
   * `deno check` and an unbundled compile.
   */
  configArgs: string[];
  log: (line: string) => void;
}

/** A `--runtime deno` build: always of the bundle. */
export interface DenoPlan extends BuildBase {
  runtime: "deno";
  layer: boolean;
  arches: Arch[];
  denoVersion: string;
  cacheDir: string;
  startCache: boolean;
  taskRoot: string;
  qemu?: string;
  /**
   * The memory size (MB) the function is built for: its start-up cache is made under the V8
   * flags the launcher passes at that size (`codeProfile` in `launcher.ts`).
   */
  memoryMb: number;
}

/** The bundled handler, written to the work directory. */
export interface BundledHandler {
  kind: "bundled";
  /** `handler.js` in the work directory. */
  path: string;
  code: Uint8Array;
  chunks: BundleChunk[];
  modules: number;
  /** The files beside `handler.js` (chunks and every source map), as the package holds them. */
  besides: ZipEntry[];
}
