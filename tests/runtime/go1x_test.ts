/**
 * The go1.x protocol against Go: a Go host (Go's net/rpc with aws-lambda-go's
 * real `messages` structs, `tests/go/cmd/go1xhost`) launches a function with
 * `_LAMBDA_SERVER_PORT`, pings and invokes it, and records the reply bytes.
 * The same script run against a function built with aws-lambda-go's
 * `lambda.Start` (`tests/go/cmd/gofunc`) is the reference.
 */
import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";
import { INVOKE_METHOD, messages, toInvokeRequest } from "../../protocol/go1x.ts";
import { Client } from "../../rpc/mod.ts";
import { serveGo1x } from "../../runtime/go1x.ts";
import { createInvoker } from "../../runtime/invoke.ts";

const OPS = new URL("./fixtures/ops.ts", import.meta.url).pathname;
const ERROR_EXAMPLE = new URL("../../examples/error.ts", import.meta.url).pathname;

interface Call {
  name: string;
  hex?: string;
  payload?: string;
  error?: { message: string; type: string; frames: number; shouldExit: boolean };
  rpcError?: string;
}
interface Report {
  startupMs: number;
  pingHex: string;
  calls: Call[];
  concurrentOk: number;
  connectionsOk: number;
  bigPayloadOk: boolean;
}

async function host(scenario: string, ...cmd: string[]): Promise<Report> {
  const bin = await buildGo("cmd/go1xhost");
  const out = await new Deno.Command(bin, {
    args: ["-scenario", scenario, "--", ...cmd],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `go1xhost failed:\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const deno = (entry: string) => [Deno.execPath(), "run", "-A", entry];

goTest("go1.x: replies are byte-identical to an aws-lambda-go function's", async () => {
  const goFunc = await buildGo("cmd/gofunc");
  const [ref, ours] = await Promise.all([host("basic", goFunc), host("basic", ...deno(OPS))]);
  // Ping (with the Response and PingResponse definitions: ids from 64, Go's names).
  assert.equal(ours.pingHex, ref.pingHex);
  assert.equal(ours.calls.length, ref.calls.length);
  for (let i = 0; i < ref.calls.length; i++) {
    const [r, o] = [ref.calls[i], ours.calls[i]];
    assert.equal(o.rpcError, undefined, `${o.name}: ${o.rpcError}`);
    if (r.name === "badClientContext") {
      // The handler is not called; the JSON parser's message differs by language.
      assert.equal(o.error?.type, "SyntaxError");
      assert.equal(r.error?.type, "SyntaxError");
      continue;
    }
    assert.equal(o.hex, r.hex, `reply bytes of ${r.name}`);
  }
  // The first invoke reply carries InvokeResponse, InvokeResponse_Error, the slice of
  // *StackFrame (named "[]*messages.InvokeResponse_Error_StackFrame") and the unnamed StackFrame.
  const firstInvoke = ours.calls[0].hex!;
  const name = Array.from(new TextEncoder().encode("[]*messages.InvokeResponse_Error_StackFrame"))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.ok(firstInvoke.includes(name));
  assert.deepEqual(ours.calls[2].error, {
    message: "my error 7",
    type: "MyErr",
    frames: 0,
    shouldExit: false,
  });
});

goTest("go1.x: a 6 MB payload, 32 concurrent invokes, several connections", async () => {
  const r = await host("load", ...deno(OPS));
  assert.equal(r.bigPayloadOk, true);
  assert.equal(r.concurrentOk, 32);
  assert.equal(r.connectionsOk, 8);
});

goTest("go1.x: the error example reports its class, message and stack", async () => {
  const r = await host("basic", ...deno(ERROR_EXAMPLE));
  const first = r.calls[0];
  assert.equal(first.rpcError, undefined);
  assert.ok(first.error, JSON.stringify(first));
  assert.ok(first.error.frames > 0);
  assert.equal(first.error.shouldExit, false);
  // The function keeps serving after an error.
  assert.ok(r.calls.every((c) => c.rpcError === undefined));
});

Deno.test("go1.x: large events and results round-trip; a handler's own bytes are never freed by the server", async () => {
  const kept = new Uint8Array(200_000).fill(7);
  const invoker = createInvoker<{ op: string; value: string }, unknown>(
    (event) => event.op === "bytes" ? kept : event.value,
    { setTraceEnv: false },
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = serveGo1x(listener, invoker);
  const client = await Client.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  try {
    const big = "x".repeat(300_000);
    const call = (op: string) =>
      client.call(
        INVOKE_METHOD,
        toInvokeRequest({
          payload: new TextEncoder().encode(JSON.stringify({ op, value: big })),
          requestId: op,
          deadlineMs: Date.now() + 60_000,
          invokedFunctionArn: "",
        }),
        messages.InvokeRequest,
        messages.InvokeResponse,
      );
    for (let i = 0; i < 3; i++) {
      const json = await call("json");
      assert.equal(json.Error, null);
      assert.ok(new TextDecoder().decode(json.Payload) === JSON.stringify(big), "the JSON result");
      const bytes = await call("bytes");
      // Compared by length and content without printing 200,000 bytes on a failure.
      assert.equal(kept.buffer.byteLength, 200_000, "the handler's own result is left alone");
      assert.equal(bytes.Payload.length, kept.length);
      assert.ok(bytes.Payload.every((b, j) => b === kept[j]), "the reply is the handler's bytes");
    }
  } finally {
    await client.close();
    listener.close();
    await serving.catch(() => {});
  }
});
