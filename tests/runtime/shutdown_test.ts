/**
 * Shutdown as on Lambda, under the emulator (which sends SIGTERM when an extension registered,
 * then SIGKILL after 500 ms): the function's own SIGTERM listeners (Node's and Deno's) make the
 * runtime register for SIGTERM; they run, their pending work (a flush) completes, `onShutdown`
 * runs, and the process exits 0 within the grace period; work longer than the budget is cut at
 * about 400 ms, still a clean exit.
 */

import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/function.ts";

const FIXTURE = new URL("./fixtures/shutdown.ts", import.meta.url).pathname;

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

async function shutdown(env: Record<string, string>, protocol: Protocol = "runtime-api") {
  const fn = await LocalFunction.start({ entry: FIXTURE, protocol, env });
  const r = await fn.invoke({});
  assert.ok(r.ok);
  const report = await fn.close();
  assert.ok(report);
  return report;
}

test("shutdown: process.on / Deno.addSignalListener SIGTERM listeners run, their flush completes", async () => {
  const report = await shutdown({ FLUSH_MS: "150", ON_SHUTDOWN: "1" });
  assert.equal(report.sigterm, true, "the runtime registered for SIGTERM");
  assert.equal(report.exitedWithinGrace, true);
  assert.equal(report.exitCode, 0);
  assert.match(report.logs, /node SIGTERM listener ran/);
  assert.match(report.logs, /deno SIGTERM listener ran/);
  assert.match(report.logs, /onShutdown ran/);
  assert.match(report.logs, /flushed after 150 ms/);
  assert.ok(report.exitedMs! >= 140, `exited after ${report.exitedMs} ms, before the flush`);
});

test("shutdown: work past the budget is cut; the exit is still clean and within the grace", async () => {
  const report = await shutdown({ FLUSH_MS: "2000" });
  assert.equal(report.sigterm, true);
  assert.equal(report.exitedWithinGrace, true, `exit took ${report.exitedMs} ms`);
  assert.equal(report.exitCode, 0);
  assert.match(report.logs, /deno SIGTERM listener ran/);
  assert.doesNotMatch(report.logs, /flushed/);
});

test("shutdown: a function with no SIGTERM listener and no onShutdown is not sent SIGTERM", async () => {
  const report = await shutdown({ LISTENERS: "none" });
  assert.equal(report.sigterm, false);
  assert.equal(report.exitedWithinGrace, false);
});
