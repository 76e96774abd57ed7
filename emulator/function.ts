/**
 * A Lambda function running locally, driven exactly as Lambda drives it: a child process in one of
 * the two protocols Lambda has for native binaries, sent one event at a time, with Lambda's
 * deadline, crash and init-failure semantics.
 *
 * ```ts
 * import { LocalFunction } from "./function.ts";
 *
 * const fn = await LocalFunction.start({ entry: "examples/hello.ts", protocol: "runtime-api" });
 * const r = await fn.invoke({ name: "Ada" });
 * if (r.ok) console.log(new TextDecoder().decode(r.payload)); // {"message":"Hello, Ada!"}
 * await fn.close();
 * ```
 *
 * What Lambda does, and so what this does:
 * - **Warm reuse.** One process (an execution environment) serves invocations one at a time, and
 *   is reused until it dies; the next event then starts a new one (a cold start). Invocations made
 *   while one runs wait their turn (a {@linkcode FunctionPool} runs several environments).
 * - **Deadline.** The timer starts when the runtime takes the event. At the deadline the process
 *   is killed (SIGKILL) and the result is `{"errorType":"Sandbox.Timedout","errorMessage":
 *   "RequestId: <id> Error: Task timed out after 3.00 seconds"}`; the log gets Lambda's line
 *   `<time> <id> Task timed out after 3.00 seconds`.
 * - **Crash.** A process that exits mid-invocation gives `{"errorType":"Runtime.ExitError",
 *   "errorMessage":"RequestId: <id> Error: Runtime exited with error: exit status 1"}` (`signal:
 *   killed`, ...; `Runtime exited without providing a reason` for status 0).
 * - **Init failure.** What the runtime posted to `/runtime/init/error`, as posted; a process that
 *   exits before it is ready gives `Runtime.ExitError` as above; an init that is not done in 10 s
 *   (Lambda's init limit) is killed, `Sandbox.Timedout`. The next event retries the init.
 * - **Environment.** The variables Lambda sets (`AWS_LAMBDA_FUNCTION_NAME`, `…_VERSION`,
 *   `…_MEMORY_SIZE`, `AWS_LAMBDA_LOG_GROUP_NAME`, `…_LOG_STREAM_NAME`, `AWS_REGION`,
 *   `AWS_DEFAULT_REGION`, `AWS_EXECUTION_ENV`, `AWS_LAMBDA_INITIALIZATION_TYPE`, `_HANDLER`,
 *   `LAMBDA_TASK_ROOT`, `TZ=:UTC`, `LANG`), on top of the host's (so tools and credentials keep
 *   working), plus `AWS_LAMBDA_RUNTIME_API` or `_LAMBDA_SERVER_PORT` for the protocol (and never
 *   the other one).
 * - **Logs.** The process's stdout and stderr, framed by Lambda's `START`/`END`/`REPORT` lines.
 * - **Concurrent environments** (`perEnvironmentMaxConcurrency` > 1, Lambda Managed Instances; Runtime API
 *   only): `AWS_LAMBDA_MAX_CONCURRENCY` is set and up to that many invocations run in the one
 *   process at once, further ones waiting for a free slot; the log format is JSON (the only one
 *   Managed Instances allow); a timed-out invocation fails with `Sandbox.Timedout` while the
 *   process and its other invocations go on, as the Runtime Interface Emulator's Managed
 *   Instances mode does. The `logs` of each result are the environment's output since the
 *   previous result, whichever invocation wrote it (each JSON line names its request id).
 *
 * @module
 */

import type { LambdaErrorShape, LambdaStackFrame } from "../protocol/lambda_error.ts";
import { errorDocumentBytes, parseErrorDocument } from "../protocol/lambda_error.ts";
import type { Protocol } from "../protocol/mode.ts";
import {
  JSON_CONTENT_TYPE,
  MAX_BUFFERED_RESPONSE,
  MAX_STREAMED_RESPONSE,
} from "../protocol/runtime_api.ts";
import type { Sink } from "./driver.ts";
import { invalidEntrypointError, newTraceId, randomHex } from "./lambda_rules.ts";
import {
  Environment,
  type FailureKind,
  type Outcome,
  type OutputOption,
  type ShutdownReport,
} from "./supervisor.ts";
import { type Emulation, emulationFor } from "./emulation.ts";

export type {
  Emulation,
  FailureKind,
  LambdaErrorShape,
  LambdaStackFrame,
  OutputOption,
  Protocol,
  ShutdownReport,
};
export { exitError, exitReason, timeoutError, timeoutText } from "./lambda_rules.ts";

/** Parses an error document a runtime posted; falls back to `fallbackType` and the raw text. */
export const parseErrorBody: (body: Uint8Array, fallbackType: string) => LambdaErrorShape =
  parseErrorDocument;

/** Lambda's limit on a function's init phase (ms). */
export const INIT_TIMEOUT_MS = 10_000;

/**
 * The default init limit (ms) of a function run through qemu-user ({@linkcode
 * LocalFunction.emulation}): emulated, a start that takes 0.1 s on Lambda takes 2–8 s here.
 */
export const EMULATED_INIT_TIMEOUT_MS = 100_000;

/** Options of {@linkcode LocalFunction.start}. */
export interface LocalFunctionOptions {
  /** A TypeScript/JavaScript module, run with `deno run -A <entry>`. */
  entry?: string;
  /** A compiled `bootstrap` binary (or any executable). */
  bootstrap?: string;
  /** Any command (program and arguments). */
  cmd?: string[];
  /** The protocol (default `runtime-api`). */
  protocol?: Protocol;
  /** Extra environment variables (they override Lambda's defaults). */
  env?: Record<string, string>;
  /** The function timeout (default 3000 ms, Lambda's default). */
  timeoutMs?: number;
  /**
   * The init phase limit (default 10000 ms, Lambda's; {@linkcode EMULATED_INIT_TIMEOUT_MS} for a
   * function run through qemu-user).
   */
  initTimeoutMs?: number;
  /**
   * The memory size (default 128 MB): reported to the function, and enforced as Lambda enforces
   * it (a process whose resident memory exceeds it is killed: `Runtime.OutOfMemory`; Linux), except
   * for a function run through qemu-user ({@linkcode LocalFunction.emulation}), whose process's
   * memory is mostly qemu's.
   */
  memoryMb?: number;
  /** The function name (default `function`, as the RIE names it). */
  functionName?: string;
  /** The region (default `$AWS_REGION`, else `us-east-1`). */
  region?: string;
  /** The working directory of the process (default the entry's or binary's directory). */
  cwd?: string;
  /** Where the function's output goes besides `logs` (default `piped`: only into `logs`). */
  stderr?: OutputOption;
  /** Start the first environment at once (default `true`), as a provisioned function would. */
  eager?: boolean;
  /**
   * How many invocations one environment takes at once (default 1; Lambda's
   * `PerExecutionEnvironmentMaxConcurrency`, given to the function as
   * `AWS_LAMBDA_MAX_CONCURRENCY`). Above 1 the environment is a concurrent one, as on Lambda
   * Managed Instances (see the module docs); Runtime API only. Not to be confused with a
   * {@linkcode FunctionPool}'s `maxConcurrency`, its number of environments.
   */
  perEnvironmentMaxConcurrency?: number;
  /**
   * The qemu-user program (a path, or a name on `PATH`) that runs a `bootstrap` built for the
   * other Lambda architecture, or whose `deno` is (see `emulation.ts`). Default:
   * `qemu-<cpu>-static`, then `qemu-<cpu>`, on `PATH`. Unused for a bootstrap of this machine's.
   */
  qemu?: string;
}

/** Options of one invocation. */
export interface InvokeOptions {
  /** The client context (an object, or JSON text). */
  clientContext?: unknown;
  /** The Cognito identity. */
  identity?: { cognitoIdentityId?: string; cognitoIdentityPoolId?: string };
  /** The tenant id (Runtime API only). */
  tenantId?: string;
  /** The X-Ray trace header (a fresh one when absent). */
  traceId?: string;
  /** The request id (a random UUID when absent). */
  requestId?: string;
}

/** Facts about one invocation, success or not. */
export interface InvokeInfo {
  /** The request id. */
  requestId: string;
  /** The function's output during the invocation (and its init, on a cold start), with Lambda's
   * `START`/`END`/`REPORT` lines. */
  logs: string;
  /** Time from delivery to answer (ms). */
  durationMs: number;
  /** Init time when this invocation started a new environment (ms). */
  initDurationMs?: number;
}

/** A successful invocation. */
export interface InvokeSuccess extends InvokeInfo {
  /** Success. */
  ok: true;
  /** The response body. */
  payload: Uint8Array;
  /** Its content type (`application/json` unless the runtime said otherwise). */
  contentType: string;
}

/** A failed invocation. */
export interface InvokeFailure extends InvokeInfo {
  /** Failure. */
  ok: false;
  /** The error (parsed from `payload`). */
  error: LambdaErrorShape;
  /** Why. */
  kind: FailureKind;
  /** The error document exactly as Lambda returns it to the caller. */
  payload: Uint8Array;
}

/** The result of {@linkcode LocalFunction.invoke}. */
export type InvokeOutcome = InvokeSuccess | InvokeFailure;

/** The result of {@linkcode LocalFunction.invokeStream}. */
export interface StreamOutcome {
  /** The response's content type (`application/json` for errors). */
  contentType: string;
  /** The response body as the function writes it; empty when the invocation failed. */
  body: ReadableStream<Uint8Array>;
  /** Resolves when the invocation is over: `error` set when it failed (even mid-stream). */
  done: Promise<{ error?: InvokeFailure; info: InvokeInfo }>;
}

const encoder = new TextEncoder();

function toBytes(event: unknown): Uint8Array {
  if (event instanceof Uint8Array) return event;
  if (event === undefined) return encoder.encode("null");
  return encoder.encode(JSON.stringify(event));
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

type Executed = { error?: InvokeFailure; info: InvokeInfo };

/** A function running locally. See the module docs. */
export class LocalFunction {
  /** The protocol. */
  readonly protocol: Protocol;
  /** The function name. */
  readonly functionName: string;
  /** The timeout (ms). */
  readonly timeoutMs: number;
  /** The init limit (ms). */
  readonly initTimeoutMs: number;
  /** The memory size (MB). */
  readonly memoryMb: number;
  /** The region. */
  readonly region: string;
  /** The ARN invocations carry. */
  readonly functionArn: string;
  /** Number of processes started so far (cold starts). */
  coldStarts = 0;
  /**
   * Set when the function is built for the other Lambda architecture: how it runs here, through
   * qemu-user (its times are then emulated ones).
   */
  readonly emulation: Emulation | undefined;
  /** How many invocations the environment takes at once. */
  readonly perEnvironmentMaxConcurrency: number;

  #command: string[];
  #cwd: string;
  #baseEnv: Record<string, string>;
  #output: OutputOption;
  #emulationEnv: Record<string, string> = {};
  #env: Environment | null = null;
  #slots: (() => void)[] = [];
  #running = 0;
  #idle: Promise<void> = Promise.resolve();
  #settleIdle: () => void = () => {};
  #spawning: Promise<unknown> = Promise.resolve();
  #busy = 0;
  #closed = false;

  private constructor(options: LocalFunctionOptions) {
    const given = [options.entry, options.bootstrap, options.cmd].filter((x) => x !== undefined);
    if (given.length !== 1) {
      throw new TypeError("give exactly one of entry, bootstrap or cmd");
    }
    this.protocol = options.protocol ?? "runtime-api";
    if (this.protocol !== "go1x" && this.protocol !== "runtime-api") {
      throw new TypeError(`unknown protocol ${JSON.stringify(this.protocol)}`);
    }
    this.perEnvironmentMaxConcurrency = Math.floor(options.perEnvironmentMaxConcurrency ?? 1);
    if (!(this.perEnvironmentMaxConcurrency >= 1)) {
      throw new TypeError(
        `perEnvironmentMaxConcurrency must be at least 1, not ${options.perEnvironmentMaxConcurrency}`,
      );
    }
    if (this.perEnvironmentMaxConcurrency > 1 && this.protocol !== "runtime-api") {
      throw new TypeError(
        "a concurrent environment (perEnvironmentMaxConcurrency > 1) needs the Runtime API",
      );
    }
    this.functionName = options.functionName ?? "function";
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.memoryMb = options.memoryMb ?? 128;
    this.region = options.region ?? Deno.env.get("AWS_REGION") ?? "us-east-1";
    this.functionArn = `arn:aws:lambda:${this.region}:012345678912:function:${this.functionName}`;
    this.#output = options.stderr ?? "piped";
    let handler: string;
    if (options.entry !== undefined) {
      this.#command = [Deno.execPath(), "run", "-A", options.entry];
      this.#cwd = options.cwd ?? Deno.cwd();
      handler = baseOf(options.entry);
    } else if (options.bootstrap !== undefined) {
      const path = options.bootstrap.includes("/") ? options.bootstrap : `./${options.bootstrap}`;
      this.#command = [path];
      this.#cwd = options.cwd ?? Deno.cwd();
      handler = baseOf(options.bootstrap);
      this.emulation = emulationFor(absolute(path, this.#cwd), { qemu: options.qemu });
      if (this.emulation) {
        this.#command = this.emulation.command;
        this.#emulationEnv = this.emulation.env;
      }
    } else {
      if (options.cmd!.length === 0) throw new TypeError("cmd is empty");
      this.#command = [...options.cmd!];
      this.#cwd = options.cwd ?? Deno.cwd();
      handler = baseOf(options.cmd![0]);
    }
    // An emulated start takes some 10× longer than a native one (qemu translates the code).
    this.initTimeoutMs = options.initTimeoutMs ??
      (this.emulation ? EMULATED_INIT_TIMEOUT_MS : INIT_TIMEOUT_MS);
    const taskRoot = options.entry ?? options.bootstrap;
    const lambda: Record<string, string> = {
      AWS_LAMBDA_FUNCTION_NAME: this.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${this.functionName}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_EXECUTION_ENV: this.protocol === "go1x"
        ? "AWS_Lambda_go1.x"
        : "AWS_Lambda_provided.al2023",
      _HANDLER: handler,
      LAMBDA_TASK_ROOT: taskRoot !== undefined ? absolute(dirOf(taskRoot), this.#cwd) : this.#cwd,
      TZ: ":UTC",
      LANG: "en_US.UTF-8",
    };
    if (this.perEnvironmentMaxConcurrency > 1) {
      lambda.AWS_LAMBDA_MAX_CONCURRENCY = String(this.perEnvironmentMaxConcurrency);
      lambda.AWS_LAMBDA_LOG_FORMAT = "JSON";
    }
    const host = Deno.env.toObject();
    delete host._LAMBDA_SERVER_PORT;
    delete host.AWS_LAMBDA_RUNTIME_API;
    delete host._X_AMZN_TRACE_ID;
    for (const k of Object.keys(host)) if (k.startsWith("AWS_LAMBDA_")) delete host[k];
    this.#baseEnv = { ...host, ...lambda, ...this.#emulationEnv, ...options.env };
  }

  /**
   * Prepares a local function and (unless `eager: false`) starts its first environment. Init
   * failures are not thrown: the first invocation reports them, as Lambda does.
   */
  static start(options: LocalFunctionOptions): Promise<LocalFunction> {
    try {
      return Promise.resolve(LocalFunction.create(options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** {@linkcode LocalFunction.start}, synchronously. Throws on bad options or a failed spawn. */
  static create(options: LocalFunctionOptions): LocalFunction {
    const fn = new LocalFunction(options);
    if (options.eager !== false) {
      try {
        fn.#spawn();
      } catch {
        // reported by the first invocation, as Lambda reports a missing bootstrap
      }
    }
    return fn;
  }

  /** Whether an invocation is running or waiting. */
  get busy(): boolean {
    return this.#busy > 0;
  }

  /** The pid of the current process, if one is running. */
  get pid(): number | undefined {
    return this.#env?.alive ? this.#env.child.pid : undefined;
  }

  #spawn(): Environment {
    if (this.#closed) throw new Error("the function is closed");
    const env = { ...this.#baseEnv };
    const date = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
    env.AWS_LAMBDA_LOG_STREAM_NAME ??= `${date}/[$LATEST]${randomHex(16)}`;
    this.coldStarts++;
    this.#env = new Environment({
      command: this.#command,
      env,
      cwd: this.#cwd,
      protocol: this.protocol,
      output: this.#output,
      initTimeoutMs: this.initTimeoutMs,
      driver: { functionName: this.functionName, handler: env._HANDLER },
      // Under qemu the process's resident memory is mostly qemu's (its translated code: some
      // 300 MB more than the function's own), so Lambda's limit cannot be told from it.
      memoryLimitMb: this.emulation ? undefined : this.memoryMb,
    });
    return this.#env;
  }

  /** Runs `f` in one of the environment's `perEnvironmentMaxConcurrency` slots, in arrival order. */
  async #withLock<T>(f: () => Promise<T>): Promise<T> {
    this.#busy++;
    if (this.#running >= this.perEnvironmentMaxConcurrency || this.#slots.length > 0) {
      await new Promise<void>((r) => this.#slots.push(r));
    } else this.#running++;
    if (this.#running === 1) this.#idle = new Promise((r) => (this.#settleIdle = r));
    try {
      return await f();
    } finally {
      this.#busy--;
      const next = this.#slots.shift();
      if (next) next(); // the slot passes on
      else if (--this.#running === 0) this.#settleIdle();
    }
  }

  /**
   * Invokes the function with `event` (bytes sent as they are; anything else as JSON) and waits
   * for the whole answer. Never rejects for a function problem: failures are results.
   */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.#closed) return Promise.reject(new Error("the function is closed"));
    return this.#withLock(async () => {
      const chunks: Uint8Array[] = [];
      let contentType = JSON_CONTENT_TYPE;
      const { error, info } = await this.#execute(toBytes(event), options, {
        head: (ct) => (contentType = ct),
        write: (c) => {
          chunks.push(c);
          return Promise.resolve();
        },
      }, MAX_BUFFERED_RESPONSE);
      if (error) return error;
      let n = 0;
      for (const c of chunks) n += c.length;
      const payload = new Uint8Array(n);
      n = 0;
      for (const c of chunks) {
        payload.set(c, n);
        n += c.length;
      }
      return { ok: true, payload, contentType, ...info };
    });
  }

  /**
   * Invokes the function and returns its response as it streams (the Runtime API's
   * `Lambda-Runtime-Function-Response-Mode: streaming`; a buffered response, and every go1.x
   * response, arrives as one chunk). The next invocation waits until this one is `done`.
   */
  invokeStream(event: unknown, options: InvokeOptions = {}): Promise<StreamOutcome> {
    if (this.#closed) return Promise.reject(new Error("the function is closed"));
    return new Promise<StreamOutcome>((resolveHead, rejectHead) => {
      const ts = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 4 });
      const writer = ts.writable.getWriter();
      let headSent = false;
      let consumerGone = false;
      let resolveDone!: (d: { error?: InvokeFailure; info: InvokeInfo }) => void;
      const done = new Promise<{ error?: InvokeFailure; info: InvokeInfo }>((r) => resolveDone = r);
      const sendHead = (contentType: string) => {
        if (headSent) return;
        headSent = true;
        resolveHead({ contentType, body: ts.readable, done });
      };
      this.#withLock(() =>
        this.#execute(toBytes(event), options, {
          head: sendHead,
          write: async (c) => {
            if (consumerGone) return;
            try {
              await writer.write(c);
            } catch {
              consumerGone = true;
            }
          },
        }, MAX_STREAMED_RESPONSE)
      ).then(({ error, info }) => {
        sendHead(JSON_CONTENT_TYPE);
        writer.close().catch(() => {});
        resolveDone({ error, info });
      }, (e) => {
        writer.abort(e).catch(() => {});
        if (!headSent) rejectHead(e);
      });
    });
  }

  /** A live environment; concurrent callers share one start. */
  #ensureReady(): Promise<{ env: Environment } | { spawnError: string }> {
    const ready = this.#spawning.then(() => this.#ensureReadyNow());
    this.#spawning = ready.catch(() => {});
    return ready;
  }

  async #ensureReadyNow(): Promise<{ env: Environment } | { spawnError: string }> {
    let env = this.#env;
    if (!env || !env.alive) {
      if (env) await env.kill();
      try {
        env = this.#spawn();
      } catch (e) {
        this.#env = null;
        return { spawnError: ((e as Error).cause as Error)?.message ?? (e as Error).message };
      }
    }
    return { env };
  }

  /** One invocation: a ready environment (spawned, its init done), then the supervisor's run. */
  async #execute(
    payload: Uint8Array,
    options: InvokeOptions,
    sink: Sink,
    maxResponseBytes: number,
  ): Promise<Executed> {
    const requestId = options.requestId ?? crypto.randomUUID();
    for (let attempt = 0;; attempt++) {
      const executed = await this.#attempt(requestId, payload, options, sink, maxResponseBytes, {
        retryable: attempt === 0,
      });
      if (executed !== "undelivered") return executed;
    }
  }

  /** One attempt at an invocation; `"undelivered"` when the process exited before taking it. */
  async #attempt(
    requestId: string,
    payload: Uint8Array,
    options: InvokeOptions,
    sink: Sink,
    maxResponseBytes: number,
    { retryable }: { retryable: boolean },
  ): Promise<Executed | "undelivered"> {
    const prepared = await this.#ensureReady();
    if ("spawnError" in prepared) {
      const error = invalidEntrypointError(requestId, this.#command[0], prepared.spawnError);
      const info: InvokeInfo = { requestId, logs: "", durationMs: 0 };
      return {
        error: { ok: false, error, kind: "init", payload: errorDocumentBytes(error), ...info },
        info,
      };
    }
    const { env } = prepared;
    const initCause = await env.ready;
    const initDurationMs = env.fresh ? env.initDurationMs : undefined;
    let outcome: Outcome | "undelivered";
    if (initCause !== null) {
      // Lambda: the init failed; the next event starts a new environment.
      outcome = await env.failInit(requestId, initCause);
    } else {
      const identity = options.identity;
      outcome = await env.run(
        {
          request: {
            payload,
            requestId,
            invokedFunctionArn: this.functionArn,
            traceId: options.traceId ?? newTraceId(),
            clientContext: clientContextText(options.clientContext),
            identity: identity && {
              cognitoIdentityId: identity.cognitoIdentityId ?? "",
              cognitoIdentityPoolId: identity.cognitoIdentityPoolId ?? "",
            },
          },
          timeoutMs: this.timeoutMs,
          tenantId: options.tenantId,
          maxResponseBytes,
        },
        sink,
        {
          memoryMb: this.memoryMb,
          initDurationMs,
          retryable,
          concurrent: this.perEnvironmentMaxConcurrency > 1,
        },
      );
      if (outcome === "undelivered") return outcome;
    }
    const info: InvokeInfo = {
      requestId,
      logs: await env.takeLog(),
      durationMs: outcome.durationMs,
      initDurationMs,
    };
    if (outcome.ok) return { info };
    const { kind, error, payload: doc } = outcome;
    return { error: { ok: false, error, kind, payload: doc, ...info }, info };
  }

  /**
   * Stops the function (SIGTERM first when the runtime registered for it, then SIGKILL after
   * Lambda's grace period of 500 ms, as Lambda does). Resolves with what happened, or `undefined`
   * when no environment was running.
   */
  async close(): Promise<ShutdownReport | undefined> {
    if (this.#closed) return undefined;
    this.#closed = true;
    await this.#idle;
    const report = await this.#env?.shutdown();
    this.#env = null;
    return report;
  }
}

function clientContextText(cc: unknown): string | undefined {
  if (cc === undefined || cc === null) return undefined;
  if (typeof cc === "string") return cc;
  return JSON.stringify(cc);
}

function absolute(path: string, cwd: string): string {
  if (path.startsWith("/")) return path;
  const base = cwd.endsWith("/") ? cwd : cwd + "/";
  return new URL(path, `file://${base}`).pathname.replace(/\/$/, "") || "/";
}
