/**
 * The parts of a `--runtime deno` package that the one-zip package and the runtime layer's pair
 * share: the Deno binary as a zip entry (deflated once, then cached), the files written with
 * their modes, and the start-up cache made by the shipped `deno` (`start_cache.ts`).
 *
 * @module
 */

import { type DenoBinary, denoBinary } from "./deno_binary.ts";
import { START_HELPER, startHelper } from "./start_helper.ts";
import { type Arch, hostArch, TARGETS } from "./targets.ts";
import {
  primeStartCache,
  START_CACHE_DIR,
  type StartCache,
  StartCacheError,
} from "./start_cache.ts";
import { type CompressedData, compressEntry, type ZipEntry } from "./zip.ts";
import { findQemuUser, QemuError, qemuRunner, type QemuUser } from "../ground/qemu.ts";
import { CODE_FLAGS, codeProfile } from "./launcher.ts";
import {
  type Artifact,
  BuildError,
  type BundledHandler,
  type DenoPlan,
  mb,
} from "./build_types.ts";

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
  // The deflating Deno is part of the key: another one's output may differ, and the zip with it.
  const key = `${path.replace(/[^A-Za-z0-9.-]+/g, "_")}-${st.size}-${st.mtime?.getTime() ?? 0}` +
    `-deno${Deno.version.deno}`;
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

/** The Deno binary for `arch` as a zip entry (its deflated form cached beside it). */
export async function denoEntry(
  plan: DenoPlan,
  arch: Arch,
): Promise<{ deno: DenoBinary; entry: ZipEntry }> {
  let deno: DenoBinary;
  try {
    deno = await denoBinary(TARGETS[arch], plan.denoVersion, plan.cacheDir);
  } catch (e) {
    throw new BuildError(e instanceof Error ? e.message : String(e));
  }
  plan.log(`${arch}: deno ${plan.denoVersion} from ${deno.source} (${deno.path})`);
  if (plan.denoVersion !== Deno.version.deno) {
    // The bundle is this Deno's `deno bundle` output; the start-up cache is made by the shipped
    // deno itself, which loads every module of the package to do so.
    plan.log(
      `${arch}: the package ships deno ${plan.denoVersion}, its bundle was made by deno ` +
        `${Deno.version.deno}` +
        (plan.startCache ? " (the start-up cache's priming run loads every module with it)" : ""),
    );
  }
  const denoData = await Deno.readFile(deno.path);
  const entry: ZipEntry = {
    name: "deno",
    data: denoData,
    mode: 0o755,
    compressed: await compressedDeno(deno.path, denoData, plan.cacheDir),
  };
  return { deno, entry };
}

/**
 * `gopherless-start` for `arch` as a zip entry: the launcher's cold-start step that copies the
 * start-up cache, checked, and then becomes Deno (`start_helper.ts`).
 */
export function startHelperEntry(arch: Arch): ZipEntry {
  return { name: START_HELPER, data: startHelper(arch), mode: 0o755 };
}

/** Writes `data` to `path` with exactly the Unix `mode` given (whatever the umask). */
export async function writeFileMode(path: string, data: Uint8Array, mode: number): Promise<void> {
  await Deno.writeFile(path, data, { mode });
  await Deno.chmod(path, mode); // the umask may have taken bits off
}

/**
 * The start-up cache of a `--runtime deno` package, made under the code-changing V8 flags the
 * launcher passes at the memory size the function is built for (`plan.memoryMb`) and written
 * under `<dir>/.deno-cache/`; or why there is none.
 */
export async function shipStartCache(
  plan: DenoPlan,
  arch: Arch,
  dir: string,
  deno: string,
  handler: BundledHandler,
): Promise<{ entries: ZipEntry[]; report: NonNullable<Artifact["startCache"]> }> {
  if (!plan.startCache) {
    return { entries: [], report: { skipped: "not asked for (--no-start-cache)" } };
  }
  let runner: string[] = [];
  if (hostArch() !== arch) {
    let qemu: QemuUser;
    try {
      qemu = findQemuUser(TARGETS[arch].cpu, { qemu: plan.qemu });
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      if (plan.qemu !== undefined) throw new BuildError(`--qemu: ${e.message}`);
      const skipped = `the ${arch} deno cannot run on this machine to make it: ${e.message}`;
      return { entries: [], report: { skipped } };
    }
    runner = qemuRunner(qemu);
    plan.log(
      `${arch}: making the start-up cache with the ${arch} deno through ${runner.join(" ")}`,
    );
  }
  const profile = codeProfile(plan.memoryMb);
  const v8Flags = [...CODE_FLAGS[profile]];
  let cache: StartCache;
  try {
    cache = await primeStartCache({
      deno,
      dir,
      modules: [
        "handler.js",
        ...handler.besides.filter((b) => b.name.endsWith(".js")).map((b) => b.name),
      ],
      taskRoot: plan.taskRoot,
      v8Flags,
      eager: handler.chunks.filter((c) => c.runtimeOnly).map((c) => c.name),
      runner,
      // Emulated, a priming run takes 10–20 s instead of 1 s (more on a loaded machine).
      timeoutMs: runner.length > 0 ? 600_000 : undefined,
    });
  } catch (e) {
    if (!(e instanceof StartCacheError)) throw e;
    if (plan.qemu !== undefined && runner.length > 0) {
      throw new BuildError(`--qemu ${plan.qemu} cannot run the ${arch} deno: ${e.message}`);
    }
    return { entries: [], report: { skipped: e.message } };
  }
  await Deno.mkdir(`${dir}/${START_CACHE_DIR}`, { recursive: true });
  const entries: ZipEntry[] = [];
  for (const f of cache.files) {
    const name = `${START_CACHE_DIR}/${f.name}`;
    entries.push({ name, data: f.data, mode: 0o644 });
    await Deno.writeFile(`${dir}/${name}`, f.data, { mode: 0o644 });
  }
  const bytes = cache.files.reduce((n, f) => n + f.data.length, 0);
  plan.log(
    `${arch}: start-up cache for ${cache.modules} modules at ${cache.taskRoot} ` +
      `(${cache.eagerModules} of the runtime's fully compiled; ${plan.memoryMb} MB, ${profile} profile: V8 flags ` +
      `${v8Flags.join(" ") || "none"}, ` +
      `${mb(bytes)})` + (cache.warning ? `; the priming run said:\n${cache.warning}` : ""),
  );
  return {
    entries,
    report: {
      taskRoot: cache.taskRoot,
      modules: cache.modules,
      eagerModules: cache.eagerModules,
      memoryMb: plan.memoryMb,
      profile,
      v8Flags,
      bytes,
      warning: cache.warning,
    },
  };
}

/** What {@linkcode shipHandler} wrote into a package's folder. */
export interface ShippedHandler {
  /** The zip entries written: the leading ones, the bundle and its files, the start-up cache's. */
  entries: ZipEntry[];
  /** The start-up cache's entries alone (the launcher or manifest names them). */
  startCacheFiles: ZipEntry[];
  /** The task root the start-up cache was made for; undefined when there is none. */
  startCacheRoot: string | undefined;
  /** The start-up cache's report: where it was made, or why there is none. */
  startCache: NonNullable<Artifact["startCache"]>;
}

/**
 * Writes `leading` entries, the bundle (`handler.js`) and its other files into `dir`, then makes
 * the start-up cache there with the shipped `deno` (`shipStartCache`), logging why when there is
 * none: what both the one-zip package and the layer's function zip hold besides their launcher.
 */
export async function shipHandler(
  plan: DenoPlan,
  arch: Arch,
  dir: string,
  deno: string,
  handler: BundledHandler,
  leading: ZipEntry[] = [],
): Promise<ShippedHandler> {
  const entries: ZipEntry[] = [
    ...leading,
    { name: "handler.js", data: handler.code, mode: 0o644 },
    ...handler.besides,
  ];
  for (const e of entries) await writeFileMode(`${dir}/${e.name}`, e.data, e.mode ?? 0o644);
  const cache = await shipStartCache(plan, arch, dir, deno, handler);
  entries.push(...cache.entries);
  if ("skipped" in cache.report) plan.log(`${arch}: no start-up cache: ${cache.report.skipped}`);
  return {
    entries,
    startCacheFiles: cache.entries,
    startCacheRoot: "skipped" in cache.report ? undefined : cache.report.taskRoot,
    startCache: cache.report,
  };
}
