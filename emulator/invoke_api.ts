/**
 * Lambda's Invoke API on `127.0.0.1` (port 9000 by default, like the Runtime Interface Emulator),
 * in front of a {@linkcode FunctionPool}, so `curl` or an AWS SDK pointed at it invokes the
 * function:
 *
 * ```sh
 * curl -d '{"name":"Ada"}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations
 * aws lambda invoke --endpoint-url http://127.0.0.1:9000 --function-name function out.json
 * ```
 *
 * `POST /2015-03-31/functions/{name}/invocations`, where `{name}` is `function` (the RIE's name),
 * the configured function name, or its ARN. As Lambda answers:
 * - `X-Amz-Invocation-Type: RequestResponse` (default): 200 with the payload; a failed
 *   invocation is still 200, with `X-Amz-Function-Error: Unhandled` and the error document.
 *   `Event`: 202 at once, the invocation runs in the background. `DryRun`: 204.
 * - `X-Amz-Client-Context` (base64 JSON) reaches the function's client context;
 *   `X-Amz-Log-Type: Tail` returns the last 4 KB of the logs, base64, in `X-Amz-Log-Result`.
 * - Every answer carries `X-Amz-Executed-Version: $LATEST` and `x-amzn-RequestId`.
 * - Another name gives 404 `ResourceNotFoundException`; a name that is not validly
 *   percent-encoded 400 `ValidationException`; a payload over 6 MB gives 413
 *   `RequestEntityTooLargeException` ("Request must be smaller than 6291456 bytes for the
 *   InvokeFunction operation"), as soon as the limit is passed (a chunked body is not read on).
 *
 * Concurrent requests scale out to `maxConcurrency` warm environments, then queue (see
 * {@linkcode FunctionPool}).
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "../ground/bytes.ts";
import { invokeComplete, payloadChunk } from "./eventstream.ts";
import type { StreamOutcome } from "./function.ts";
import type { FunctionPool } from "./pool.ts";
import { readLimited } from "./read_limited.ts";
import { MAX_INVOKE_REQUEST, tooLargeRequest } from "../protocol/runtime_api.ts";

const MAX_REQUEST = MAX_INVOKE_REQUEST;
const LOG_TAIL = 4096;

/** Options of {@linkcode serveInvokeApi}. */
export interface ServeOptions {
  /** The port (default 9000; 0 for a random one). Always on 127.0.0.1. */
  port?: number;
  /** The configured function name, accepted besides `function`. */
  functionName?: string;
  /** Called once listening. */
  onListen?: (addr: { hostname: string; port: number }) => void;
  /** Stops the server. */
  signal?: AbortSignal;
}

function lambdaError(status: number, type: string, message: string, requestId: string): Response {
  return new Response(JSON.stringify({ Type: "User", message }), {
    status,
    headers: {
      "Content-Type": "application/json",
      "x-amzn-RequestId": requestId,
      "x-amzn-ErrorType": type,
    },
  });
}

function decodeClientContext(header: string | null): unknown {
  if (!header) return undefined;
  try {
    const text = new TextDecoder().decode(decodeBase64(header));
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The last 4 KiB of `logs`, base64, as `X-Amz-Log-Result` carries them. */
function logTail(logs: string): string {
  const bytes = new TextEncoder().encode(logs);
  return encodeBase64(bytes.subarray(Math.max(0, bytes.length - LOG_TAIL)));
}

/**
 * `InvokeWithResponseStream`'s answer: the function's response as
 * `PayloadChunk` events as it produces them, then `InvokeComplete` (with the
 * error type and message if the invocation failed, even mid-stream).
 */
function streamingResponse(
  s: StreamOutcome,
  common: Record<string, string>,
  tail: boolean,
): Response {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const reader = s.body.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (value.length > 0) controller.enqueue(payloadChunk(value));
        }
      } catch { /* the failure is reported by `done` */ }
      const { error, info } = await s.done;
      controller.enqueue(invokeComplete({
        errorCode: error?.error.errorType,
        errorDetails: error?.error.errorMessage,
        logResult: tail ? logTail(info.logs) : undefined,
      }));
      controller.close();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      ...common,
      "Content-Type": "application/vnd.amazon.eventstream",
      "X-Amz-Response-Stream-Content-Type": s.contentType,
    },
  });
}

/** A request handler for Lambda's Invoke API in front of `pool`. */
export function invokeApiHandler(
  pool: FunctionPool,
  functionName = "function",
): (req: Request) => Promise<Response> {
  const names = new Set(["function", functionName]);
  return async (req: Request): Promise<Response> => {
    const requestId = crypto.randomUUID();
    const url = new URL(req.url);
    const m =
      /^\/(2015-03-31|2021-11-15)\/functions\/([^/]+)\/(invocations|response-streaming-invocations)\/?$/
        .exec(url.pathname);
    const streaming = m?.[3] === "response-streaming-invocations";
    if (!m || (m[1] === "2021-11-15") !== streaming) {
      return lambdaError(404, "ResourceNotFoundException", "Not Found", requestId);
    }
    if (req.method !== "POST") {
      return lambdaError(405, "MethodNotAllowed", `${req.method} not allowed`, requestId);
    }
    let given: string;
    try {
      given = decodeURIComponent(m[2]);
    } catch {
      // Not a name at all (a malformed %-escape): the caller's mistake, as Lambda's validation
      // of the function name reports it.
      await req.body?.cancel().catch(() => {});
      return lambdaError(
        400,
        "ValidationException",
        `1 validation error detected: Value '${m[2]}' at 'functionName' failed to satisfy ` +
          "constraint: Member must be a valid percent-encoded function name",
        requestId,
      );
    }
    let name = given;
    if (name.startsWith("arn:")) name = name.split(":")[6] ?? name;
    if (!names.has(name)) {
      await req.body?.cancel().catch(() => {});
      return lambdaError(
        404,
        "ResourceNotFoundException",
        `Function not found: ${given}`,
        requestId,
      );
    }
    // The limit holds while reading: a chunked body is cut off as soon as it passes it.
    const body = await readLimited(req, MAX_REQUEST);
    if (!body.ok) {
      return lambdaError(413, "RequestEntityTooLargeException", tooLargeRequest(), requestId);
    }
    // Lambda's Invoke API hands the payload over as given (an empty body stays empty).
    const payload = body.bytes;
    const type = req.headers.get("X-Amz-Invocation-Type") ?? "RequestResponse";
    const common = { "X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": requestId };
    if (type === "DryRun") return new Response(null, { status: 204, headers: common });
    const options = {
      requestId,
      clientContext: decodeClientContext(req.headers.get("X-Amz-Client-Context")),
    };
    const tail = (req.headers.get("X-Amz-Log-Type") ?? "").toLowerCase() === "tail";
    if (streaming && type !== "DryRun") {
      return streamingResponse(await pool.invokeStream(payload, options), common, tail);
    }
    if (type === "Event") {
      pool.invoke(payload, options).catch(() => {});
      return new Response(null, { status: 202, headers: common });
    }
    if (type !== "RequestResponse") {
      return lambdaError(
        400,
        "InvalidParameterValueException",
        `Unsupported invocation type ${type}`,
        requestId,
      );
    }
    const r = await pool.invoke(payload, options);
    const headers: Record<string, string> = {
      ...common,
      "Content-Type": r.ok ? r.contentType : "application/json",
    };
    if (!r.ok) headers["X-Amz-Function-Error"] = "Unhandled";
    if (tail) headers["X-Amz-Log-Result"] = logTail(r.logs);
    return new Response(r.payload as Uint8Array<ArrayBuffer>, { status: 200, headers });
  };
}

/** Serves the Invoke API for `pool` on 127.0.0.1 (see the module docs). */
export function serveInvokeApi(pool: FunctionPool, options: ServeOptions = {}): Deno.HttpServer {
  return Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 9000,
    signal: options.signal,
    onListen: options.onListen ?? (() => {}),
  }, invokeApiHandler(pool, options.functionName));
}
