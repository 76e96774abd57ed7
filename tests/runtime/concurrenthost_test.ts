/**
 * The Managed Instances benchmark's Runtime API stand-in (`tests/go/cmd/concurrenthost`), whose
 * reports say whether a function hangs: a second answer to one invocation (a worker isolate that
 * died between posting its answer and hearing it was taken, then the main isolate's
 * `Runtime.WorkerExited` for the same invocation) is rejected and counted as bad, never counted as
 * an answer. Counted, it handed out an invocation too many and the stand-in blocked for good.
 */

import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";
import { repoPath } from "./_platform.ts";

goTest("concurrenthost: a second answer to one invocation is rejected, not counted", async () => {
  const bin = await buildGo("cmd/concurrenthost");
  const out = await new Deno.Command(bin, {
    args: [
      ...["-op", "io", "-n", "20", "-warmup", "2", "-inflight", "2"],
      ...["-stall", "5s", "-timeout", "30s"],
      "--",
      Deno.execPath(),
      ...["run", "--allow-net", "--allow-env", repoPath("tests/runtime/fixtures/answers_twice.ts")],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, err);
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(report.invokes, 20);
  // Every invocation answered once, then once more: each second answer is bad (the last one may
  // come after the run ended).
  assert.ok(report.badResponses >= 21, JSON.stringify(report));
  // Counted apart as well, so that a benchmark tells them from invocations that failed.
  assert.equal(report.rejected, report.badResponses, JSON.stringify(report));
  assert.match(report.firstBad, /^req-1 response .*not handed out/);
});
