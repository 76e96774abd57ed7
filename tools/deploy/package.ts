/**
 * The deployment package `deploy` uploads: built from a handler module through the packaging
 * tool, or taken as a zip. It is checked before anything reaches AWS: a `bootstrap` at the
 * root (what `provided.al2023` runs), the CPU architecture of the binary inside, and the size
 * against Lambda's 50 MB direct-upload limit.
 *
 * @module
 */

import {
  type Arch,
  build,
  type RuntimeKind,
  TARGETS,
  ZIP_DIRECT_UPLOAD_LIMIT,
} from "../../packaging/mod.ts";
import { DeployError } from "./errors.ts";

/** A deployment package ready to upload. */
export interface DeployPackage {
  /** Where the zip is. */
  path: string;
  /** Its bytes. */
  bytes: Uint8Array;
  /** SHA-256 of the zip, base64: what Lambda reports as `CodeSha256`. */
  sha256: string;
  /** The architecture of the ELF binary in it (`bootstrap`, or the `deno` a launcher runs). */
  arch?: Arch;
  /** Built with `--layer`: the runtime layer the function's zip goes with (docs/layer.md). */
  layer?: LayerPackage;
}

/** A runtime layer ready to publish. */
export interface LayerPackage {
  /** Its id (the build's), which its published version's description names. */
  id: string;
  /** Where its zip is. */
  path: string;
  /** The zip's bytes. */
  bytes: Uint8Array;
  /** SHA-256 of the zip, base64: what Lambda reports as the layer version's `CodeSha256`. */
  sha256: string;
}

/** One file of a zip, as its central directory lists it. */
interface ZipFile {
  name: string;
  method: number;
  compressedSize: number;
  localHeader: number;
}

function listZip(zip: Uint8Array): ZipFile[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new DeployError("not a zip file (no end of central directory record)");
  const count = v.getUint16(end + 10, true);
  let p = v.getUint32(end + 16, true);
  const files: ZipFile[] = [];
  const utf8 = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (p + 46 > zip.length || v.getUint32(p, true) !== 0x02014b50) {
      throw new DeployError("not a valid zip file (bad central directory)");
    }
    const nameLen = v.getUint16(p + 28, true);
    files.push({
      name: utf8.decode(zip.subarray(p + 46, p + 46 + nameLen)),
      method: v.getUint16(p + 10, true),
      compressedSize: v.getUint32(p + 20, true),
      localHeader: v.getUint32(p + 42, true),
    });
    p += 46 + nameLen + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
  return files;
}

/** The first `n` bytes of a file in the zip (stored or deflated). */
async function head(zip: Uint8Array, f: ZipFile, n: number): Promise<Uint8Array> {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const start = f.localHeader + 30 + v.getUint16(f.localHeader + 26, true) +
    v.getUint16(f.localHeader + 28, true);
  const data = zip.subarray(start, start + f.compressedSize);
  if (f.method === 0) return data.subarray(0, n);
  if (f.method !== 8) return new Uint8Array();
  const out = new Uint8Array(n);
  let got = 0;
  const reader = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("deflate-raw"),
  )
    .getReader();
  try {
    while (got < n) {
      const r = await reader.read();
      if (r.done) break;
      const take = Math.min(n - got, r.value.length);
      out.set(r.value.subarray(0, take), got);
      got += take;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return out.subarray(0, got);
}

function elfArch(bytes: Uint8Array): Arch | undefined {
  if (bytes.length < 20 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c) {
    return undefined;
  }
  const machine = bytes[5] === 2 ? (bytes[18] << 8) | bytes[19] : bytes[18] | (bytes[19] << 8);
  return (Object.values(TARGETS).find((t) => t.elfMachine === machine))?.arch;
}

/**
 * Checks a zip as Lambda will run it and tells the architecture of its binary: `bootstrap` if it
 * is an ELF executable, else (a launcher script) the first ELF file beside it.
 */
export async function inspectZip(zip: Uint8Array): Promise<{ arch?: Arch }> {
  const files = listZip(zip);
  const bootstrap = files.find((f) => f.name === "bootstrap");
  if (!bootstrap) {
    throw new DeployError(
      "the zip has no bootstrap at its root: provided.al2023 runs ./bootstrap " +
        `(it holds ${files.slice(0, 5).map((f) => f.name).join(", ")}${
          files.length > 5 ? ", …" : ""
        })`,
    );
  }
  const own = elfArch(await head(zip, bootstrap, 20));
  if (own) return { arch: own };
  for (const f of files) {
    if (f === bootstrap || f.name.endsWith("/")) continue;
    const arch = elfArch(await head(zip, f, 20));
    if (arch) return { arch };
  }
  return {};
}

/** The base64 SHA-256 of `bytes`, as Lambda reports a package's `CodeSha256`. */
export async function codeSha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  let s = "";
  for (const b of digest) s += String.fromCharCode(b);
  return btoa(s);
}

/** Reads and checks the zip at `path`. */
export async function readPackage(path: string): Promise<DeployPackage> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new DeployError(`cannot read the zip ${path}: ${(e as Error).message}`);
  }
  const { arch } = await inspectZip(bytes);
  return { path, bytes, sha256: await codeSha256(bytes), arch };
}

/** Options of {@link buildPackage}. */
export interface BuildPackageOptions {
  /** The handler module. */
  entry: string;
  /** The architecture to build for. */
  arch: Arch;
  /** The packaging (`compiled` by default). */
  runtime?: RuntimeKind;
  /** The build's output directory. */
  out?: string;
  /** Build the function's own zip and its runtime layer (`--layer`). */
  layer?: boolean;
  /**
   * The memory size (MB) the function runs with: a `deno` package ships the start-up cache made
   * under the V8 flags its launcher passes at that size (`--memory` of the build). Default 128.
   */
  memoryMb?: number;
  /** Where the build's progress lines go. */
  log?: (line: string) => void;
}

/** Builds `entry` with the packaging tool and reads the zip it wrote. */
export async function buildPackage(options: BuildPackageOptions): Promise<DeployPackage> {
  const report = await build({
    entry: options.entry,
    arch: [options.arch],
    runtime: options.layer ? "deno" : options.runtime,
    layer: options.layer,
    out: options.out,
    log: options.log,
    // A compiled binary would bake heap limits for it: left as the build's own default.
    memoryMb: options.layer || options.runtime === "deno" ? options.memoryMb : undefined,
  });
  const artifact = report.artifacts[0];
  if (!artifact.layer) return await readPackage(artifact.zip);
  // The function's zip has no bootstrap (the layer's is /opt/bootstrap): the layer is checked.
  const layer = await readPackage(artifact.layer.zip);
  const bytes = await Deno.readFile(artifact.zip);
  return {
    path: artifact.zip,
    bytes,
    sha256: await codeSha256(bytes),
    arch: layer.arch,
    layer: { id: artifact.layer.id, path: layer.path, bytes: layer.bytes, sha256: layer.sha256 },
  };
}

/** Whether the package must go through S3 (over Lambda's 50 MB direct upload limit). */
export function overDirectUpload(pkg: DeployPackage): boolean {
  return pkg.bytes.length > ZIP_DIRECT_UPLOAD_LIMIT;
}
