/**
 * The Deno binary for a Lambda architecture, for `--runtime deno` packages: Deno publishes each
 * platform's binary as an npm package (`@deno/linux-x64-glibc`, `@deno/linux-arm64-glibc`, the
 * optional dependencies of the `deno` npm package), so it comes from the npm registry with
 * `npm pack`, and is kept in a cache directory keyed by version and target.
 *
 * Looked for, in order:
 * 1. the cache: `<cacheDir>/deno/<version>/<triple>/deno`;
 * 2. the same package already installed beside the running `deno` (a `deno` installed from npm
 *    has its platform package under `node_modules/`), copied into the cache;
 * 3. `npm pack <package>@<version>` into a temporary directory, unpacked into the cache.
 *
 * @module
 */

import { elfMachine, machineName, readHead, type Target } from "./targets.ts";

export type { Arch, Target } from "./targets.ts";

/** The default cache directory: `$GOPHERLESS_CACHE_DIR`, else `$XDG_CACHE_HOME/gopherless`. */
export function defaultCacheDir(): string {
  const explicit = Deno.env.get("GOPHERLESS_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  const home = Deno.env.get("HOME") ?? "/tmp";
  return `${xdg || `${home}/.cache`}/gopherless`;
}

/** Where a fetched Deno binary lives. */
export interface DenoBinary {
  /** Its path. */
  path: string;
  /** Where it came from: `cache`, `installed` (beside the running deno) or `npm`. */
  source: "cache" | "installed" | "npm";
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function checkBinary(path: string, target: Target): Promise<void> {
  const machine = elfMachine(await readHead(path));
  if (machine !== target.elfMachine) {
    throw new Error(`${path} is ${machineName(machine)}, expected a ${target.arch} ELF executable`);
  }
}

async function installInto(cached: string, from: string): Promise<void> {
  const dir = cached.slice(0, cached.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${cached}.tmp-${crypto.randomUUID()}`;
  await Deno.copyFile(from, tmp);
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, cached);
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new Error(`cannot run ${cmd}: ${e instanceof Error ? e.message : e}`);
  }
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return text;
}

/** Gets the Deno `version` binary for `target`, fetching it from npm when it is not cached. */
export async function denoBinary(
  target: Target,
  version: string,
  cacheDir: string = defaultCacheDir(),
): Promise<DenoBinary> {
  const cached = `${cacheDir}/deno/${version}/${target.triple}/deno`;
  if (await isFile(cached)) {
    await checkBinary(cached, target);
    return { path: cached, source: "cache" };
  }

  // 2. beside the running deno, as `npm install deno` lays it out
  try {
    const exe = await Deno.realPath(Deno.execPath());
    const pkgDir = `${exe.slice(0, exe.lastIndexOf("/"))}/node_modules/${target.denoPackage}`;
    const pkg = JSON.parse(await Deno.readTextFile(`${pkgDir}/package.json`)) as {
      version?: string;
    };
    if (pkg.version === version && await isFile(`${pkgDir}/deno`)) {
      await checkBinary(`${pkgDir}/deno`, target);
      await installInto(cached, `${pkgDir}/deno`);
      return { path: cached, source: "installed" };
    }
  } catch {
    // not installed that way
  }

  // 3. npm pack
  const tmp = await Deno.makeTempDir({ prefix: "gopherless-deno-pack-" });
  try {
    const spec = `${target.denoPackage}@${version}`;
    let file: string;
    try {
      file = (await run("npm", ["pack", spec, "--loglevel=error", "--pack-destination", tmp], tmp))
        .trim().split("\n").pop()!;
    } catch (e) {
      let hint = "Check that npm can reach its registry";
      if (/ETARGET|No matching version/.test(String(e))) {
        const latest = await run("npm", ["view", target.denoPackage, "version"], tmp)
          .then((v) => v.trim(), () => "");
        hint = `npm has no ${spec}` +
          (latest ? ` (its latest is ${latest}: build with --deno-version ${latest})` : "");
      }
      throw new Error(
        `the Deno ${version} binary for ${target.arch} comes from the npm package ${spec}, ` +
          `and fetching it failed. ${hint}; or put the binary at ${cached} yourself.\n` +
          `${e instanceof Error ? e.message : e}`,
      );
    }
    await run("tar", ["-xzf", `${tmp}/${file}`, "-C", tmp, "package/deno"]);
    await checkBinary(`${tmp}/package/deno`, target);
    await installInto(cached, `${tmp}/package/deno`);
    return { path: cached, source: "npm" };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
