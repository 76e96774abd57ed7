/**
 * OpenTelemetry built in, judged by an OTLP/HTTP receiver built on the OpenTelemetry protocol's own
 * Go packages (`tests/go/cmd/otlpreceiver`, go.opentelemetry.io/proto/otlp decoding the
 * protobuf): with `OTEL_DENO=true` each invocation is a span with the FaaS semantic conventions,
 * a child of the caller's X-Ray trace or of an HTTP event's `traceparent`; the handler's own span
 * (`npm:@opentelemetry/api`) and its `fetch` nest under it; its log lines carry the ids. Both
 * protocols, under the emulator.
 */

import assert from "node:assert/strict";
import { goTest } from "../_support/go.ts";
import { otlpReceiver, type OtlpRecord } from "../_support/otlp.ts";
import { LocalFunction, type Protocol } from "../../emulator/function.ts";
import { denoFunction, runPlatform } from "./_platform.ts";

const FIXTURE = new URL("./fixtures/otel.ts", import.meta.url).pathname;
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];

/** The OTLP encoding each protocol's test sends with. */
const otlpOf = (protocol: Protocol) => protocol === "go1x" ? "http/json" : "http/protobuf";

/** Now on the system clock, in ns (as the receiver stamps arrivals). */
function nowUnixNano(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

for (const protocol of PROTOCOLS) {
  goTest(
    `${protocol}, ${
      otlpOf(protocol)
    }: OTEL_DENO=true: invocation spans with FaaS attributes, parented, nested`,
    async () => {
      const otlpProtocol = otlpOf(protocol);
      const otlp = await otlpReceiver();
      const peer = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        () => new Response("pong"),
      );
      const fn = await LocalFunction.start({
        entry: FIXTURE,
        protocol,
        functionName: "traced",
        region: "eu-west-1",
        memoryMb: 256,
        env: {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlp.addr}`,
          // Each OTLP encoding once: protobuf here, OTLP/JSON with go1.x.
          OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
          OTEL_SERVICE_NAME: "traced",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test,team=a%2Cb",
        },
      });
      try {
        const xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        const a = await fn.invoke({ peer: `http://127.0.0.1:${peer.addr.port}/` }, {
          traceId: xray,
        });
        const answeredA = nowUnixNano();
        assert.ok(a.ok);
        const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        const b = await fn.invoke({
          httpMethod: "GET",
          path: "/",
          headers: { traceparent: tp },
          requestContext: { httpMethod: "GET", path: "/" },
          fail: true,
        });
        assert.equal(b.ok, false);
        await otlp.until((records) =>
          records.filter((r) => r.name === "traced").length >= 2 &&
          records.filter((r) => r.kind === "log" && /handler log line/.test(r.body ?? ""))
              .length >= 2
        );
        const report = await fn.close();
        if (protocol === "runtime-api") {
          // The runtime asked for SIGTERM (Deno exports what is left at exit), and exits cleanly.
          assert.equal(report?.sigterm, true);
          assert.equal(report?.exitCode, 0);
        }

        const spans = otlp.records.filter((r) => r.kind === "span");
        const inv = spans.filter((s) => s.name === "traced");
        assert.equal(inv.length, 2, JSON.stringify(spans));
        const [first, second] = [
          inv.find((s) => s.attributes["faas.invocation_id"] === a.requestId)!,
          inv.find((s) => s.attributes["faas.invocation_id"] === b.requestId)!,
        ];
        // Children of the caller's trace: X-Ray's Root and Parent, then the HTTP traceparent.
        assert.equal(first.traceId, "5759e988bd862e3fe1be46a994272793");
        assert.equal(first.parentSpanId, "53995c3f42cd8ad8");
        assert.equal(second.traceId, "0af7651916cd43dd8448eb211c80319c");
        assert.equal(second.parentSpanId, "b7ad6b7169203331");
        assert.equal(first.spanKind, 2, "SERVER (OTLP's enum)");
        assert.deepEqual(
          {
            cold: first.attributes["faas.coldstart"],
            trigger: first.attributes["faas.trigger"],
            name: first.attributes["faas.name"],
            version: first.attributes["faas.version"],
            memory: first.attributes["faas.max_memory"],
            provider: first.attributes["cloud.provider"],
            region: first.attributes["cloud.region"],
            resource: first.attributes["cloud.resource_id"],
            account: first.attributes["cloud.account.id"],
          },
          {
            cold: true,
            trigger: "other",
            name: "traced",
            version: "$LATEST",
            memory: 256 * 1024 * 1024,
            provider: "aws",
            region: "eu-west-1",
            resource: `arn:aws:lambda:eu-west-1:012345678912:function:traced`,
            account: "012345678912",
          },
        );
        assert.equal(second.attributes["faas.coldstart"], false);
        assert.equal(second.attributes["faas.trigger"], "http");
        assert.equal(second.status, 2, "a failed invocation's span has status ERROR");

        // The handler's own span and its fetch nest under the invocation's span.
        const work = spans.filter((s) => s.name === "handler-work");
        assert.ok(work.some((s) => s.parentSpanId === first.spanId && s.traceId === first.traceId));
        assert.ok(work.some((s) => s.parentSpanId === second.spanId));
        const fetches = spans.filter((s) =>
          s.parentSpanId === first.spanId && s !== first &&
          s.name !== "handler-work"
        );
        assert.ok(
          fetches.length >= 1,
          `no fetch span under the invocation: ${JSON.stringify(spans)}`,
        );

        // Who made each span: the runtime, the handler's tracer, Deno's fetch.
        assert.equal(first.scope, "gopherless");
        assert.ok(work.every((s) => s.scope === "fixture"));
        // A string attribute is cut at the default bound (16 KiB).
        assert.ok(work.every((s) => s.attributes.big === "x".repeat(16 * 1024)));
        assert.ok(fetches.every((s) => s.scope === "deno" && s.spanKind === 3), "fetch: CLIENT");
        // The resource: OTEL_SERVICE_NAME, the function, OTEL_RESOURCE_ATTRIBUTES.
        assert.deepEqual(
          {
            service: first.resource["service.name"],
            faas: first.resource["faas.name"],
            region: first.resource["cloud.region"],
            env: first.resource["deployment.environment"],
            team: first.resource["team"],
          },
          { service: "traced", faas: "traced", region: "eu-west-1", env: "test", team: "a,b" },
        );

        if (protocol === "go1x") {
          // Lambda may freeze the environment once the reply is in: the invocation's spans and
          // log lines reached the collector before the reply.
          const ofA = otlp.records.filter((r) => r.traceId === first.traceId);
          assert.ok(ofA.length >= 4, JSON.stringify(ofA));
          for (const r of ofA) assert.ok(r.arrivedUnixNano < answeredA, JSON.stringify(r));
        }

        // Log lines carry the invocation's trace and span ids.
        const logs = otlp.records.filter((r: OtlpRecord) =>
          r.kind === "log" && /handler log line/.test(r.body ?? "")
        );
        assert.ok(
          logs.some((l) => l.traceId === first.traceId && l.spanId === first.spanId),
          JSON.stringify(otlp.records.filter((r) => r.kind === "log")),
        );
      } finally {
        await fn.close();
        await peer.shutdown();
        await otlp.close();
      }
    },
  );
}

goTest(
  "runtime-api: an invocation's spans and log lines reach the collector after its response is posted and before the next event is asked for",
  async () => {
    const otlp = await otlpReceiver();
    try {
      // Go's fake platform stamps each response post and each `next` on the system clock, the
      // receiver each export: Lambda may freeze the environment once `next` is asked.
      const report = await runPlatform({
        invokes: [{ id: "inv-1", body: "{}" }, { id: "inv-2", body: '{"fail":true}' }],
        env: {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlp.addr}`,
          AWS_LAMBDA_FUNCTION_NAME: "traced",
        },
      }, denoFunction("tests/runtime/fixtures/otel.ts"));
      await otlp.until((records) => records.filter((r) => r.name === "traced").length >= 2);
      const posts = (report.posts ?? []).filter((p) => p.kind === "response" || p.kind === "error");
      assert.equal(posts.length, 2, report.stderr);
      assert.ok(report.nextAtUnixNano.length >= 3, JSON.stringify(report.nextAtUnixNano));
      for (const [i, id] of ["inv-1", "inv-2"].entries()) {
        const span = otlp.records.find((r) => r.attributes["faas.invocation_id"] === id);
        assert.ok(span, `no span of ${id}: ${JSON.stringify(otlp.records)}`);
        // The platform gives both invocations one X-Ray trace: an invocation's records are its
        // span, its children and the log lines written inside it.
        const mine = otlp.records.filter((r) =>
          r.spanId === span.spanId || r.parentSpanId === span.spanId
        );
        assert.ok(mine.some((r) => r.name === "handler-work"));
        assert.ok(mine.some((r) => r.kind === "log" && r.body?.includes("handler log line")));
        const posted = posts.find((p) => p.requestId === id)!.atUnixNano;
        const nextAsked = report.nextAtUnixNano[i + 1];
        for (const r of mine) {
          assert.ok(
            r.arrivedUnixNano > posted && r.arrivedUnixNano < nextAsked,
            `${id}: ${r.kind} ${r.name ?? r.body} arrived at ${r.arrivedUnixNano}, ` +
              `response posted at ${posted}, next asked at ${nextAsked}`,
          );
        }
      }
    } finally {
      await otlp.close();
    }
  },
);

goTest(
  "a collector that does not answer or is down costs an invocation at most the timeout, with a log line",
  async () => {
    // Accepts connections and never answers.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    (async () => {
      for await (const c of silent) held.push(c);
    })().catch(() => {});
    // A port nobody listens on.
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const downPort = closed.addr.port;
    closed.close();
    for (
      const [endpoint, expected] of [
        [`http://127.0.0.1:${silent.addr.port}`, /did not answer within 200 ms/],
        [`http://127.0.0.1:${downPort}`, /sending them to .* failed/],
      ] as const
    ) {
      const fn = await LocalFunction.start({
        entry: FIXTURE,
        functionName: "traced",
        env: {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_TIMEOUT: "200",
        },
      });
      try {
        let all = "";
        for (let i = 0; i < 4; i++) {
          const r = await fn.invoke({});
          assert.ok(r.ok, JSON.stringify(r));
          all += r.logs;
        }
        all += (await fn.close())?.logs ?? "";
        assert.match(all, expected, all);
      } finally {
        await fn.close();
      }
    }
    silent.close();
    for (const c of held) c.close();
  },
);

goTest(
  "go1x: OTEL_DENO_CONSOLE=ignore exports spans without log records; OTEL_SDK_DISABLED=true nothing",
  async () => {
    for (
      const [variable, spans] of [["OTEL_DENO_CONSOLE", "ignore"], ["OTEL_SDK_DISABLED", "true"]]
    ) {
      const otlp = await otlpReceiver();
      const fn = await LocalFunction.start({
        entry: FIXTURE,
        protocol: "go1x",
        functionName: "traced",
        env: {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlp.addr}`,
          [variable]: spans,
        },
      });
      try {
        const traceId =
          "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert.ok((await fn.invoke({}, { traceId })).ok);
        // go1.x replies after the flush: what was sent has arrived; its lines are read meanwhile.
        await otlp.until((records) => records.some((r) => r.name === "traced"), 500);
        const kinds = new Set(otlp.records.map((r) => r.kind));
        if (variable === "OTEL_DENO_CONSOLE") assert.deepEqual([...kinds], ["span"]);
        else assert.equal(otlp.records.length, 0, JSON.stringify(otlp.records));
      } finally {
        await fn.close();
        await otlp.close();
      }
    }
  },
);
