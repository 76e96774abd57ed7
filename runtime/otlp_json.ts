/**
 * OTLP/JSON (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`): the same requests as `otlp_proto.ts`, in the
 * JSON mapping of the OpenTelemetry protocol's specification: field names in lowerCamelCase, trace
 * and span ids as hex strings (not base64), enums as numbers, 64-bit integers as decimal strings.
 *
 * @module
 */

import type { Attributes, AttributeValue, LogData, Scope, SpanData } from "./otlp_proto.ts";

type Json = Record<string, unknown>;

function anyValue(v: AttributeValue | null | undefined): Json {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") {
    return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => anyValue(x)) } };
  return {};
}

function keyValues(attributes: Attributes): Json[] {
  return Object.keys(attributes).map((key) => ({ key, value: anyValue(attributes[key]) }));
}

function scopeOf(s: Scope): Json {
  return s.version ? { name: s.name, version: s.version } : { name: s.name };
}

function span(s: SpanData): Json {
  const out: Json = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    // OTLP's SpanKind is the API's plus one (0 is UNSPECIFIED there).
    kind: s.kind + 1,
    startTimeUnixNano: String(s.startNs),
    endTimeUnixNano: String(s.endNs),
    attributes: keyValues(s.attributes),
  };
  if (s.parentSpanId) out.parentSpanId = s.parentSpanId;
  if (s.droppedAttributes) out.droppedAttributesCount = s.droppedAttributes;
  if (s.events.length) {
    out.events = s.events.map((e) => ({
      timeUnixNano: String(e.timeNs),
      name: e.name,
      attributes: keyValues(e.attributes),
    }));
  }
  if (s.links.length) {
    out.links = s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      attributes: keyValues(l.attributes),
    }));
  }
  if (s.statusCode !== 0) out.status = { code: s.statusCode, message: s.statusMessage };
  return out;
}

/** `ExportTraceServiceRequest` of `spans` (one resource) as OTLP/JSON. */
export function encodeSpansJson(resource: Attributes, spans: readonly SpanData[]): Uint8Array {
  const scopes = new Map<string, { scope: Json; spans: Json[] }>();
  for (const s of spans) {
    const key = `${s.scope.name}\0${s.scope.version ?? ""}`;
    let g = scopes.get(key);
    if (!g) scopes.set(key, g = { scope: scopeOf(s.scope), spans: [] });
    g.spans.push(span(s));
  }
  return new TextEncoder().encode(JSON.stringify({
    resourceSpans: [{
      resource: { attributes: keyValues(resource) },
      scopeSpans: [...scopes.values()],
    }],
  }));
}

/** `ExportLogsServiceRequest` of `logs` (one resource, scope `logScope`) as OTLP/JSON. */
export function encodeLogsJson(
  resource: Attributes,
  logScope: Scope,
  logs: readonly LogData[],
): Uint8Array {
  const records = logs.map((l) => {
    const out: Json = {
      timeUnixNano: String(l.timeNs),
      observedTimeUnixNano: String(l.timeNs),
      severityNumber: l.severityNumber,
      severityText: l.severityText,
      body: { stringValue: l.body },
    };
    if (l.traceId && l.spanId) {
      out.traceId = l.traceId;
      out.spanId = l.spanId;
      out.flags = l.traceFlags ?? 0;
    }
    return out;
  });
  return new TextEncoder().encode(JSON.stringify({
    resourceLogs: [{
      resource: { attributes: keyValues(resource) },
      scopeLogs: [{ scope: scopeOf(logScope), logRecords: records }],
    }],
  }));
}
