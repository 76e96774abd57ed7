/**
 * gopherless's local Lambda emulator: run a function (a TypeScript module, a compiled
 * `bootstrap`, a Go binary, any command) as Lambda runs it, through either protocol Lambda has
 * for native binaries — the Runtime API (`provided.al2023`) or go1.x (net/rpc with gob) — with
 * Lambda's deadlines, crash and init-failure semantics, warm reuse and environment.
 *
 * - {@linkcode LocalFunction}: one function, invoked programmatically (`invoke`, `invokeStream`).
 * - {@linkcode FunctionPool}: several warm environments for concurrent invocations.
 * - {@linkcode serveInvokeApi}: Lambda's Invoke API on 127.0.0.1 in front of a pool.
 * - {@linkcode RuntimeApiPlatform}: the platform side of the Runtime API, on its own.
 * - `cli.ts`: the `invoke`, `serve` and `demo` commands.
 *
 * @example
 * ```ts
 * import { LocalFunction } from "./mod.ts";
 *
 * const fn = await LocalFunction.start({ entry: "examples/hello.ts", protocol: "go1x" });
 * const r = await fn.invoke({ name: "Ada" });
 * console.log(r.ok ? new TextDecoder().decode(r.payload) : r.error);
 * await fn.close();
 * ```
 *
 * @module
 */

export {
  EMULATED_INIT_TIMEOUT_MS,
  type Emulation,
  exitError,
  exitReason,
  type FailureKind,
  INIT_TIMEOUT_MS,
  type InvokeFailure,
  type InvokeInfo,
  type InvokeOptions,
  type InvokeOutcome,
  type InvokeSuccess,
  type LambdaErrorShape,
  type LambdaStackFrame,
  LocalFunction,
  type LocalFunctionOptions,
  type OutputOption,
  parseErrorBody,
  type Protocol,
  type ShutdownReport,
  type StreamOutcome,
  timeoutError,
  timeoutText,
} from "./function.ts";
export { FunctionPool, type PoolOptions } from "./pool.ts";
export { invokeApiHandler, serveInvokeApi, type ServeOptions } from "./invoke_api.ts";
export {
  Invocation,
  type InvocationInput,
  MAX_BUFFERED_RESPONSE,
  MAX_STREAMED_RESPONSE,
  newTraceId,
  type PlatformOptions,
  type PostedError,
  type ResponseEnd,
  RUNTIME_HEADERS,
  type RuntimeAnswer,
  RuntimeApiPlatform,
  validateErrorType,
} from "./runtime_api_platform.ts";
export { Go1xHost, type Go1xInvoke, type Go1xReply } from "./go1x_host.ts";
export type { HttpLimits } from "../ground/http1.ts";
export type { Cpu, QemuUser } from "../ground/qemu.ts";
