/**
 * OpenTelemetry built in, judged by an OTLP/HTTP receiver built on the OpenTelemetry protocol's own
 * Go packages (`tests/go/cmd/otlpreceiver`, go.opentelemetry.io/proto/otlp decoding the
 * protobuf): with `OTEL_DENO=true` each invocation is a span with the FaaS semantic conventions,
 * a child of the caller's X-Ray trace or of an HTTP event's `traceparent`; the handler's own span
 * (`npm:@opentelemetry/api`) and its `fetch` nest under it; its log lines carry the ids. Both
 * protocols, under the emulator.
 */

import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";
import { LocalFunction, type Protocol } from "../../emulator/function.ts";

const FIXTURE = new URL("./fixtures/otel.ts", import.meta.url).pathname;
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];

interface Rec {
  kind: "span" | "log";
  name?: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  spanKind?: number;
  status?: number;
  body?: string;
  attributes: Record<string, unknown>;
}

async function receiver() {
  const bin = await buildGo("cmd/otlpreceiver");
  const child = new Deno.Command(bin, { stdout: "piped", stderr: "inherit" }).spawn();
  const records: Rec[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let addr = "";
  let ready!: () => void;
  const listening = new Promise<void>((r) => (ready = r));
  const pump = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      buf += r.value;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith("listening ")) {
          addr = line.slice("listening ".length);
          ready();
        } else if (line) records.push(JSON.parse(line));
      }
    }
  })();
  await listening;
  return {
    addr,
    records,
    async close() {
      child.kill("SIGKILL");
      await child.status;
      await pump.catch(() => {});
    },
  };
}

async function until(f: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

for (const protocol of PROTOCOLS) {
  goTest(
    `${protocol}: OTEL_DENO=true: invocation spans with FaaS attributes, parented, nested`,
    async () => {
      const otlp = await receiver();
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
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
          OTEL_SERVICE_NAME: "traced",
          // Deno exports batches on this schedule (and at exit); the go1.x protocol has no SIGTERM.
          OTEL_BSP_SCHEDULE_DELAY: "50",
          OTEL_BLRP_SCHEDULE_DELAY: "50",
        },
      });
      try {
        const xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        const a = await fn.invoke({ peer: `http://127.0.0.1:${peer.addr.port}/` }, {
          traceId: xray,
        });
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
        await until(() =>
          otlp.records.filter((r) => r.name === "traced").length >= 2 &&
          otlp.records.some((r) => r.kind === "log" && /handler log line/.test(r.body ?? ""))
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

        // Log lines carry the invocation's trace and span ids.
        const logs = otlp.records.filter((r) =>
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
