/**
 * The Runtime API transport against a fake Lambda platform written in Go (net/http), and against
 * a function built with aws-lambda-go's `lambda.Start` driven by the same platform.
 */

import assert from "node:assert/strict";
import { goTest } from "../_support/go.ts";
import {
  denoFunction,
  header,
  op,
  postFor,
  postsOf,
  repoPath,
  type Report,
  runPlatform,
} from "./_platform.ts";
import { buildGo } from "../_support/go.ts";

const OPS = denoFunction("tests/runtime/fixtures/ops.ts");

function json(body: string): Record<string, unknown> {
  return JSON.parse(body) as Record<string, unknown>;
}

function assertServedAll(report: Report, n: number) {
  assert.equal(report.timedOut, false, `timed out: ${report.stderr}`);
  assert.equal(
    postsOf(report, "response").length + postsOf(report, "error").length,
    n,
    `expected ${n} answers; report: ${JSON.stringify(report)}`,
  );
}

goTest("runtime api: success, every next header reaches the context", async () => {
  const report = await runPlatform({
    invokes: [
      op("req-1", { op: "context" }, {
        headers: {
          "Lambda-Runtime-Deadline-Ms": String(Date.now() + 60_000),
          "Lambda-Runtime-Client-Context": JSON.stringify({
            client: { installation_id: "inst", app_title: "app" },
            env: { platform_version: "17" },
            custom: { a: 1 },
          }),
          "Lambda-Runtime-Cognito-Identity":
            '{"CognitoIdentityId":"us-east-1:abc","cognitoidentitypoolid":"pool"}',
          "Lambda-Runtime-Aws-Tenant-Id": "tenant-7",
        },
      }),
    ],
    env: {
      AWS_LAMBDA_FUNCTION_NAME: "fn",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/fn",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]abc",
    },
  }, OPS);
  assertServedAll(report, 1);
  const post = postFor(report, "req-1");
  assert.equal(post.kind, "response");
  assert.equal(post.path, "/2018-06-01/runtime/invocation/req-1/response");
  assert.equal(header(post, "Content-Type"), "application/json");
  assert.match(header(post, "User-Agent") ?? "", /^gopherless\//);
  assert.match(report.nextHeaders?.["User-Agent"]?.[0] ?? "", /^gopherless\//);
  const ctx = json(post.body);
  assert.equal(ctx.awsRequestId, "req-1");
  assert.equal(ctx.invokedFunctionArn, "arn:aws:lambda:us-east-1:123456789012:function:test");
  assert.equal(ctx.functionName, "fn");
  assert.equal(ctx.functionVersion, "$LATEST");
  assert.equal(ctx.memoryLimitInMB, "512");
  assert.equal(ctx.logGroupName, "/aws/lambda/fn");
  assert.equal(ctx.logStreamName, "2026/01/01/[$LATEST]abc");
  assert.deepEqual(ctx.identity, {
    cognitoIdentityId: "us-east-1:abc",
    cognitoIdentityPoolId: "pool",
  });
  assert.deepEqual(ctx.clientContext, {
    client: { installation_id: "inst", app_title: "app", installationId: "inst", appTitle: "app" },
    env: { platform_version: "17", platformVersion: "17" },
    custom: { a: 1 },
  });
  assert.equal(ctx.tenantId, "tenant-7");
  // The deadline was set before the function started: allow for a slow start on a busy machine.
  assert.ok((ctx.remaining as number) > 30_000 && (ctx.remaining as number) <= 60_000);
  assert.match(String(ctx.traceId), /^Root=1-5bef4de7/);
  assert.equal(ctx.traceEnv, ctx.traceId, "_X_AMZN_TRACE_ID is set per invoke");
  assert.equal(ctx.aborted, false);
});

goTest("runtime api: the examples serve as complete functions", async () => {
  const echoBody = '{"a":[1,2,{"b":"<&>"}],"ü":"\\u2028"}';
  const echo = await runPlatform(
    { invokes: [{ id: "e1", body: echoBody }] },
    denoFunction("examples/echo.ts"),
  );
  assertServedAll(echo, 1);
  assert.deepEqual(json(postFor(echo, "e1").body), json(echoBody));

  const hello = await runPlatform(
    { invokes: [op("h1", { name: "Gopher" }), op("h2", {})] },
    denoFunction("examples/hello.ts"),
  );
  assertServedAll(hello, 2);
  assert.equal(postFor(hello, "h1").body, '{"message":"Hello, Gopher!"}');
  assert.equal(postFor(hello, "h2").body, '{"message":"Hello, world!"}');
  assert.match(hello.stdout, /\th1\tINFO\tgreeting Gopher in h1\n/);

  const err = await runPlatform(
    { invokes: [op("x1", { email: "nope" })] },
    denoFunction("examples/error.ts"),
  );
  assertServedAll(err, 1);
  const p = postFor(err, "x1");
  assert.equal(p.kind, "error");
  assert.equal(header(p, "Lambda-Runtime-Function-Error-Type"), "ValidationError");
  const body = json(p.body);
  assert.equal(body.errorType, "ValidationError");
  assert.equal(body.errorMessage, 'invalid email address: "nope"');
  // Node's document: the stack's lines, the first frame the user's own.
  const trace = body.trace as string[];
  // The head is `error.stack`'s own (the class does not set `name`, so V8 writes `Error`).
  assert.equal(trace[0], 'Error: invalid email address: "nope"');
  assert.match(trace[1], /^ {4}at validate \(examples\/error\.ts:\d+:\d+\)$/);
});

goTest(
  "runtime api: handler failures are error replies and the function keeps serving",
  async () => {
    const report = await runPlatform({
      invokes: [
        op("throw", { op: "throw", message: "a <b> & c" }),
        op("reject", { op: "reject", message: "nope" }),
        op("string", { op: "throwString" }),
        op("object", { op: "throwObject" }),
        op("bigint", { op: "bigint" }),
        op("cycle", { op: "cycle" }),
        op("cbErr", { op: "callbackError" }),
        op("after", { op: "echo", value: "still alive" }),
      ],
    }, OPS);
    assertServedAll(report, 8);
    const err = (id: string) => {
      const p = postFor(report, id);
      assert.equal(p.kind, "error", `${id} should be an error: ${p.body}`);
      assert.equal(p.path, `/2018-06-01/runtime/invocation/${id}/error`);
      assert.equal(header(p, "Content-Type"), "application/json");
      const body = json(p.body);
      assert.equal(header(p, "Lambda-Runtime-Function-Error-Type"), body.errorType);
      return { post: p, body };
    };

    const thrown = err("throw");
    assert.equal(thrown.body.errorType, "MyErr");
    assert.equal(thrown.body.errorMessage, "a <b> & c");
    // Node's managed runtime's document: errorType, errorMessage, trace (the stack's lines).
    assert.deepEqual(Object.keys(thrown.body), ["errorType", "errorMessage", "trace"]);
    const trace = thrown.body.trace as string[];
    assert.equal(trace[0], "Error: a <b> & c");
    assert.match(trace[1], /^ {4}at handler \(tests\/runtime\/fixtures\/ops\.ts:\d+:\d+\)$/);
    assert.ok(
      trace.every((l) => !/runtime\/(invoke|runtime_api|start)\.ts/.test(l)),
      "no runtime frame",
    );
    const cause = JSON.parse(header(thrown.post, "Lambda-Runtime-Function-Xray-Error-Cause")!);
    assert.deepEqual(Object.keys(cause), ["working_directory", "exceptions", "paths"]);
    assert.equal(cause.exceptions[0].type, "MyErr");
    assert.deepEqual(cause.paths, ["tests/runtime/fixtures/ops.ts"]);

    assert.equal(err("reject").body.errorType, "TypeError");
    assert.equal(err("reject").body.errorMessage, "nope");
    assert.deepEqual(err("string").body, { errorType: "string", errorMessage: "boom", trace: [] });
    assert.deepEqual(err("object").body, {
      errorType: "Object",
      errorMessage: '{"code":42}',
      trace: [],
    });
    for (const id of ["bigint", "cycle"]) {
      const b = err(id).body;
      assert.equal(b.errorType, "TypeError");
      assert.match(String(b.errorMessage), /^the handler's result cannot be encoded as JSON: /);
      // The failing JSON.stringify is the runtime's: no frame of it is reported.
      assert.deepEqual(b.trace, [`TypeError: ${b.errorMessage}`]);
    }
    assert.equal(err("cbErr").body.errorMessage, "via callback");
    assert.equal(postFor(report, "after").kind, "response");
    assert.equal(postFor(report, "after").body, '"still alive"');
    // Logged as Node's runtime logs it: `Invoke Error \t{"errorType","errorMessage","stack"}`.
    assert.match(
      report.stdout,
      /\tthrow\tERROR\tInvoke Error \t\{"errorType":"MyErr","errorMessage":"a <b> & c","stack":\["Error: a <b> & c"," {4}at handler \(/,
    );
  },
);

goTest("runtime api: results: null, raw bytes, callback and context.succeed", async () => {
  const report = await runPlatform({
    invokes: [
      op("nil", { op: "nil" }),
      op("bytes", { op: "bytes" }),
      op("cb", { op: "callback" }),
      op("succeed", { op: "succeed" }),
      op("html", { op: "html" }),
      { id: "empty", body: "" },
    ],
  }, OPS);
  assertServedAll(report, 6);
  assert.equal(postFor(report, "nil").body, "null");
  assert.equal(postFor(report, "bytes").body, "raw\x00bytes");
  assert.equal(header(postFor(report, "bytes"), "Content-Type"), "application/octet-stream");
  assert.equal(postFor(report, "cb").body, '{"via":"callback"}');
  assert.equal(postFor(report, "succeed").body, '{"via":"succeed"}');
  assert.equal(postFor(report, "html").body, '{"html":"<a href=\\"x\\">&</a>"}');
  // An empty payload is an undefined event; the fixture then echoes its (undefined) event.
  assert.equal(postFor(report, "empty").body, "null");
});

goTest("runtime api: bad input is a clear error reply, the handler is not called", async () => {
  const report = await runPlatform({
    invokes: [
      { id: "badjson", body: "{not json" },
      op("nodeadline", { op: "echo", value: 1 }, { headers: { "Lambda-Runtime-Deadline-Ms": "" } }),
      op("baddeadline", { op: "echo" }, { headers: { "Lambda-Runtime-Deadline-Ms": "soon" } }),
      op("badcc", { op: "echo" }, { headers: { "Lambda-Runtime-Client-Context": "{oops" } }),
      op("badcog", { op: "echo" }, { headers: { "Lambda-Runtime-Cognito-Identity": "[1]" } }),
      op("ok", { op: "echo", value: "fine" }),
    ],
  }, OPS);
  assertServedAll(report, 6);
  const body = (id: string) => {
    const p = postFor(report, id);
    assert.equal(p.kind, "error", id);
    return json(p.body);
  };
  assert.equal(body("badjson").errorType, "SyntaxError");
  assert.match(String(body("badjson").errorMessage), /^the event is not valid JSON: /);
  assert.deepEqual(body("nodeadline"), {
    errorType: "Runtime.InvalidDeadline",
    errorMessage: "failed to parse deadline: the Lambda-Runtime-Deadline-Ms header is missing",
    trace: [],
  });
  assert.match(String(body("baddeadline").errorMessage), /^failed to parse deadline: "soon"/);
  assert.equal(body("badcc").errorType, "SyntaxError");
  assert.match(String(body("badcc").errorMessage), /^failed to unmarshal client context json: /);
  assert.match(String(body("badcog").errorMessage), /^failed to unmarshal cognito identity json: /);
  assert.equal(postFor(report, "ok").body, '"fine"');
});

goTest(
  "runtime api: the context signal aborts at the deadline; expired deadlines still run",
  async () => {
    const report = await runPlatform({
      invokes: [
        op("d1", { op: "deadline" }, { deadlineInMs: 300 }),
        op("d2", { op: "context" }, { deadlineInMs: -5000 }),
      ],
    }, OPS);
    assertServedAll(report, 2);
    const d1 = json(postFor(report, "d1").body);
    assert.equal(d1.reason, "TimeoutError");
    assert.ok((d1.afterMs as number) >= 200 && (d1.afterMs as number) < 1000, String(d1.afterMs));
    assert.equal(d1.remaining, 0);
    const d2 = json(postFor(report, "d2").body);
    assert.equal(d2.aborted, true);
    assert.equal(d2.remaining, 0);
  },
);

goTest("runtime api: init failures go to /runtime/init/error and the process exits", async () => {
  for (
    const [fixture, type, message] of [
      ["init_fail.ts", "ConfigError", /^missing configuration$/],
      ["toplevel_fail.ts", "SyntaxError", /JSON/],
    ] as const
  ) {
    const report = await runPlatform(
      { invokes: [op("never", {})], expectExit: true },
      denoFunction(`tests/runtime/fixtures/${fixture}`),
    );
    assert.equal(report.timedOut, false, fixture);
    assert.equal(report.exited, true, fixture);
    assert.equal(report.exitCode, 1, fixture);
    assert.equal(report.nextCount, 0, `${fixture}: no invoke is fetched after an init failure`);
    const [post] = postsOf(report, "init-error");
    assert.ok(post, `${fixture}: init error posted; ${JSON.stringify(report)}`);
    assert.equal(post.path, "/2018-06-01/runtime/init/error");
    const body = json(post.body);
    assert.equal(body.errorType, type, fixture);
    assert.match(String(body.errorMessage), message);
    assert.equal(header(post, "Lambda-Runtime-Function-Error-Type"), type);
    assert.match(
      (body.trace as string[])[1],
      new RegExp(`^    at .*tests/runtime/fixtures/${fixture.replace(".", "\\.")}:\\d+:\\d+\\)?$`),
    );
  }
});

goTest(
  "runtime api: a non-202 answer or a non-200 next is fatal with a clear message",
  async () => {
    const post = await runPlatform(
      { invokes: [op("r1", { op: "echo" })], responseStatus: 500, expectExit: true },
      OPS,
    );
    assert.equal(post.exitCode, 1);
    assert.match(
      post.stderr,
      /failed to POST to http:\/\/127\.0\.0\.1:\d+\/2018-06-01\/runtime\/invocation\/r1\/response: got unexpected status code: 500/,
    );
    const next = await runPlatform({ invokes: [], nextStatus: 503, expectExit: true }, OPS);
    assert.equal(next.exitCode, 1);
    assert.match(
      next.stderr,
      /failed to GET http:\/\/.*\/invocation\/next: got unexpected status code: 503/,
    );
  },
);

goTest(
  "runtime api: AWS_LAMBDA_MAX_CONCURRENCY > 1 runs that many invocations at once",
  async () => {
    const invokes = Array.from({ length: 8 }, (_, i) => op(`c${i}`, { op: "sleep", ms: 300 }));
    invokes.push(op("ctx", { op: "context" }));
    const report = await runPlatform({ invokes, env: { AWS_LAMBDA_MAX_CONCURRENCY: "4" } }, OPS);
    assertServedAll(report, 9);
    assert.equal(report.maxInFlight, 4);
    for (let i = 0; i < 8; i++) assert.equal(json(postFor(report, `c${i}`).body).id, `c${i}`);
    assert.equal(json(postFor(report, "ctx").body).traceEnv, null, "no _X_AMZN_TRACE_ID when > 1");

    const one = await runPlatform({
      invokes: [op("a", { op: "sleep", ms: 100 }), op("b", { op: "sleep", ms: 100 })],
      env: { AWS_LAMBDA_MAX_CONCURRENCY: "zero" },
    }, OPS);
    assert.equal(one.maxInFlight, 1);
  },
);

function logLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l !== "");
}

goTest("runtime api: logging, text format: one line per call, levels, request id", async () => {
  const report = await runPlatform({ invokes: [op("L1", { op: "log" })] }, OPS);
  assertServedAll(report, 1);
  const lines = logLines(report.stdout);
  assert.equal(lines.length, 6, report.stdout);
  const fields = lines.map((l) => l.split("\t"));
  for (const f of fields) {
    assert.match(f[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(f[1], "L1");
  }
  assert.deepEqual(fields.map((f) => f[2]), ["INFO", "INFO", "DEBUG", "WARN", "ERROR", "TRACE"]);
  assert.equal(fields[0][3], "line one\rline two");
  assert.equal(fields[1][3], "info formatted");
  assert.match(fields[4][3], /^MyErr.*logged error\r {4}at handler/);
  assert.match(fields[5][3], /^Trace: traced\r {4}at handler/);
});

goTest("runtime api: logging, JSON format and AWS_LAMBDA_LOG_LEVEL", async () => {
  const report = await runPlatform({
    invokes: [op("J1", { op: "log" }), op("J2", { op: "throw", message: "bad" })],
    env: { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "WARN" },
  }, OPS);
  assertServedAll(report, 2);
  const events = logLines(report.stdout).map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => [e.level, e.requestId]), [
    ["WARN", "J1"],
    ["ERROR", "J1"],
    ["ERROR", "J2"],
  ]);
  for (const e of events) {
    assert.deepEqual(Object.keys(e), ["timestamp", "level", "requestId", "message"]);
  }
  assert.equal(events[0].message, "warn");
  assert.equal(events[1].message.errorType, "MyErr");
  assert.equal(events[1].message.errorMessage, "logged error");
  assert.equal(events[2].message.errorType, "MyErr", "the invoke error is logged structured");

  const all = await runPlatform({
    invokes: [op("J3", { op: "log" })],
    env: { AWS_LAMBDA_LOG_FORMAT: "json" },
  }, OPS);
  const lines = logLines(all.stdout).map((l) => JSON.parse(l));
  assert.equal(lines.length, 6);
  assert.equal(lines[0].message, "line one\nline two");
});

goTest("runtime api: unhandled rejections: reported, then the process exits", async () => {
  const during = await runPlatform(
    { invokes: [op("u1", { op: "unhandledDuring" })], expectExit: true },
    OPS,
  );
  assert.equal(during.exitCode, 1);
  const p = postFor(during, "u1");
  assert.equal(p.kind, "error");
  const body = json(p.body);
  assert.equal(body.errorType, "Runtime.UnhandledPromiseRejection");
  assert.equal(body.errorMessage, "RangeError: floating during");

  const after = await runPlatform(
    { invokes: [op("u2", { op: "unhandledAfter" })], expectExit: true },
    OPS,
  );
  assert.equal(after.exitCode, 1);
  assert.equal(postFor(after, "u2").kind, "response");
  assert.match(after.stdout, /ERROR\tUncaught Error .*Runtime\.UnhandledPromiseRejection/);
  assert.match(after.stdout, /floating after/);
});

goTest("runtime api: SIGTERM runs the shutdown hook (internal extension registered)", async () => {
  const report = await runPlatform(
    { invokes: [op("s1", { x: 1 })], sigterm: true, settleMs: 200 },
    denoFunction("tests/runtime/fixtures/sigterm.ts"),
  );
  assert.equal(report.timedOut, false);
  assert.equal(report.exitCode, 0);
  const [reg] = postsOf(report, "ext-register");
  assert.ok(reg, "an internal extension is registered so that Lambda sends SIGTERM");
  assert.equal(header(reg, "Lambda-Extension-Name"), "GopherlessEnableSIGTERM");
  assert.deepEqual(JSON.parse(reg.body), { events: [] });
  assert.match(report.stdout, /shutdown hook ran/);
});

goTest(
  "mode selection: neither variable → exit 1 naming both; _LAMBDA_SERVER_PORT wins",
  async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", repoPath("examples/echo.ts")],
      env: { _LAMBDA_SERVER_PORT: "", AWS_LAMBDA_RUNTIME_API: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assert.equal(
      new TextDecoder().decode(out.stderr),
      "expected AWS Lambda environment variables [_LAMBDA_SERVER_PORT AWS_LAMBDA_RUNTIME_API] are not defined\n",
    );

    const port = String(20000 + Math.floor(Math.random() * 20000));
    const both = await runPlatform(
      { invokes: [op("m1", {})], env: { _LAMBDA_SERVER_PORT: port }, settleMs: 800 },
      OPS,
    );
    assert.equal(both.nextCount, 0, "the Runtime API is not used when _LAMBDA_SERVER_PORT is set");
  },
);

// ---- the same platform driving a function built with aws-lambda-go ------------------------

goTest(
  "runtime api vs aws-lambda-go: same error JSON, same result bytes, same headers",
  async () => {
    const gofunc = [await buildGo("cmd/gofunc")];
    const scenario = {
      invokes: [
        op("e", { op: "throwNoStack", message: "a <b> & c \u2028 é" }),
        op("h", { op: "html" }),
        op("n", { op: "nil" }),
        op("v", { op: "echo", value: { s: "<&>", n: [1, 2.5, -3e-7], u: "\u2028ü" } }),
        op("c", { op: "context" }, {
          headers: {
            "Lambda-Runtime-Aws-Tenant-Id": "t9",
            "Lambda-Runtime-Deadline-Ms": String(Date.now() + 60_000),
          },
        }),
        op("d", { op: "echo" }, { headers: { "Lambda-Runtime-Deadline-Ms": "" } }),
      ],
    };
    const [ours, go] = await Promise.all([
      runPlatform(scenario, OPS),
      runPlatform(scenario, gofunc),
    ]);
    assertServedAll(ours, 6);
    assertServedAll(go, 6);

    // The error of a custom error class without a stack: the same type and message. The
    // document is Node's managed runtime's (errorType, errorMessage, trace), Go's has its keys.
    assert.equal(
      postFor(go, "e").body,
      '{"errorMessage":"a \\u003cb\\u003e \\u0026 c \\u2028 é","errorType":"MyErr"}',
    );
    assert.deepEqual(json(postFor(ours, "e").body), {
      errorType: "MyErr",
      errorMessage: "a <b> & c \u2028 é",
      trace: [],
    });
    for (const id of ["e", "h", "n"]) {
      assert.equal(postFor(ours, id).kind, postFor(go, id).kind, id);
      assert.equal(
        header(postFor(ours, id), "Content-Type"),
        header(postFor(go, id), "Content-Type"),
      );
    }
    // Results: no HTML escaping, no trailing newline, nil → null.
    assert.equal(postFor(ours, "h").body, postFor(go, "h").body);
    assert.equal(postFor(ours, "n").body, postFor(go, "n").body);
    assert.deepEqual(json(postFor(ours, "v").body), json(postFor(go, "v").body));
    // X-Ray cause: same structure.
    const cause = (r: Report) =>
      JSON.parse(header(postFor(r, "e"), "Lambda-Runtime-Function-Xray-Error-Cause")!);
    assert.deepEqual(Object.keys(cause(ours)), Object.keys(cause(go)));
    assert.deepEqual(cause(ours).exceptions, cause(go).exceptions);
    assert.deepEqual(cause(ours).paths, cause(go).paths);
    // Context values and the trace variable agree.
    const co = json(postFor(ours, "c").body), cg = json(postFor(go, "c").body);
    for (const k of ["awsRequestId", "invokedFunctionArn", "tenantId", "deadlineMs", "traceEnv"]) {
      assert.deepEqual(co[k], cg[k], k);
    }
    // A missing deadline fails the invoke in both (messages differ: Go quotes strconv's error).
    assert.equal(postFor(ours, "d").kind, "error");
    assert.equal(postFor(go, "d").kind, "error");
    assert.match(json(postFor(go, "d").body).errorMessage as string, /^failed to parse deadline: /);
    assert.match(
      json(postFor(ours, "d").body).errorMessage as string,
      /^failed to parse deadline: /,
    );
  },
);
