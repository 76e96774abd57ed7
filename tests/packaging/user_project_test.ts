/**
 * A user's own project (`testdata/user_project/`: its own `deno.json`, gopherless imported by
 * path, an npm dependency through its own import map) type-checks, builds with
 * `deno task build` run from the library, and runs under the emulator, from its sources and from
 * the unzipped package; its errors name its own files and lines.
 */

import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/mod.ts";
import { repoPath, runCli } from "./_helpers.ts";
import { unzipInto } from "../_support/tools.ts";

const PROJECT = repoPath("testdata/user_project");
const dec = new TextDecoder();

const HI = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/hi/ada",
  rawQueryString: "",
  headers: { host: "example.com" },
  requestContext: {
    accountId: "123456789012",
    apiId: "api",
    domainName: "example.com",
    domainPrefix: "example",
    http: {
      method: "GET",
      path: "/hi/ada",
      protocol: "HTTP/1.1",
      sourceIp: "127.0.0.1",
      userAgent: "t",
    },
    requestId: "rid",
    routeKey: "$default",
    stage: "$default",
    time: "29/Nov/2026:14:00:00 +0000",
    timeEpoch: 1795960800000,
  },
  isBase64Encoded: false,
};

Deno.test("user project: deno check passes with the project's own deno.json", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "handler.ts", "types_fit.ts"],
    cwd: PROJECT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, dec.decode(out.stderr));
});

/** Invokes the function in `protocol` and checks its answers and its error document. */
async function exercise(f: LocalFunction, protocol: Protocol, source: string): Promise<void> {
  const hi = await f.invoke(HI);
  assert.ok(hi.ok, dec.decode(hi.payload));
  const res = JSON.parse(dec.decode(hi.payload));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(JSON.parse(res.body), { hi: "ada", from: "user project" });

  const bad = await f.invoke({ order: { qty: 0 } });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.equal(bad.error.errorType, "RangeError");
  const doc = JSON.parse(dec.decode(bad.payload));
  if (protocol === "go1x") {
    assert.deepEqual(doc.stackTrace.slice(0, 2), [
      { path: `${source}handler.ts`, line: 12, label: "checkOrder" },
      { path: `${source}handler.ts`, line: 17, label: "<anonymous>" },
    ]);
  } else {
    assert.deepEqual(doc.trace, [
      "RangeError: quantity must be at least 1, got 0",
      `    at checkOrder (${source}handler.ts:12:28)`,
      `    at ${source}handler.ts:17:5`,
    ]);
  }
}

for (const protocol of ["runtime-api", "go1x"] as const) {
  Deno.test({
    name: `user project, ${protocol}: the emulator runs it from its sources`,
    sanitizeResources: false,
    fn: async () => {
      const f = await LocalFunction.start({ entry: "handler.ts", cwd: PROJECT, protocol });
      try {
        await exercise(f, protocol, "");
      } finally {
        await f.close();
      }
    },
  });
}

Deno.test({
  name: "user project: deno task build from the library, unzipped, runs in both protocols",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-user-project-" });
    try {
      const r = await runCli([
        `${PROJECT}/handler.ts`,
        "--runtime",
        "deno",
        "--out",
        `${dir}/dist`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/dist/build.json`));
      assert.equal(report.config, `${PROJECT}/deno.json`, "built with the project's deno.json");
      const task = `${dir}/task`;
      await unzipInto(`${dir}/dist/x86_64/bootstrap.zip`, task);
      await Deno.remove(`${dir}/dist`, { recursive: true });
      await Deno.mkdir(`${dir}/deno-dir`);
      for (const protocol of ["runtime-api", "go1x"] as const) {
        const f = await LocalFunction.start({
          bootstrap: `${task}/bootstrap`,
          cwd: task,
          protocol,
          env: { DENO_DIR: `${dir}/deno-dir` },
        });
        try {
          // Paths in the map are relative to the project's deno.json.
          await exercise(f, protocol, "");
        } finally {
          await f.close();
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("user project: a type error stops the build with the checker's message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-user-project-" });
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, "{}");
    await Deno.writeTextFile(
      `${dir}/bad.ts`,
      `import { start } from "${repoPath("mod.ts")}";\n` +
        `start((event: { n: number }) => event.n.toUpperCase());\n`,
    );
    const r = await runCli([`${dir}/bad.ts`, "--runtime", "deno", "--out", `${dir}/dist`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /type check failed/);
    assert.match(r.stderr, /TS2339.*toUpperCase/s);
    const skipped = await runCli([
      `${dir}/bad.ts`,
      "--runtime",
      "deno",
      "--no-check",
      "--out",
      `${dir}/dist`,
    ]);
    assert.equal(skipped.code, 0, `--no-check builds it anyway: ${skipped.stderr}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
