/**
 * Reproducible packages: the same inputs give a byte-identical `bootstrap.zip` (and unzipped
 * tree), built twice: from the repository and from a copy of it in another folder, into other
 * output folders, from different working directories, under another time zone, umask, locale and
 * `TMPDIR`, seconds apart. Both runtimes (`compiled` with a stand-in `denort`), both
 * architectures (the arm64 start-up cache made under qemu-user).
 */
import assert from "node:assert/strict";
import { readZip, repoPath, runCli, sha256, standInDenorts } from "./_helpers.ts";
import { arm64Unavailable } from "../_support/qemu.ts";
import { inCI } from "../_support/go.ts";

/** The function built, relative to the repository. */
const ENTRY = "examples/hello.ts";
/** What a copy of the repository leaves out: history, caches, outputs. */
const NOT_COPIED = new Set([".git", ".cache", "node_modules", "npm", "dist"]);

/** How one build runs: which copy of the sources, where from, where to, the process's settings. */
interface Setting {
  repo: string;
  cwd: string;
  out: string;
  umask: string;
  env: Record<string, string>;
}

/** Runs the build CLI through `sh` (for the umask) with only the given settings changed. */
async function buildWith(args: string[], s: Setting): Promise<void> {
  const env = Deno.env.toObject();
  for (const k of ["DENORT_BIN", "DENORT_BIN_X86_64", "DENORT_BIN_ARM64"]) delete env[k];
  const command = [
    Deno.execPath(),
    "run",
    "-A",
    `${s.repo}/packaging/cli.ts`,
    `${s.repo}/${ENTRY}`,
    ...args,
  ];
  const out = await new Deno.Command("sh", {
    args: ["-c", `umask ${s.umask} && exec "$@"`, "sh", ...command, "--out", s.out],
    cwd: s.cwd,
    env: { ...env, ...s.env, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/** Every file under `dir` (relative path → SHA-256), `bootstrap.zip` left out. */
async function tree(dir: string, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(dir)) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) Object.assign(out, await tree(`${dir}/${e.name}`, `${rel}/`));
    else if (rel !== "bootstrap.zip") {
      out[rel] = await sha256(await Deno.readFile(`${dir}/${e.name}`));
    }
  }
  return out;
}

/** Two settings that differ in everything a build should not depend on. */
async function twoSettings(root: string, extra: Record<string, string>): Promise<Setting[]> {
  const a = `${root}/a`;
  const b = `${root}/elsewhere/b`;
  const tmpB = `${root}/tmp-b/deeper`;
  const copy = `${root}/another/layout/gopherless`;
  for (const d of [a, b, tmpB, copy]) await Deno.mkdir(d, { recursive: true });
  const repo = repoPath("").replace(/\/$/, "");
  for await (const e of Deno.readDir(repo)) {
    if (NOT_COPIED.has(e.name)) continue;
    const cp = await new Deno.Command("cp", { args: ["-R", `${repo}/${e.name}`, copy] }).output();
    assert.ok(cp.success, `copying ${e.name}`);
  }
  return [
    {
      repo,
      cwd: repo,
      out: `${a}/dist`,
      umask: "022",
      env: { ...extra, TZ: "UTC", LC_ALL: "C" },
    },
    {
      repo: copy,
      cwd: b,
      out: `${b}/other-out`,
      umask: "077",
      env: { ...extra, TZ: "Pacific/Chatham", LC_ALL: "C.UTF-8", LANG: "C.UTF-8", TMPDIR: tmpB },
    },
  ];
}

/** Builds twice and checks that every architecture's zip and tree are the same bytes. */
async function assertReproducible(
  args: string[],
  arches: string[],
  extra: Record<string, string> = {},
  withStartCache: string[] = [],
): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-repro-" }));
  try {
    const settings = await twoSettings(root, extra);
    for (const s of settings) await buildWith(args, s);
    const [a, b] = settings.map((s) => s.out);
    for (const arch of arches) {
      const zipA = await Deno.readFile(`${a}/${arch}/bootstrap.zip`);
      const zipB = await Deno.readFile(`${b}/${arch}/bootstrap.zip`);
      const files = await tree(`${a}/${arch}`);
      assert.deepEqual(await tree(`${b}/${arch}`), files, arch);
      if (withStartCache.includes(arch)) {
        assert.ok(files[".deno-cache/v8_code_cache_v2"], `${arch}: no start-up cache`);
      }
      assert.equal(await sha256(zipB), await sha256(zipA), `${arch}: the zips differ`);
      // No clock in the archive: one fixed time, Unix modes as built.
      const entries = await readZip(`${a}/${arch}/bootstrap.zip`);
      for (const e of entries) {
        assert.deepEqual(e.dateTime, [1980, 1, 1, 0, 0, 0], e.name);
        const executable = ["bootstrap", "bootstrap.sh", "deno", "gopherless-start"].includes(
          e.name,
        );
        assert.equal(e.mode, executable ? 0o100755 : 0o100644, e.name);
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test({
  name: "reproducible: --runtime deno gives the same zip and tree, start-up cache included",
  sanitizeResources: false,
  fn: async () => {
    // The arm64 package's cache is made by its deno under qemu-user where that can run (CI).
    await assertReproducible(
      ["--runtime", "deno", "--no-check", "--arch", "both"],
      ["x86_64", "arm64"],
      {},
      arm64Unavailable === undefined || inCI ? ["x86_64", "arm64"] : ["x86_64"],
    );
  },
});

Deno.test("reproducible: --runtime compiled gives the same zip (stand-in denort)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-repro-denort-" });
  try {
    const fake = await standInDenorts(dir);
    await assertReproducible(
      ["--no-check", "--arch", "both"],
      ["x86_64", "arm64"],
      { DENORT_BIN_X86_64: fake.x86_64, DENORT_BIN_ARM64: fake.arm64 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "reproducible: above 512 MB, a function that loads node:stream gives one package in six builds",
  sanitizeResources: false,
  fn: async () => {
    // The case that gave two packages: the built-ins a module graph had loaded were compiled again
    // by both isolates of the worker priming run, and the entry of whichever wrote last shipped
    // (`node:stream`, whose entries differ in per-isolate counters under the default profile's
    // flags). One pair of builds showed it about one time in three; six builds, nearly always.
    const root = await Deno.makeTempDir({ prefix: "gopherless-repro-2048-" });
    try {
      const sums = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const out = `${root}/${i}`;
        const r = await runCli([
          repoPath("testdata/user_project/handler.ts"),
          "--runtime",
          "deno",
          "--memory",
          "2048",
          "--no-check",
          "--out",
          out,
        ]);
        assert.equal(r.code, 0, r.stderr);
        sums.add(await sha256(await Deno.readFile(`${out}/x86_64/bootstrap.zip`)));
      }
      assert.equal(sums.size, 1, `six builds gave ${sums.size} different packages`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
