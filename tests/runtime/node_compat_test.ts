/**
 * What Lambda's Node.js runtime gives that libraries rely on: context functions that work
 * detached, the `awslambda` global merged into an existing object, `awslambda.InvokeStore` as
 * `@aws/lambda-invoke-store` finds it, and JSON log lines whose `message` is the logged value.
 */

import assert from "node:assert/strict";
import { InvokeContext } from "../../runtime/context.ts";
import { Logger } from "../../runtime/logging.ts";
import { repoPath } from "./_platform.ts";

Deno.test("context: functions work detached from the context (as middy calls them)", () => {
  const ctx = new InvokeContext({
    requestId: "r",
    deadlineMs: Date.now() + 10_000,
    invokedFunctionArn: "arn",
  });
  const { getRemainingTimeInMillis, succeed, fail, done } = ctx;
  const remaining = getRemainingTimeInMillis();
  assert.ok(remaining > 9_000 && remaining <= 10_000, String(remaining));
  const settled: unknown[][] = [];
  ctx.bindCallback((e, r) => settled.push([e, r]));
  succeed({ ok: 1 });
  fail("no");
  done(undefined, 2);
  assert.deepEqual(settled, [[null, { ok: 1 }], ["no", undefined], [undefined, 2]]);
  ctx.finish();
});

Deno.test("logging: JSON format logs a single value itself as message, as Node does", () => {
  const json = new Logger({ format: "JSON", level: undefined });
  const now = new Date(0);
  const line = (args: unknown[]) => JSON.parse(json.format("INFO", args, now, "rid"));
  assert.deepEqual(line([{ a: 1, b: [true, null] }]), {
    timestamp: "1970-01-01T00:00:00.000Z",
    level: "INFO",
    requestId: "rid",
    message: { a: 1, b: [true, null] },
  });
  assert.equal(line(["plain"]).message, "plain");
  assert.equal(line([42]).message, 42);
  assert.equal(line([{ n: 1n }]).message, "{ n: 1n }", "not JSON: the formatted text");
  class Oops extends Error {
    code = "E1";
  }
  const e = line([new Oops("bad")]).message;
  assert.equal(e.errorType, "Oops");
  assert.equal(e.errorMessage, "bad");
  assert.equal(e.code, "E1", "the error's own properties");
  assert.equal(e.stackTrace[0], "Error: bad");
  assert.match(e.stackTrace[1], /^ {4}at .*tests\/runtime\/node_compat_test\.ts:\d+:\d+/);
  const mixed = line(["failed:", new TypeError("t")]);
  assert.equal(mixed.message.split("\n")[0], "failed: TypeError: t");
  assert.equal(mixed.errorType, "TypeError");
  assert.equal(mixed.errorMessage, "t");
  assert.ok(Array.isArray(mixed.stackTrace));
});

Deno.test("awslambda global and InvokeStore, after @aws/lambda-invoke-store was imported", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--lock=${repoPath("tests/deno.lock")}`,
      repoPath("tests/runtime/fixtures/invoke_store.ts"),
    ],
    env: { AWS_LAMBDA_MAX_CONCURRENCY: "4", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, stderr);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(r.createdByPackage, true, "the package creates globalThis.awslambda");
  assert.equal(r.streamify, "function", "merged into the package's object");
  assert.equal(r.httpResponseStream, "function");
  assert.equal(r.sameStore, true, "getInstanceAsync() returns the runtime's store");
  assert.deepEqual(r.seen, [
    ["r1", "Root=1-0", "t0", "r1"],
    ["r2", "Root=1-1", "t1", "r2"],
    ["r3", "Root=1-2", "t2", "r3"],
  ]);
  assert.equal(r.outside, "-");
  assert.equal(r.protectedRefused, true);
});
