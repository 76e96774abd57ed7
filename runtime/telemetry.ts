/**
 * OpenTelemetry built in: with Deno's own OpenTelemetry on (`OTEL_DENO=true`), every invocation
 * is a span, and what the invocation recorded (its span, the handler's own spans through
 * `npm:@opentelemetry/api`, Deno's `fetch` spans, the log lines) reaches the collector before
 * Lambda may freeze the environment. `start` loads this module only then.
 *
 * Deno exports its spans and logs in batches on a schedule and cannot be told to send them now,
 * so the runtime records them itself: it makes the spans of Deno's tracers its own
 * (`Tracer.prototype.startSpan` of the tracers `Deno.telemetry.tracerProvider` gives, which
 * `npm:@opentelemetry/api` and Deno's `fetch` use, now makes a span of `spans.ts`), turns its log
 * lines into log records with the active span's ids (`setLogSink`), and sends both with its own
 * OTLP/HTTP exporter (`otlp_export.ts`) when told ({@linkcode InvocationTracer.flush}: the Runtime
 * API loop flushes after posting the response and before asking for the next event, the go1.x
 * protocol before it replies). Deno's context manager still carries the active span. With gRPC
 * (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`) Deno's own exporter sends everything, on its schedule, with
 * the same spans and ids.
 *
 * The invocation's span follows OpenTelemetry's FaaS semantic conventions: named after the
 * function, kind `SERVER`, attributes `faas.invocation_id`, `faas.coldstart`, `faas.trigger`,
 * `faas.name`, `faas.version`, `faas.max_memory` (bytes), `cloud.provider` (`aws`),
 * `cloud.platform` (`aws_lambda`), `cloud.region`, `cloud.resource_id` (the invoked ARN) and
 * `cloud.account.id` (from the ARN). Its parent is the caller's trace: a W3C `traceparent` header
 * of an HTTP event, else the invocation's X-Ray header (`Root=1-<8 hex>-<24 hex>;Parent=<16
 * hex>;Sampled=1`: the trace id is the Root's two hex parts joined, the parent span id the
 * Parent). A failed invocation sets the span's status to error. The resource: `service.name`
 * (`OTEL_SERVICE_NAME`, else the function's name), the function's `cloud.*` and `faas.*`
 * attributes, `process.runtime.*`, `telemetry.sdk.*`, then `OTEL_RESOURCE_ATTRIBUTES`.
 *
 * @module
 */

import { detectEventKind } from "../protocol/http_event.ts";
import type { InvokeRequest, InvokeResult } from "../protocol/invocation.ts";
import { VERSION } from "../protocol/version.ts";
import { functionEnv, getEnv } from "./context.ts";
import { activeLogger, logThroughConsole, setLogSink } from "./logging.ts";
import { exporterConfig, OtlpExporter, parseKeyValues } from "./otlp_export.ts";
import type { Attributes, Scope } from "./otlp_proto.ts";
import {
  limitsFromEnv,
  NonRecordingSpan,
  nowNs,
  type ParentSpan,
  samplerFromEnv,
  type SpanContext,
  type SpanOptions,
  SpanRecorder,
} from "./spans.ts";
import type { LogLevel } from "./types.ts";

/** Runs invocations inside their span, and sends what they recorded. */
export interface InvocationTracer {
  /** Runs `fn` (the invocation of `req`, whose event is `event`) inside its span. */
  run(req: InvokeRequest, event: unknown, fn: () => Promise<InvokeResult>): Promise<InvokeResult>;
  /**
   * Sends the spans and log records recorded so far; resolves when the collector acknowledged
   * them, or they were dropped (a failure, the timeout). Never rejects.
   */
  flush(): Promise<void>;
}

/** The parts of OpenTelemetry's API the runtime uses of a span. */
interface Span extends ParentSpan {
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
interface Context {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): Context;
}
/** `Deno.telemetry`: Deno's tracer provider and context manager. */
interface Telemetry {
  tracerProvider: {
    getTracer(name: string, version?: string, options?: unknown): object;
  };
  contextManager: {
    active(): Context;
    with<T>(context: Context, fn: () => T): T;
  };
}
/** Starts a span named `name`, a child of the span active in `context`. */
type StartSpan = (name: string, options: SpanOptions, context: Context) => Span;

/** `@opentelemetry/api`'s key of the active span in a context (`createContextKey`). */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
/** The SDK's key that turns tracing off in a context (an exporter's own requests). */
const SUPPRESS_KEY = Symbol.for("OpenTelemetry SDK Context Key SUPPRESS_TRACING");
const SPAN_KIND_SERVER = 1;
const STATUS_ERROR = 2;
/** The runtime's own instrumentation scope (the invocation spans, the log records). */
const SCOPE: Scope = { name: "gopherless", version: VERSION };
/** The longest log record body (characters): Lambda's own bound on one log event, 256 KiB. */
const MAX_LOG_BODY = 256 * 1024;
/** OpenTelemetry's severity numbers of Lambda's log levels. */
const SEVERITY: Record<LogLevel, number> = {
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
};

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

/** The resource's attributes: what is known of the function, then `OTEL_RESOURCE_ATTRIBUTES`. */
function resource(): Attributes {
  const env = functionEnv();
  const attributes: Attributes = {
    "service.name": env.functionName || "unknown_service",
    "cloud.provider": "aws",
    "cloud.platform": "aws_lambda",
    "cloud.region": getEnv("AWS_REGION") ?? "",
    "faas.name": env.functionName,
    "faas.version": env.functionVersion,
    "faas.instance": env.logStreamName,
    "process.runtime.name": "deno",
    "process.runtime.version": Deno.version.deno,
    "telemetry.sdk.name": "gopherless",
    "telemetry.sdk.version": VERSION,
  };
  const memory = Number(env.memoryLimitInMB) * 1024 * 1024;
  if (memory > 0) attributes["faas.max_memory"] = memory;
  for (const key in attributes) if (attributes[key] === "") delete attributes[key];
  Object.assign(attributes, parseKeyValues(getEnv("OTEL_RESOURCE_ATTRIBUTES")));
  const service = getEnv("OTEL_SERVICE_NAME");
  if (service) attributes["service.name"] = service;
  return attributes;
}

/**
 * Makes every span Deno's tracers start a span of `recorder`: the tracers `tracerProvider`
 * gives (`npm:@opentelemetry/api`'s, which Deno registers as the global provider) and Deno's own
 * (`fetch`, `node:http`) are instances of one class, whose `startSpan` is replaced;
 * `getTracer` is wrapped to learn each tracer's scope. False when Deno's tracers are not shaped
 * so (nothing is changed then).
 */
function takeOverDenoSpans(telemetry: Telemetry, recorder: SpanRecorder): boolean {
  const provider = telemetry.tracerProvider;
  const proto = Object.getPrototypeOf(provider.getTracer(SCOPE.name, SCOPE.version)) as
    | { startSpan?: unknown }
    | null;
  if (typeof proto?.startSpan !== "function") return false;
  const scopes = new WeakMap<object, Scope>();
  const denoScope: Scope = { name: "deno", version: Deno.version.deno };
  const getTracer = provider.getTracer;
  const active = () => telemetry.contextManager.active();
  try {
    provider.getTracer = function (name: string, version?: string, options?: unknown) {
      const tracer = getTracer.call(this, name, version, options);
      scopes.set(tracer, { name: String(name), version });
      return tracer;
    };
    proto.startSpan = function (
      this: object,
      name: string,
      options?: SpanOptions,
      context?: Context,
    ) {
      const ctx = context ?? active();
      if (ctx.getValue(SUPPRESS_KEY) === true) return new NonRecordingSpan();
      return recorder.startSpan(
        scopes.get(this) ?? denoScope,
        name,
        options,
        ctx.getValue(SPAN_KEY) as ParentSpan | undefined,
      );
    };
  } catch {
    return false;
  }
  return true;
}

/**
 * The runtime's own pipeline (see the module docs), or `undefined` when the protocol asked for
 * is gRPC or Deno's tracers cannot be taken over.
 */
function ownPipeline(
  telemetry: Telemetry,
  logs: boolean,
): { startSpan: StartSpan; flush: () => Promise<void> } | undefined {
  const config = exporterConfig(getEnv, resource());
  if (!config) return undefined;
  let quiet = false;
  const exporter = new OtlpExporter(config, SCOPE, {
    warn(text) {
      // The exporter's own complaints are logged, not exported.
      quiet = true;
      try {
        activeLogger().logEvent("WARN", text, undefined, undefined);
      } finally {
        quiet = false;
      }
    },
    untraced: (fn) =>
      telemetry.contextManager.with(
        telemetry.contextManager.active().setValue(SUPPRESS_KEY, true),
        fn,
      ),
  });
  const recorder = new SpanRecorder(
    limitsFromEnv(getEnv),
    samplerFromEnv(getEnv),
    (span) => exporter.addSpan(span),
  );
  if (!takeOverDenoSpans(telemetry, recorder)) return undefined;
  if (logs) {
    setLogSink((level, line) => {
      if (quiet) return;
      const span = telemetry.contextManager.active().getValue(SPAN_KEY) as ParentSpan | undefined;
      const ids: SpanContext | undefined = span?.spanContext();
      const valid = ids !== undefined && !/^0+$/.test(ids.traceId);
      exporter.addLog({
        timeNs: nowNs(),
        severityNumber: SEVERITY[level],
        severityText: level,
        body: line.length > MAX_LOG_BODY ? line.slice(0, MAX_LOG_BODY) : line,
        traceId: valid ? ids.traceId : undefined,
        spanId: valid ? ids.spanId : undefined,
        traceFlags: valid ? ids.traceFlags & 1 : undefined,
      });
    });
  }
  return {
    startSpan: (name, options, context) =>
      recorder.startSpan(SCOPE, name, options, context.getValue(SPAN_KEY) as ParentSpan),
    flush: () => exporter.flush(),
  };
}

/** Deno's own pipeline: spans of Deno's tracer, log lines through Deno's console. */
function denoPipeline(telemetry: Telemetry): { startSpan: StartSpan; flush: () => Promise<void> } {
  const tracer = telemetry.tracerProvider.getTracer(SCOPE.name, SCOPE.version) as {
    startSpan(name: string, options: SpanOptions, context: Context): Span;
  };
  logThroughConsole();
  return {
    startSpan: (name, options, context) => tracer.startSpan(name, options, context),
    flush: () => Promise.resolve(),
  };
}

/** The tracer of invocations when Deno's OpenTelemetry is on, else `undefined`. */
export function invocationTracer(): InvocationTracer | undefined {
  const telemetry = (globalThis as unknown as { Deno?: { telemetry?: Telemetry } }).Deno
    ?.telemetry;
  // Deno's own switches, read as Deno reads them (`cli/args/flags.rs`): tracing is
  // `OTEL_DENO_TRACING`, else `OTEL_DENO`; `OTEL_SDK_DISABLED=true` turns everything off.
  const flag = (name: string) => getEnv(name)?.toLowerCase();
  const tracing = flag("OTEL_SDK_DISABLED") !== "true" &&
    (flag("OTEL_DENO_TRACING") ?? flag("OTEL_DENO")) === "true";
  if (!tracing || !telemetry) return undefined;
  const pipeline = ownPipeline(telemetry, flag("OTEL_DENO_CONSOLE") !== "ignore") ??
    denoPipeline(telemetry);
  const env = functionEnv();
  const region = getEnv("AWS_REGION") ?? "";
  const memory = Number(env.memoryLimitInMB) * 1024 * 1024;
  let cold = true;
  return {
    async run(req, event, fn) {
      const parent = fromTraceparent(headerOf(event, "traceparent")) ?? fromXRay(req.traceId);
      const base = telemetry.contextManager.active();
      const parentContext = parent ? base.setValue(SPAN_KEY, new NonRecordingSpan(parent)) : base;
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
      const span = pipeline.startSpan(
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
    flush: pipeline.flush,
  };
}
