/**
 * What a handler throws cannot break the runtime: an error-shaped object with a malformed
 * `stackTrace` is posted (Runtime API) or answered (go1.x) with its frames validated, and the
 * function keeps serving; a cyclic object thrown gets a message that shows it. Both protocols,
 * driven by the emulator as Lambda drives them. A go1.x deadline anywhere in Go's int64 range is
 * an ordinary invocation.
 */
import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/function.ts";
import { INVOKE_METHOD, messages, PING_METHOD } from "../../protocol/go1x.ts";
import { Client } from "../../rpc/mod.ts";
import { toErrorShape, validFrames } from "../../runtime/errors.ts";

const OPS = new URL("./fixtures/ops.ts", import.meta.url).pathname;
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];
const dec = new TextDecoder();

Deno.test("errors: a handler's stackTrace is validated, never trusted", () => {
  assert.deepEqual(
    validFrames([null, 5, "x", [1], { path: 1 }, { path: "a.ts", line: "7", label: "f" }]),
    [
      { path: "1", line: 0, label: "" },
      { path: "a.ts", line: 7, label: "f" },
    ],
  );
  assert.deepEqual(validFrames({ path: "a" }), []);
  assert.deepEqual(validFrames([{ path: "a", line: 2 ** 40, label: {} }]), [
    { path: "a", line: 0, label: "" },
  ]);
  assert.deepEqual(
    toErrorShape({ errorMessage: "m", errorType: "T", stackTrace: [null, 5, { path: 1 }] }),
    { errorMessage: "m", errorType: "T", stackTrace: [{ path: "1", line: 0, label: "" }] },
  );
  assert.deepEqual(toErrorShape({ errorMessage: "m", errorType: "T", stackTrace: "nope" }), {
    errorMessage: "m",
    errorType: "T",
  });
  const cyclic: Record<string, unknown> = { code: 7 };
  cyclic.self = cyclic;
  const shape = toErrorShape(cyclic);
  assert.equal(shape.errorType, "Object");
  assert.match(shape.errorMessage, /code: 7/);
  assert.match(shape.errorMessage, /Circular/);
});

for (const protocol of PROTOCOLS) {
  Deno.test({
    name: `${protocol}: hostile throws are reported and the function keeps serving`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const fn = await LocalFunction.start({ entry: OPS, protocol, timeoutMs: 10_000 });
      try {
        const bad = await fn.invoke({
          op: "throwValue",
          value: { errorMessage: "m", errorType: "T", stackTrace: [null, 5, { path: 1 }] },
        });
        assert.equal(bad.ok, false);
        if (bad.ok) return;
        assert.equal(bad.kind, "function", dec.decode(bad.payload));
        assert.deepEqual(
          JSON.parse(dec.decode(bad.payload)),
          protocol === "go1x"
            ? { errorMessage: "m", errorType: "T", stackTrace: [{ path: "1", line: 0, label: "" }] }
            // The Runtime API document is Node's managed runtime's.
            : { errorType: "T", errorMessage: "m", trace: [] },
        );

        const cycle = await fn.invoke({ op: "throwCycle" });
        assert.equal(cycle.ok, false);
        if (cycle.ok) return;
        assert.equal(cycle.kind, "function");
        assert.equal(cycle.error.errorType, "Object");
        assert.match(cycle.error.errorMessage, /code: 7.*Circular/);

        const next = await fn.invoke({ op: "echo", value: 1 });
        assert.ok(next.ok);
        assert.equal(dec.decode(next.payload), "1");
        assert.equal(fn.coldStarts, 1, "the same process served all three");
      } finally {
        await fn.close();
      }
    },
  });
}

Deno.test({
  name: "go1x: any int64 deadline is accepted, as aws-lambda-go accepts it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", OPS],
      env: { _LAMBDA_SERVER_PORT: String(port) },
      stdout: "null",
      stderr: "null",
    }).spawn();
    let client: Client | undefined;
    try {
      for (let i = 0; i < 400 && client === undefined; i++) {
        try {
          client = await Client.connect({ hostname: "127.0.0.1", port });
        } catch {
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      assert.ok(client, "the function listens");
      const c: Client = client;
      await c.call(PING_METHOD, {}, messages.PingRequest, messages.PingResponse);
      const extremes = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 62n, -(2n ** 53n) - 1n];
      for (const seconds of extremes) {
        const reply = await c.call(
          INVOKE_METHOD,
          {
            Payload: new TextEncoder().encode('{"op":"echo","value":"ok"}'),
            RequestId: "r",
            XAmznTraceId: "",
            Deadline: { Seconds: seconds, Nanos: 999_999_999n },
            InvokedFunctionArn: "arn",
            CognitoIdentityId: "",
            CognitoIdentityPoolId: "",
            ClientContext: new Uint8Array(0),
          },
          messages.InvokeRequest,
          messages.InvokeResponse,
        );
        assert.equal(reply.Error ?? null, null, `seconds ${seconds}`);
        assert.equal(dec.decode(reply.Payload), '"ok"');
      }
    } finally {
      await client?.close();
      child.kill();
      await child.status;
    }
  },
});
