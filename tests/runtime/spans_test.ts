/**
 * The runtime's spans read OpenTelemetry's sampler and limit variables as the SDKs do.
 */

import assert from "node:assert/strict";
import { limitsFromEnv, samplerFromEnv } from "../../runtime/spans.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("spans: OTEL_TRACES_SAMPLER and the span limits", () => {
  const sampled = { traceId: "a".repeat(32), spanId: "b".repeat(16), traceFlags: 1 };
  const unsampled = { ...sampled, traceFlags: 0 };
  const trace = "0".repeat(32);
  const byDefault = samplerFromEnv(envOf({}));
  assert.deepEqual([byDefault(undefined, trace), byDefault(sampled, trace)], [true, true]);
  assert.equal(byDefault(unsampled, trace), false);
  const on = samplerFromEnv(envOf({ OTEL_TRACES_SAMPLER: "always_on" }));
  assert.equal(on(unsampled, trace), true);
  const off = samplerFromEnv(envOf({ OTEL_TRACES_SAMPLER: "always_off" }));
  assert.equal(off(sampled, trace), false);
  const pOff = samplerFromEnv(envOf({ OTEL_TRACES_SAMPLER: "parentbased_always_off" }));
  assert.deepEqual([pOff(undefined, trace), pOff(sampled, trace)], [false, true]);
  const ratio = samplerFromEnv(
    envOf({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.5" }),
  );
  assert.equal(ratio(undefined, "0".repeat(16) + "1".repeat(16)), true);
  assert.equal(ratio(undefined, "0".repeat(16) + "f".repeat(16)), false);

  assert.deepEqual(limitsFromEnv(envOf({})), {
    attributes: 128,
    valueLength: 16 * 1024,
    events: 128,
    links: 128,
  });
  assert.deepEqual(
    limitsFromEnv(envOf({ OTEL_ATTRIBUTE_COUNT_LIMIT: "5", OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "7" }))
      .attributes,
    7,
  );
});
