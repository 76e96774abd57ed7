/**
 * The supervisor of one execution environment: it owns the function's process, its output (the
 * log, framed by Lambda's platform lines) and Lambda's rules around an invocation, whatever the
 * protocol: the init limit, the deadline (SIGKILL when it passes), a crash mid-invocation, a
 * failed init retried by the next event. The protocol itself is a {@linkcode Driver}, chosen by
 * {@linkcode DRIVERS}; the documents and lines come from `lambda_rules.ts`.
 *
 * @module
 */

import {
  errorDocumentBytes,
  type LambdaErrorShape,
  parseErrorDocument,
} from "../protocol/lambda_error.ts";
import { MODE_TABLE, type Protocol } from "../protocol/mode.ts";
import type {
  Driver,
  DriverAnswer,
  DriverFactory,
  DriverInvocation,
  DriverOptions,
  InitFailure,
  Sink,
} from "./driver.ts";
import { go1xDriver } from "./driver_go1x.ts";
import { runtimeApiDriver } from "./driver_runtime_api.ts";
import {
  concurrentTimeoutDocument,
  concurrentTimeoutError,
  endLine,
  exitError,
  exitLines,
  initReportLine,
  outOfMemoryError,
  reportLine,
  startLine,
  timeoutError,
  timeoutLine,
} from "./lambda_rules.ts";

/** The driver of each protocol. */
export const DRIVERS: Record<Protocol, DriverFactory> = {
  "runtime-api": runtimeApiDriver,
  go1x: () => go1xDriver(),
};

/** Where the function's own output (stdout and stderr) goes, besides each result's `logs`. */
export type OutputOption =
  | "inherit"
  | "piped"
  | ((chunk: Uint8Array, stream: "stdout" | "stderr") => void);

/**
 * Why an invocation failed: the function reported an error (`function`), the deadline passed
 * (`timeout`), the process died mid-invocation (`exit`), or the init phase failed (`init`).
 */
export type FailureKind = "function" | "timeout" | "exit" | "init";

/** How an environment is set up. */
export interface EnvironmentSpec {
  /** The program and its arguments. */
  command: string[];
  /** Its environment (Lambda's variables included; the driver's are added). */
  env: Record<string, string>;
  /** Its working directory. */
  cwd: string;
  /** The protocol. */
  protocol: Protocol;
  /** Where its output goes besides the log. */
  output: OutputOption;
  /** The init limit (ms). */
  initTimeoutMs: number;
  /** What the driver reports to extensions. */
  driver: DriverOptions;
  /**
   * The function's memory size (MB): the process is killed when its resident memory exceeds it,
   * as Lambda does (`Runtime.OutOfMemory`). Polled from `/proc` (Linux only); unset: no limit.
   */
  memoryLimitMb?: number;
}

/** Why an init failed, kept until an invocation reports it with its request id. */
export type InitCause =
  | { kind: "posted"; failure: InitFailure }
  | { kind: "timeout"; limitMs: number }
  | { kind: "exit"; status: Deno.CommandStatus; outOfMemory?: boolean };

/** The outcome of one invocation, before the caller's bookkeeping. */
export type Outcome =
  | { ok: true; durationMs: number }
  | {
    ok: false;
    kind: FailureKind;
    error: LambdaErrorShape;
    /** The error document exactly as Lambda returns it. */
    payload: Uint8Array;
    durationMs: number;
  };

/** The error document for a failed init, reported by the invocation `requestId`. */
export function initFailureError(
  requestId: string,
  cause: InitCause,
): { error: LambdaErrorShape; payload: Uint8Array } {
  if (cause.kind === "posted") {
    const p = cause.failure.posted;
    return { error: parseErrorDocument(p.body, p.errorType), payload: p.body };
  }
  const error = cause.kind === "timeout"
    ? timeoutError(requestId, cause.limitMs)
    : cause.outOfMemory
    ? outOfMemoryError(requestId)
    : exitError(requestId, cause.status);
  return { error, payload: errorDocumentBytes(error) };
}

const encoder = new TextEncoder();
const LOG_LIMIT = 1024 * 1024;
/** Lambda's grace period between SIGTERM and SIGKILL at shutdown (with extensions registered). */
export const SHUTDOWN_GRACE_MS = 500;

/** What {@linkcode Environment.shutdown} did, as a shutdown on Lambda would have gone. */
export interface ShutdownReport {
  /** SIGTERM was sent (the runtime had registered an extension, so Lambda would send it). */
  sigterm: boolean;
  /** The process exited by itself within the grace period (else it was killed). */
  exitedWithinGrace: boolean;
  /** Its exit code, when it exited by itself. */
  exitCode?: number;
  /** Milliseconds from SIGTERM to its exit, when it exited by itself. */
  exitedMs?: number;
  /** What the process wrote from SIGTERM on (its shutdown hooks' logs). */
  logs: string;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function writeStderr(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
}

function emit(output: OutputOption, bytes: Uint8Array, stream: "stdout" | "stderr"): void {
  try {
    if (output === "inherit") writeStderr(bytes);
    else if (typeof output === "function") output(bytes, stream);
  } catch {
    // stderr closed, or the callback's problem
  }
}

/** A process's resident memory now and at its peak, KiB (Linux `/proc`), or undefined. */
function residentKb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(s);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(s);
    return rss && hwm ? { rss: Number(rss[1]), hwm: Number(hwm[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/** How often the memory limit is checked (ms). */
const MEMORY_POLL_MS = 20;

/** One execution environment: a process, its driver, its log. */
export class Environment {
  /** The process. */
  readonly child: Deno.ChildProcess;
  /** Resolves with the process's exit status. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Resolves when the init is over: `null` when ready, else why it failed. */
  readonly ready: Promise<InitCause | null>;
  /** The init time (ms), once `ready` resolved. */
  initDurationMs = 0;
  /** No invocation has run here yet (its init time goes into the first `REPORT`). */
  fresh = true;
  #exitStatus: Deno.CommandStatus | null = null;
  #driver: Driver;
  #output: OutputOption;
  #startedAt = performance.now();
  #log: string[] = [];
  #logBytes = 0;
  #pumps: Promise<void>[] = [];
  #initAbort = new AbortController();
  #memoryLimitMb: number | undefined;
  #peakKb = 0;
  #outOfMemory = false;

  /** Starts the driver's endpoint, then the process. Throws when the process cannot start. */
  constructor(spec: EnvironmentSpec) {
    this.#output = spec.output;
    this.#driver = DRIVERS[spec.protocol](spec.driver);
    const env = { ...spec.env };
    for (const m of MODE_TABLE) delete env[m.variable];
    Object.assign(env, this.#driver.environment);
    try {
      this.child = new Deno.Command(spec.command[0], {
        args: spec.command.slice(1),
        env,
        clearEnv: true,
        cwd: spec.cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      this.#driver.close();
      throw new Error(`cannot start ${spec.command[0]}: ${(e as Error).message}`, { cause: e });
    }
    this.#pumps.push(this.#pump(this.child.stdout, "stdout"));
    this.#pumps.push(this.#pump(this.child.stderr, "stderr"));
    this.#memoryLimitMb = spec.memoryLimitMb;
    const watch = spec.memoryLimitMb !== undefined && Deno.build.os === "linux"
      ? setInterval(() => this.#checkMemory(), MEMORY_POLL_MS)
      : undefined;
    if (watch !== undefined) Deno.unrefTimer(watch);
    this.status = this.child.status.then((s) => {
      clearInterval(watch);
      this.#exitStatus = s;
      this.#initAbort.abort(new Error("exited"));
      return s;
    });
    this.ready = this.#init(spec.initTimeoutMs).then((r) => {
      this.initDurationMs = performance.now() - this.#startedAt;
      return r;
    });
  }

  /** Whether the process is running. */
  get alive(): boolean {
    return this.#exitStatus === null;
  }

  /** Whether the process was killed for using more memory than its memory size. */
  get outOfMemory(): boolean {
    return this.#outOfMemory;
  }

  /** The process's peak resident memory so far (MB), as Lambda's `Max Memory Used`. */
  maxMemoryMb(): number | undefined {
    if (this.#outOfMemory) return this.#memoryLimitMb;
    const now = this.alive ? residentKb(this.child.pid) : undefined;
    const kb = Math.max(now?.hwm ?? 0, this.#peakKb);
    return kb > 0 ? Math.round(kb / 1024) : undefined;
  }

  /** Kills the process once its resident memory exceeds the limit, as Lambda's cgroup does. */
  #checkMemory(): void {
    if (!this.alive || this.#outOfMemory || this.#memoryLimitMb === undefined) return;
    const m = residentKb(this.child.pid);
    if (m === undefined) return;
    this.#peakKb = Math.max(this.#peakKb, m.hwm);
    if (m.rss > this.#memoryLimitMb * 1024) {
      this.#outOfMemory = true;
      try {
        this.child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }

  async #pump(stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr"): Promise<void> {
    const dec = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#append(dec.decode(chunk, { stream: true }));
        emit(this.#output, chunk, name);
      }
    } catch {
      // the process went away
    }
  }

  #append(text: string): void {
    if (text === "") return;
    this.#log.push(text);
    this.#logBytes += text.length;
    while (this.#logBytes > LOG_LIMIT && this.#log.length > 1) {
      this.#logBytes -= this.#log.shift()!.length;
    }
  }

  /** Writes a platform line (START, END, REPORT, ...) into the log and the output. */
  line(text: string): void {
    this.#append(text + "\n");
    emit(this.#output, encoder.encode(text + "\n"), "stderr");
  }

  /** The log since the last call, once pending output has been read. */
  async takeLog(): Promise<string> {
    if (this.alive) await delay(5);
    else await Promise.all(this.#pumps);
    const s = this.#log.join("");
    this.#log = [];
    this.#logBytes = 0;
    return s;
  }

  async #init(limitMs: number): Promise<InitCause | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), limitMs);
    });
    const exited = this.status.then((s) => ({ exited: s }));
    const init = this.#driver.init(this.#initAbort.signal);
    init.catch(() => {});
    try {
      const r = await Promise.race([init, timedOut, exited]);
      if (r === "timeout") {
        this.#initAbort.abort(new Error("init timed out"));
        await this.kill();
        return { kind: "timeout", limitMs };
      }
      if ("exited" in r) {
        // An init error reported just before the exit wins over the exit.
        const late = await Promise.race([init.catch(() => null), delay(20).then(() => null)]);
        if (late && !late.ok) return { kind: "posted", failure: late.failure };
        return { kind: "exit", status: r.exited, outOfMemory: this.#outOfMemory };
      }
      return r.ok ? null : { kind: "posted", failure: r.failure };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reports a failed init to the invocation `requestId`, and ends this environment. */
  async failInit(requestId: string, cause: InitCause): Promise<Outcome> {
    await this.kill();
    const { error, payload } = initFailureError(requestId, cause);
    this.line(initReportLine(this.initDurationMs, error.errorType));
    return { ok: false, kind: "init", error, payload, durationMs: 0 };
  }

  /**
   * Runs one invocation under Lambda's rules: `START`, the driver's call raced against the
   * deadline and the process's exit, then `END` and `REPORT`. A process that exits before it
   * took the event (a runtime that posted an error and then exited) did not fail this
   * invocation: with `retryable`, `"undelivered"` tells the caller to give the event to a new
   * environment, as Lambda does.
   */
  async run(
    invocation: DriverInvocation,
    sink: Sink,
    report: {
      memoryMb: number;
      initDurationMs?: number;
      retryable: boolean;
      /**
       * A concurrent environment (Lambda Managed Instances): a timed-out invocation fails with
       * `Sandbox.Timedout` but the process is not killed (its other invocations go on), as the
       * Runtime Interface Emulator's Managed Instances mode does; the late answer is dropped.
       */
      concurrent?: boolean;
    },
  ): Promise<Outcome | "undelivered"> {
    const requestId = invocation.request.requestId;
    this.fresh = false;
    this.line(startLine(requestId));
    const t0 = performance.now();
    const finish = (status?: "timeout" | "error", errorType?: string): number => {
      const durationMs = performance.now() - t0;
      this.line(endLine(requestId));
      this.line(reportLine({
        requestId,
        durationMs,
        memoryMb: report.memoryMb,
        maxMemoryMb: this.maxMemoryMb(),
        initDurationMs: report.initDurationMs,
        status,
        errorType,
      }));
      return durationMs;
    };
    const onTimeout = async (): Promise<Outcome> => {
      if (report.concurrent) {
        const durationMs = finish("timeout");
        const error = concurrentTimeoutError(invocation.timeoutMs);
        const payload = concurrentTimeoutDocument(invocation.timeoutMs);
        return { ok: false, kind: "timeout", error, payload, durationMs };
      }
      await this.kill();
      this.line(timeoutLine(requestId, invocation.timeoutMs));
      const durationMs = finish("timeout");
      const error = timeoutError(requestId, invocation.timeoutMs);
      return { ok: false, kind: "timeout", error, payload: errorDocumentBytes(error), durationMs };
    };
    const onExit = async (status: Deno.CommandStatus): Promise<Outcome> => {
      await this.kill();
      const oom = this.#outOfMemory;
      const error = oom ? outOfMemoryError(requestId) : exitError(requestId, status);
      this.line(exitLines(error));
      const durationMs = finish("error", oom ? error.errorType : undefined);
      return { ok: false, kind: "exit", error, payload: errorDocumentBytes(error), durationMs };
    };

    const call = this.#driver.invoke(invocation, sink);
    let delivered = false;
    call.delivered.then(() => (delivered = true));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const timeout = new Promise<"timeout">((resolve) => {
      call.delivered.then((deadline) => {
        if (settled) return;
        timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
      });
    });
    const exited = this.status.then((s) => ({ exited: s }));
    try {
      let r: DriverAnswer | "timeout" | { exited: Deno.CommandStatus } = await Promise.race([
        call.answer,
        timeout,
        exited,
      ]);
      if (r === "timeout") {
        call.cancel();
        return await onTimeout();
      }
      if ("exited" in r) {
        // An answer that arrived together with the exit wins.
        const late = await Promise.race([call.answer, delay(20).then(() => null)]);
        if (late === null && !delivered && report.retryable) {
          call.cancel();
          await this.kill();
          return "undelivered";
        }
        if (late === null) return await onExit(r.exited);
        r = late;
      }
      if (r.kind === "broken") {
        // The connection broke: the process is dying, or must be replaced.
        const s = await Promise.race([this.status, delay(1000).then(() => null)]);
        await this.kill();
        return await onExit(s ?? await this.status);
      }
      const durationMs = finish();
      if (r.kind === "ok") return { ok: true, durationMs };
      if (r.replace) await this.kill();
      return { ok: false, kind: "function", error: r.error, payload: r.payload, durationMs };
    } finally {
      settled = true;
      clearTimeout(timer);
    }
  }

  /** Kills the process (SIGKILL) and waits for it; closes the driver. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    this.#initAbort.abort(new Error("killed"));
    if (this.alive) {
      try {
        this.child.kill(signal);
      } catch { /* already gone */ }
    }
    await this.status;
    await Promise.all(this.#pumps);
    await this.#driver.close();
  }

  /**
   * Stops the process as Lambda does at shutdown: SIGTERM first if an extension asked for it, then
   * SIGKILL once {@linkcode SHUTDOWN_GRACE_MS} has passed. Reports what happened.
   */
  async shutdown(): Promise<ShutdownReport> {
    let sigterm = false;
    let exitedMs: number | undefined;
    let exitCode: number | undefined;
    if (this.alive && this.#driver.wantsSigterm) {
      sigterm = true;
      await this.takeLog(); // what the process logs from here on is its shutdown
      const t0 = performance.now();
      try {
        this.child.kill("SIGTERM");
      } catch { /* gone */ }
      const status = await Promise.race([this.status, delay(SHUTDOWN_GRACE_MS).then(() => null)]);
      if (status !== null) {
        exitedMs = performance.now() - t0;
        exitCode = status.code;
      }
    }
    await this.kill();
    return {
      sigterm,
      exitedWithinGrace: exitedMs !== undefined,
      exitCode,
      exitedMs,
      logs: sigterm ? await this.takeLog() : "",
    };
  }
}
