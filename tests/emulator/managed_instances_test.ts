/**
 * Concurrent environments (Lambda Managed Instances) under our emulator: one process takes many
 * invocations at once and serves them from two isolates (`GOPHERLESS_WORKER_COUNT=2`, so that the
 * worker model runs whatever the machine's CPUs). What each invocation sees stays its own; a
 * throwing, a timing-out and a streaming invocation leave the others alone; a worker that stops
 * fails only what it was running, what its pending requests are still handed is served by the
 * main isolate, none is lost, and it is replaced; an init failure in a worker is reported once.
 * `rie_managed_test.ts` runs the same checks under AWS's emulator.
 */

import assert from "node:assert/strict";
import { type InvokeOutcome, LocalFunction } from "../../emulator/mod.ts";
import { repoPath } from "../runtime/_platform.ts";
import { checkIsolation, type Seen, staggered } from "./_concurrent.ts";
import { functionOptions } from "../../emulator/cli.ts";

const dec = new TextDecoder();
const ENTRY = repoPath("tests/runtime/fixtures/concurrent.ts");

function start(env: Record<string, string> = {}, timeoutMs = 3000): Promise<LocalFunction> {
  return LocalFunction.start({
    entry: ENTRY,
    perEnvironmentMaxConcurrency: 8,
    memoryMb: 2048,
    timeoutMs,
    env: { GOPHERLESS_WORKER_COUNT: "2", ...env },
  });
}

function body(r: InvokeOutcome): Seen {
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.error));
  return JSON.parse(dec.decode(r.payload)) as Seen;
}

Deno.test("managed instances: request ids, deadlines and InvokeStore values never cross", async () => {
  const fn = await start();
  try {
    const { sent, answers } = await staggered(
      16,
      30,
      (event, s) => fn.invoke(event, { requestId: s.requestId }),
    );
    const seen = answers.map(body);
    checkIsolation(sent, seen, 3000);
    // The worker served them (handlers that await leave it nothing waiting to begin). Handlers
    // that keep it busy leave it some, and the main isolate serves its share.
    assert.ok(seen.some((s) => s.isolate === "gopherless-worker-1"));
    const sentAt = Date.now();
    const tags = Array.from({ length: 6 }, (_, i) => `busy${i}`);
    const busy = (await Promise.all(
      tags.map((tag) => fn.invoke({ tag, spin: 60, ms: 1 }, { requestId: `${tag}-id` })),
    )).map(body);
    checkIsolation(tags.map((tag) => ({ tag, requestId: `${tag}-id`, sentAt })), busy, 3000);
    assert.deepEqual(
      new Set([...seen, ...busy].map((s) => s.isolate)),
      new Set(["main", "gopherless-worker-1"]),
    );
    // Every log line is one JSON object (Managed Instances' only log format); each of the
    // handler's has the request id of the invocation that wrote it, and every request id a
    // line carries is one of this run's.
    const logs = answers.map((r) => r.logs).join("");
    const ids = new Set(sent.map((s) => s.requestId));
    for (const line of logs.split("\n")) {
      if (line === "" || /^(START|END|REPORT) RequestId: /.test(line)) continue; // the emulator's own
      const doc = JSON.parse(line);
      assert.equal(typeof doc.timestamp, "string", line);
      assert.equal(typeof doc.level, "string", line);
      if (doc.requestId !== undefined) assert.ok(ids.has(doc.requestId), line);
    }
    for (const s of sent) {
      const lines = logs.split("\n").filter((l) => l.includes(`"handling ${s.tag}"`));
      assert.equal(lines.length, 1, s.tag);
      assert.equal(JSON.parse(lines[0]).requestId, s.requestId);
    }
    assert.equal(fn.coldStarts, 1);
  } finally {
    await fn.close();
  }
});

Deno.test("managed instances: a throwing, a timing-out and a streaming invocation beside normal ones", async () => {
  const fn = await start({}, 1500);
  try {
    const pid = fn.pid;
    const normal = (tag: string) => fn.invoke({ tag, ms: 50 }, { requestId: `${tag}-id` });
    const sentAt = Date.now();
    const [hang, thrown, streamed, ...normals] = await Promise.all([
      fn.invoke({ op: "hang", tag: "h", ms: 4000 }),
      fn.invoke({ op: "throw", tag: "x" }),
      fn.invokeStream({ op: "stream", tag: "s" }).then(async (s) => ({
        contentType: s.contentType,
        text: await new Response(s.body).text(),
        done: await s.done,
      })),
      ...["a", "b", "c", "d", "e"].map(normal),
    ]);
    assert.ok(!hang.ok);
    assert.equal(hang.kind, "timeout");
    assert.deepEqual(hang.error, {
      errorType: "Sandbox.Timedout",
      errorMessage: "Task timed out after 1.50 seconds",
    });
    assert.ok(!thrown.ok);
    assert.equal(thrown.error.errorType, "RangeError");
    assert.equal(thrown.error.errorMessage, "thrown by x");
    assert.equal(streamed.text, "s:0;s:1;s:2;");
    assert.equal(streamed.contentType, "text/plain");
    assert.equal(streamed.done.error, undefined);
    // The normal ones beside them saw only their own.
    checkIsolation(
      ["a", "b", "c", "d", "e"].map((tag) => ({ tag, requestId: `${tag}-id`, sentAt })),
      normals.map(body),
      1500,
    );
    // The timed-out invocation did not cost the environment: same process, still serving.
    assert.equal(fn.pid, pid);
    assert.equal(body(await normal("after")).storedTag, "after");
    assert.equal(fn.coldStarts, 1);
  } finally {
    await fn.close();
  }
});

/**
 * Sends `crash` invocations (crashing only `where`) beside normal ones until one crashed. The
 * emulator hands each invocation to the request that has waited longest: an invocation that holds
 * on goes first, so that the crash reaches a request of the other isolate.
 */
async function crashOnce(fn: LocalFunction, where: "main" | "worker", op = "crash") {
  for (let attempt = 0; attempt < 20; attempt++) {
    const busy = where === "main" ? [fn.invoke({ tag: `b${attempt}`, ms: 400 })] : [];
    if (busy.length > 0) await new Promise((r) => setTimeout(r, 50));
    // Several crashes for a worker: each isolate has four requests waiting, and one of five
    // reaches the worker whatever their order.
    const crashes = where === "worker" ? 5 : 1;
    const normals = Array.from({ length: 6 }, (_, i) => `n${attempt}-${i}`);
    const all = await Promise.all([
      ...Array.from({ length: crashes }, () => fn.invoke({ op, tag: "c", where, ms: 40 })),
      ...normals.map((tag) => fn.invoke({ tag, ms: 120 }, { requestId: `${tag}-id` })),
    ]);
    await Promise.all(busy);
    const crash = all.slice(0, crashes).find((r) => !r.ok);
    if (!crash) continue; // each landed in the other isolate: nothing crashed
    return { crash, rest: all.filter((r) => r !== crash) };
  }
  throw new Error(`no crash landed in the ${where} isolate in 20 tries`);
}

Deno.test("managed instances: a worker that dies fails its own invocations and is replaced", async () => {
  const fn = await start();
  try {
    const pid = fn.pid;
    const { crash, rest } = await crashOnce(fn, "worker");
    assert.ok(!crash.ok);
    assert.equal(crash.error.errorType, "Runtime.WorkerExited");
    assert.match(crash.error.errorMessage, /crash requested by c/);
    // The worker's other invocations failed the same way; the main isolate's went on (as did
    // any taken by the replacement).
    for (const r of rest) {
      if (r.ok) body(r);
      else assert.equal(r.error.errorType, "Runtime.WorkerExited");
    }
    assert.equal(fn.pid, pid, "the process lives on");
    // What the runtime logged of it is JSON too, the failed invocations' lines with their ids.
    for (const r of [crash, ...rest]) {
      for (const line of r.logs.split("\n")) {
        if (line === "" || /^(START|END|REPORT) RequestId: /.test(line)) continue;
        const doc = JSON.parse(line);
        if (doc.message?.errorType === "Runtime.WorkerExited") {
          assert.match(doc.message.errorMessage, new RegExp(`^RequestId: ${doc.requestId} `));
        }
      }
    }
    // A replacement serves: soon both isolates answer again.
    const isolates = new Set<string>();
    for (let i = 0; i < 20 && isolates.size < 2; i++) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, (_, j) => fn.invoke({ tag: `r${i}-${j}`, ms: 30 })),
      );
      for (const r of batch) isolates.add(body(r).isolate);
    }
    assert.deepEqual(isolates, new Set(["main", "gopherless-worker-1"]));
    assert.equal(fn.coldStarts, 1);
  } finally {
    await fn.close();
  }
});

Deno.test("managed instances: what a stopping worker is handed is served by the main isolate, none lost", async () => {
  const fn = await start({}, 10_000);
  try {
    const pid = fn.pid;
    // Crashes that act only in the worker (in the main isolate they return at once): the
    // emulator hands each to the longest-waiting request, so several at once reach the worker.
    // The first it runs spins for 700 ms, then calls Deno.exit(3); what its other requests are
    // handed meanwhile waits unread.
    for (let attempt = 0; attempt < 10; attempt++) {
      const crashes = Array.from(
        { length: 5 },
        (_, i) => fn.invoke({ op: "spin-exit", tag: `c${attempt}-${i}`, where: "worker", ms: 700 }),
      );
      await new Promise((r) => setTimeout(r, 150));
      const tags = Array.from({ length: 7 }, (_, i) => `q${attempt}-${i}`);
      const sentAt = Date.now();
      const answers = await Promise.all(
        tags.map((tag) => fn.invoke({ tag, ms: 20 }, { requestId: `${tag}-id` })),
      );
      // Every one answered, none failed and none left to time out.
      checkIsolation(
        tags.map((tag) => ({ tag, requestId: `${tag}-id`, sentAt })),
        answers.map(body),
        10_000,
      );
      const crashed = await Promise.all(crashes);
      const failed = crashed.filter((c) => !c.ok);
      if (failed.length === 0) continue; // none reached the worker
      // Only the one it ran failed.
      assert.equal(failed.length, 1, JSON.stringify(failed.map((f) => f.ok ? "" : f.error)));
      const [stopped] = failed;
      assert.ok(!stopped.ok);
      assert.equal(stopped.error.errorType, "Runtime.WorkerExited");
      assert.match(stopped.error.errorMessage, /exit code 3/);
      // Those handed to its pending requests were served by the main isolate, which says so in
      // their logs.
      const passedOn = [...answers, ...crashed].filter((r) =>
        r.ok && /had stopped when the Runtime API handed it this invocation/.test(r.logs)
      );
      assert.ok(passedOn.length > 0, stopped.logs);
      for (const r of passedOn) assert.equal(body(r).isolate, "main");
      assert.equal(fn.pid, pid, "the process lives on");
      return;
    }
    assert.fail("the crash never landed in the worker");
  } finally {
    await fn.close();
  }
});

Deno.test("managed instances: a worker that reaches its heap limit is replaced, the process lives", async () => {
  // 512 MB over 2 isolates: a worker's old generation is limited to 230 MB.
  const fn = await LocalFunction.start({
    entry: ENTRY,
    perEnvironmentMaxConcurrency: 8,
    memoryMb: 512,
    timeoutMs: 30_000, // filling 230 MB takes a while on a loaded machine
    env: { GOPHERLESS_WORKER_COUNT: "2" },
  });
  try {
    const pid = fn.pid;
    const { crash } = await crashOnce(fn, "worker", "oom");
    assert.ok(!crash.ok);
    assert.equal(crash.error.errorType, "Runtime.WorkerExited");
    assert.match(
      crash.error.errorMessage,
      /Runtime.OutOfMemory: the worker reached its heap limit/,
    );
    assert.equal(fn.pid, pid, "the process lives on");
    const after = await Promise.all(
      Array.from({ length: 8 }, (_, j) => fn.invoke({ tag: `after${j}`, ms: 20 })),
    );
    for (const r of after) body(r);
  } finally {
    await fn.close();
  }
});

Deno.test("managed instances: an uncaught error in the main isolate fails only its invocations", async () => {
  const fn = await start();
  try {
    const pid = fn.pid;
    const { crash, rest } = await crashOnce(fn, "main");
    assert.ok(!crash.ok);
    assert.equal(crash.error.errorType, "Error");
    assert.equal(crash.error.errorMessage, "crash requested by c");
    // The others either failed with it (they were in flight in the main isolate) or succeeded
    // (in the worker, or taken by the main isolate after the error).
    for (const r of rest) {
      if (r.ok) body(r);
      else assert.equal(r.error.errorMessage, "crash requested by c");
    }
    assert.equal(fn.pid, pid, "the process lives on");
    const after = await Promise.all(
      Array.from({ length: 8 }, (_, j) => fn.invoke({ tag: `after${j}`, ms: 20 })),
    );
    assert.deepEqual(new Set(after.map((r) => body(r).isolate)).has("main"), true);
  } finally {
    await fn.close();
  }
});

Deno.test("managed instances: an init failure in a worker is reported once, as an init error", async () => {
  const fn = await start({ MI_INIT_FAIL: "worker" });
  try {
    const r = await fn.invoke({ tag: "first" });
    assert.ok(!r.ok);
    assert.equal(r.kind, "init");
    assert.equal(r.error.errorType, "TypeError");
    assert.equal(r.error.errorMessage, "init failed in gopherless-worker-1");
    // Posted (and logged) once, by the main isolate.
    const logged = r.logs.split("\n").filter((l) => l.includes("init failed in"));
    assert.equal(logged.length, 1, r.logs);
    assert.equal(JSON.parse(logged[0]).level, "ERROR");
  } finally {
    await fn.close();
  }
});

Deno.test("managed instances: no isolate takes an invocation before every init is done", async () => {
  const fn = await start({ GOPHERLESS_WORKER_COUNT: "3", MI_INIT_FAIL: "gopherless-worker-2" });
  try {
    const r = await fn.invoke({ tag: "first" });
    assert.ok(!r.ok);
    assert.equal(r.kind, "init");
    assert.equal(r.error.errorMessage, "init failed in gopherless-worker-2");
    assert.ok(!r.logs.includes("handling first"), r.logs);
  } finally {
    await fn.close();
  }
});

Deno.test("managed instances: SIGTERM runs every isolate's onShutdown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fn = await start({ MI_SHUTDOWN_DIR: dir });
    body(await fn.invoke({ tag: "one" }));
    await fn.close(); // SIGTERM (the runtime registered for it), then SIGKILL after 500 ms
    const marks = [];
    for await (const e of Deno.readDir(dir)) marks.push(e.name);
    assert.deepEqual(marks.sort(), ["gopherless-worker-1", "main"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("managed instances: the emulator refuses a concurrent go1.x environment", () => {
  assert.throws(
    () => LocalFunction.create({ entry: ENTRY, protocol: "go1x", perEnvironmentMaxConcurrency: 4 }),
    /needs the Runtime API/,
  );
});

Deno.test("managed instances: the emulator's --environment-concurrency flag", () => {
  const options = functionOptions("f.ts", { "environment-concurrency": "16" });
  assert.equal(options.perEnvironmentMaxConcurrency, 16);
  assert.equal(functionOptions("f.ts", {}).perEnvironmentMaxConcurrency, undefined);
  assert.throws(
    () => functionOptions("f.ts", { "environment-concurrency": "4", protocol: "go1x" }),
    /--environment-concurrency needs --protocol runtime-api/,
  );
});
