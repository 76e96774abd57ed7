/**
 * OpenTelemetry built in: with Deno's own OpenTelemetry on (`OTEL_DENO=true`), every invocation
 * is a span of Deno's tracer provider (`Deno.telemetry`), exported by Deno over OTLP/HTTP with
 * the rest of the function's telemetry. `start` loads this module only then.
 *
 * The span follows OpenTelemetry's FaaS semantic conventions: named after the function, kind
 * `SERVER`, attributes `faas.invocation_id`, `faas.coldstart`, `faas.trigger`, `faas.name`,
 * `faas.version`, `faas.max_memory` (bytes), `cloud.provider` (`aws`), `cloud.platform`
 * (`aws_lambda`), `cloud.region`, `cloud.resource_id` (the invoked ARN) and `cloud.account.id`
 * (from the ARN). Its parent is the caller's trace: a W3C `traceparent` header of an HTTP event,
 * else the invocation's X-Ray header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`: the
 * trace id is the Root's two hex parts joined, the parent span id the Parent). The handler runs
 * with the span active, so its own spans (`npm:@opentelemetry/api`, which Deno's provider backs)
 * and Deno's `fetch` spans nest under it, and the runtime's log lines, sent through Deno's console
 * (`logThroughConsole`), are exported as log records carrying its trace and span ids. A failed
 * invocation sets the span's status to error.
 *
 * @module
 */

import { detectEventKind } from "../protocol/http_event.ts";
import type { InvokeRequest, InvokeResult } from "../protocol/invocation.ts";
import { functionEnv, getEnv } from "./context.ts";
import { logThroughConsole } from "./logging.ts";

/** Runs invocations inside their span. */
export interface InvocationTracer {
  /** Runs `fn` (the invocation of `req`, whose event is `event`) inside its span. */
  run(req: InvokeRequest, event: unknown, fn: () => Promise<InvokeResult>): Promise<InvokeResult>;
}

/** The parts of OpenTelemetry's API the runtime uses (Deno's provider implements them). */
interface SpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}
interface Span {
  spanContext(): SpanContext;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
interface Context {
  setValue(key: symbol, value: unknown): Context;
}
interface Telemetry {
  tracerProvider: {
    getTracer(name: string): {
      startSpan(
        name: string,
        options: { kind: number; attributes: Record<string, string | number | boolean> },
        context?: Context,
      ): Span;
    };
  };
  contextManager: {
    active(): Context;
    with<T>(context: Context, fn: () => T): T;
  };
}

/** `@opentelemetry/api`'s key of the active span in a context (`createContextKey`). */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
const SPAN_KIND_SERVER = 1;
const STATUS_ERROR = 2;

const X_RAY = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16})(?:;Sampled=([01]))?/i;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The caller's span context from an X-Ray trace header, or `undefined`. */
export function fromXRay(header: string | undefined): SpanContext | undefined {
  const m = header ? X_RAY.exec(header) : null;
  if (!m) return undefined;
  return {
    traceId: (m[1] + m[2]).toLowerCase(),
    spanId: m[3].toLowerCase(),
    traceFlags: m[4] === "0" ? 0 : 1,
    isRemote: true,
  };
}

/** The caller's span context from a W3C `traceparent` value, or `undefined`. */
export function fromTraceparent(value: string | undefined): SpanContext | undefined {
  const m = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16) & 1, isRemote: true };
}

function headerOf(event: unknown, name: string): string | undefined {
  const headers = (event as { headers?: unknown } | null)?.headers;
  if (typeof headers !== "object" || headers === null) return undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name && typeof v === "string") return v;
  }
  return undefined;
}

/** `faas.trigger`: what kind of event started the invocation. */
export function triggerOf(event: unknown): string {
  if (detectEventKind(event) !== null) return "http";
  const e = event as { Records?: { eventSource?: string; EventSource?: string }[] } | null;
  const source = e?.Records?.[0]?.eventSource ?? e?.Records?.[0]?.EventSource;
  if (source === "aws:sqs" || source === "aws:sns" || source === "aws:kinesis") return "pubsub";
  if (source === "aws:s3" || source === "aws:dynamodb") return "datasource";
  const ev = event as { source?: string; "detail-type"?: string } | null;
  if (ev?.source === "aws.events" && ev["detail-type"] === "Scheduled Event") return "timer";
  return "other";
}

function nonRecording(sc: SpanContext): Span {
  return { spanContext: () => sc, setStatus: () => undefined, end: () => {} };
}

/** The tracer of invocations when Deno's OpenTelemetry is on, else `undefined`. */
export function invocationTracer(): InvocationTracer | undefined {
  const telemetry = (globalThis.Deno as unknown as { telemetry?: Telemetry }).telemetry;
  if (getEnv("OTEL_DENO") !== "true" || !telemetry) return undefined;
  const tracer = telemetry.tracerProvider.getTracer("gopherless");
  // The runtime's log lines become OpenTelemetry log records with the invocation's ids.
  logThroughConsole();
  const env = functionEnv();
  const region = getEnv("AWS_REGION") ?? "";
  const memory = Number(env.memoryLimitInMB) * 1024 * 1024;
  let cold = true;
  return {
    async run(req, event, fn) {
      const parent = fromTraceparent(headerOf(event, "traceparent")) ?? fromXRay(req.traceId);
      const base = telemetry.contextManager.active();
      const parentContext = parent ? base.setValue(SPAN_KEY, nonRecording(parent)) : base;
      const attributes: Record<string, string | number | boolean> = {
        "faas.invocation_id": req.requestId,
        "faas.coldstart": cold,
        "faas.trigger": triggerOf(event),
        "faas.name": env.functionName,
        "faas.version": env.functionVersion,
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
      };
      cold = false;
      if (memory > 0) attributes["faas.max_memory"] = memory;
      if (region) attributes["cloud.region"] = region;
      if (req.invokedFunctionArn) {
        attributes["cloud.resource_id"] = req.invokedFunctionArn;
        const account = req.invokedFunctionArn.split(":")[4];
        if (account) attributes["cloud.account.id"] = account;
      }
      const span = tracer.startSpan(
        env.functionName || "invoke",
        { kind: SPAN_KIND_SERVER, attributes },
        parentContext,
      );
      try {
        const result = await telemetry.contextManager.with(
          parentContext.setValue(SPAN_KEY, span),
          fn,
        );
        if (!result.ok) {
          span.setStatus({
            code: STATUS_ERROR,
            message: `${result.error.errorType}: ${result.error.errorMessage}`,
          });
        }
        return result;
      } finally {
        span.end();
      }
    },
  };
}
