/**
 * The runtime's OTLP/HTTP exporter: spans and log records queued as they end, sent to the
 * collector in protobuf (`otlp_proto.ts`), or JSON (`otlp_json.ts`) with
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`, when the runtime asks ({@linkcode OtlpExporter.flush}:
 * after each invocation, before Lambda may freeze the environment), each request awaited until
 * the collector acknowledges it. Deno's own exporter sends batches on a schedule and cannot be
 * told to send now; this one can.
 *
 * Configured by OpenTelemetry's variables, as Deno reads them: `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (default `http://localhost:4318`; `/v1/traces` and `/v1/logs` appended) or the per-signal
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `…_LOGS_ENDPOINT` (used as given),
 * `OTEL_EXPORTER_OTLP_HEADERS` (and per signal), `OTEL_EXPORTER_OTLP_TIMEOUT` (and per signal).
 * Its bounds: `OTEL_BSP_MAX_QUEUE_SIZE` and `OTEL_BLRP_MAX_QUEUE_SIZE` (default 2048 each; what
 * arrives beyond is dropped and counted), `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` and
 * `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` (default 512 per request).
 *
 * A collector that is down, refuses or answers late never fails or holds an invocation longer
 * than the timeout (default {@linkcode DEFAULT_TIMEOUT_MS}, not the specification's 10 s: the
 * wait is inside the billed invocation): the batch is dropped with one log line. While a request
 * that timed out is still unanswered, later batches of that signal are dropped at once (one
 * connection left hanging at most), with one log line then and their count once it answers.
 *
 * @module
 */

import { Http1Client } from "./runtime_api_client.ts";
import {
  type Attributes,
  encodeLogs,
  encodeSpans,
  type LogData,
  type Scope,
  type SpanData,
} from "./otlp_proto.ts";
import { encodeLogsJson, encodeSpansJson } from "./otlp_json.ts";

/** How long a flush waits for the collector by default (ms). */
export const DEFAULT_TIMEOUT_MS = 1000;

/** Where and how one signal (traces or logs) is sent. */
export interface SignalConfig {
  /** The full URL (`…/v1/traces`). */
  url: URL;
  /** Extra request headers. */
  headers: Record<string, string>;
  /** The timeout of one flush (ms). */
  timeoutMs: number;
  /** The most records queued. */
  maxQueue: number;
  /** The most records in one request. */
  maxBatch: number;
}

/** The encodings the exporter sends (`OTEL_EXPORTER_OTLP_PROTOCOL`). */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** The exporter's configuration. */
export interface ExporterConfig {
  /** The encoding. */
  protocol: OtlpProtocol;
  /** Spans. */
  traces: SignalConfig;
  /** Log records. */
  logs: SignalConfig;
  /** The resource's attributes. */
  resource: Attributes;
}

type Env = (name: string) => string | undefined;

function positiveInt(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isSafeInteger(n) && n > 0
    ? n
    : fallback;
}

/** Parses `k1=v1,k2=v2` (percent-encoded, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES are). */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? "").split(",")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    try {
      const key = decodeURIComponent(part.slice(0, i).trim());
      if (key) out[key] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // a malformed escape: the pair is skipped, as the SDKs skip it
    }
  }
  return out;
}

function signal(
  env: Env,
  name: "TRACES" | "LOGS",
  path: string,
  queue: [string, string],
): SignalConfig {
  const own = env(`OTEL_EXPORTER_OTLP_${name}_ENDPOINT`);
  const base = (env("OTEL_EXPORTER_OTLP_ENDPOINT") || "http://localhost:4318").replace(/\/+$/, "");
  return {
    url: new URL(own || `${base}${path}`),
    headers: {
      ...parseKeyValues(env("OTEL_EXPORTER_OTLP_HEADERS")),
      ...parseKeyValues(env(`OTEL_EXPORTER_OTLP_${name}_HEADERS`)),
    },
    timeoutMs: positiveInt(
      env(`OTEL_EXPORTER_OTLP_${name}_TIMEOUT`) ?? env("OTEL_EXPORTER_OTLP_TIMEOUT"),
      DEFAULT_TIMEOUT_MS,
    ),
    maxQueue: positiveInt(env(queue[0]), 2048),
    maxBatch: positiveInt(env(queue[1]), 512),
  };
}

/**
 * The exporter's configuration from OpenTelemetry's variables, with `resource` as the resource's
 * attributes; `undefined` when the protocol asked for is neither `http/protobuf` nor `http/json`
 * (gRPC), which the runtime leaves to Deno's own exporter.
 */
export function exporterConfig(env: Env, resource: Attributes): ExporterConfig | undefined {
  // Deno reads OTEL_EXPORTER_OTLP_PROTOCOL only; one protocol for both signals here too.
  const protocol = env("OTEL_EXPORTER_OTLP_PROTOCOL") || "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json") return undefined;
  const traces = signal(env, "TRACES", "/v1/traces", [
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  ]);
  const logs = signal(env, "LOGS", "/v1/logs", [
    "OTEL_BLRP_MAX_QUEUE_SIZE",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
  ]);
  for (const s of [traces, logs]) {
    if (s.url.protocol !== "http:" && s.url.protocol !== "https:") return undefined;
  }
  return { protocol, traces, logs, resource };
}

/** Sends one request; resolves with the status. */
type Post = (body: Uint8Array) => Promise<number>;

/** What the exporter needs of its host. */
export interface ExporterHost {
  /** Writes one diagnostic line (not itself exported). */
  warn(text: string): void;
  /** Runs `fn` with tracing suppressed (an `https` endpoint is posted with `fetch`). */
  untraced<T>(fn: () => T): T;
}

function poster(config: SignalConfig, contentType: string, host: ExporterHost): Post {
  const headers = { "Content-Type": contentType, ...config.headers };
  const { url } = config;
  if (url.protocol === "http:") {
    // The Runtime API's light HTTP/1.1 client: no fetch span, loop handles unref'd while a
    // callback handler waits for the empty loop.
    const client = new Http1Client(`${url.hostname}:${url.port || "80"}`);
    const path = url.pathname + url.search;
    return async (body) => (await client.request("POST", path, headers, body)).status;
  }
  return (body) =>
    host.untraced(async () => {
      const res = await fetch(url, { method: "POST", headers, body: body as BodyInit });
      await res.body?.cancel();
      return res.status;
    });
}

/** One signal's queue and its requests. */
class SignalQueue<T> {
  readonly #config: SignalConfig;
  readonly #what: string;
  readonly #encode: (items: T[]) => Uint8Array;
  readonly #post: Post;
  readonly #host: ExporterHost;
  #queue: T[] = [];
  #dropped = 0;
  /** A request that timed out and is still unanswered. */
  #hung: Promise<unknown> | undefined;
  /** Records dropped meanwhile. */
  #droppedWhileHung = 0;
  /** The flushes under way: a later flush waits for them too. */
  #sending: Promise<void> = Promise.resolve();

  constructor(
    config: SignalConfig,
    what: string,
    encode: (items: T[]) => Uint8Array,
    contentType: string,
    host: ExporterHost,
  ) {
    this.#config = config;
    this.#what = what;
    this.#encode = encode;
    this.#host = host;
    this.#post = poster(config, contentType, host);
  }

  get queued(): number {
    return this.#queue.length;
  }

  add(item: T): void {
    if (this.#queue.length >= this.#config.maxQueue) this.#dropped++;
    else this.#queue.push(item);
  }

  /** Sends everything queued; resolves once the collector answered, or the timeout. */
  flush(): Promise<void> {
    if (this.#queue.length === 0 && this.#dropped === 0) return this.#sending;
    const items = this.#queue;
    this.#queue = [];
    const dropped = this.#dropped;
    this.#dropped = 0;
    if (dropped > 0) {
      this.#host.warn(`OpenTelemetry: ${dropped} ${this.#what} dropped (queue full)`);
    }
    const previous = this.#sending;
    const mine = items.length > 0 ? this.#send(items) : Promise.resolve();
    this.#sending = Promise.all([previous, mine]).then(() => {});
    return this.#sending;
  }

  async #send(items: T[]): Promise<void> {
    const { url, timeoutMs, maxBatch } = this.#config;
    if (this.#hung) {
      // One line per hang, not per flush: the count comes when the collector answers.
      if (this.#droppedWhileHung === 0) {
        this.#host.warn(
          `OpenTelemetry: ${this.#what} dropped until the collector at ${url} answers an ` +
            `earlier request`,
        );
      }
      this.#droppedWhileHung += items.length;
      return;
    }
    const requests = (async () => {
      for (let i = 0; i < items.length; i += maxBatch) {
        const status = await this.#post(this.#encode(items.slice(i, i + maxBatch)));
        if (status < 200 || status > 299) throw new Error(`status ${status}`);
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), timeoutMs));
    try {
      if (await Promise.race([requests, late]) === "late") {
        const hung = this.#hung = requests.catch(() => {}).finally(() => {
          if (this.#hung !== hung) return;
          this.#hung = undefined;
          if (this.#droppedWhileHung > 0) {
            this.#host.warn(
              `OpenTelemetry: ${this.#droppedWhileHung} ${this.#what} were dropped while the ` +
                `collector at ${url} did not answer`,
            );
            this.#droppedWhileHung = 0;
          }
        });
        this.#host.warn(
          `OpenTelemetry: ${items.length} ${this.#what} dropped: the collector at ${url} did not ` +
            `answer within ${timeoutMs} ms`,
        );
      }
    } catch (e) {
      this.#host.warn(
        `OpenTelemetry: ${items.length} ${this.#what} dropped: sending them to ${url} failed: ` +
          (e as Error).message,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Queues spans and log records, and sends them when told; see the module docs. */
export class OtlpExporter {
  readonly #spans: SignalQueue<SpanData>;
  readonly #logs: SignalQueue<LogData>;

  /** An exporter sending with `config`; `scope` names the log records' instrumentation scope. */
  constructor(config: ExporterConfig, logScope: Scope, host: ExporterHost) {
    const json = config.protocol === "http/json";
    const contentType = json ? "application/json" : "application/x-protobuf";
    this.#spans = new SignalQueue(
      config.traces,
      "spans",
      (s) => (json ? encodeSpansJson : encodeSpans)(config.resource, s),
      contentType,
      host,
    );
    this.#logs = new SignalQueue(
      config.logs,
      "log records",
      (l) => (json ? encodeLogsJson : encodeLogs)(config.resource, logScope, l),
      contentType,
      host,
    );
  }

  /** Queues an ended span. */
  addSpan(span: SpanData): void {
    this.#spans.add(span);
  }

  /** Queues a log record. */
  addLog(record: LogData): void {
    this.#logs.add(record);
  }

  /** Records queued and not yet sent. */
  get queued(): number {
    return this.#spans.queued + this.#logs.queued;
  }

  /**
   * Sends everything queued (spans and logs at once); resolves when the collector has
   * acknowledged it, or it was dropped (a failure, the timeout). Never rejects.
   */
  async flush(): Promise<void> {
    await Promise.all([this.#spans.flush(), this.#logs.flush()]);
  }
}
