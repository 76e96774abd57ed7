/**
 * `--runtime compiled`: deno compile with a stand-in denort (a copy of /bin/true, which
 * `deno compile` accepts: it checks only that the base is an executable it can append to), the
 * per-architecture variables, Deno's offline cache, and the clear error when there is no denort.
 */
import assert from "node:assert/strict";
import { writeZip } from "../../packaging/zip.ts";
import { v8Flags } from "../../packaging/launcher.ts";
import { readZip, repoPath, runCli, sha256, standInDenorts } from "./_helpers.ts";

const FN = repoPath("tests/packaging/fixtures/fn.ts");
const VERSION = Deno.version.deno;

/** `bin` is `base` with deno compile's payload added. */
function assertBuiltOn(bin: Uint8Array, base: Uint8Array): void {
  assert.deepEqual(bin.subarray(0, 20), base.subarray(0, 20), "ELF ident, type and machine");
  assert.deepEqual(bin.subarray(0x1000, 0x2000), base.subarray(0x1000, 0x2000), "code");
  assert.ok(bin.length > base.length);
}

async function withTemp(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-build-test-" });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("compiled: DENORT_BIN is the base of dist/x86_64/bootstrap, zipped with mode 0755", async () => {
  await withTemp(async (dir) => {
    const fake = await standInDenorts(dir);
    const out = `${dir}/dist`;
    const r = await runCli([FN, "--out", out, "--no-check"], { DENORT_BIN: fake.x86_64 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /x86_64: denort from DENORT_BIN/);
    assert.match(r.stderr, /zip [\d.]+ MB of 50 MB direct upload, unzipped [\d.]+ MB of 250 MB/);
    assert.match(r.stderr, /handler "bootstrap"/);

    const entries = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(entries, ["build.json", "x86_64"]);
    assert.deepEqual([...Deno.readDirSync(`${out}/x86_64`)].map((e) => e.name).sort(), [
      "bootstrap",
      "bootstrap.zip",
    ]);
    const bin = await Deno.readFile(`${out}/x86_64/bootstrap`);
    const base = await Deno.readFile(fake.x86_64);
    // deno compile added its payload to the stand-in (libsui also rewrites the ELF header's
    // section table fields): same ELF identity and machine, same code
    assertBuiltOn(bin, base);
    assert.ok(bin.length > base.length);
    // The code-split bundle is embedded whole: handler.js, the chunks it imports on demand (the
    // go1.x protocol's, the fixture's lazily imported module) and a source map beside each.
    const payload = new TextDecoder("latin1").decode(bin);
    for (const file of [/handler\.js\.map/, /go1x-\w+\.js\.map/, /lazy-\w+\.js\.map/]) {
      assert.match(payload, file);
    }
    assert.ok(payload.includes("lazy failure: "), "the lazy chunk's code");
    assert.equal((await Deno.stat(`${out}/x86_64/bootstrap`)).mode! & 0o777, 0o755);
    // the stand-in binary runs (it is /bin/true with a section added)
    assert.equal((await new Deno.Command(`${out}/x86_64/bootstrap`).output()).code, 0);

    const zip = await readZip(`${out}/x86_64/bootstrap.zip`);
    assert.equal(zip.length, 1);
    assert.equal(zip[0].name, "bootstrap");
    assert.equal(zip[0].mode, 0o100755);
    assert.equal(zip[0].sha256, await sha256(bin));

    const report = JSON.parse(await Deno.readTextFile(`${out}/build.json`));
    assert.equal(report.runtime, "compiled");
    assert.equal(report.bundled, true);
    assert.ok(report.bundleModules > 1, "the runtime's modules are in the bundle");
    assert.equal(report.artifacts[0].denort.kind, "env");
    assert.equal(report.artifacts[0].zipWithinDirectUpload, true);
    assert.equal(report.artifacts[0].unzippedBytes, bin.length);
  });
});

Deno.test("compiled: --arch both takes DENORT_BIN_X86_64 and DENORT_BIN_ARM64; --no-bundle", async () => {
  await withTemp(async (dir) => {
    const fake = await standInDenorts(dir);
    const out = `${dir}/dist`;
    const r = await runCli([FN, "--out", out, "--no-check", "--arch", "both", "--no-bundle"], {
      DENORT_BIN_X86_64: fake.x86_64,
      DENORT_BIN_ARM64: fake.arm64,
    });
    assert.equal(r.code, 0, r.stderr);
    for (const [arch, base] of [["x86_64", fake.x86_64], ["arm64", fake.arm64]]) {
      const bin = await Deno.readFile(`${out}/${arch}/bootstrap`);
      assertBuiltOn(bin, await Deno.readFile(base));
      assert.equal((await readZip(`${out}/${arch}/bootstrap.zip`))[0].mode, 0o100755);
    }
    assert.equal(JSON.parse(await Deno.readTextFile(`${out}/build.json`)).bundled, false);
  });
});

Deno.test("compiled: a DENORT_BIN that is missing, not ELF, or for the other architecture", async () => {
  await withTemp(async (dir) => {
    const fake = await standInDenorts(dir);
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ DENORT_BIN: `${dir}/nope` }, [], /DENORT_BIN=.*nope: cannot read it/],
      [{ DENORT_BIN: FN }, [], /is not an ELF executable/],
      [
        { DENORT_BIN: fake.x86_64 },
        ["--arch", "arm64"],
        /is x86_64 ELF, but the arm64 build needs a denort for aarch64-unknown-linux-gnu/,
      ],
      [
        { DENORT_BIN: fake.x86_64 },
        ["--arch", "both"],
        /set DENORT_BIN_X86_64 and DENORT_BIN_ARM64/,
      ],
      [{ DENORT_BIN_ARM64: fake.x86_64 }, ["--arch", "arm64"], /DENORT_BIN_ARM64=.* is x86_64 ELF/],
    ];
    for (const [env, args, re] of cases) {
      const r = await runCli([FN, "--out", `${dir}/dist`, "--no-check", ...args], env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
      // it fails before building anything
      assert.throws(() => Deno.statSync(`${dir}/dist/build.json`));
    }
  });
});

Deno.test("compiled: Deno's download cache is used offline", async () => {
  await withTemp(async (dir) => {
    const denoDir = `${dir}/deno-dir`;
    const cache = `${denoDir}/dl/release/v${VERSION}`;
    await Deno.mkdirSync(cache, { recursive: true });
    // the archive Deno would have downloaded, with the stand-in as its `denort`
    const zip = await writeZip([{
      name: "denort",
      data: await Deno.readFile("/bin/true"),
      mode: 0o755,
    }]);
    await Deno.writeFile(`${cache}/denort-x86_64-unknown-linux-gnu.zip`, zip);
    const r = await runCli([FN, "--out", `${dir}/dist`, "--no-check", "--offline"], {
      DENO_DIR: denoDir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /x86_64: denort from cache/);
    const bin = await Deno.readFile(`${dir}/dist/x86_64/bootstrap`);
    assertBuiltOn(bin, await Deno.readFile("/bin/true"));
  });
});

Deno.test("compiled: with no denort anywhere, the error says what is missing and how to get it", async () => {
  await withTemp(async (dir) => {
    const r = await runCli([
      FN,
      "--out",
      `${dir}/dist`,
      "--no-check",
      "--offline",
      "--arch",
      "arm64",
    ], {
      DENO_DIR: `${dir}/empty-deno-dir`,
    });
    assert.equal(r.code, 1);
    const cachePath =
      `${dir}/empty-deno-dir/dl/release/v${VERSION}/denort-aarch64-unknown-linux-gnu.zip`;
    for (
      const want of [
        `deno compile needs denort ${VERSION} for aarch64-unknown-linux-gnu`,
        "DENORT_BIN / DENORT_BIN_ARM64 are not set",
        `the offline cache ${cachePath} does not exist`,
        `https://dl.deno.land/release/v${VERSION}/denort-aarch64-unknown-linux-gnu.zip`,
        "--runtime deno",
        "@deno/linux-arm64-glibc",
      ]
    ) assert.ok(r.stderr.includes(want), `missing ${JSON.stringify(want)} in:\n${r.stderr}`);
    assert.ok(!r.stderr.includes("Stack backtrace"));
  });
});

Deno.test("compiled: --memory bakes V8's flags for that memory size into the binary", async () => {
  await withTemp(async (dir) => {
    const fake = await standInDenorts(dir);
    const has = (bin: Uint8Array, s: string) => new TextDecoder("latin1").decode(bin).includes(s);
    const r = await runCli([FN, "--out", `${dir}/a`, "--no-check", "--memory", "128"], {
      DENORT_BIN: fake.x86_64,
    });
    assert.equal(r.code, 0, r.stderr);
    const bin = await Deno.readFile(`${dir}/a/x86_64/bootstrap`);
    for (const flag of v8Flags(128)) assert.ok(has(bin, flag), `${flag} in the payload`);
    assert.ok(has(bin, "--max-old-space-size=116"), "old-space flag in the payload");
    const plain = await runCli([FN, "--out", `${dir}/b`, "--no-check"], {
      DENORT_BIN: fake.x86_64,
    });
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(!has(await Deno.readFile(`${dir}/b/x86_64/bootstrap`), "--max-old-space-size"));
  });
});
