/**
 * Lambda logging: `console.*` becomes one log event per call.
 *
 * Lambda turns every line a function writes to stdout into a separate CloudWatch event, so a
 * multi-line message (a stack trace, pretty JSON) would be torn apart. Each console call is
 * therefore written as a single line:
 *
 * - Text format (default): `timestamp \t requestId \t LEVEL \t message`, with the message's line
 *   breaks written as `\r` (CloudWatch shows them as line breaks), as Lambda's Node.js runtime does.
 *   Outside an invocation the request id field reads `undefined`, as in Node.js.
 * - JSON format (`AWS_LAMBDA_LOG_FORMAT=JSON`): `{"timestamp","level","requestId","tenantId",
 *   "message"}`, one object per line, as Node's runtime writes it; `requestId` is absent outside an
 *   invocation, `tenantId` when there is none. A call with one argument logs that value itself as
 *   `message` (an object as JSON, not its inspected text; an `Error` as
 *   `{errorType, errorMessage, stackTrace: [lines], …its own properties}`); several arguments are
 *   formatted as `console.log` would, and the first `Error` among them adds `errorType`,
 *   `errorMessage` and `stackTrace` beside `message`.
 *
 * `AWS_LAMBDA_LOG_LEVEL` (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) drops calls below that level in
 * both formats. Levels: `console.trace` TRACE, `console.debug` DEBUG, `console.log`/`info`/`dir`
 * INFO, `console.warn` WARN, `console.error` ERROR.
 *
 * Lines are written synchronously to stdout, so nothing is lost when the process exits and the
 * order of lines is the order of calls.
 *
 * @module
 */

import { format } from "./lazy_node.ts";
import { currentRequestId, getEnv } from "./context.ts";
import { currentTenantId } from "./invoke_store.ts";
import { userStackLines } from "./stack.ts";
import type { LambdaErrorShape, LogFormat, LogLevel } from "./types.ts";

const LEVELS: readonly LogLevel[] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/** Resolved logging configuration. */
export interface LogConfig {
  /** Output format. */
  format: LogFormat;
  /** Minimum level written; `undefined` writes everything. */
  level: LogLevel | undefined;
}

/** Reads `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` (case-insensitive). */
export function logConfigFromEnv(): LogConfig {
  const fmt = (getEnv("AWS_LAMBDA_LOG_FORMAT") ?? "").toUpperCase() === "JSON" ? "JSON" : "Text";
  const lvl = (getEnv("AWS_LAMBDA_LOG_LEVEL") ?? "").toUpperCase() as LogLevel;
  return { format: fmt, level: LEVELS.includes(lvl) ? lvl : undefined };
}

const encoder = new TextEncoder();

/** Writes all of `bytes` to stdout synchronously. */
function writeStdout(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

type LineWriter = (line: string) => void;
let throughConsole: Record<LogLevel, LineWriter> | undefined;

/** Told of every line written, without its final `\n` (see {@linkcode setLogSink}). */
export type LogSink = (level: LogLevel, line: string) => void;
let sink: LogSink | undefined;

/**
 * Tells `logSink` of every line the runtime writes (the handler's console calls and the
 * runtime's own), synchronously, in the caller's async context: the runtime's OpenTelemetry
 * exporter makes them log records with the active span's ids (`telemetry.ts`).
 */
export function setLogSink(logSink: LogSink | undefined): void {
  sink = logSink;
}

/** Writes one formatted line (with its final `\n`) at `level`. */
function emit(level: LogLevel, line: string): void {
  sink?.(level, line.endsWith("\n") ? line.slice(0, -1) : line);
  if (throughConsole) throughConsole[level](line.endsWith("\n") ? line.slice(0, -1) : line);
  else writeStdout(encoder.encode(line));
}

/**
 * Sends the runtime's log lines through Deno's own console methods (`console.debug/info/warn/
 * error` by level) instead of writing them to stdout directly: with Deno's OpenTelemetry on, the
 * console is what exports log records, each with the active span's trace and span ids (the
 * invocation's span, see `telemetry.ts`). The lines printed are the same; warnings and errors go
 * to stderr, as Deno's console writes them.
 */
export function logThroughConsole(): void {
  const c = { ...console, ...(installed?.originals ?? {}) } as Record<
    ConsoleMethod,
    (...a: unknown[]) => void
  >;
  const to = (m: ConsoleMethod): LineWriter => (line) => c[m].call(console, "%s", line);
  throughConsole = {
    TRACE: to("debug"),
    DEBUG: to("debug"),
    INFO: to("info"),
    WARN: to("warn"),
    ERROR: to("error"),
    FATAL: to("error"),
  };
}

/** A logger writing Lambda log events; the console is routed to one by {@linkcode installConsole}. */
export class Logger {
  /** The format and level in force. */
  readonly config: LogConfig;
  readonly #min: number;

  /** Creates a logger; by default configured from the environment. */
  constructor(config: LogConfig = logConfigFromEnv()) {
    this.config = config;
    this.#min = config.level === undefined ? 0 : LEVELS.indexOf(config.level);
  }

  /** Whether a call at `level` is written. */
  enabled(level: LogLevel): boolean {
    return LEVELS.indexOf(level) >= this.#min;
  }

  /** Formats `args` as `console.log` would and writes them as one event at `level`. */
  log(level: LogLevel, args: unknown[]): void {
    if (!this.enabled(level)) return;
    emit(level, this.format(level, args, new Date(), currentRequestId()));
  }

  /**
   * Writes one event from the runtime itself: `text` in the text format, `structured` (when
   * given) as the JSON format's `message`.
   */
  logEvent(
    level: LogLevel,
    text: string,
    structured: object | undefined,
    requestId: string | undefined,
  ): void {
    if (!this.enabled(level)) return;
    const now = new Date().toISOString();
    const line = this.config.format === "JSON"
      ? JSON.stringify({ timestamp: now, level, requestId, message: structured ?? text })
      : `${now}\t${requestId ?? "undefined"}\t${level}\t${text.replace(/\r?\n/g, "\r")}`;
    emit(level, line + "\n");
  }

  /** The exact line (with its final `\n`) a call produces. Exposed for tests. */
  format(level: LogLevel, args: unknown[], now: Date, requestId: string | undefined): string {
    if (this.config.format === "JSON") return jsonLine(level, args, now, requestId) + "\n";
    const text = format(...args).replace(/\r?\n/g, "\r");
    return `${now.toISOString()}\t${requestId ?? "undefined"}\t${level}\t${text}\n`;
  }
}

/** An `Error` as Node's runtime writes it in a JSON log line. */
function errorFields(e: Error): Record<string, unknown> {
  return {
    errorType: e.constructor?.name ?? "UnknownError",
    errorMessage: e.message,
    stackTrace: typeof e.stack === "string" ? userStackLines(e.stack) : e.stack,
  };
}

function replaceErrors(_key: string, value: unknown): unknown {
  return value instanceof Error ? Object.assign(errorFields(value), value) : value;
}

/** One JSON log line, as Node's runtime's `formatJsonMessage` builds it. */
function jsonLine(
  level: LogLevel,
  args: unknown[],
  now: Date,
  requestId: string | undefined,
): string {
  const out: Record<string, unknown> = { timestamp: now.toISOString(), level, requestId };
  const tenantId = currentTenantId();
  if (tenantId !== undefined) out.tenantId = tenantId;
  if (args.length === 1) {
    out.message = args[0];
    try {
      return JSON.stringify(out, replaceErrors);
    } catch {
      // a BigInt, a cycle: the formatted text instead, as Node does
      out.message = format(args[0]);
      return JSON.stringify(out);
    }
  }
  out.message = format(...args);
  const error = args.find((a) => a instanceof Error) as Error | undefined;
  if (error) Object.assign(out, errorFields(error));
  return JSON.stringify(out);
}

type ConsoleMethod = "log" | "info" | "debug" | "trace" | "warn" | "error" | "dir";
const METHODS: Record<ConsoleMethod, LogLevel> = {
  log: "INFO",
  info: "INFO",
  dir: "INFO",
  debug: "DEBUG",
  trace: "TRACE",
  warn: "WARN",
  error: "ERROR",
};

let installed: { logger: Logger; originals: Partial<Record<ConsoleMethod, unknown>> } | undefined;

/**
 * Routes `console.log/info/dir/debug/trace/warn/error` to `logger`. Idempotent: a second call
 * replaces the logger. Returns a function restoring the original console.
 */
export function installConsole(logger: Logger = new Logger()): () => void {
  const originals: Partial<Record<ConsoleMethod, unknown>> = installed?.originals ?? {};
  const con = console as unknown as Record<ConsoleMethod, (...args: unknown[]) => void>;
  for (const [method, level] of Object.entries(METHODS) as [ConsoleMethod, LogLevel][]) {
    if (!(method in originals)) originals[method] = con[method];
    if (method === "trace") {
      con.trace = (...args: unknown[]) => {
        const stack = (new Error().stack ?? "").split("\n").slice(2).join("\n");
        const text = format(...args);
        logger.log(level, [`${text === "" ? "Trace" : `Trace: ${text}`}\n${stack}`]);
      };
    } else {
      con[method] = (...args: unknown[]) => logger.log(level, args);
    }
  }
  installed = { logger, originals };
  return () => {
    for (const [m, f] of Object.entries(originals)) {
      con[m as ConsoleMethod] = f as (...args: unknown[]) => void;
    }
    installed = undefined;
  };
}

/** The logger the console is routed to, or a fresh one from the environment. */
export function activeLogger(): Logger {
  return installed?.logger ?? new Logger();
}

/**
 * Logs a reported error as Node's runtime does: `<what> \t{"errorType","errorMessage","stack"}`
 * in the text format, `{errorType, errorMessage, stackTrace}` as the JSON format's message. Both
 * protocols log a function's error this way (`Invoke Error`), and the Runtime API an init
 * failure (`Init Error`).
 */
export function logReportedError(
  what: string,
  error: LambdaErrorShape,
  requestId: string | undefined,
): void {
  const { errorType, errorMessage } = error;
  const stack = error.trace ?? [];
  activeLogger().logEvent(
    "ERROR",
    `${what} \t${JSON.stringify({ errorType, errorMessage, stack })}`,
    { errorType, errorMessage, stackTrace: stack },
    requestId,
  );
}
