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
 *
 * @module
 */

import { listen } from "../ground/transport.ts";
import type { LambdaErrorShape, LambdaStackFrame } from "../runtime/types.ts";
export type { LambdaErrorShape, LambdaStackFrame };
import type { Go1xHost } from "./go1x_host.ts";
import {
  MAX_BUFFERED_RESPONSE,
  MAX_STREAMED_RESPONSE,
  newTraceId,
  type PostedError,
  type RuntimeAnswer,
  RuntimeApiPlatform,
} from "./platform.ts";

/** The protocol a function is driven through. */
export type Protocol = "go1x" | "runtime-api";

/** Where the function's own output (stdout and stderr) goes, besides each result's `logs`. */
export type OutputOption =
  | "inherit"
  | "piped"
  | ((chunk: Uint8Array, stream: "stdout" | "stderr") => void);

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
  /** The init phase limit (default 10000 ms, Lambda's). */
  initTimeoutMs?: number;
  /** The memory size reported to the function (default 128). Not enforced. */
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

/**
 * Why an invocation failed: the function reported an error (`function`), the deadline passed
 * (`timeout`), the process died mid-invocation (`exit`), or the init phase failed (`init`).
 */
export type FailureKind = "function" | "timeout" | "exit" | "init";

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
const decoder = new TextDecoder();
const LOG_LIMIT = 1024 * 1024;

/** `Task timed out after 3.00 seconds`. */
export function timeoutText(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

/** The error document Lambda returns for a timeout. */
export function timeoutError(requestId: string, timeoutMs: number): LambdaErrorShape {
  return {
    errorType: "Sandbox.Timedout",
    errorMessage: `RequestId: ${requestId} Error: ${timeoutText(timeoutMs)}`,
  };
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

/** The error document Lambda returns when the runtime process exits. */
export function exitError(requestId: string, status: Deno.CommandStatus): LambdaErrorShape {
  const why = !status.signal && status.code === 0
    ? "Runtime exited without providing a reason"
    : `Runtime exited with error: ${exitReason(status)}`;
  return { errorType: "Runtime.ExitError", errorMessage: `RequestId: ${requestId} Error: ${why}` };
}

/** Parses an error document a runtime posted; falls back to `fallbackType` and the raw text. */
export function parseErrorBody(body: Uint8Array, fallbackType: string): LambdaErrorShape {
  const text = decoder.decode(body);
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const out: LambdaErrorShape = {
        errorMessage: typeof v.errorMessage === "string" ? v.errorMessage : "",
        errorType: typeof v.errorType === "string" ? v.errorType : fallbackType,
      };
      if (Array.isArray(v.stackTrace) && v.stackTrace.length > 0) out.stackTrace = v.stackTrace;
      return out;
    }
  } catch {
    // not JSON: report the text
  }
  return { errorMessage: text, errorType: fallbackType };
}

function errorDocument(e: LambdaErrorShape): Uint8Array {
  const o: LambdaErrorShape = { errorType: e.errorType, errorMessage: e.errorMessage };
  if (e.stackTrace && e.stackTrace.length > 0) o.stackTrace = e.stackTrace;
  return encoder.encode(JSON.stringify(o));
}

function goErrorDocument(e: LambdaErrorShape): Uint8Array {
  const o: LambdaErrorShape = { errorMessage: e.errorMessage, errorType: e.errorType };
  if (e.stackTrace && e.stackTrace.length > 0) o.stackTrace = e.stackTrace;
  return encoder.encode(JSON.stringify(o));
}

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

function hex(n: number): string {
  const b = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function writeStderr(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
}

function iso(ms = Date.now()): string {
  return new Date(ms).toISOString();
}

function freePort(): number {
  const l = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Max resident memory of a process so far, MB (Linux `/proc`), or undefined. */
function maxMemoryMb(pid: number): number | undefined {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = /VmHWM:\s+(\d+) kB/.exec(s);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

type Ready =
  | { ok: true }
  | { ok: false; error: LambdaErrorShape; payload: Uint8Array; label: string };

/** One execution environment: a process and its protocol endpoint. */
class Environment {
  readonly child: Deno.ChildProcess;
  readonly status: Promise<Deno.CommandStatus>;
  exitStatus: Deno.CommandStatus | null = null;
  readonly platform: RuntimeApiPlatform | null;
  go1x: Go1xHost | null = null;
  readonly ready: Promise<Ready>;
  readonly startedAt = performance.now();
  initDurationMs = 0;
  fresh = true;
  #log: string[] = [];
  #logBytes = 0;
  #pumps: Promise<void>[] = [];
  #initAbort = new AbortController();

  constructor(
    readonly fn: LocalFunction,
    readonly command: string[],
    readonly env: Record<string, string>,
    readonly cwd: string,
    readonly protocol: Protocol,
    output: OutputOption,
  ) {
    let port = 0;
    if (protocol === "runtime-api") {
      this.platform = RuntimeApiPlatform.start({
        functionName: fn.functionName,
        handler: env._HANDLER,
      });
      env.AWS_LAMBDA_RUNTIME_API = this.platform.address;
      delete env._LAMBDA_SERVER_PORT;
    } else {
      this.platform = null;
      port = freePort();
      env._LAMBDA_SERVER_PORT = String(port);
      delete env.AWS_LAMBDA_RUNTIME_API;
    }
    try {
      this.child = new Deno.Command(command[0], {
        args: command.slice(1),
        env,
        clearEnv: true,
        cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      this.platform?.close();
      throw new Error(`cannot start ${command[0]}: ${(e as Error).message}`, { cause: e });
    }
    this.#pumps.push(this.#pump(this.child.stdout, "stdout", output));
    this.#pumps.push(this.#pump(this.child.stderr, "stderr", output));
    this.status = this.child.status.then((s) => {
      this.exitStatus = s;
      this.#initAbort.abort(new Error("exited"));
      return s;
    });
    this.ready = this.#init(port).then((r) => {
      this.initDurationMs = performance.now() - this.startedAt;
      return r;
    });
  }

  get alive(): boolean {
    return this.exitStatus === null;
  }

  async #pump(
    stream: ReadableStream<Uint8Array>,
    name: "stdout" | "stderr",
    output: OutputOption,
  ): Promise<void> {
    const dec = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#append(dec.decode(chunk, { stream: true }));
        if (output === "inherit") {
          try {
            writeStderr(chunk);
          } catch { /* stderr closed */ }
        } else if (typeof output === "function") {
          try {
            output(chunk, name);
          } catch { /* the callback's problem */ }
        }
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
  platformLine(line: string, output: OutputOption): void {
    this.#append(line + "\n");
    const bytes = encoder.encode(line + "\n");
    if (output === "inherit") {
      try {
        writeStderr(bytes);
      } catch { /* stderr closed */ }
    } else if (typeof output === "function") {
      try {
        output(bytes, "stderr");
      } catch { /* the callback's problem */ }
    }
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

  async #init(port: number): Promise<Ready> {
    const limit = this.fn.initTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), limit);
    });
    const exited = this.status.then((s) => ({ exited: s }));
    try {
      let readyP: Promise<Ready>;
      if (this.platform) {
        const platform = this.platform;
        readyP = Promise.race([
          platform.ready.then((): Ready => ({ ok: true })),
          platform.initError.then((e): Ready => ({
            ok: false,
            error: parseErrorBody(e.body, e.errorType),
            payload: e.body,
            label: e.errorType,
          })),
        ]);
      } else {
        const { Go1xHost } = await import("./go1x_host.ts");
        readyP = Go1xHost.connect(port, this.#initAbort.signal).then((host): Ready => {
          this.go1x = host;
          return { ok: true };
        });
        readyP.catch(() => {});
      }
      const r = await Promise.race([readyP, timedOut, exited]);
      if (r === "timeout") {
        this.#initAbort.abort(new Error("init timed out"));
        await this.kill();
        const error = timeoutError("", limit);
        error.errorMessage = `Error: ${timeoutText(limit)}`;
        return { ok: false, error, payload: errorDocument(error), label: "Sandbox.Timedout" };
      }
      if ("exited" in r) {
        // An init error posted just before exiting wins over the exit.
        if (this.platform) {
          const posted = await Promise.race([this.platform.initError, delay(20)]);
          if (posted) {
            const p = posted as PostedError;
            return {
              ok: false,
              error: parseErrorBody(p.body, p.errorType),
              payload: p.body,
              label: p.errorType,
            };
          }
        }
        const error = exitError("", r.exited);
        error.errorMessage = error.errorMessage.replace(/^RequestId: {2}/, "");
        return { ok: false, error, payload: errorDocument(error), label: "Runtime.ExitError" };
      }
      return r;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process (SIGKILL) and waits for it; closes the endpoints. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    this.#initAbort.abort(new Error("killed"));
    if (this.alive) {
      try {
        this.child.kill(signal);
      } catch { /* already gone */ }
    }
    await this.status;
    await Promise.all(this.#pumps);
    await this.go1x?.close();
    await this.platform?.close();
  }

  /** Stops the process as Lambda does at shutdown: SIGTERM first if an extension asked for it. */
  async shutdown(): Promise<void> {
    if (this.alive && this.platform?.extensionRegistered) {
      try {
        this.child.kill("SIGTERM");
      } catch { /* gone */ }
      await Promise.race([this.status, delay(500)]);
    }
    await this.kill();
  }
}

type Executed = { error?: InvokeFailure; info: InvokeInfo };

interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  head(contentType: string): void;
}

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

  #command: string[];
  #cwd: string;
  #baseEnv: Record<string, string>;
  #output: OutputOption;
  #env: Environment | null = null;
  #lock: Promise<void> = Promise.resolve();
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
    this.functionName = options.functionName ?? "function";
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.initTimeoutMs = options.initTimeoutMs ?? 10_000;
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
    } else {
      if (options.cmd!.length === 0) throw new TypeError("cmd is empty");
      this.#command = [...options.cmd!];
      this.#cwd = options.cwd ?? Deno.cwd();
      handler = baseOf(options.cmd![0]);
    }
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
    const host = Deno.env.toObject();
    delete host._LAMBDA_SERVER_PORT;
    delete host.AWS_LAMBDA_RUNTIME_API;
    delete host._X_AMZN_TRACE_ID;
    for (const k of Object.keys(host)) if (k.startsWith("AWS_LAMBDA_")) delete host[k];
    this.#baseEnv = { ...host, ...lambda, ...options.env };
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
    env.AWS_LAMBDA_LOG_STREAM_NAME ??= `${date}/[$LATEST]${hex(16)}`;
    this.coldStarts++;
    this.#env = new Environment(this, this.#command, env, this.#cwd, this.protocol, this.#output);
    return this.#env;
  }

  async #withLock<T>(f: () => Promise<T>): Promise<T> {
    this.#busy++;
    const prev = this.#lock;
    let release!: () => void;
    this.#lock = new Promise((r) => (release = r));
    try {
      await prev;
      return await f();
    } finally {
      this.#busy--;
      release();
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
      let contentType = "application/json";
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
        sendHead("application/json");
        writer.close().catch(() => {});
        resolveDone({ error, info });
      }, (e) => {
        writer.abort(e).catch(() => {});
        if (!headSent) rejectHead(e);
      });
    });
  }

  async #ensureReady(): Promise<
    { env: Environment; ready: Ready; initDurationMs?: number } | { spawnError: string }
  > {
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
    const ready = await env.ready;
    const initDurationMs = env.fresh ? env.initDurationMs : undefined;
    return { env, ready, initDurationMs };
  }

  async #execute(
    payload: Uint8Array,
    options: InvokeOptions,
    sink: Sink,
    maxResponseBytes: number,
  ): Promise<Executed> {
    const requestId = options.requestId ?? crypto.randomUUID();
    const prepared = await this.#ensureReady();
    if ("spawnError" in prepared) {
      // Lambda: `Runtime.InvalidEntrypoint`, quoting Go's exec error.
      const error: LambdaErrorShape = {
        errorType: "Runtime.InvalidEntrypoint",
        errorMessage: `RequestId: ${requestId} Error: fork/exec ${this.#command[0]}: ${
          prepared.spawnError.replace(/ \(os error \d+\)$/, "").replace(
            /^No such file or directory$/,
            "no such file or directory",
          )
        }`,
      };
      const info: InvokeInfo = { requestId, logs: "", durationMs: 0 };
      return {
        error: { ok: false, error, kind: "init", payload: errorDocument(error), ...info },
        info,
      };
    }
    const { env, ready, initDurationMs } = prepared;
    const out = this.#output;
    const fail = async (
      kind: FailureKind,
      error: LambdaErrorShape,
      doc: Uint8Array,
      durationMs: number,
    ): Promise<Executed> => {
      const logs = await env.takeLog();
      const info: InvokeInfo = { requestId, logs, durationMs, initDurationMs };
      return { error: { ok: false, error, kind, payload: doc, ...info }, info };
    };
    if (!ready.ok) {
      // Lambda: the init failed; the next event starts a new environment.
      await env.kill();
      env.platformLine(
        `INIT_REPORT Init Duration: ${env.initDurationMs.toFixed(2)} ms\tPhase: init\t` +
          `Status: error\tError Type: ${ready.error.errorType}`,
        out,
      );
      const error = { ...ready.error };
      let doc = ready.payload;
      if (ready.label === "Runtime.ExitError" || ready.label === "Sandbox.Timedout") {
        error.errorMessage = `RequestId: ${requestId} ${error.errorMessage}`;
        doc = errorDocument(error);
      }
      return await fail("init", error, doc, 0);
    }
    env.fresh = false;

    env.platformLine(`START RequestId: ${requestId} Version: $LATEST`, out);
    const t0 = performance.now();
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    let fire!: () => void;
    const timeout = new Promise<"timeout">((r) => (fire = () => r("timeout")));
    const arm = (deadline: number) => {
      deadlineTimer = setTimeout(fire, Math.max(0, deadline - Date.now()));
    };
    const exited = env.status.then((s) => ({ exited: s }));

    const finishLines = (status?: string): number => {
      const dur = performance.now() - t0;
      env.platformLine(`END RequestId: ${requestId}`, out);
      const mem = maxMemoryMb(env.child.pid);
      let report = `REPORT RequestId: ${requestId}\tDuration: ${dur.toFixed(2)} ms\t` +
        `Billed Duration: ${Math.max(1, Math.ceil(dur))} ms\tMemory Size: ${this.memoryMb} MB`;
      if (mem !== undefined) report += `\tMax Memory Used: ${mem} MB`;
      if (initDurationMs !== undefined) {
        report += `\tInit Duration: ${initDurationMs.toFixed(2)} ms`;
      }
      if (status) report += `\tStatus: ${status}`;
      env.platformLine(report, out);
      return dur;
    };
    const succeed = async (dur: number): Promise<Executed> => ({
      info: { requestId, logs: await env.takeLog(), durationMs: dur, initDurationMs },
    });
    const onTimeout = async (): Promise<Executed> => {
      await env.kill();
      env.platformLine(`${iso()} ${requestId} ${timeoutText(this.timeoutMs)}`, out);
      const dur = finishLines("timeout");
      const error = timeoutError(requestId, this.timeoutMs);
      return await fail("timeout", error, errorDocument(error), dur);
    };
    const onExit = async (status: Deno.CommandStatus): Promise<Executed> => {
      await env.kill();
      const error = exitError(requestId, status);
      env.platformLine(`${error.errorMessage}\n${error.errorType}`, out);
      const dur = finishLines("error");
      return await fail("exit", error, errorDocument(error), dur);
    };

    const go1x = async (host: Go1xHost): Promise<Executed> => {
      const deadlineMs = Date.now() + this.timeoutMs;
      arm(deadlineMs);
      const ctl = new AbortController();
      const call = host.invoke({
        payload,
        requestId,
        traceId: options.traceId ?? newTraceId(),
        deadlineMs,
        functionArn: this.functionArn,
        cognitoIdentityId: options.identity?.cognitoIdentityId,
        cognitoIdentityPoolId: options.identity?.cognitoIdentityPoolId,
        clientContext: clientContextText(options.clientContext),
      }, ctl.signal).then((reply) => ({ reply }), (e: unknown) => ({ broken: e }));
      const r = await Promise.race([call, timeout, exited]);
      if (r === "timeout") {
        ctl.abort();
        return await onTimeout();
      }
      if ("exited" in r) return await onExit(r.exited);
      if ("broken" in r) {
        // The connection broke: the process is dying, or must be replaced.
        const s = await Promise.race([env.status, delay(1000).then(() => null)]);
        await env.kill();
        return await onExit(s ?? await env.status);
      }
      const reply = r.reply;
      if (reply.ok) {
        sink.head("application/json");
        await sink.write(reply.payload);
        return await succeed(finishLines());
      }
      const dur = finishLines();
      // A recovered Go panic (ShouldExit): the environment is replaced.
      if (reply.shouldExit) await env.kill();
      return await fail("function", reply.error, goErrorDocument(reply.error), dur);
    };

    const answered = async (answer: RuntimeAnswer): Promise<Executed> => {
      if (answer.kind === "error") {
        const dur = finishLines();
        const e = answer.error;
        return await fail("function", parseErrorBody(e.body, e.errorType), e.body, dur);
      }
      sink.head(answer.contentType);
      const reader = answer.body.getReader();
      const pump = (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return "end" as const;
          await sink.write(value);
        }
      })().catch(() => "end" as const);
      const r = await Promise.race([pump, timeout, exited]);
      if (r === "timeout") {
        reader.cancel().catch(() => {});
        return await onTimeout();
      }
      if (r !== "end") {
        const late = await Promise.race([pump, delay(20)]);
        if (late !== "end") return await onExit(r.exited);
      }
      const end = await answer.done;
      const dur = finishLines();
      if (end.error) {
        const e = end.error;
        return await fail("function", parseErrorBody(e.body, e.errorType), e.body, dur);
      }
      return await succeed(dur);
    };

    try {
      if (this.protocol === "go1x") return await go1x(env.go1x!);
      const inv = env.platform!.enqueue({
        requestId,
        payload,
        timeoutMs: this.timeoutMs,
        functionArn: this.functionArn,
        traceId: options.traceId,
        clientContext: clientContextText(options.clientContext),
        cognitoIdentity: options.identity
          ? JSON.stringify({
            cognitoIdentityId: options.identity.cognitoIdentityId ?? "",
            cognitoIdentityPoolId: options.identity.cognitoIdentityPoolId ?? "",
          })
          : undefined,
        tenantId: options.tenantId,
        maxResponseBytes,
      });
      inv.delivered.then(arm);
      const r = await Promise.race([inv.answer, timeout, exited]);
      if (r === "timeout") return await onTimeout();
      if ("exited" in r) {
        // An answer that arrived together with the exit wins.
        const late = await Promise.race([inv.answer, delay(20).then(() => null)]);
        return late ? await answered(late) : await onExit(r.exited);
      }
      return await answered(r);
    } finally {
      clearTimeout(deadlineTimer);
    }
  }

  /** Stops the function (SIGTERM first when the runtime registered for it, as Lambda does). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lock.catch(() => {});
    await this.#env?.shutdown();
    this.#env = null;
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
