/** Unit tests of the protocol-independent parts: errors, invoke, context, logging, go1.x mapping. */

import assert from "node:assert/strict";
import { goJSON } from "../../ground/go_json.ts";
import { errorBody, parseStack, toErrorShape } from "../../runtime/errors.ts";
import { createInvoker, encodeResult, type InvokeRequest } from "../../runtime/invoke.ts";
import { parseClientContext, parseCognitoIdentity, parseGoInt } from "../../runtime/context.ts";
import { Logger } from "../../runtime/logging.ts";
import { fromInvokeRequest, toInvokeResponse } from "../../protocol/go1x.ts";
import { selectMode } from "../../runtime/start.ts";
import type { LambdaContext } from "../../runtime/types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function req(event: unknown, extra: Partial<InvokeRequest> = {}): InvokeRequest {
  return {
    payload: enc.encode(JSON.stringify(event)),
    requestId: "rid",
    deadlineMs: Date.now() + 10_000,
    invokedFunctionArn: "arn",
    ...extra,
  };
}

Deno.test("errors: class names, non-Error throws, pass-through shapes", () => {
  class MyErr extends Error {}
  const renamed = Object.assign(new Error("x"), { name: "Custom" });
  assert.equal(toErrorShape(new MyErr("m")).errorType, "MyErr");
  assert.equal(toErrorShape(new TypeError("m")).errorType, "TypeError");
  assert.equal(toErrorShape(renamed).errorType, "Custom");
  assert.deepEqual(toErrorShape("boom"), { errorMessage: "boom", errorType: "string" });
  assert.deepEqual(toErrorShape(42), { errorMessage: "42", errorType: "number" });
  assert.deepEqual(toErrorShape(undefined), { errorMessage: "undefined", errorType: "undefined" });
  assert.deepEqual(toErrorShape(null), { errorMessage: "null", errorType: "null" });
  assert.deepEqual(toErrorShape({ a: 1 }), { errorMessage: '{"a":1}', errorType: "Object" });
  const shape = { errorMessage: "m", errorType: "Function.Custom" };
  assert.deepEqual(toErrorShape(shape), shape);
  const hostile = new Proxy({}, {
    getPrototypeOf() {
      throw new Error("no");
    },
  });
  assert.equal(toErrorShape(hostile).errorType, "Error");
});

Deno.test("errors: V8 stacks become {path, line, label} frames", () => {
  const stack = [
    "Error: x",
    "    at handler (file:///var/task/src/fn.ts:12:9)",
    "    at async Object.run (file:///var/task/src/lib%20x.ts:3:1)",
    "    at file:///var/task/main.ts:7:5",
    "    at new Promise (<anonymous>)",
    "    at ext:core/01_core.js:1:1",
    "    at main (file:///tmp/deno-compile-bootstrap/src/main.ts:5:3)",
    `    at runHandler (${new URL("../../runtime/invoke.ts", import.meta.url).href}:175:10)`,
  ].join("\n");
  assert.deepEqual(parseStack(stack), [
    { path: "/var/task/src/fn.ts", line: 12, label: "handler" },
    { path: "/var/task/src/lib x.ts", line: 3, label: "Object.run" },
    { path: "/var/task/main.ts", line: 7, label: "<anonymous>" },
    { path: "src/main.ts", line: 5, label: "main" },
  ]);
  const here = toErrorShape(new Error("here")).stackTrace!;
  assert.equal(here[0].path, "tests/runtime/core_test.ts", "relative to the working directory");
  assert.equal(parseStack(undefined).length, 0);
});

Deno.test("errors: bodies are encoded as Go's json.Marshal does", () => {
  assert.equal(goJSON({ s: "<a>&\u2028\u2029é" }), '{"s":"\\u003ca\\u003e\\u0026\\u2028\\u2029é"}');
  assert.equal(
    errorBody({ errorMessage: "m", errorType: "T", stackTrace: [] }),
    '{"errorMessage":"m","errorType":"T"}',
  );
});

Deno.test("invoke: results, errors, metadata, never rejects", async () => {
  const inv = createInvoker((e: { n?: number }, ctx: LambdaContext) => ({
    n: e.n,
    id: ctx.awsRequestId,
  }));
  const ok = await inv.invoke(req({ n: 1 }));
  assert.ok(ok.ok);
  assert.equal(dec.decode(ok.payload), '{"n":1,"id":"rid"}');
  assert.equal(ok.contentType, "application/json");
  assert.equal(inv.inFlight.size, 0);

  const bad = await inv.invoke({ ...req(null), payload: enc.encode("{") });
  assert.ok(!bad.ok && bad.error.errorType === "SyntaxError");

  const cc = await inv.invoke(req({}, { clientContext: "nope" }));
  assert.ok(!cc.ok);
  assert.equal(cc.error.errorType, "SyntaxError");
  assert.ok(!cc.error.errorMessage.startsWith("failed"), "go1.x reports it bare");

  const prefixed = createInvoker(() => 1, { prefixMetadataErrors: true, setTraceEnv: false });
  const p = await prefixed.invoke(req({}, { clientContext: enc.encode("[1]") }));
  assert.ok(!p.ok);
  assert.match(p.error.errorMessage, /^failed to unmarshal client context json: /);

  const throwing = createInvoker(() => {
    throw new RangeError("r");
  });
  const t = await throwing.invoke(req({}));
  assert.ok(!t.ok && t.error.errorType === "RangeError");

  const r = encodeResult({ big: 1n });
  assert.ok(!r.ok && r.error.errorType === "TypeError");
  assert.equal(dec.decode((encodeResult(undefined) as { payload: Uint8Array }).payload), "null");
});

Deno.test("invoke: the context signal aborts at the deadline and when the invoke ends", async () => {
  let seen: LambdaContext | undefined;
  const inv = createInvoker(async (_e: unknown, ctx: LambdaContext) => {
    seen = ctx;
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    return (ctx.signal.reason as DOMException).name;
  });
  const res = await inv.invoke(req({}, { deadlineMs: Date.now() + 50 }));
  assert.ok(res.ok);
  assert.equal(dec.decode(res.payload), '"TimeoutError"');
  assert.equal(seen!.getRemainingTimeInMillis(), 0);

  const quick = createInvoker((_e: unknown, ctx: LambdaContext) => {
    seen = ctx;
    return 1;
  });
  await quick.invoke(req({}, { deadlineMs: Date.now() + 1e12 }));
  assert.equal(seen!.signal.aborted, true);
  assert.equal((seen!.signal.reason as DOMException).name, "AbortError");
});

Deno.test("context: client context, cognito identity, Go integers", () => {
  assert.equal(parseClientContext(""), undefined);
  assert.equal(parseClientContext("null"), undefined);
  assert.throws(() => parseClientContext('"s"'), /client context must be a JSON object/);
  const cc = parseClientContext('{"Client":{"app_package_name":"p"},"custom":{"k":{"x":1}}}');
  assert.deepEqual(cc, {
    client: { app_package_name: "p", appPackageName: "p" },
    env: {},
    custom: { k: { x: 1 } },
  });
  assert.deepEqual(parseCognitoIdentity('{"COGNITOIDENTITYID":"a"}'), {
    cognitoIdentityId: "a",
    cognitoIdentityPoolId: "",
  });
  assert.throws(() => parseCognitoIdentity('{"cognitoIdentityId":1}'), /must be a string/);
  assert.equal(parseGoInt("+12"), 12);
  assert.equal(parseGoInt("1.5"), null);
  assert.equal(parseGoInt(""), null);
});

Deno.test("logging: text and JSON lines", () => {
  const now = new Date(0);
  const text = new Logger({ format: "Text", level: undefined });
  assert.equal(
    text.format("INFO", ["a\nb %d", 3], now, "rid"),
    "1970-01-01T00:00:00.000Z\trid\tINFO\ta\rb 3\n",
  );
  assert.equal(
    text.format("WARN", ["x"], now, undefined),
    "1970-01-01T00:00:00.000Z\tundefined\tWARN\tx\n",
  );
  const json = new Logger({ format: "JSON", level: "ERROR" });
  assert.equal(
    json.format("INFO", ["a\nb"], now, "rid"),
    '{"timestamp":"1970-01-01T00:00:00.000Z","level":"INFO","requestId":"rid","message":"a\\nb"}\n',
  );
  assert.equal(json.enabled("WARN"), false);
  assert.equal(json.enabled("ERROR"), true);
  assert.equal(json.enabled("FATAL"), true);
});

Deno.test("go1x: message mapping", () => {
  const r = fromInvokeRequest({
    Payload: enc.encode("{}"),
    RequestId: "id",
    Deadline: { Seconds: 1700000000n, Nanos: 32849522n },
    CognitoIdentityId: "c",
  });
  assert.equal(r.deadlineMs, 1700000000032.849522);
  assert.equal(r.requestId, "id");
  assert.deepEqual(r.identity, { cognitoIdentityId: "c", cognitoIdentityPoolId: "" });
  assert.equal(fromInvokeRequest({}).deadlineMs, 0);
  const err = toInvokeResponse({
    ok: false,
    error: { errorMessage: "m", errorType: "T", stackTrace: [{ path: "p", line: 3, label: "l" }] },
  });
  assert.deepEqual(err.Error, {
    Message: "m",
    Type: "T",
    StackTrace: [{ Path: "p", Line: 3, Label: "l" }],
    ShouldExit: false,
  });
  assert.equal(err.Payload.length, 0);
});

Deno.test("start: mode selection as Go's lambda.Start", () => {
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  assert.deepEqual(selectMode(env({ _LAMBDA_SERVER_PORT: "1", AWS_LAMBDA_RUNTIME_API: "h:1" })), {
    mode: "go1x",
    port: "1",
  });
  assert.deepEqual(selectMode(env({ _LAMBDA_SERVER_PORT: "", AWS_LAMBDA_RUNTIME_API: "h:1" })), {
    mode: "runtime-api",
    address: "h:1",
  });
  assert.equal(selectMode(env({})), null);
});
