/**
 * Shared helpers of the build tests: running the build CLI, reading zips back with the
 * system's tools, stand-in `denort` binaries.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { unzipInto } from "../_support/tools.ts";

/** Path of a file under the repository root. */
export function repoPath(rel: string): string {
  return new URL(`../../${rel}`, import.meta.url).pathname;
}

/** What a CLI run gave. */
export interface CliRun {
  /** The exit status. */
  code: number;
  /** stdout. */
  stdout: string;
  /** stderr. */
  stderr: string;
}

/** Runs `deno run -A packaging/cli.ts ...args` with extra environment variables. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  unset: string[] = ["DENORT_BIN", "DENORT_BIN_X86_64", "DENORT_BIN_ARM64"],
): Promise<CliRun> {
  const childEnv = Deno.env.toObject();
  for (const k of unset) delete childEnv[k];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", repoPath("packaging/cli.ts"), ...args],
    env: { ...childEnv, ...env, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Builds `entry` with `--runtime deno --no-check` (and `flags`) into `<dir>/dist`, its start-up
 * cache made for `task` (`--task-root`), and unzips the package into `task`, as Lambda holds it
 * in `/var/task`: the build's stderr. A failed build throws with its stderr.
 */
export async function buildDenoPackage(
  entry: string,
  dir: string,
  task: string,
  flags: string[] = [],
): Promise<string> {
  const r = await runCli([
    entry,
    "--runtime",
    "deno",
    "--out",
    `${dir}/dist`,
    "--no-check",
    "--task-root",
    task,
    ...flags,
  ]);
  if (r.code !== 0) throw new Error(`build failed:\n${r.stderr}`);
  await unzipInto(`${dir}/dist/x86_64/bootstrap.zip`, task);
  return r.stderr;
}

/** One entry of a zip, as Python's `zipfile` reads it. */
export interface ZipInfo {
  /** Its name. */
  name: string;
  /** Its Unix mode (from the external attributes). */
  mode: number;
  /** Its uncompressed size. */
  size: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** The host system that made it (3 = Unix). */
  system: number;
  /** The SHA-256 of its contents, hex. */
  sha256: string;
  /** Its modification time as recorded: year, month, day, hour, minute, second. */
  dateTime: number[];
}

/** Reads a zip back with Python's `zipfile` (which also checks every CRC). */
export async function readZip(path: string): Promise<ZipInfo[]> {
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad: sys.exit("bad CRC in " + bad)
print(json.dumps([{"name": i.filename, "mode": i.external_attr >> 16, "size": i.file_size,
  "method": i.compress_type, "system": i.create_system,
  "sha256": hashlib.sha256(z.read(i)).hexdigest(), "dateTime": list(i.date_time)}
  for i in z.infolist()]))
`;
  const out = await new Deno.Command("python3", {
    args: ["-c", script, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** SHA-256 of bytes, hex. */
export async function sha256(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Runs `command` (its arguments after it) with only `PATH=/usr/bin:/bin` and `env` in its
 * environment, as Lambda gives a bootstrap a clean one; exit code, stdout, stderr.
 */
export async function runClean(
  command: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(command[0], {
    args: command.slice(1),
    env: { PATH: "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export { has } from "../_support/tools.ts";

/**
 * Stand-in `denort` binaries: copies of `/bin/true` (a real ELF that `deno compile` accepts and
 * appends its payload to; the result runs and exits 0), one as is (x86_64 here) and one with its
 * ELF machine patched to aarch64 (it cannot run; it only has to look like an arm64 binary).
 */
export async function standInDenorts(dir: string): Promise<{ x86_64: string; arm64: string }> {
  const bytes = await Deno.readFile("/bin/true");
  const x86_64 = `${dir}/denort-x86_64`;
  const arm64 = `${dir}/denort-arm64`;
  await Deno.writeFile(x86_64, bytes, { mode: 0o755 });
  const patched = bytes.slice();
  new DataView(patched.buffer).setUint16(18, 183, true);
  await Deno.writeFile(arm64, patched, { mode: 0o755 });
  return { x86_64, arm64 };
}

/**
 * The V8 code cache entries of files in a Deno cache directory (`v8_code_cache_v2`): specifier →
 * SHA-256 of the entry's data, so two directories compare entry for entry. Read from a copy (with
 * its write-ahead log, if any): SQLite leaves `-shm` and `-wal` files beside a database in
 * write-ahead-log mode even when it only reads it, and the directory may be a package's start-up
 * cache, which a launcher checks file by file. With `all`, Deno's own modules' entries (`ext:`,
 * `node:`) too.
 */
export async function codeCacheOf(denoDir: string, all = false): Promise<Map<string, string>> {
  const copy = await Deno.makeTempDir({ prefix: "gopherless-code-cache-" });
  try {
    for (const suffix of ["", "-wal"]) {
      const from = `${denoDir}/v8_code_cache_v2${suffix}`;
      if (suffix && !(await Deno.stat(from).then(() => true, () => false))) continue;
      await Deno.copyFile(from, `${copy}/v8_code_cache_v2${suffix}`);
    }
    const db = new DatabaseSync(`${copy}/v8_code_cache_v2`);
    try {
      const rows = db.prepare(
        `SELECT specifier, data FROM codecache ${
          all ? "" : "WHERE specifier LIKE 'file:%'"
        } ORDER BY specifier`,
      ).all() as { specifier: string; data: Uint8Array }[];
      const out = new Map<string, string>();
      for (const r of rows) out.set(r.specifier, await sha256(new Uint8Array(r.data)));
      return out;
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
}

/** A package built once for the tests of a module ({@link echoPackageOnce}). */
export interface SharedPackage {
  /** Builds it on the first call; resolves with `<dir>`, the package unzipped in `<dir>/var/task`. */
  get(): Promise<string>;
  /** Deletes `<dir>` if it was built. */
  remove(): Promise<void>;
}

/**
 * `examples/echo.ts` built with `--runtime deno`, its start-up cache made for `<dir>/var/task`
 * and unzipped there, once for every test of a module that asks for it (`prefix` names the
 * temporary folder).
 */
export function echoPackageOnce(prefix: string): SharedPackage {
  let built: Promise<string> | undefined;
  return {
    get() {
      built ??= (async () => {
        const dir = await Deno.realPath(await Deno.makeTempDir({ prefix }));
        await buildDenoPackage(repoPath("examples/echo.ts"), dir, `${dir}/var/task`);
        return dir;
      })();
      return built;
    },
    async remove() {
      if (built) await Deno.remove(await built, { recursive: true });
    },
  };
}
