/**
 * OpenTelemetry and Powertools Tracer on what users ship: a function using both
 * (`fixtures/observed.ts`) built with `deno task build --runtime deno`, unzipped on `/var/task`
 * and started as Lambda does (`layerSandbox`: read-only `/var/task` and `/opt`), in both
 * protocols and in a concurrent environment (`AWS_LAMBDA_MAX_CONCURRENCY` 4: worker isolates run
 * the loops, `InvokeStore` carries each invocation's trace). Judged by the OTLP receiver built on
 * the OpenTelemetry protocol's Go packages (spans, parents, nesting, log correlation), a UDP
 * listener standing in for the X-Ray daemon (Powertools' segments), and Go's fake platform
 * stamping each response and `next` (the telemetry of an invocation arrives in between).
 */

import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/mod.ts";
import { goTest } from "../_support/go.ts";
import { otlpReceiver } from "../_support/otlp.ts";
import { unzipInto } from "../_support/tools.ts";
import { runPlatform } from "../runtime/_platform.ts";
import { layerSandbox } from "../_support/lambda_layout.ts";
import { repoPath, runCli } from "./_helpers.ts";
import { xrayDaemon } from "../_support/xray.ts";

const FIXTURE = repoPath("tests/packaging/fixtures/observed.ts");

let built: Promise<string> | undefined;

/** Builds the fixture once, unzips it under `<root>/var/task`; resolves with the sandbox script. */
function buildOnce(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-observed-" }));
    const r = await runCli([FIXTURE, "--runtime", "deno", "--no-check", "--out", `${dir}/dist`]);
    if (r.code !== 0) throw new Error(`build failed:\n${r.stderr}`);
    await unzipInto(`${dir}/dist/x86_64/bootstrap.zip`, `${dir}/root/var/task`);
    await Deno.remove(`${dir}/dist`, { recursive: true });
    return await layerSandbox(`${dir}/root`, "/var/task/bootstrap");
  })();
  return built;
}

const xrayHeader = (i: number) =>
  `Root=1-5759e98${i}-bd862e3fe1be46a99427279${i};Parent=53995c3f42cd8ad${i};Sampled=1`;

const CASES: { name: string; protocol: Protocol; concurrency: number }[] = [
  { name: "runtime-api", protocol: "runtime-api", concurrency: 1 },
  { name: "go1x", protocol: "go1x", concurrency: 1 },
  { name: "runtime-api, concurrent (4)", protocol: "runtime-api", concurrency: 4 },
];

for (const c of CASES) {
  goTest(
    `packaged, ${c.name}: OpenTelemetry spans and logs, Powertools segments, per invocation`,
    async () => {
      const start = await buildOnce();
      const otlp = await otlpReceiver();
      const daemon = await xrayDaemon();
      const peer = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        () => new Response("pong"),
      );
      const fn = await LocalFunction.start({
        cmd: [start],
        protocol: c.protocol,
        functionName: "observed",
        memoryMb: 512,
        perEnvironmentMaxConcurrency: c.concurrency > 1 ? c.concurrency : undefined,
        env: {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlp.addr}`,
          AWS_XRAY_DAEMON_ADDRESS: daemon.address,
          AWS_EXECUTION_ENV: "AWS_Lambda_provided.al2023",
        },
      });
      try {
        const n = c.concurrency > 1 ? 6 : 2;
        const invoke = (i: number) =>
          fn.invoke({ id: `o-${i}`, peer: `http://127.0.0.1:${peer.addr.port}/` }, {
            traceId: xrayHeader(i),
          });
        const results = c.concurrency > 1
          ? await Promise.all(Array.from({ length: n }, (_, i) => invoke(i)))
          : [await invoke(0), await invoke(1)];
        for (const r of results) {
          assert.ok(r.ok, JSON.stringify(r));
          assert.deepEqual(JSON.parse(new TextDecoder().decode(r.payload)), {
            ok: true,
            tracing: true,
          });
        }
        await otlp.until((records) => records.filter((r) => r.name === "observed").length >= n);
        const end = Date.now() + 5000;
        while (daemon.docs.length < n && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 20));
        }

        for (const [i, r] of results.entries()) {
          const traceId = `5759e98${i}bd862e3fe1be46a99427279${i}`;
          const inv = otlp.records.filter((s) => s.name === "observed" && s.traceId === traceId);
          assert.equal(inv.length, 1, `invocation ${i}: ${JSON.stringify(otlp.records)}`);
          const span = inv[0];
          assert.equal(span.attributes["faas.invocation_id"], r.requestId);
          assert.equal(span.parentSpanId, `53995c3f42cd8ad${i}`);
          const children = otlp.records.filter((s) => s.parentSpanId === span.spanId);
          assert.ok(children.some((s) => s.name === "handler-work" && s.scope === "fixture"));
          assert.ok(children.some((s) => s.scope === "deno" && s.spanKind === 3), "fetch span");
          assert.ok(
            otlp.records.some((l) =>
              l.kind === "log" && l.body?.includes(`handler log line o-${i}`) &&
              l.traceId === traceId && l.spanId === span.spanId
            ),
            `log of invocation ${i}`,
          );
          // Powertools: the invocation's own trace and parent, whichever isolate ran it.
          const doc = daemon.docs.find((d) =>
            (d.annotations as Record<string, unknown>)?.orderId === `o-${i}`
          );
          assert.ok(doc, `no segment of o-${i}: ${JSON.stringify(daemon.docs)}`);
          assert.equal(doc.name, "## handler");
          assert.equal(doc.trace_id, `1-5759e98${i}-bd862e3fe1be46a99427279${i}`);
          assert.equal(doc.parent_id, `53995c3f42cd8ad${i}`);
        }
      } finally {
        await fn.close();
        await peer.shutdown();
        await otlp.close();
        daemon.close();
      }
    },
  );
}

/**
 * Six invocations at once of the packaged fixture holding a Powertools subsegment open across an
 * await (`holdMs`), in a concurrent environment (4) served by `isolates` isolates: each
 * invocation's response (the trace its `InvokeStore` gave before and after the await) and the
 * subsegment documents the X-Ray daemon stand-in received, by order id (none: not sent).
 */
async function heldSubsegments(isolates: number): Promise<{
  results: { before?: string; after?: string }[];
  docs: (Record<string, unknown> | undefined)[];
}> {
  const start = await buildOnce();
  const daemon = await xrayDaemon();
  const fn = await LocalFunction.start({
    cmd: [start],
    protocol: "runtime-api",
    functionName: "observed",
    memoryMb: 512,
    perEnvironmentMaxConcurrency: 4,
    env: {
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
      AWS_EXECUTION_ENV: "AWS_Lambda_provided.al2023",
      GOPHERLESS_WORKER_COUNT: String(isolates),
    },
  });
  try {
    const n = 6;
    const results = await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          fn.invoke({ id: `h-${i}`, holdMs: 100 }, { traceId: xrayHeader(i) }).then((r) => {
            assert.ok(r.ok, JSON.stringify(r));
            return JSON.parse(new TextDecoder().decode(r.payload));
          }),
      ),
    );
    // Powertools sends a subsegment as it closes, before the response: give the datagrams a moment.
    const end = Date.now() + 2000;
    while (daemon.docs.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const docs = results.map((_, i) =>
      daemon.docs.find((d) => (d.annotations as Record<string, unknown>)?.orderId === `h-${i}`)
    );
    return { results, docs };
  } finally {
    await fn.close();
    daemon.close();
  }
}

goTest(
  "packaged, concurrent (4): an invocation's InvokeStore keeps its trace across an await, in a shared isolate too",
  async () => {
    // Two of the four loops in each isolate: invocations overlap inside one isolate.
    const { results } = await heldSubsegments(2);
    for (const [i, r] of results.entries()) {
      assert.equal(r.before, xrayHeader(i), `invocation ${i} before its await`);
      assert.equal(r.after, xrayHeader(i), `invocation ${i} after its await`);
    }
  },
);

goTest(
  "packaged, concurrent (4), one isolate per invocation: a Powertools subsegment held across an await carries its own trace",
  async () => {
    // aws-xray-sdk-core keeps one Lambda segment (and Powertools before 2.34 its active segment)
    // per isolate: invocations overlapping in one isolate mix their subsegments (see
    // docs/observability.md). With as many isolates as the concurrency none overlap in one.
    const { results, docs } = await heldSubsegments(4);
    for (const [i, r] of results.entries()) {
      assert.equal(r.after, xrayHeader(i));
      const doc = docs[i];
      assert.ok(doc, `no subsegment of h-${i}`);
      assert.equal(doc.name, "## handler");
      assert.equal(doc.trace_id, `1-5759e98${i}-bd862e3fe1be46a99427279${i}`);
      assert.equal(doc.parent_id, `53995c3f42cd8ad${i}`);
    }
  },
);

goTest(
  "packaged, runtime-api: an invocation's telemetry arrives after its response, before the next event is asked for",
  async () => {
    const start = await buildOnce();
    const otlp = await otlpReceiver();
    try {
      const report = await runPlatform({
        invokes: [{ id: "inv-1", body: '{"id":"a"}' }, { id: "inv-2", body: '{"id":"b"}' }],
        env: {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlp.addr}`,
          AWS_LAMBDA_FUNCTION_NAME: "observed",
        },
      }, [start]);
      await otlp.until((records) => records.filter((r) => r.name === "observed").length >= 2);
      for (const [i, id] of ["inv-1", "inv-2"].entries()) {
        const span = otlp.records.find((r) => r.attributes["faas.invocation_id"] === id);
        assert.ok(span, `no span of ${id}: ${report.stderr}`);
        const mine = otlp.records.filter((r) =>
          r.spanId === span.spanId || r.parentSpanId === span.spanId
        );
        assert.ok(mine.some((r) => r.kind === "log"));
        const posted = (report.posts ?? []).find((p) => p.requestId === id)!.atUnixNano;
        const nextAsked = report.nextAtUnixNano[i + 1];
        for (const r of mine) {
          assert.ok(
            r.arrivedUnixNano > posted && r.arrivedUnixNano < nextAsked,
            `${id}: ${r.kind} ${r.name ?? r.body} arrived outside (${posted}, ${nextAsked})`,
          );
        }
      }
    } finally {
      await otlp.close();
    }
  },
);
