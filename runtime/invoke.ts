/**
 * The protocol-independent core of an invocation: payload bytes and metadata in, JSON result bytes
 * or a Lambda error shape out. Both transports (the Runtime API loop and the go1.x net/rpc server)
 * call exactly this, so handlers behave the same under either.
 *
 * What happens, in order (Go's `handleInvoke` / `Function.Invoke`):
 * 1. The client context and Cognito identity are decoded; on failure the handler is not called
 *    and the invoke fails (type `SyntaxError` for malformed JSON, as Go reports it).
 * 2. `_X_AMZN_TRACE_ID` is set to the invoke's trace id (removed when it has none), unless the
 *    invoker was created with `setTraceEnv: false` (the Runtime API with concurrency > 1).
 * 3. The payload is parsed as JSON (an empty payload gives `undefined`); a malformed one fails
 *    the invoke with a `SyntaxError` naming the problem, without calling the handler.
 * 4. The handler runs with a fresh {@linkcode InvokeContext} whose signal aborts at the deadline.
 *    An expired deadline does not stop the handler from running (as in Go); Lambda itself kills
 *    the process when the time is up.
 * 5. The result is encoded: `undefined` → `null`; a `Uint8Array` or `ArrayBuffer` is sent raw as
 *    `application/octet-stream` (Go's `io.Reader` results); anything else with `JSON.stringify`,
 *    no HTML escaping and no trailing newline (as Go encodes results). A result `JSON.stringify`
 *    rejects (a `BigInt`, a cycle) fails the invoke with that `TypeError`.
 * 6. A throw, a rejection, or an error passed to the callback fails the invoke with
 *    {@linkcode toErrorShape}. The invoker itself never throws or rejects.
 * 7. A {@linkcode StreamingResponse} result (see `streaming.ts`) is awaited up to its first chunk:
 *    an error before it fails the invoke as in 6; otherwise, with the `streaming` option, the
 *    result carries the body as a `stream` for the transport to send as it comes, and the
 *    invocation (context signal, in-flight set) ends when that stream does. Without the option
 *    (the go1.x protocol) the body is collected and sent whole, and a warning is logged once.
 *
 * @module
 */

import {
  InvokeContext,
  type InvokeMetadata,
  type InvokeMetadataError,
  parseClientContext,
  parseCognitoIdentity,
} from "./context.ts";
import { concat } from "../ground/bytes.ts";
import { JSON_CONTENT_TYPE } from "../protocol/runtime_api.ts";
import { runtimeError, toErrorShape } from "./errors.ts";
import { invocationScope, runInScope } from "./invoke_store.ts";
import { activeLogger } from "./logging.ts";
import {
  canWaitForEmptyEventLoop,
  type EmptyLoopWait,
  waitForEmptyEventLoop,
} from "./event_loop.ts";
import { isStreamingResponse, type StreamingResponse } from "./streaming.ts";
import type { InvokeRequest, InvokeResult } from "../protocol/invocation.ts";
import type { InvocationTracer } from "./telemetry.ts";
import type { LambdaCallback, LambdaErrorShape, LambdaHandler } from "./types.ts";

// The invocation's two sides are a protocol contract (both protocols and the emulator convert to
// and from them): defined in protocol/, re-exported here where the invoker is.
export type { InvokeRequest, InvokeResult } from "../protocol/invocation.ts";

/** Options for {@linkcode createInvoker}. */
export interface InvokerOptions {
  /** Set `_X_AMZN_TRACE_ID` for each invoke (default `true`). */
  setTraceEnv?: boolean;
  /**
   * Prefix metadata decoding errors the way the Runtime API client of Go does
   * (`failed to unmarshal client context json: …`). The go1.x protocol reports them bare.
   */
  prefixMetadataErrors?: boolean;
  /**
   * The transport can stream (the Runtime API): a {@linkcode StreamingResponse} result gives an
   * {@linkcode InvokeResult} with `stream` set. Default `false`: streamed bodies are collected
   * and sent whole, with a warning (the go1.x protocol).
   */
  streaming?: boolean;
  /**
   * Node's `callbackWaitsForEmptyEventLoop` applies (default `true`): a callback handler's answer
   * waits for the empty event loop. `false` where invocations overlap in one loop (concurrency
   * above 1), which has no empty loop to wait for.
   */
  emptyEventLoop?: boolean;
  /** Runs each invocation inside its OpenTelemetry span (`telemetry.ts`; OTEL_DENO=true). */
  tracer?: InvocationTracer;
  /**
   * Keep the last event parsed reachable until the next one replaces it (default `false`; set
   * where invocations overlap, concurrency above 1). Events of one function mostly share their
   * shapes, and V8's optimized code depends on the field types of those shapes' hidden classes.
   * Once no event is reachable, a full garbage collection frees the classes; the next event's
   * get new ones, the dependent code is thrown away ("dependent field type changed") and compiled
   * again. Under a steady CPU-bound load V8 started a full collection after nearly every
   * scavenge, every ~100 invokes, so this loop of recompiles went on for good: on the CPU-bound
   * function of
   * `benchmarks/managed_instances.ts`, keeping one event alive halved the optimizing compiles and
   * cut the CPU per invoke by 5% on one core and 15% on two (two isolates compile twice;
   * BENCHMARKS.md). A sequential function needs none of it: with one event in flight V8 promotes
   * almost nothing and runs no full collection.
   * It costs one event's objects per isolate.
   */
  retainLastEvent?: boolean;
}

/** Runs invocations of one handler; see the module docs. */
export interface Invoker {
  /** Runs one invocation. Never rejects. */
  invoke(req: InvokeRequest): Promise<InvokeResult>;
  /** The invocations currently running. */
  readonly inFlight: ReadonlySet<InvokeRequest>;
  /**
   * Sends what the invocations' telemetry recorded (`InvocationTracer.flush`), and resolves
   * when it was acknowledged or dropped; at once without OpenTelemetry. Never rejects. The
   * transports call it before Lambda may freeze the environment: the Runtime API after posting
   * the response and before asking for the next event, the go1.x protocol before replying.
   */
  flush(): Promise<void>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const JSON_TYPE = JSON_CONTENT_TYPE;
const BYTES_TYPE = "application/octet-stream";

function failed(error: LambdaErrorShape): InvokeResult {
  return { ok: false, error };
}

function setTraceEnv(traceId: string | undefined): void {
  try {
    if (traceId) Deno.env.set("_X_AMZN_TRACE_ID", traceId);
    else Deno.env.delete("_X_AMZN_TRACE_ID");
  } catch {
    // env access not permitted: nothing to do
  }
}

function metadataOf(req: InvokeRequest, prefix: boolean): InvokeMetadata | LambdaErrorShape {
  const meta: InvokeMetadata = {
    requestId: req.requestId,
    deadlineMs: req.deadlineMs,
    invokedFunctionArn: req.invokedFunctionArn,
  };
  if (req.traceId) meta.traceId = req.traceId;
  if (req.tenantId) meta.tenantId = req.tenantId;
  if (req.identity && (req.identity.cognitoIdentityId || req.identity.cognitoIdentityPoolId)) {
    meta.identity = req.identity;
  }
  const cc = req.clientContext;
  const steps: [string, () => void][] = [
    ["failed to unmarshal client context json: ", () => {
      if (cc !== undefined && cc.length > 0) {
        meta.clientContext = parseClientContext(typeof cc === "string" ? cc : decoder.decode(cc));
      }
    }],
    ["failed to unmarshal cognito identity json: ", () => {
      if (req.cognitoIdentityJSON) meta.identity = parseCognitoIdentity(req.cognitoIdentityJSON);
    }],
  ];
  for (const [what, step] of steps) {
    try {
      step();
    } catch (e) {
      const err = e as InvokeMetadataError;
      return runtimeError(err.errorType, (prefix ? what : "") + err.message);
    }
  }
  return meta;
}

/** Encodes a handler's result (see the module docs, step 5). */
export function encodeResult(value: unknown): InvokeResult {
  if (value instanceof Uint8Array) return { ok: true, payload: value, contentType: BYTES_TYPE };
  if (value instanceof ArrayBuffer) {
    return { ok: true, payload: new Uint8Array(value), contentType: BYTES_TYPE };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    // The failure is the runtime's (JSON.stringify on its side): no frame is the user's.
    const cause = toErrorShape(e);
    const shape = runtimeError(
      cause.errorType,
      `the handler's result cannot be encoded as JSON: ${cause.errorMessage}`,
    );
    shape.trace = [`${shape.errorType}: ${shape.errorMessage}`];
    return failed(shape);
  }
  return { ok: true, payload: encoder.encode(json ?? "null"), contentType: JSON_TYPE };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null &&
    typeof (v as { then?: unknown }).then === "function";
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Calls the handler and settles with its outcome, as Lambda's Node.js runtime does
 * (`CallbackContext.js`, `Runtime.js`): the first of the callback, `context.done`, `succeed` or
 * `fail` wins; an error is answered at once; `context.done/succeed/fail` answer at once; the
 * callback's success waits for the empty event loop while `context.callbackWaitsForEmptyEventLoop`
 * is `true` (read when the callback is called); a Node-style handler that returns without calling
 * anything is answered with `null` once the loop is empty. A promise settles at once, whatever the
 * flag. `waits` is false where the loop is shared by overlapping invocations.
 */
function runHandler<E, R>(
  handler: LambdaHandler<E, R>,
  event: E,
  ctx: InvokeContext,
  waits: boolean,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    let called = false;
    let wait: EmptyLoopWait | undefined;
    let onEmpty: Outcome = { ok: true, value: undefined };
    const settle = (o: Outcome) => {
      if (settled) return;
      settled = true;
      wait?.cancel();
      resolve(o);
    };
    const untilEmpty = (o: Outcome) => {
      onEmpty = o;
      if (wait) return;
      wait = waitForEmptyEventLoop();
      wait.promise.then(() => settle(onEmpty));
    };
    const outcome = (error: unknown, result: unknown): Outcome =>
      error !== undefined && error !== null ? { ok: false, error } : { ok: true, value: result };
    const immediate: LambdaCallback<unknown> = (error, result) => {
      if (called) return;
      called = true;
      settle(outcome(error, result));
    };
    const callback: LambdaCallback<unknown> = (error, result) => {
      if (called) return;
      called = true;
      const o = outcome(error, result);
      if (o.ok && waits && ctx.callbackWaitsForEmptyEventLoop) untilEmpty(o);
      else settle(o);
    };
    ctx.bindCallback(immediate);
    // The callbacks above live until the outcome and share this closure's context: the event
    // leaves it before the handler runs, and stays the handler's to keep or let go.
    const input = event;
    event = undefined as E;
    let ret: unknown;
    try {
      ret = handler(input, ctx, callback as LambdaCallback<R>);
    } catch (error) {
      called = true;
      settle({ ok: false, error });
      return;
    }
    if (isThenable(ret)) {
      ret.then((value) => settle({ ok: true, value }), (error) => settle({ ok: false, error }));
    } else if (ret !== undefined || handler.length < 3) {
      // A sync result; or a handler that takes no callback and returned nothing.
      settle({ ok: true, value: ret });
    } else if (waits && !called) {
      // A Node-style handler: the callback (or context.done/succeed/fail) settles; if nothing
      // does by the time the loop is empty, the answer is null (Node's default exit listener).
      untilEmpty({ ok: true, value: undefined });
    }
  });
}

let warnedBuffering = false;

/**
 * Settles a streamed result (module docs, step 7). `done` ends the invocation; it is called
 * exactly once, when the body has been consumed, failed or been cancelled.
 */
async function streamedResult(
  res: StreamingResponse,
  streaming: boolean,
  done: () => void,
  requestId: string,
): Promise<InvokeResult> {
  const reader = res.body.getReader();
  if (!streaming) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      while (true) {
        const r = await reader.read();
        if (r.done) break;
        chunks.push(r.value);
        total += r.value.length;
      }
      if (!warnedBuffering) {
        warnedBuffering = true;
        activeLogger().logEvent(
          "WARN",
          "this protocol (go1.x) cannot stream responses: the streamed response was buffered " +
            "and sent whole (warned once)",
          undefined,
          requestId,
        );
      }
      const body = concat(chunks, total);
      const contentType = res.contentType;
      if (res.buffered) return encodeResult(await res.buffered(body, contentType));
      return { ok: true, payload: body, contentType };
    } catch (e) {
      return failed(toErrorShape(e));
    } finally {
      done();
    }
  }

  let first: ReadableStreamReadResult<Uint8Array>;
  let contentType: string;
  try {
    first = await reader.read();
    contentType = res.contentType;
  } catch (e) {
    done();
    return failed(toErrorShape(e));
  }
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      if (first.done) {
        c.close();
        finish();
      } else c.enqueue(first.value);
    },
    async pull(c) {
      try {
        const r = await reader.read();
        if (r.done) {
          c.close();
          finish();
        } else c.enqueue(r.value);
      } catch (e) {
        c.error(e);
        finish();
      }
    },
    async cancel(reason) {
      try {
        await reader.cancel(reason);
      } finally {
        finish();
      }
    },
  }, { highWaterMark: 0 });
  return { ok: true, payload: new Uint8Array(0), contentType, stream };
}

/** Creates the invoker for `handler`; see the module docs for what one invocation does. */
export function createInvoker<E = unknown, R = unknown>(
  handler: LambdaHandler<E, R>,
  options: InvokerOptions = {},
): Invoker {
  const setTrace = options.setTraceEnv ?? true;
  const prefix = options.prefixMetadataErrors ?? false;
  const streaming = options.streaming ?? false;
  const waits = (options.emptyEventLoop ?? true) && canWaitForEmptyEventLoop();
  const tracer = options.tracer;
  const inFlight = new Set<InvokeRequest>();
  const retain = options.retainLastEvent ?? false;
  /** Holds the last event parsed, with `retainLastEvent`. */
  const kept: { event?: unknown } = {};

  async function invoke(req: InvokeRequest): Promise<InvokeResult> {
    const meta = metadataOf(req, prefix);
    if ("errorType" in meta) return failed(meta);
    if (setTrace) setTraceEnv(req.traceId);

    let event: unknown = undefined;
    if (req.payload.length > 0) {
      try {
        event = JSON.parse(decoder.decode(req.payload));
        if (retain) kept.event = event;
      } catch (e) {
        return failed(
          runtimeError("SyntaxError", `the event is not valid JSON: ${(e as Error).message}`),
        );
      }
    }

    const ctx = new InvokeContext(meta);
    inFlight.add(req);
    const done = () => {
      inFlight.delete(req);
      ctx.finish();
    };
    let result: InvokeResult | undefined;
    try {
      const scope = invocationScope(req.requestId, req.traceId, req.tenantId);
      const run = async () => {
        const settled = runHandler(handler, event as E, ctx, waits);
        // The handler holds its event as long as it needs it; this invocation's frame must not
        // (it stays suspended until the answer is posted, while other invocations run).
        event = undefined;
        const outcome = await settled;
        if (!outcome.ok) return failed(toErrorShape(outcome.error));
        if (isStreamingResponse(outcome.value)) {
          return await streamedResult(outcome.value, streaming, done, req.requestId);
        }
        return encodeResult(outcome.value);
      };
      result = await runInScope(scope, tracer ? () => tracer.run(req, event, run) : run);
      return result;
    } catch (e) {
      // Only reachable through a bug in the runtime; still answer the invoke.
      return failed(toErrorShape(e));
    } finally {
      // A streamed body ends the invocation itself, when it has been sent. `done` is idempotent.
      if (!(result?.ok && result.stream)) done();
    }
  }

  const flush = tracer ? () => tracer.flush() : () => Promise.resolve();
  return { invoke, inFlight, flush };
}
