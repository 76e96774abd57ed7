/**
 * Lambda's rules as the emulator applies them: the error documents Lambda itself returns (a
 * timeout, a crashed runtime, a missing entrypoint) and the platform lines it writes into a
 * function's log (`START`, `END`, `REPORT`, `INIT_REPORT`, the timeout line), and the trace
 * header it makes for an invocation that has none. Each document and
 * each line is built here, once, by one function; the supervisor only decides which applies.
 *
 * Error documents go through the contract's one constructor (`protocol/lambda_error.ts`), so
 * their keys are in Lambda's order, `errorMessage` first.
 *
 * @module
 */

import { lambdaError, type LambdaErrorShape } from "../protocol/lambda_error.ts";

/** `Task timed out after 3.00 seconds`. */
export function timeoutText(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

/** The error document Lambda returns for a timeout (of the invocation, or of the init). */
export function timeoutError(requestId: string, timeoutMs: number): LambdaErrorShape {
  return lambdaError(
    "Sandbox.Timedout",
    `RequestId: ${requestId} Error: ${timeoutText(timeoutMs)}`,
  );
}

/**
 * The error of a timeout in a concurrent environment (Lambda Managed Instances): the Runtime
 * Interface Emulator's Managed Instances mode returns it without the request id, and the process
 * is not killed.
 */
export function concurrentTimeoutError(timeoutMs: number): LambdaErrorShape {
  return lambdaError("Sandbox.Timedout", timeoutText(timeoutMs));
}

/**
 * The document of {@linkcode concurrentTimeoutError} as that mode writes it: the type first
 * (`{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 2.00 seconds"}`).
 */
export function concurrentTimeoutDocument(timeoutMs: number): Uint8Array {
  const { errorType, errorMessage } = concurrentTimeoutError(timeoutMs);
  return new TextEncoder().encode(JSON.stringify({ errorType, errorMessage }));
}

const SIGNALS: Record<string, string> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGINT: "interrupt",
  SIGSEGV: "segmentation fault",
  SIGABRT: "aborted",
  SIGBUS: "bus error",
  SIGILL: "illegal instruction",
  SIGFPE: "floating point exception",
  SIGHUP: "hangup",
  SIGPIPE: "broken pipe",
  SIGQUIT: "quit",
  SIGTRAP: "trace/breakpoint trap",
};

/** How Go's `os.ProcessState` (which Lambda quotes) describes an exit. */
export function exitReason(status: Deno.CommandStatus): string {
  if (status.signal) return `signal: ${SIGNALS[status.signal] ?? status.signal.toLowerCase()}`;
  return `exit status ${status.code}`;
}

/** The error document Lambda returns when the runtime process exits (mid-invocation or init). */
export function exitError(requestId: string, status: Deno.CommandStatus): LambdaErrorShape {
  const why = !status.signal && status.code === 0
    ? "Runtime exited without providing a reason"
    : `Runtime exited with error: ${exitReason(status)}`;
  return lambdaError("Runtime.ExitError", `RequestId: ${requestId} Error: ${why}`);
}

/**
 * The error document Lambda returns when the function used more memory than it was given and
 * was killed for it (`Runtime.OutOfMemory`; the process got SIGKILL).
 */
export function outOfMemoryError(requestId: string): LambdaErrorShape {
  return lambdaError(
    "Runtime.OutOfMemory",
    `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
  );
}

/**
 * The error document Lambda returns when the entrypoint cannot be started
 * (`Runtime.InvalidEntrypoint`, quoting Go's exec error).
 */
export function invalidEntrypointError(
  requestId: string,
  program: string,
  spawnError: string,
): LambdaErrorShape {
  const why = spawnError.replace(/ \(os error \d+\)$/, "").replace(
    /^No such file or directory$/,
    "no such file or directory",
  );
  return lambdaError(
    "Runtime.InvalidEntrypoint",
    `RequestId: ${requestId} Error: fork/exec ${program}: ${why}`,
  );
}

/** `n` random bytes as lowercase hex. */
export function randomHex(n: number): string {
  const b = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** A fresh X-Ray trace header, in Lambda's format. */
export function newTraceId(now: number = Date.now()): string {
  const t = Math.floor(now / 1000).toString(16).padStart(8, "0");
  return `Root=1-${t}-${randomHex(12)};Parent=${randomHex(8)};Sampled=0`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `START RequestId: <id> Version: $LATEST`. */
export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: $LATEST`;
}

/** `END RequestId: <id>`. */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

/** What a `REPORT` line reports. */
export interface Report {
  /** The request id. */
  requestId: string;
  /** Time from delivery to answer (ms). */
  durationMs: number;
  /** The configured memory (MB). */
  memoryMb: number;
  /** The process's peak resident memory (MB), when known. */
  maxMemoryMb?: number;
  /** The init time, on a cold start (ms). */
  initDurationMs?: number;
  /** `timeout` or `error` when the invocation ended so. */
  status?: "timeout" | "error";
  /** The error type Lambda names after the status (`Runtime.OutOfMemory`), if any. */
  errorType?: string;
}

/** The `REPORT` line, tab-separated as Lambda writes it. */
export function reportLine(r: Report): string {
  let line = `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${Math.max(1, Math.ceil(r.durationMs))} ms\tMemory Size: ${r.memoryMb} MB`;
  if (r.maxMemoryMb !== undefined) line += `\tMax Memory Used: ${r.maxMemoryMb} MB`;
  if (r.initDurationMs !== undefined) line += `\tInit Duration: ${r.initDurationMs.toFixed(2)} ms`;
  if (r.status) line += `\tStatus: ${r.status}`;
  if (r.status && r.errorType) line += `\tError Type: ${r.errorType}`;
  return line;
}

/** The `INIT_REPORT` line of a failed init. */
export function initReportLine(initDurationMs: number, errorType: string): string {
  return `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\t` +
    `Status: error\tError Type: ${errorType}`;
}

/** The line Lambda logs when an invocation times out: `<time> <id> Task timed out after …`. */
export function timeoutLine(requestId: string, timeoutMs: number, now = Date.now()): string {
  return `${iso(now)} ${requestId} ${timeoutText(timeoutMs)}`;
}

/** The lines Lambda logs when the runtime exits: the message, then the type. */
export function exitLines(error: LambdaErrorShape): string {
  return `${error.errorMessage}\n${error.errorType}`;
}
