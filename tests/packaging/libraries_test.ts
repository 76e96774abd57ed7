/**
 * Real functions written with the npm libraries Lambda users use (`testdata/libraries/`, a
 * project with its own `deno.json`), each packaged once with
 * `deno task build --runtime deno`, unzipped, and run from its task directory with an empty
 * `DENO_DIR` and every proxy variable pointing at a closed port (so that nothing can be fetched),
 * in both protocols, under the emulator. Results and log lines are checked against what the
 * libraries document.
 */

import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/mod.ts";
import type { InvokeOutcome } from "../../emulator/mod.ts";
import { repoPath, runCli } from "./_helpers.ts";
import { unzipInto } from "../_support/tools.ts";
import { goTest } from "../_support/go.ts";
import { op, postFor, runPlatform } from "../runtime/_platform.ts";

const LIBS = repoPath("testdata/libraries");
const ENTRIES = [
  "hono",
  "hono_http",
  "logger",
  "metrics",
  "batch",
  "parser",
  "middy",
  "s3",
] as const;
type Entry = typeof ENTRIES[number];

const dec = new TextDecoder();

let packaged: Promise<{ root: string; tasks: Map<Entry, string> }> | undefined;

/** Packages every entry once per test process (two builds at a time) and unzips each. */
function packageAll(): Promise<{ root: string; tasks: Map<Entry, string> }> {
  packaged ??= (async () => {
    const root = await Deno.makeTempDir({ prefix: "gopherless-libraries-" });
    const tasks = new Map<Entry, string>();
    const queue = [...ENTRIES];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const out = `${root}/dist-${name}`;
        const r = await runCli([`${LIBS}/${name}.main.ts`, "--runtime", "deno", "--out", out]);
        if (r.code !== 0) throw new Error(`building ${name} failed:\n${r.stderr}`);
        const task = `${root}/task-${name}`;
        await unzipInto(`${out}/x86_64/bootstrap.zip`, task);
        await Deno.remove(out, { recursive: true });
        tasks.set(name, task);
      }
    };
    await Promise.all([worker(), worker()]);
    await Deno.mkdir(`${root}/empty-deno-dir`);
    return { root, tasks };
  })();
  return packaged;
}

/** Runs `fn` with the packaged `name` started under `protocol`. */
async function withFunction(
  name: Entry,
  protocol: Protocol,
  env: Record<string, string>,
  fn: (f: LocalFunction) => Promise<void>,
): Promise<void> {
  const { root, tasks } = await packageAll();
  const task = tasks.get(name)!;
  const f = await LocalFunction.start({
    bootstrap: `${task}/bootstrap`,
    cwd: task,
    protocol,
    functionName: name,
    env: {
      DENO_DIR: `${root}/empty-deno-dir`,
      // Nothing beyond loopback: any download attempt fails at once.
      HTTP_PROXY: "http://127.0.0.1:9",
      HTTPS_PROXY: "http://127.0.0.1:9",
      NO_PROXY: "127.0.0.1,localhost",
      ...env,
    },
  });
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

function ok(r: InvokeOutcome): unknown {
  assert.ok(r.ok, `failed: ${dec.decode(r.payload)}\n${r.logs}`);
  return JSON.parse(dec.decode(r.payload));
}

function jsonLogLines(logs: string): Record<string, unknown>[] {
  return logs.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

function apiGatewayV2(method: string, path: string, body?: unknown) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json", host: "example.com" },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "example.com",
      domainPrefix: "example",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "rid",
      routeKey: "$default",
      stage: "$default",
      time: "29/Nov/2026:14:00:00 +0000",
      timeEpoch: 1795960800000,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];

for (const protocol of PROTOCOLS) {
  Deno.test({
    name: `libraries, ${protocol}: Hono's handle(app) and our http() give the same answers`,
    sanitizeResources: false,
    fn: async () => {
      const answers: unknown[][] = [];
      for (const name of ["hono", "hono_http"] as const) {
        await withFunction(name, protocol, {}, async (f) => {
          const hello = ok(await f.invoke(apiGatewayV2("GET", "/hello/ada"))) as {
            statusCode: number;
            body: string;
          };
          const echo = ok(await f.invoke(apiGatewayV2("POST", "/echo", { n: 1 }))) as {
            statusCode: number;
            body: string;
          };
          answers.push([hello.statusCode, JSON.parse(hello.body), echo.statusCode, echo.body]);
        });
      }
      assert.deepEqual(answers[0], [200, { hello: "ada" }, 201, '{"echoed":{"n":1}}']);
      assert.deepEqual(answers[1], answers[0]);
    },
  });

  Deno.test({
    name: `libraries, ${protocol}: Powertools Logger (decorator) and Metrics write their lines`,
    sanitizeResources: false,
    fn: async () => {
      await withFunction("logger", protocol, {}, async (f) => {
        const r = await f.invoke({ orderId: "o-1" }, { requestId: "req-logger" });
        assert.deepEqual(ok(r), { ok: true });
        const line = jsonLogLines(r.logs).find((l) => l.message === "processing order");
        assert.ok(line, r.logs);
        assert.equal(line.level, "INFO");
        assert.equal(line.service, "orders");
        assert.equal(line.orderId, "o-1");
        assert.equal(line.cold_start, true);
        assert.equal(line.function_name, "logger");
        assert.equal(line.function_request_id, "req-logger");
        const again = await f.invoke({ orderId: "o-2" });
        assert.equal(
          jsonLogLines(again.logs).find((l) => l.message === "processing order")?.cold_start,
          false,
        );
      });
      await withFunction("metrics", protocol, {}, async (f) => {
        const r = await f.invoke({ n: 3 });
        assert.deepEqual(ok(r), { ok: true });
        const emf = jsonLogLines(r.logs).find((l) => "_aws" in l) as {
          _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
          service: string;
          ordersPlaced: number;
        };
        assert.ok(emf, r.logs);
        assert.equal(emf._aws.CloudWatchMetrics[0].Namespace, "shop");
        assert.deepEqual(emf._aws.CloudWatchMetrics[0].Metrics, [
          { Name: "ordersPlaced", Unit: "Count" },
        ]);
        assert.equal(emf.service, "orders");
        assert.equal(emf.ordersPlaced, 3);
      });
    },
  });

  Deno.test({
    name: `libraries, ${protocol}: Powertools Batch reports an SQS partial batch failure`,
    sanitizeResources: false,
    fn: async () => {
      await withFunction("batch", protocol, {}, async (f) => {
        const record = (id: string, body: unknown) => ({
          messageId: id,
          receiptHandle: `rh-${id}`,
          body: JSON.stringify(body),
          attributes: {},
          messageAttributes: {},
          md5OfBody: "",
          eventSource: "aws:sqs",
          eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q",
          awsRegion: "us-east-1",
        });
        const r = await f.invoke({
          Records: [record("m1", {}), record("m2", { fail: true }), record("m3", {})],
        });
        assert.deepEqual(ok(r), { batchItemFailures: [{ itemIdentifier: "m2" }] });
      });
    },
  });

  Deno.test({
    name: `libraries, ${protocol}: Powertools Parser with zod; its errors carry the user's frames`,
    sanitizeResources: false,
    fn: async () => {
      await withFunction("parser", protocol, {}, async (f) => {
        assert.deepEqual(ok(await f.invoke({ id: 7, items: ["a", "b"] })), { id: 7, count: 2 });
        const bad = await f.invoke({ id: -1, items: [] });
        assert.equal(bad.ok, false);
        if (bad.ok) return;
        assert.equal(bad.error.errorType, "ParseError");
        const doc = JSON.parse(dec.decode(bad.payload));
        // The frames point at the sources (mapped through handler.js.map), never at the bundle
        // or at gopherless's own modules.
        const lines: string[] = protocol === "go1x"
          ? doc.stackTrace.map((f: { path: string; line: number }) => `${f.path}:${f.line}`)
          : doc.trace;
        assert.ok(lines.some((l) => /\bparser\.ts:8\b/.test(l)), lines.join("\n"));
        assert.ok(lines.some((l) => l.includes("node_modules/@aws-lambda-powertools/parser/")));
        assert.ok(!lines.some((l) => /handler\.js|runtime\/|rpc\//.test(l)), lines.join("\n"));
      });
    },
  });

  Deno.test({
    name: `libraries, ${protocol}: middy with its JSON body parser and HTTP error handler`,
    sanitizeResources: false,
    fn: async () => {
      await withFunction("middy", protocol, {}, async (f) => {
        const good = ok(await f.invoke(apiGatewayV2("POST", "/", { name: "ada" })));
        assert.deepEqual(good, { statusCode: 200, body: '{"hello":"ada"}' });
        const bad = ok(await f.invoke(apiGatewayV2("POST", "/", {}))) as Record<string, unknown>;
        assert.equal(bad.statusCode, 422);
        assert.equal(bad.body, "name is required");
      });
    },
  });

  Deno.test({
    name: `libraries, ${protocol}: the AWS SDK's S3 client against a stand-in S3 on 127.0.0.1`,
    sanitizeResources: false,
    fn: async () => {
      const objects = new Map<string, Uint8Array>();
      const traces: (string | null)[] = [];
      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
        const key = new URL(req.url).pathname;
        traces.push(req.headers.get("x-amzn-trace-id"));
        if (req.method === "PUT") {
          objects.set(key, new Uint8Array(await req.arrayBuffer()));
          return new Response(null, { headers: { ETag: '"e1"' } });
        }
        const body = objects.get(key);
        if (!body) return new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 });
        return new Response(body as Uint8Array<ArrayBuffer>, {
          headers: { ETag: '"e1"', "Content-Type": "text/plain" },
        });
      });
      try {
        const env = {
          S3_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
          AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
          AWS_SECRET_ACCESS_KEY: "secret",
          AWS_REGION: "us-east-1",
        };
        await withFunction("s3", protocol, env, async (f) => {
          const trace =
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
          const r = await f.invoke({ key: "k1", text: "hello s3" }, { traceId: trace });
          assert.deepEqual(ok(r), { text: "hello s3", etag: '"e1"' });
          assert.equal(dec.decode(objects.get("/bucket/k1")), "hello s3");
          // The SDK propagates the invocation's trace header.
          assert.deepEqual(traces, [trace, trace]);
        });
      } finally {
        await server.shutdown();
      }
    },
  });
}

goTest(
  "libraries: under AWS_LAMBDA_MAX_CONCURRENCY=4 the AWS SDK sends each invocation's trace header",
  async () => {
    const { root, tasks } = await packageAll();
    const traces = new Map<string, string | null>();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const key = new URL(req.url).pathname;
      if (req.method === "PUT") {
        traces.set(key, req.headers.get("x-amzn-trace-id"));
        await req.arrayBuffer();
        return new Response(null, { headers: { ETag: '"e"' } });
      }
      // Answer slowly, so that the invocations overlap.
      await new Promise((r) => setTimeout(r, 100));
      return new Response(key, { headers: { ETag: '"e"' } });
    });
    try {
      const trace = (i: number) => `Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e70${i};Sampled=1`;
      const ids = [0, 1, 2, 3, 4, 5, 6, 7];
      const report = await runPlatform({
        invokes: ids.map((i) =>
          op(`s${i}`, { key: `k${i}`, text: "t" }, {
            headers: { "Lambda-Runtime-Trace-Id": trace(i) },
          })
        ),
        env: {
          AWS_LAMBDA_MAX_CONCURRENCY: "4",
          S3_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
          AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
          AWS_SECRET_ACCESS_KEY: "secret",
          AWS_REGION: "us-east-1",
          AWS_LAMBDA_FUNCTION_NAME: "s3",
          DENO_DIR: `${root}/empty-deno-dir`,
        },
      }, ["sh", "-c", `cd '${tasks.get("s3")}' && exec ./bootstrap`]);
      assert.equal(report.timedOut, false, report.stderr);
      assert.ok(report.maxInFlight > 1, "the invocations overlapped");
      for (const i of ids) {
        assert.equal(postFor(report, `s${i}`).kind, "response", postFor(report, `s${i}`).body);
        // Each PUT carries its own invocation's trace header, read from awslambda.InvokeStore
        // (_X_AMZN_TRACE_ID is not set when invocations share the process).
        assert.equal(traces.get(`/bucket/k${i}`), trace(i), `k${i}`);
      }
    } finally {
      await server.shutdown();
    }
  },
);
