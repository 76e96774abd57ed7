/**
 * The OTLP/HTTP receiver the OpenTelemetry tests judge by (`tests/go/cmd/otlpreceiver`, built on
 * the OpenTelemetry protocol's own Go packages): started on 127.0.0.1, its records read as they
 * arrive.
 *
 * @module
 */

import { buildGo } from "./go.ts";

/** One span or log record the receiver decoded. */
export interface OtlpRecord {
  /** What it is. */
  kind: "span" | "log";
  /** A span's name. */
  name?: string;
  /** Trace id, hex (empty for a log record outside a span). */
  traceId: string;
  /** Span id, hex. */
  spanId: string;
  /** A span's parent, hex. */
  parentSpanId?: string;
  /** A span's kind (OTLP's enum: 2 SERVER, 3 CLIENT). */
  spanKind?: number;
  /** A span's status code (2 ERROR). */
  status?: number;
  /** A log record's body. */
  body?: string;
  /** Its attributes. */
  attributes: Record<string, unknown>;
  /** Its instrumentation scope's name. */
  scope: string;
  /** Its resource's attributes. */
  resource: Record<string, unknown>;
  /** When the request carrying it arrived (ns since the epoch, the system clock). */
  arrivedUnixNano: number;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** `127.0.0.1:<port>`. */
  addr: string;
  /** What it received so far, in order. */
  records: OtlpRecord[];
  /** Resolves when `f` holds of the records (checked every 20 ms), or after `ms`. */
  until(f: (records: OtlpRecord[]) => boolean, ms?: number): Promise<void>;
  /** Stops it. */
  close(): Promise<void>;
}

/** A receiver program started by {@linkcode spawnOtlpReceiver}. */
export interface OtlpReceiverProcess {
  /** `127.0.0.1:<port>`. */
  addr: string;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Starts the receiver program `bin` (`tests/go/cmd/otlpreceiver`, built) and hands each record
 * line it prints (one JSON object) to `onRecord` unparsed, so that a benchmark can count them
 * cheaply; resolves once it listens.
 */
export async function spawnOtlpReceiver(
  bin: string,
  onRecord: (line: string) => void,
): Promise<OtlpReceiverProcess> {
  const child = new Deno.Command(bin, { stdout: "piped", stderr: "inherit" }).spawn();
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
        } else if (line) onRecord(line);
      }
    }
  })();
  await listening;
  return {
    addr,
    async close() {
      child.kill("SIGKILL");
      await child.status;
      await pump.catch(() => {});
    },
  };
}

/** Starts the receiver. */
export async function otlpReceiver(): Promise<OtlpReceiver> {
  const records: OtlpRecord[] = [];
  const receiver = await spawnOtlpReceiver(
    await buildGo("cmd/otlpreceiver"),
    (line) => records.push(JSON.parse(line)),
  );
  return {
    addr: receiver.addr,
    records,
    async until(f, ms = 5000) {
      const end = Date.now() + ms;
      while (!f(records) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    },
    close: () => receiver.close(),
  };
}
