/**
 * LocalFunction driving TypeScript functions (the examples and the ops fixture) through both
 * protocols: success, function error, timeout kill, crash, init failures, warm reuse, logs and
 * the Lambda environment.
 */

import assert from "node:assert/strict";
import {
  type InvokeOutcome,
  LocalFunction,
  type LocalFunctionOptions,
  type Protocol,
} from "../../emulator/function.ts";

const root = new URL("../../", import.meta.url).pathname;
const OPS = `${root}tests/emulator/fixtures/ops.ts`;
const dec = new TextDecoder();
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];

function json(r: InvokeOutcome): unknown {
  return JSON.parse(dec.decode(r.payload));
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

async function withFn(
  options: LocalFunctionOptions,
  f: (fn: LocalFunction) => Promise<void>,
): Promise<void> {
  const fn = await LocalFunction.start(options);
  try {
    await f(fn);
  } finally {
    await fn.close();
  }
}

for (const protocol of PROTOCOLS) {
  test(`${protocol}: examples/hello.ts answers, warm across events, logs framed`, async () => {
    await withFn({ entry: `${root}examples/hello.ts`, protocol }, async (fn) => {
      const a = await fn.invoke({ name: "Ada" });
      assert.ok(a.ok, dec.decode(a.payload));
      assert.deepEqual(json(a), { message: "Hello, Ada!" });
      assert.equal(a.contentType, "application/json");
      assert.ok(a.initDurationMs !== undefined, "first invoke reports the init");
      assert.match(a.logs, new RegExp(`^START RequestId: ${a.requestId} Version: \\$LATEST$`, "m"));
      assert.match(a.logs, new RegExp(`greeting Ada in ${a.requestId}`));
      assert.match(a.logs, new RegExp(`^END RequestId: ${a.requestId}$`, "m"));
      assert.match(a.logs, /^REPORT RequestId: .*\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms/m);
      const pid = fn.pid;
      for (const name of ["Bob", "Cy", "Di"]) {
        const r = await fn.invoke({ name });
        assert.ok(r.ok);
        assert.deepEqual(json(r), { message: `Hello, ${name}!` });
        assert.equal(r.initDurationMs, undefined, "warm invokes have no init");
        assert.ok(!r.logs.includes("greeting Ada"), "each invoke has its own logs");
      }
      assert.equal(fn.pid, pid, "the same process served every event");
      assert.equal(fn.coldStarts, 1);
    });
  });

  test(`${protocol}: examples/error.ts is a function error as Lambda shows it`, async () => {
    await withFn({ entry: `${root}examples/error.ts`, protocol }, async (fn) => {
      const r = await fn.invoke({ email: "nope" });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.kind, "function");
      assert.equal(r.error.errorType, "ValidationError");
      assert.equal(r.error.errorMessage, 'invalid email address: "nope"');
      const doc = json(r) as Record<string, unknown>;
      if (protocol === "go1x") {
        // aws-lambda-go's document.
        assert.deepEqual(Object.keys(doc), ["errorMessage", "errorType", "stackTrace"]);
        assert.deepEqual((doc.stackTrace as unknown[])[0], {
          path: "examples/error.ts",
          line: 27,
          label: "validate",
        });
      } else {
        // Node's managed runtime's document.
        assert.deepEqual(Object.keys(doc), ["errorType", "errorMessage", "trace"]);
        assert.equal((doc.trace as string[])[1], "    at validate (examples/error.ts:27:5)");
      }
      // The process survives a function error.
      const pid = fn.pid;
      assert.equal((await fn.invoke({})).ok, false);
      assert.equal(fn.pid, pid);
    });
  });

  test(`${protocol}: the deadline kills the process; the next event cold-starts`, async () => {
    await withFn({ entry: OPS, protocol, timeoutMs: 400 }, async (fn) => {
      const first = await fn.invoke({ op: "pid" });
      assert.ok(first.ok);
      const pid = (json(first) as { pid: number }).pid;
      const t0 = performance.now();
      const r = await fn.invoke({ op: "sleep", ms: 5000 });
      const took = performance.now() - t0;
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.kind, "timeout");
      assert.deepEqual(json(r), {
        errorType: "Sandbox.Timedout",
        errorMessage: `RequestId: ${r.requestId} Error: Task timed out after 0.40 seconds`,
      });
      // Lambda's key order, as every error document has it.
      assert.ok(new TextDecoder().decode(r.payload).startsWith('{"errorMessage":'));
      assert.ok(took >= 390 && took < 3000, `killed at the deadline (took ${took} ms)`);
      assert.match(r.logs, new RegExp(`Z ${r.requestId} Task timed out after 0\\.40 seconds`));
      assert.match(r.logs, /Status: timeout/);
      let alive = true;
      try {
        Deno.kill(pid, "SIGCONT");
      } catch {
        alive = false;
      }
      assert.equal(alive, false, "the timed-out process is gone");
      const next = await fn.invoke({ op: "pid" });
      assert.ok(next.ok);
      assert.notEqual((json(next) as { pid: number }).pid, pid);
      assert.equal(fn.coldStarts, 2);
    });
  });

  test(`${protocol}: an exit mid-invoke is Runtime.ExitError; then a fresh process`, async () => {
    await withFn({ entry: OPS, protocol }, async (fn) => {
      const r = await fn.invoke({ op: "exit", code: 7 });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.kind, "exit");
      assert.deepEqual(json(r), {
        errorType: "Runtime.ExitError",
        errorMessage: `RequestId: ${r.requestId} Error: Runtime exited with error: exit status 7`,
      });
      assert.match(r.logs, /exiting with 7/);
      const z = await fn.invoke({ op: "exit", code: 0 });
      assert.equal(z.ok, false);
      if (!z.ok) {
        assert.equal(
          z.error.errorMessage,
          `RequestId: ${z.requestId} Error: Runtime exited without providing a reason`,
        );
      }
      const ok = await fn.invoke({ op: "echo", value: 1 });
      assert.ok(ok.ok);
      assert.equal(fn.coldStarts, 3);
    });
  });

  test(`${protocol}: a process that exits before it is ready is an init failure`, async () => {
    await withFn({ entry: OPS, protocol, env: { EMU_INIT_FAIL: "exit" } }, async (fn) => {
      const r = await fn.invoke({ op: "echo" });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.kind, "init");
      assert.deepEqual(json(r), {
        errorType: "Runtime.ExitError",
        errorMessage: `RequestId: ${r.requestId} Error: Runtime exited with error: exit status 3`,
      });
      assert.match(r.logs, /init failed: missing configuration/);
      assert.match(r.logs, /INIT_REPORT .*Status: error\tError Type: Runtime.ExitError/);
      // Every event retries the init.
      const again = await fn.invoke({ op: "echo" });
      assert.equal(again.ok, false);
      assert.equal(fn.coldStarts, 2);
    });
  });
}

test("runtime-api: an init error is reported as the runtime posted it", async () => {
  await withFn({ entry: OPS, env: { EMU_INIT_FAIL: "init" } }, async (fn) => {
    const r = await fn.invoke({});
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.kind, "init");
    const doc = json(r) as Record<string, unknown>;
    assert.equal(doc.errorType, "ConfigError");
    assert.equal(doc.errorMessage, "missing configuration");
  });
});

test("runtime-api: a throw at the module's top level is an init error", async () => {
  await withFn({ entry: `${root}tests/runtime/fixtures/toplevel_fail.ts` }, async (fn) => {
    const r = await fn.invoke({});
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.kind, "init");
    assert.equal(r.error.errorType, "SyntaxError");
  });
});

test("an init that never finishes is killed at the init limit", async () => {
  await withFn({ cmd: ["sleep", "30"], initTimeoutMs: 300 }, async (fn) => {
    const t0 = performance.now();
    const r = await fn.invoke({});
    assert.ok(performance.now() - t0 < 3000);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.kind, "init");
    assert.deepEqual(json(r), {
      errorType: "Sandbox.Timedout",
      errorMessage: `RequestId: ${r.requestId} Error: Task timed out after 0.30 seconds`,
    });
  });
});

test("a missing bootstrap is Runtime.InvalidEntrypoint", async () => {
  await withFn({ bootstrap: "/nonexistent/bootstrap" }, async (fn) => {
    const r = await fn.invoke({});
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.kind, "init");
    assert.equal(r.error.errorType, "Runtime.InvalidEntrypoint");
    assert.match(r.error.errorMessage, /fork\/exec \/nonexistent\/bootstrap: /);
  });
});

for (const protocol of PROTOCOLS) {
  test(`${protocol}: Lambda's environment and invoke metadata reach the function`, async () => {
    await withFn({
      entry: OPS,
      protocol,
      functionName: "my-fn",
      memoryMb: 512,
      env: { AWS_REGION: "eu-west-1" },
    }, async (fn) => {
      const r = await fn.invoke({ op: "env" }, { requestId: "req-42" });
      assert.ok(r.ok, dec.decode(r.payload));
      assert.deepEqual(json(r), {
        functionName: "my-fn",
        memory: 512,
        version: "$LATEST",
        logGroup: "/aws/lambda/my-fn",
        region: "eu-west-1",
        tz: ":UTC",
        arn: `arn:aws:lambda:${fn.region}:012345678912:function:my-fn`,
        requestId: "req-42",
      });
      const c = await fn.invoke({ op: "context" }, {
        clientContext: { client: { installation_id: "inst" }, custom: { k: "v" } },
        identity: { cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" },
        traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
      });
      assert.ok(c.ok, dec.decode(c.payload));
      const ctx = json(c) as Record<string, Record<string, unknown>>;
      assert.equal(ctx.identity.cognitoIdentityId, "id-1");
      assert.equal(ctx.identity.cognitoIdentityPoolId, "pool-1");
      assert.deepEqual(ctx.clientContext.custom, { k: "v" });
      assert.equal(
        ctx.traceId as unknown,
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
      );
      const remaining = ctx.remaining as unknown as number;
      assert.ok(remaining > 2000 && remaining <= 3000, `remaining ${remaining}`);
    });
  });
}

test("runtime-api: invokeStream delivers a buffered answer as one chunk", async () => {
  await withFn({ entry: OPS }, async (fn) => {
    const s = await fn.invokeStream({ op: "echo", value: { a: 1 } });
    assert.equal(s.contentType, "application/json");
    const body = await new Response(s.body).text();
    assert.equal(body, '{"a":1}');
    const d = await s.done;
    assert.equal(d.error, undefined);
    const e = await fn.invokeStream({ op: "fail", message: "no" });
    assert.equal(await new Response(e.body).text(), "");
    const de = await e.done;
    assert.equal(de.error?.error.errorType, "MyErr");
  });
});

test("invocations made at once are served one at a time by one environment", async () => {
  await withFn({ entry: OPS }, async (fn) => {
    const rs = await Promise.all([1, 2, 3].map((i) => fn.invoke({ op: "echo", value: i })));
    assert.deepEqual(rs.map((r) => json(r)), [1, 2, 3]);
    assert.equal(fn.coldStarts, 1);
  });
});

test("runtime-api: a stream still running at the deadline is cut off and killed", async () => {
  await withFn({ entry: OPS, timeoutMs: 700 }, async (fn) => {
    await fn.invoke({ op: "echo" }); // warm: the deadline then covers only the stream
    const s = await fn.invokeStream({ op: "stream", chunks: ["a", "b", "c", "d", "e"], ms: 250 });
    const text = await new Response(s.body).text();
    const d = await s.done;
    assert.equal(d.error?.kind, "timeout");
    assert.equal(d.error?.error.errorType, "Sandbox.Timedout");
    assert.ok(text.length >= 1 && text.length < 5, `partial body ${JSON.stringify(text)}`);
    assert.ok(text === "abcde".slice(0, text.length));
    const again = await fn.invoke({ op: "echo", value: 2 });
    assert.ok(again.ok);
    assert.equal(fn.coldStarts, 2);
  });
});

for (const protocol of PROTOCOLS) {
  test(`${protocol}: REPORT shows the peak memory; over the memory size, Runtime.OutOfMemory`, async () => {
    await withFn({ entry: OPS, protocol, memoryMb: 160 }, async (fn) => {
      const small = await fn.invoke({ op: "allocate", mb: 8 });
      assert.ok(small.ok, dec.decode(small.payload));
      const used = Number(/\tMax Memory Used: (\d+) MB/.exec(small.logs)?.[1]);
      assert.ok(used >= 8 && used < 160, `Max Memory Used: ${used} MB`);
      const pid = fn.pid;
      // 40 MiB more: the peak follows
      const more = await fn.invoke({ op: "allocate", mb: 40 });
      assert.ok(more.ok);
      const after = Number(/\tMax Memory Used: (\d+) MB/.exec(more.logs)?.[1]);
      assert.ok(after >= used + 30, `Max Memory Used: ${used} → ${after} MB`);
      // past 160 MB: killed as Lambda kills it
      const r = await fn.invoke({ op: "allocate", mb: 200, ms: 2000 });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.kind, "exit");
      assert.equal(r.error.errorType, "Runtime.OutOfMemory");
      assert.equal(
        r.error.errorMessage,
        `RequestId: ${r.requestId} Error: Runtime exited with error: signal: killed`,
      );
      assert.match(
        r.logs,
        /\tMax Memory Used: 160 MB\tStatus: error\tError Type: Runtime\.OutOfMemory$/m,
      );
      // the next event gets a fresh environment
      const next = await fn.invoke({ op: "echo", value: 1 });
      assert.ok(next.ok);
      assert.notEqual(fn.pid, pid);
    });
  });
}
