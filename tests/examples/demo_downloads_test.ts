/**
 * `deno task demo` on a fresh machine downloads only what it runs. `deno task` installs every
 * npm package of deno.json's import map and of deno.lock before running a task, so the packages
 * only tests use (Hono, the AWS SDK) must be in neither: the tests pin them inline and lock them
 * in tests/deno.lock (the test and check tasks pass `--lock=tests/deno.lock`).
 *
 * If this fails after `deno check .` or `deno test` without the task, the root lockfile picked up
 * a test-only package: restore it (`git checkout deno.lock`) and use `deno task check` /
 * `deno task test`.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const TEST_ONLY = ["hono", "@aws-sdk/client-lambda", "@aws-sdk/client-iam", "@aws-sdk/client-s3"];
/** Only the CDK tests use these (a CDK app maps them in its own deno.json). */
const CDK_ONLY = [
  "aws-cdk-lib",
  "constructs",
  "@aws-sdk/client-cloudformation",
  "@aws-sdk/client-ssm",
];

Deno.test("demo: no test-only npm package in deno.json's imports or deno.lock", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const mapped = Object.values(config.imports ?? {}) as string[];
  const lock = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT)));
  const locked = Object.keys(lock.specifiers ?? {});
  for (const name of [...TEST_ONLY, ...CDK_ONLY]) {
    assert.ok(!mapped.some((s) => s.startsWith(`npm:${name}@`)), `${name} is in deno.json imports`);
    assert.ok(!locked.some((s) => s.startsWith(`npm:${name}@`)), `${name} is in deno.lock`);
  }
  // The test tasks lock them instead.
  const testLock = JSON.parse(await Deno.readTextFile(new URL("tests/deno.lock", ROOT)));
  for (const name of TEST_ONLY) {
    assert.ok(Object.keys(testLock.specifiers).some((s) => s.startsWith(`npm:${name}@`)), name);
  }
  assert.match(config.tasks.test, /--lock=tests\/deno\.lock/);
  assert.match(config.tasks.check, /--lock=tests\/deno\.lock/);
});
