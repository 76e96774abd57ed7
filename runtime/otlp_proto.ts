/**
 * OTLP's protobuf messages for spans and log records (`ExportTraceServiceRequest`,
 * `ExportLogsServiceRequest`, with their `Resource`, `InstrumentationScope`, `KeyValue` and
 * `AnyValue`), encoded by hand: the few messages the runtime's exporter sends (`otlp_export.ts`),
 * field numbers as in opentelemetry-proto (`opentelemetry/proto/{trace,logs,common,resource}/v1`).
 * Ids are hex strings here and bytes on the wire; times are nanoseconds since the Unix epoch.
 *
 * @module
 */

/** An attribute value OTLP carries (`AnyValue`). */
export type AttributeValue =
  | string
  | number
  | boolean
  | readonly (string | number | boolean | null | undefined)[];

/** Attributes by key. */
export type Attributes = Record<string, AttributeValue>;

/** An instrumentation scope: the tracer's name and version. */
export interface Scope {
  /** Its name. */
  name: string;
  /** Its version, if any. */
  version?: string;
}

/** A span event. */
export interface SpanEventData {
  /** When (ns since the epoch). */
  timeNs: bigint;
  /** Its name. */
  name: string;
  /** Its attributes. */
  attributes: Attributes;
}

/** A span link. */
export interface SpanLinkData {
  /** The linked span's trace id (hex). */
  traceId: string;
  /** The linked span's id (hex). */
  spanId: string;
  /** Its attributes. */
  attributes: Attributes;
}

/** One ended span, as OTLP's `Span` message carries it. */
export interface SpanData {
  /** Who made it. */
  scope: Scope;
  /** Trace id (32 hex digits). */
  traceId: string;
  /** Span id (16 hex digits). */
  spanId: string;
  /** The parent's span id, if any. */
  parentSpanId?: string;
  /** Its name. */
  name: string;
  /** OpenTelemetry API's kind: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind: number;
  /** Start (ns since the epoch). */
  startNs: bigint;
  /** End (ns since the epoch). */
  endNs: bigint;
  /** Its attributes. */
  attributes: Attributes;
  /** Attributes dropped over the limit. */
  droppedAttributes: number;
  /** Its events. */
  events: SpanEventData[];
  /** Its links. */
  links: SpanLinkData[];
  /** Status: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  /** The status's message. */
  statusMessage: string;
}

/** One log record. */
export interface LogData {
  /** When (ns since the epoch). */
  timeNs: bigint;
  /** OpenTelemetry's severity number (9 INFO, 13 WARN, 17 ERROR, …). */
  severityNumber: number;
  /** The level's name. */
  severityText: string;
  /** The line. */
  body: string;
  /** The active span's trace id, if any. */
  traceId?: string;
  /** The active span's id, if any. */
  spanId?: string;
  /** The trace flags of that span (1: sampled). */
  traceFlags?: number;
}

const encoder = new TextEncoder();

/** A growing protobuf buffer. */
class Writer {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.#room(10);
    // Non-negative integers below 2^53: split so that no 32-bit operator truncates them.
    while (v >= 0x80) {
      this.#buf[this.#len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#len++] = v;
  }

  int64(v: number): void {
    if (v >= 0) return this.varint(v);
    // Two's complement over 64 bits: ten bytes.
    let big = BigInt.asUintN(64, BigInt(v));
    this.#room(10);
    while (big >= 0x80n) {
      this.#buf[this.#len++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.#buf[this.#len++] = Number(big);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.#room(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
  }

  string(field: number, s: string): void {
    if (s.length > 0) this.bytes(field, encoder.encode(s));
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, 1);
    this.#room(8);
    this.#view.setBigUint64(this.#len, v, true);
    this.#len += 8;
  }

  fixed32(field: number, v: number): void {
    this.tag(field, 5);
    this.#room(4);
    this.#view.setUint32(this.#len, v, true);
    this.#len += 4;
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.#room(8);
    this.#view.setFloat64(this.#len, v, true);
    this.#len += 8;
  }

  uint(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 0);
    this.varint(v);
  }

  /**
   * A nested message, written in place: one byte is reserved for its length (most are under
   * 128 bytes), and the contents move right in the rare case the length needs more.
   */
  message(field: number, fill: (w: Writer) => void): void {
    this.tag(field, 2);
    this.#room(1);
    const at = this.#len++;
    fill(this);
    const length = this.#len - at - 1;
    let extra = 0;
    for (let n = length >= 0x80 ? Math.floor(length / 0x80) : 0; n > 0; n = Math.floor(n / 0x80)) {
      extra++;
    }
    if (extra > 0) {
      this.#room(extra);
      this.#buf.copyWithin(at + 1 + extra, at + 1, this.#len);
      this.#len += extra;
    }
    let v = length;
    let i = at;
    while (v >= 0x80) {
      this.#buf[i++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[i] = v;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function anyValue(w: Writer, v: AttributeValue | null | undefined): void {
  if (typeof v === "string") w.bytes(1, encoder.encode(v));
  else if (typeof v === "boolean") {
    w.tag(2, 0);
    w.varint(v ? 1 : 0);
  } else if (typeof v === "number") {
    if (Number.isSafeInteger(v)) {
      w.tag(3, 0);
      w.int64(v);
    } else w.double(4, v);
  } else if (Array.isArray(v)) {
    w.message(5, (a) => {
      for (const item of v) a.message(1, (x) => anyValue(x, item));
    });
  }
}

function keyValues(w: Writer, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    w.message(field, (kv) => {
      kv.string(1, key);
      kv.message(2, (v) => anyValue(v, attributes[key]));
    });
  }
}

function scope(w: Writer, s: Scope): void {
  w.message(1, (m) => {
    m.string(1, s.name);
    if (s.version) m.string(2, s.version);
  });
}

/** Groups `items` by their scope, keeping the order of first appearance. */
function byScope<T>(items: readonly T[], scopeOf: (t: T) => Scope): [Scope, T[]][] {
  const groups = new Map<string, [Scope, T[]]>();
  for (const item of items) {
    const s = scopeOf(item);
    const key = `${s.name}\0${s.version ?? ""}`;
    let g = groups.get(key);
    if (!g) groups.set(key, g = [s, []]);
    g[1].push(item);
  }
  return [...groups.values()];
}

function span(w: Writer, s: SpanData): void {
  w.bytes(1, hexBytes(s.traceId));
  w.bytes(2, hexBytes(s.spanId));
  if (s.parentSpanId) w.bytes(4, hexBytes(s.parentSpanId));
  w.string(5, s.name);
  // OTLP's SpanKind is the API's plus one (0 is UNSPECIFIED there).
  w.uint(6, s.kind + 1);
  w.fixed64(7, s.startNs);
  w.fixed64(8, s.endNs);
  keyValues(w, 9, s.attributes);
  w.uint(10, s.droppedAttributes);
  for (const e of s.events) {
    w.message(11, (m) => {
      m.fixed64(1, e.timeNs);
      m.string(2, e.name);
      keyValues(m, 3, e.attributes);
    });
  }
  for (const l of s.links) {
    w.message(13, (m) => {
      m.bytes(1, hexBytes(l.traceId));
      m.bytes(2, hexBytes(l.spanId));
      keyValues(m, 4, l.attributes);
    });
  }
  if (s.statusCode !== 0) {
    w.message(15, (m) => {
      m.string(2, s.statusMessage);
      m.uint(3, s.statusCode);
    });
  }
}

/** `ExportTraceServiceRequest` of `spans`, all from one resource. */
export function encodeSpans(resource: Attributes, spans: readonly SpanData[]): Uint8Array {
  const w = new Writer();
  w.message(1, (rs) => {
    rs.message(1, (r) => keyValues(r, 1, resource));
    for (const [s, group] of byScope(spans, (x) => x.scope)) {
      rs.message(2, (ss) => {
        scope(ss, s);
        for (const item of group) ss.message(2, (m) => span(m, item));
      });
    }
  });
  return w.finish();
}

/** `ExportLogsServiceRequest` of `logs` (scope `scopeName`), all from one resource. */
export function encodeLogs(
  resource: Attributes,
  scopeOfLogs: Scope,
  logs: readonly LogData[],
): Uint8Array {
  const w = new Writer();
  w.message(1, (rl) => {
    rl.message(1, (r) => keyValues(r, 1, resource));
    rl.message(2, (sl) => {
      scope(sl, scopeOfLogs);
      for (const l of logs) {
        sl.message(2, (m) => {
          m.fixed64(1, l.timeNs);
          m.uint(2, l.severityNumber);
          m.string(3, l.severityText);
          m.message(5, (v) => anyValue(v, l.body));
          if (l.traceId && l.spanId) {
            m.fixed32(8, l.traceFlags ?? 0);
            m.bytes(9, hexBytes(l.traceId));
            m.bytes(10, hexBytes(l.spanId));
          }
          m.fixed64(11, l.timeNs);
        });
      }
    });
  });
  return w.finish();
}
