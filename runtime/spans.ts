/**
 * The runtime's own spans: objects with OpenTelemetry API's `Span` methods, recorded in
 * JavaScript and handed, once ended, to the runtime's exporter (`otlp_export.ts`), which sends them
 * when the runtime says. `telemetry.ts` makes every span of the process one of these (the
 * invocation's, the handler's through `npm:@opentelemetry/api`, Deno's `fetch` spans).
 *
 * Sampling follows `OTEL_TRACES_SAMPLER` (`parentbased_always_on` by default; `always_on`,
 * `always_off`, `parentbased_always_off`, `traceidratio` and `parentbased_traceidratio` with
 * `OTEL_TRACES_SAMPLER_ARG`): a span not sampled records nothing but carries its ids, so that
 * what it calls is not sampled either. Bounds, from OpenTelemetry's variables: attributes per span
 * (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, else `OTEL_ATTRIBUTE_COUNT_LIMIT`, default 128), the length
 * of a string attribute (`OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else
 * `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, default {@linkcode DEFAULT_VALUE_LENGTH} characters here,
 * where the specification sets none), events and links per span (`OTEL_SPAN_EVENT_COUNT_LIMIT`,
 * `OTEL_SPAN_LINK_COUNT_LIMIT`, default 128).
 *
 * @module
 */

import type { Attributes, AttributeValue, Scope, SpanData } from "./otlp_proto.ts";

/** The default bound on a string attribute's length (characters). */
export const DEFAULT_VALUE_LENGTH = 16 * 1024;

/** A span's identity, as OpenTelemetry's API has it. */
export interface SpanContext {
  /** Trace id (32 hex digits). */
  traceId: string;
  /** Span id (16 hex digits). */
  spanId: string;
  /** Trace flags (1: sampled). */
  traceFlags: number;
  /** Whether it came from another process. */
  isRemote?: boolean;
}

/** The parts of OpenTelemetry API's `Span` the runtime reads of a parent. */
export interface ParentSpan {
  /** Its identity. */
  spanContext(): SpanContext;
}

/** A time as OpenTelemetry's API takes it: ms since the epoch, a `Date`, or `[s, ns]`. */
export type TimeInput = number | Date | [number, number];

/** OpenTelemetry API's `SpanOptions`, as far as the runtime reads them. */
export interface SpanOptions {
  /** The kind (0 internal … 4 consumer). */
  kind?: number;
  /** Initial attributes. */
  attributes?: Record<string, unknown>;
  /** Links. */
  links?: { context: SpanContext; attributes?: Record<string, unknown> }[];
  /** The start time. */
  startTime?: TimeInput;
  /** Start a new trace, whatever the context. */
  root?: boolean;
}

/** A sampling decision for a new span, given its parent's identity (if any) and trace id. */
export type Sampler = (parent: SpanContext | undefined, traceId: string) => boolean;

/** The limits of {@linkcode SpanRecorder}. */
export interface SpanLimits {
  /** Attributes per span. */
  attributes: number;
  /** Characters of a string attribute. */
  valueLength: number;
  /** Events per span. */
  events: number;
  /** Links per span. */
  links: number;
}

type Env = (name: string) => string | undefined;

function limit(env: Env, names: string[], fallback: number): number {
  for (const name of names) {
    const n = Number(env(name));
    if (env(name) !== undefined && Number.isSafeInteger(n) && n >= 0) return n;
  }
  return fallback;
}

/** The span limits from OpenTelemetry's variables. */
export function limitsFromEnv(env: Env): SpanLimits {
  return {
    attributes: limit(env, ["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"], 128),
    valueLength: limit(
      env,
      ["OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"],
      DEFAULT_VALUE_LENGTH,
    ),
    events: limit(env, ["OTEL_SPAN_EVENT_COUNT_LIMIT"], 128),
    links: limit(env, ["OTEL_SPAN_LINK_COUNT_LIMIT"], 128),
  };
}

/** The sampler `OTEL_TRACES_SAMPLER` (and `OTEL_TRACES_SAMPLER_ARG`) name. */
export function samplerFromEnv(env: Env): Sampler {
  const name = (env("OTEL_TRACES_SAMPLER") ?? "").trim().toLowerCase();
  const arg = Number(env("OTEL_TRACES_SAMPLER_ARG") ?? "1");
  const ratio = Number.isFinite(arg) ? Math.min(1, Math.max(0, arg)) : 1;
  // The trace id's last 16 hex digits as a fraction of 2^64: the same answer for the whole trace.
  const byRatio = (traceId: string) => parseInt(traceId.slice(16), 16) / 2 ** 64 < ratio;
  const root: (traceId: string) => boolean = name === "always_off" ||
      name === "parentbased_always_off"
    ? () => false
    : name.endsWith("traceidratio")
    ? byRatio
    : () => true;
  if (name === "always_on" || name === "always_off" || name === "traceidratio") {
    return (_parent, traceId) => root(traceId);
  }
  return (parent, traceId) => parent ? (parent.traceFlags & 1) === 1 : root(traceId);
}

/** Now, in nanoseconds since the epoch (microsecond resolution). */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

function timeNs(t: TimeInput | undefined): bigint {
  if (t === undefined) return nowNs();
  if (t instanceof Date) return BigInt(t.getTime()) * 1_000_000n;
  if (Array.isArray(t)) return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
  // The API's numbers are epoch milliseconds, or `performance.now()` readings.
  const ms = t < performance.timeOrigin / 2 ? performance.timeOrigin + t : t;
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

/** Random bytes drawn 4 KiB at a time (ids are 8 and 16 bytes: one call per ~300 ids). */
const pool = new Uint8Array(4096);
let used = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let s = "";
  for (let i = used; i < used + bytes; i++) s += HEX[pool[i]];
  used += bytes;
  return s;
}

const INVALID_TRACE = "0".repeat(32);
const INVALID_SPAN = "0".repeat(16);

/** A span that records nothing: the caller's context, or a span not sampled. */
export class NonRecordingSpan {
  readonly #context: SpanContext;

  /** A span with identity `context` (invalid ids when none). */
  constructor(
    context: SpanContext = { traceId: INVALID_TRACE, spanId: INVALID_SPAN, traceFlags: 0 },
  ) {
    this.#context = context;
  }
  /** Its identity. */
  spanContext(): SpanContext {
    return this.#context;
  }
  /** Does nothing. */
  setAttribute(_key: string, _value: unknown): this {
    return this;
  }
  /** Does nothing. */
  setAttributes(_attributes: Record<string, unknown>): this {
    return this;
  }
  /** Does nothing. */
  addEvent(_name: string, _attributes?: unknown, _time?: TimeInput): this {
    return this;
  }
  /** Does nothing. */
  addLink(_link: unknown): this {
    return this;
  }
  /** Does nothing. */
  addLinks(_links: unknown[]): this {
    return this;
  }
  /** Does nothing. */
  setStatus(_status: { code: number; message?: string }): this {
    return this;
  }
  /** Does nothing. */
  updateName(_name: string): this {
    return this;
  }
  /** Does nothing. */
  end(_endTime?: TimeInput): void {}
  /** `false`. */
  isRecording(): boolean {
    return false;
  }
  /** Does nothing. */
  recordException(_exception: unknown, _time?: TimeInput): void {}
}

/** A span being recorded; {@linkcode SpanRecorder.startSpan} makes them. */
export class RecordingSpan {
  readonly #data: SpanData;
  readonly #context: SpanContext;
  readonly #recorder: SpanRecorder;
  #ended = false;

  /** Use {@linkcode SpanRecorder.startSpan}. */
  constructor(data: SpanData, recorder: SpanRecorder) {
    this.#data = data;
    this.#context = { traceId: data.traceId, spanId: data.spanId, traceFlags: 1 };
    this.#recorder = recorder;
  }
  /** Its identity. */
  spanContext(): SpanContext {
    return this.#context;
  }
  /** Sets one attribute (ignored once ended, or over the limit). */
  setAttribute(key: string, value: unknown): this {
    if (!this.#ended) this.#recorder.setAttribute(this.#data, key, value);
    return this;
  }
  /** Sets attributes. */
  setAttributes(attributes: Record<string, unknown>): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }
  /** Adds an event. */
  addEvent(name: string, attributesOrTime?: unknown, time?: TimeInput): this {
    if (this.#ended || this.#data.events.length >= this.#recorder.limits.events) return this;
    const isTime = typeof attributesOrTime === "number" || attributesOrTime instanceof Date ||
      Array.isArray(attributesOrTime);
    const attributes: Attributes = {};
    if (!isTime && attributesOrTime && typeof attributesOrTime === "object") {
      this.#recorder.copyAttributes(attributes, attributesOrTime as Record<string, unknown>);
    }
    this.#data.events.push({
      name: String(name),
      timeNs: timeNs(isTime ? attributesOrTime as TimeInput : time),
      attributes,
    });
    return this;
  }
  /** Adds a link. */
  addLink(link: { context: SpanContext; attributes?: Record<string, unknown> }): this {
    if (this.#ended || this.#data.links.length >= this.#recorder.limits.links) return this;
    const attributes: Attributes = {};
    if (link.attributes) this.#recorder.copyAttributes(attributes, link.attributes);
    this.#data.links.push({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes,
    });
    return this;
  }
  /** Adds links. */
  addLinks(links: { context: SpanContext; attributes?: Record<string, unknown> }[]): this {
    for (const l of links) this.addLink(l);
    return this;
  }
  /** Sets the status (0 unset, 1 ok, 2 error). */
  setStatus(status: { code: number; message?: string }): this {
    if (this.#ended) return this;
    this.#data.statusCode = status.code;
    this.#data.statusMessage = status.message ?? "";
    return this;
  }
  /** Renames it. */
  updateName(name: string): this {
    if (!this.#ended) this.#data.name = String(name);
    return this;
  }
  /** Ends it: it is queued for the exporter. Later calls do nothing. */
  end(endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#data.endNs = timeNs(endTime);
    this.#recorder.ended(this.#data);
  }
  /** `true` until it ends. */
  isRecording(): boolean {
    return !this.#ended;
  }
  /** Adds an `exception` event, as the API's SDK does. */
  recordException(exception: unknown, time?: TimeInput): void {
    const attributes: Record<string, unknown> = {};
    if (typeof exception === "string") attributes["exception.message"] = exception;
    else if (exception && typeof exception === "object") {
      const e = exception as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
      if (e.code !== undefined) attributes["exception.type"] = String(e.code);
      else if (e.name !== undefined) attributes["exception.type"] = String(e.name);
      if (e.message !== undefined) attributes["exception.message"] = String(e.message);
      if (e.stack !== undefined) attributes["exception.stacktrace"] = String(e.stack);
    }
    this.addEvent("exception", attributes, time);
  }
}

/** Makes spans and hands the ended ones to `onEnd`; see the module docs. */
export class SpanRecorder {
  /** The limits in force. */
  readonly limits: SpanLimits;
  readonly #sampler: Sampler;
  readonly #onEnd: (span: SpanData) => void;

  /** A recorder with `limits` and `sampler`, telling `onEnd` of each ended span. */
  constructor(limits: SpanLimits, sampler: Sampler, onEnd: (span: SpanData) => void) {
    this.limits = limits;
    this.#sampler = sampler;
    this.#onEnd = onEnd;
  }

  /**
   * Starts a span of `scope` named `name`, a child of `parent` (the context's active span) unless
   * `options.root`.
   */
  startSpan(
    scope: Scope,
    name: string,
    options: SpanOptions | undefined,
    parent: ParentSpan | undefined,
  ): RecordingSpan | NonRecordingSpan {
    let parentContext = options?.root ? undefined : parent?.spanContext();
    if (parentContext && (parentContext.traceId === INVALID_TRACE)) parentContext = undefined;
    const traceId = parentContext?.traceId ?? randomHex(16);
    const spanId = randomHex(8);
    if (!this.#sampler(parentContext, traceId)) {
      return new NonRecordingSpan({ traceId, spanId, traceFlags: 0 });
    }
    const data: SpanData = {
      scope,
      traceId,
      spanId,
      parentSpanId: parentContext?.spanId,
      name: String(name),
      kind: options?.kind ?? 0,
      startNs: timeNs(options?.startTime),
      endNs: 0n,
      attributes: {},
      droppedAttributes: 0,
      events: [],
      links: [],
      statusCode: 0,
      statusMessage: "",
    };
    const span = new RecordingSpan(data, this);
    if (options?.attributes) span.setAttributes(options.attributes);
    if (options?.links) span.addLinks(options.links);
    return span;
  }

  /** Sets `key` on `data` within the limits; values OTLP cannot carry are ignored. */
  setAttribute(data: SpanData, key: string, value: unknown): void {
    const v = this.#value(value);
    if (v === undefined) return;
    if (
      !(key in data.attributes) && Object.keys(data.attributes).length >= this.limits.attributes
    ) {
      data.droppedAttributes++;
      return;
    }
    data.attributes[key] = v;
  }

  /** Copies `from`'s valid attributes into `to`, within the limits. */
  copyAttributes(to: Attributes, from: Record<string, unknown>): void {
    let n = 0;
    for (const key in from) {
      const v = this.#value(from[key]);
      if (v === undefined) continue;
      if (n++ >= this.limits.attributes) break;
      to[key] = v;
    }
  }

  #value(value: unknown): AttributeValue | undefined {
    const max = this.limits.valueLength;
    if (typeof value === "string") return value.length > max ? value.slice(0, max) : value;
    if (typeof value === "number" || typeof value === "boolean") return value;
    if (Array.isArray(value)) {
      return value.map((x) =>
        typeof x === "string" && x.length > max
          ? x.slice(0, max)
          : typeof x === "string" || typeof x === "number" || typeof x === "boolean"
          ? x
          : null
      );
    }
    return undefined;
  }

  /** A span ended. */
  ended(data: SpanData): void {
    this.#onEnd(data);
  }
}
