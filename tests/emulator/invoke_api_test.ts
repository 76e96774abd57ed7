/**
 * `serve`: Lambda's Invoke API in front of a pool of warm environments: answers, function errors
 * as Lambda signals them, log tails, Event/DryRun invocation types, unknown functions, and
 * concurrent requests scaling out to the concurrency limit, then queueing.
 */

import assert from "node:assert/strict";
import { FunctionPool } from "../../emulator/pool.ts";
import { withInvokeApi } from "./_invoke_api.ts";

const root = new URL("../../", import.meta.url).pathname;
const OPS = `${root}tests/emulator/fixtures/ops.ts`;

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

async function withServer(
  pool: FunctionPool,
  f: (url: string) => Promise<void>,
): Promise<void> {
  await withInvokeApi(
    pool,
    (port) => f(`http://127.0.0.1:${port}/2015-03-31/functions`),
    { functionName: "ops" },
  );
}

test("serve: answers, function errors, log tails, invocation types", async () => {
  await withServer(new FunctionPool({ entry: OPS, maxConcurrency: 1 }), async (base) => {
    const ok = await fetch(`${base}/function/invocations`, {
      method: "POST",
      body: JSON.stringify({ op: "echo", value: { hi: 1 } }),
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("X-Amz-Executed-Version"), "$LATEST");
    assert.equal(ok.headers.get("X-Amz-Function-Error"), null);
    assert.ok(ok.headers.get("x-amzn-RequestId"));
    assert.deepEqual(await ok.json(), { hi: 1 });

    const bad = await fetch(`${base}/ops/invocations`, {
      method: "POST",
      headers: { "X-Amz-Log-Type": "Tail" },
      body: JSON.stringify({ op: "fail", message: "nope" }),
    });
    assert.equal(bad.status, 200);
    assert.equal(bad.headers.get("X-Amz-Function-Error"), "Unhandled");
    assert.deepEqual(await bad.json(), { errorType: "MyErr", errorMessage: "nope", trace: [] });
    const tail = atob(bad.headers.get("X-Amz-Log-Result") ?? "");
    assert.match(tail, /START RequestId: /);
    assert.match(tail, /REPORT RequestId: /);

    // Lambda's Invoke API hands the payload over as given: an empty body is no event, not `{}`.
    const empty = await fetch(`${base}/function/invocations`, { method: "POST" });
    assert.equal(empty.status, 200);
    assert.deepEqual(await empty.json(), { noEvent: true });
    const emptyObject = await fetch(`${base}/function/invocations`, { method: "POST", body: "{}" });
    assert.deepEqual(await emptyObject.json(), null);

    const cc = btoa(JSON.stringify({ custom: { via: "header" } }));
    const ctx = await fetch(`${base}/function/invocations`, {
      method: "POST",
      headers: { "X-Amz-Client-Context": cc },
      body: JSON.stringify({ op: "context" }),
    });
    const body = await ctx.json() as { clientContext: { custom: unknown } };
    assert.deepEqual(body.clientContext.custom, { via: "header" });

    const ev = await fetch(`${base}/function/invocations`, {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Event" },
      body: "{}",
    });
    assert.equal(ev.status, 202);
    await ev.body?.cancel();
    const dry = await fetch(`${base}/function/invocations`, {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "DryRun" },
    });
    assert.equal(dry.status, 204);

    const missing = await fetch(`${base}/other/invocations`, { method: "POST", body: "{}" });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("x-amzn-ErrorType"), "ResourceNotFoundException");
    await missing.body?.cancel();
  });
});

test("serve: concurrent requests scale out to the limit, then queue", async () => {
  const pool = new FunctionPool({ entry: OPS, maxConcurrency: 2, timeoutMs: 5000 });
  await withServer(pool, async (base) => {
    const t0 = performance.now();
    const results = await Promise.all([1, 2, 3, 4].map(async (i) => {
      const r = await fetch(`${base}/function/invocations`, {
        method: "POST",
        body: JSON.stringify({ op: "sleep", ms: 300, value: i }),
      });
      return { status: r.status, body: await r.json(), at: performance.now() - t0 };
    }));
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { slept: 300 });
    }
    assert.equal(pool.size, 2, "two environments, not four");
    const ends = results.map((r) => r.at).sort((a, b) => a - b);
    // Two rounds of two: the last pair finishes at least one sleep after the first.
    assert.ok(ends[3] - ends[0] >= 250, `queued behind the first pair: ${ends}`);
    const pids = await Promise.all(pool.functions.map((f) => f.pid));
    assert.equal(new Set(pids).size, 2);
  });
});
