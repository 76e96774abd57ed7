/**
 * The emulator driving a function written in Go with aws-lambda-go (`tests/go/cmd/goemufunc`)
 * through both protocols, side by side with its TypeScript twin (`fixtures/ops.ts`): answers,
 * errors, timeouts, crashes, init failures and streamed responses look the same from the outside.
 */

import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";
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

/** The error document with the request id made generic, to compare two runs. */
function doc(r: InvokeOutcome): unknown {
  return JSON.parse(dec.decode(r.payload).replaceAll(r.requestId, "<id>"));
}

async function pair(
  protocol: Protocol,
  extra: Partial<LocalFunctionOptions>,
  f: (fns: { go: LocalFunction; ts: LocalFunction }) => Promise<void>,
): Promise<void> {
  const bin = await buildGo("cmd/goemufunc");
  const go = await LocalFunction.start({ bootstrap: bin, protocol, ...extra });
  const ts = await LocalFunction.start({ entry: OPS, protocol, ...extra });
  try {
    await f({ go, ts });
  } finally {
    await Promise.all([go.close(), ts.close()]);
  }
}

/** Invokes both with the same event. */
async function both(
  fns: { go: LocalFunction; ts: LocalFunction },
  event: unknown,
): Promise<[InvokeOutcome, InvokeOutcome]> {
  return await Promise.all([fns.go.invoke(event), fns.ts.invoke(event)]);
}

for (const protocol of PROTOCOLS) {
  goTest(`go vs ts, ${protocol}: answers and function errors are identical`, async () => {
    await pair(protocol, {}, async (fns) => {
      const value = { s: "<&>", n: [1, 2.5, null], u: "ünï" };
      const [g, t] = await both(fns, { op: "echo", value });
      assert.ok(g.ok && t.ok, `${dec.decode(g.payload)} / ${dec.decode(t.payload)}`);
      assert.equal(dec.decode(g.payload), dec.decode(t.payload));
      assert.deepEqual(JSON.parse(dec.decode(g.payload)), value);

      const [ge, te] = await both(fns, { op: "fail", message: "bad <input>" });
      assert.equal(ge.ok, false);
      assert.equal(te.ok, false);
      if (ge.ok || te.ok) return;
      assert.equal(ge.kind, "function");
      assert.equal(te.kind, "function");
      assert.deepEqual(ge.error, { errorMessage: "bad <input>", errorType: "MyErr" });
      assert.deepEqual(te.error, ge.error);
      if (protocol === "go1x") assert.deepEqual(doc(te), doc(ge));
      else {
        // The Runtime API document is Node's managed runtime's: same type and message.
        const d = doc(te) as Record<string, unknown>;
        assert.deepEqual([d.errorType, d.errorMessage], ["MyErr", "bad <input>"]);
        assert.deepEqual(Object.keys(d), ["errorType", "errorMessage", "trace"]);
      }

      // Several events in a row, one process each.
      const gpid = fns.go.pid;
      const tpid = fns.ts.pid;
      for (let i = 0; i < 3; i++) {
        const [a, b] = await both(fns, { op: "echo", value: i });
        assert.equal(dec.decode(a.payload), String(i));
        assert.equal(dec.decode(b.payload), String(i));
      }
      assert.equal(fns.go.pid, gpid);
      assert.equal(fns.ts.pid, tpid);
      assert.equal(fns.go.coldStarts, 1);
    });
  });

  goTest(`go vs ts, ${protocol}: timeouts, crashes and init failures look the same`, async () => {
    // 1.5 s: the crash below must be seen before the deadline even on a loaded machine.
    await pair(protocol, { timeoutMs: 1500 }, async (fns) => {
      const [gt, tt] = await both(fns, { op: "sleep", ms: 6000 });
      assert.equal(gt.ok || tt.ok, false);
      if (gt.ok || tt.ok) return;
      assert.equal(gt.kind, "timeout");
      assert.equal(tt.kind, "timeout");
      assert.deepEqual(doc(gt), {
        errorType: "Sandbox.Timedout",
        errorMessage: "RequestId: <id> Error: Task timed out after 1.50 seconds",
      });
      assert.deepEqual(doc(tt), doc(gt));

      const [gx, tx] = await both(fns, { op: "exit", code: 2 });
      assert.equal(gx.ok || tx.ok, false);
      if (gx.ok || tx.ok) return;
      assert.equal(gx.kind, "exit");
      assert.deepEqual(doc(gx), {
        errorType: "Runtime.ExitError",
        errorMessage: "RequestId: <id> Error: Runtime exited with error: exit status 2",
      });
      assert.deepEqual(doc(tx), doc(gx));
      assert.match(gx.logs, /exiting with 2/);

      // Fresh processes answer again.
      const [g, t] = await both(fns, { op: "echo", value: "back" });
      assert.ok(g.ok && t.ok);
      assert.equal(fns.go.coldStarts, 3);
    });
    await pair(protocol, { env: { GOEMU_INIT_FAIL: "1", EMU_INIT_FAIL: "exit" } }, async (fns) => {
      const [g, t] = await both(fns, { op: "echo" });
      assert.equal(g.ok || t.ok, false);
      if (g.ok || t.ok) return;
      assert.equal(g.kind, "init");
      assert.equal(t.kind, "init");
      assert.deepEqual(doc(g), {
        errorType: "Runtime.ExitError",
        errorMessage: "RequestId: <id> Error: Runtime exited with error: exit status 3",
      });
      assert.deepEqual(doc(t), doc(g));
      assert.match(g.logs, /init failed: missing configuration/);
      assert.match(t.logs, /init failed: missing configuration/);
    });
  });

  goTest(`go vs ts, ${protocol}: Lambda's environment reaches both the same way`, async () => {
    await pair(protocol, { functionName: "twin", memoryMb: 256 }, async (fns) => {
      const [g, t] = await Promise.all([
        fns.go.invoke({ op: "env" }, { requestId: "req-7" }),
        fns.ts.invoke({ op: "env" }, { requestId: "req-7" }),
      ]);
      assert.ok(g.ok && t.ok, `${dec.decode(g.payload)} / ${dec.decode(t.payload)}`);
      assert.deepEqual(JSON.parse(dec.decode(t.payload)), JSON.parse(dec.decode(g.payload)));
      assert.equal((JSON.parse(dec.decode(g.payload)) as { memory: number }).memory, 256);
    });
  });
}

goTest("go: a recovered panic is a function error in both protocols", async () => {
  const bin = await buildGo("cmd/goemufunc");
  for (const protocol of PROTOCOLS) {
    const fn = await LocalFunction.start({ bootstrap: bin, protocol });
    try {
      const r = await fn.invoke({ op: "panic", message: "boom" });
      assert.equal(r.ok, false);
      if (r.ok) continue;
      assert.equal(r.kind, "function");
      assert.equal(r.error.errorType, "string");
      assert.equal(r.error.errorMessage, "boom");
      assert.ok((r.error.stackTrace ?? []).length > 0, "a panic carries Go's stack");
      // Either way the environment is replaced (Runtime API: Go exits; go1.x: ShouldExit).
      const next = await fn.invoke({ op: "echo", value: 1 });
      assert.ok(next.ok);
      assert.equal(fn.coldStarts, 2);
    } finally {
      await fn.close();
    }
  }
});

goTest(
  "go vs ts, runtime-api: streamed responses arrive in pieces, errors in trailers",
  async () => {
    await pair("runtime-api", { timeoutMs: 5000 }, async (fns) => {
      for (const [name, fn] of Object.entries(fns)) {
        const t0 = performance.now();
        const s = await fn.invokeStream({
          op: "stream",
          chunks: ["one ", "two ", "three"],
          ms: 150,
        });
        const reader = s.body.getReader();
        const first = await reader.read();
        const firstAt = performance.now() - t0;
        let text = dec.decode(first.value);
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += dec.decode(value);
        }
        const total = performance.now() - t0;
        assert.equal(text, "one two three", name);
        assert.ok(firstAt < total - 150, `${name}: first chunk early (${firstAt} of ${total} ms)`);
        assert.equal((await s.done).error, undefined);

        const f = await fn.invokeStream({
          op: "streamFail",
          chunks: ["partial"],
          message: "broke",
        });
        assert.equal(await new Response(f.body).text(), "partial", name);
        const end = await f.done;
        assert.equal(end.error?.kind, "function", name);
        assert.equal(end.error?.error.errorType, "MyErr", name);
        assert.equal(end.error?.error.errorMessage, "broke", name);
      }
    });
  },
);
