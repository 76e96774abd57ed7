/**
 * The runtime's OTLP exporter reads OpenTelemetry's variables as Deno does: endpoints (the base
 * with `/v1/traces` and `/v1/logs` appended, or the per-signal ones as given), headers
 * (percent-decoded, the per-signal ones winning), timeouts and queue bounds; a protocol other than
 * `http/protobuf` or `http/json` (gRPC) is left to Deno.
 */

import assert from "node:assert/strict";
import { DEFAULT_TIMEOUT_MS, exporterConfig, parseKeyValues } from "../../runtime/otlp_export.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("otlp export: endpoints, headers, timeouts and bounds from OpenTelemetry's variables", () => {
  const none = exporterConfig(envOf({}), {})!;
  assert.equal(none.traces.url.href, "http://localhost:4318/v1/traces");
  assert.equal(none.logs.url.href, "http://localhost:4318/v1/logs");
  assert.equal(none.traces.timeoutMs, DEFAULT_TIMEOUT_MS);
  assert.deepEqual([none.traces.maxQueue, none.traces.maxBatch], [2048, 512]);

  const c = exporterConfig(
    envOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/base/",
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://collector:9999/custom/logs",
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=a%20b,x-team=one",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=two",
      OTEL_EXPORTER_OTLP_TIMEOUT: "250",
      OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: "50",
      OTEL_BSP_MAX_QUEUE_SIZE: "10",
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "3",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    }),
    { "service.name": "s" },
  )!;
  assert.equal(c.traces.url.href, "http://127.0.0.1:4318/base/v1/traces");
  assert.equal(c.logs.url.href, "http://collector:9999/custom/logs");
  assert.deepEqual(c.traces.headers, { "api-key": "a b", "x-team": "two" });
  assert.deepEqual(c.logs.headers, { "api-key": "a b", "x-team": "one" });
  assert.deepEqual([c.traces.timeoutMs, c.logs.timeoutMs], [250, 50]);
  assert.deepEqual([c.traces.maxQueue, c.logs.maxBatch], [10, 3]);
  assert.deepEqual(c.resource, { "service.name": "s" });

  assert.equal(exporterConfig(envOf({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }), {}), undefined);
  assert.equal(
    exporterConfig(envOf({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }), {})?.protocol,
    "http/json",
  );
  assert.deepEqual(parseKeyValues("a=1,,=x,b=%E2%9C%93, c = 2 ,bad=%E2"), {
    a: "1",
    b: "✓",
    c: "2",
  });
});
