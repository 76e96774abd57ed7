/**
 * `context.callbackWaitsForEmptyEventLoop`, as Lambda's Node.js runtime has it
 * (aws-lambda-nodejs-runtime-interface-client's `CallbackContext.js`): a callback handler's success
 * is answered once the event loop is empty, so pending timers and I/O run (and log) inside the
 * invocation; `false`, errors, `context.succeed` and promises answer at once; a callback handler
 * that calls nothing is answered `null` when the loop empties. Both protocols, under the emulator.
 */

import assert from "node:assert/strict";
import { type InvokeOutcome, LocalFunction, type Protocol } from "../../emulator/function.ts";

const FIXTURE = new URL("./fixtures/event_loop.ts", import.meta.url).pathname;
const dec = new TextDecoder();
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];
const MS = 1500;

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

async function timed(fn: LocalFunction, event: unknown): Promise<[InvokeOutcome, number]> {
  const t0 = performance.now();
  const r = await fn.invoke(event);
  return [r, performance.now() - t0];
}

for (const protocol of PROTOCOLS) {
  test(`${protocol}: callbackWaitsForEmptyEventLoop, as in Node's runtime`, async () => {
    const peer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
      await new Promise((r) => setTimeout(r, 300));
      return new Response("late");
    });
    const fn = await LocalFunction.start({
      entry: FIXTURE,
      protocol,
      timeoutMs: 10_000,
      env: { PEER: `127.0.0.1:${peer.addr.port}` },
    });
    try {
      // Default: the answer waits for the 1.5 s timer, whose log is inside the invocation.
      let [r, ms] = await timed(fn, { op: "callback", ms: MS });
      assert.ok(r.ok, dec.decode(r.payload));
      assert.deepEqual(JSON.parse(dec.decode(r.payload)), { op: "callback" });
      assert.ok(ms >= MS - 50, `answered after ${ms} ms, before the timer`);
      assert.match(r.logs, /timer fired: callback/);

      // false: at once; the timer fires later (not in this invocation's logs).
      [r, ms] = await timed(fn, { op: "nowait", ms: MS });
      assert.ok(r.ok);
      assert.ok(ms < MS / 2, `nowait took ${ms} ms`);
      assert.doesNotMatch(r.logs, /timer fired: nowait/);
      await new Promise((res) => setTimeout(res, MS + 200));

      // Errors, context.succeed and promises never wait.
      for (const op of ["error", "succeed", "async"]) {
        [r, ms] = await timed(fn, { op, ms: MS });
        assert.equal(r.ok, op !== "error", op);
        assert.ok(ms < MS / 2, `${op} took ${ms} ms`);
        await new Promise((res) => setTimeout(res, MS + 200));
      }

      // A callback handler that calls nothing: null once the loop is empty.
      [r, ms] = await timed(fn, { op: "nothing", ms: 400 });
      assert.ok(r.ok);
      assert.equal(dec.decode(r.payload), "null");
      assert.ok(ms >= 350, `nothing took ${ms} ms`);
      assert.match(r.logs, /timer fired: nothing/);

      // Work started by pending work is waited for too; so is pending I/O.
      [r] = await timed(fn, { op: "chained", ms: 300 });
      assert.match(r.logs, /first timer[\s\S]*timer fired: chained/);
      [r] = await timed(fn, { op: "fetch", ms: 0 });
      assert.match(r.logs, /timer fired: fetched late/);

      // The process keeps serving (the runtime's connections hold the loop again).
      [r] = await timed(fn, { op: "callback", ms: 10 });
      assert.ok(r.ok);
      assert.equal(fn.coldStarts, 1);
    } finally {
      await fn.close();
      await peer.shutdown();
    }
  });
}
