// The runtime under Node: fn.mjs driven through the Runtime API by the Go fake platform
// (its path in GOPHERLESS_FAKEPLATFORM, a built tests/go/cmd/fakeplatform).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const platform = process.env.GOPHERLESS_FAKEPLATFORM;
const fn = new URL("./fixtures/fn.mjs", import.meta.url).pathname;

async function runPlatform(scenario) {
  const dir = await mkdtemp(join(tmpdir(), "gopherless-node-"));
  const file = join(dir, "scenario.json");
  await writeFile(file, JSON.stringify(scenario));
  return new Promise((resolve, reject) => {
    execFile(
      platform,
      ["-scenario", file, "--", process.execPath, fn],
      async (err, stdout, stderr) => {
        await rm(dir, { recursive: true, force: true });
        if (err) reject(new Error(`fakeplatform: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

test("runtime: a Node function answers the Runtime API", {
  skip: !platform && "GOPHERLESS_FAKEPLATFORM unset",
}, async () => {
  const report = await runPlatform({
    invokes: [
      { id: "r1", body: JSON.stringify({ name: "Ada" }) },
      { id: "r2", body: JSON.stringify({ op: "fail", name: "x" }) },
      { id: "r3", body: JSON.stringify({ op: "where" }) },
    ],
  });
  const post = (id) => report.posts.find((p) => p.requestId === id);
  assert.equal(post("r1").kind, "response", JSON.stringify(report));
  assert.deepEqual(JSON.parse(post("r1").body), { message: "Hello, Ada!", requestId: "r1" });
  assert.equal(post("r2").kind, "error");
  const error = JSON.parse(post("r2").body);
  assert.equal(error.errorMessage, "bad input: x");
  assert.equal(error.errorType, "ValidationError");
  assert.equal(post("r2").headers["Lambda-Runtime-Function-Error-Type"][0], "ValidationError");
  assert.deepEqual(JSON.parse(post("r3").body), { node: process.versions.node, deno: "undefined" });
  assert.match(report.stdout + report.stderr, /Invoke Error/);
});
