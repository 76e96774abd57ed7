/**
 * The Lambda Runtime API transport (`provided.al2023`): the `next` / `response` / `error` loop
 * over HTTP, as aws-lambda-go's `runtime_api_client.go` and `invoke_loop.go` run it.
 *
 * - `GET /2018-06-01/runtime/invocation/next` blocks until an event arrives. Its headers give the
 *   request id, deadline (`Lambda-Runtime-Deadline-Ms`, required: a missing or malformed one fails
 *   that invoke with "failed to parse deadline: …", as in Go), function ARN, trace id, client
 *   context, Cognito identity and tenant id. A status other than 200 is fatal.
 * - The result goes to `POST …/{id}/response` (`Content-Type: application/json`), a failure to
 *   `POST …/{id}/error` with the body Node's managed runtime sends,
 *   `{"errorType","errorMessage","trace"}` (see `errors.ts`), the header
 *   `Lambda-Runtime-Function-Error-Type: <errorType>` and Go's
 *   `Lambda-Runtime-Function-Xray-Error-Cause` header (when under 1 MiB). Any status other
 *   than 202 is fatal. The error is also logged, as Node's runtime logs it
 *   (`Invoke Error \t{"errorType","errorMessage","stack":[…]}`).
 * - A streamed result (see `streaming.ts`) goes to the same `…/response` endpoint with
 *   `Lambda-Runtime-Function-Response-Mode: streaming`, `Transfer-Encoding: chunked` and
 *   `Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body`, chunk by
 *   chunk as they are produced. An error after the first chunk ends the body with those trailers
 *   (the error type, and the error JSON in base64), as Lambda's Node.js runtime does; it is
 *   logged too.
 * - A failure before the loop starts (the `init` option, a top-level throw or rejection) goes to
 *   `POST /2018-06-01/runtime/init/error`; the caller then exits.
 * - With `AWS_LAMBDA_MAX_CONCURRENCY` = N > 1 (Lambda Managed Instances), N loops run at once;
 *   when the environment has several CPUs the main isolate asks for them all and shares the
 *   handlers with worker isolates (`workers.ts`).
 *
 * All of it goes over kept-alive HTTP/1.1 connections of a small client
 * (`runtime_api_client.ts`), not `fetch`: a fraction of `fetch`'s memory and time per request,
 * and it can send the trailers.
 *
 * Fatal conditions reject with a {@linkcode RuntimeApiError}; `start` prints it and exits 1, as
 * Go's `log.Fatalf` does, and Lambda restarts the environment.
 *
 * @module
 */

import { encodeBase64 } from "../ground/bytes.ts";
import { runtimeApiErrorBody, runtimeError, xrayCause } from "./errors.ts";
import type { Invoker, InvokeRequest, InvokeResult } from "./invoke.ts";
import { activeLogger, logReportedError } from "./logging.ts";
import { Http1Client, type Http1Response } from "./runtime_api_client.ts";
import { toErrorShape } from "./errors.ts";
import { headerValue } from "../protocol/header_value.ts";
import type { LambdaErrorShape } from "../protocol/lambda_error.ts";
import { VERSION } from "../protocol/version.ts";
import {
  ERROR_TRAILERS,
  errorPath,
  HEADERS,
  JSON_CONTENT_TYPE,
  MAX_XRAY_CAUSE,
  PATHS,
  responsePath,
  RUNTIME_PREFIX,
  STREAMING_MODE,
} from "../protocol/runtime_api.ts";

/** A condition after which the function must exit (Go: `log.Fatalf`). */
export class RuntimeApiError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RuntimeApiError";
  }
}

/** Header names of the Runtime API (the contract's table, re-exported). */
export { HEADERS };

const encoder = new TextEncoder();

/** The `User-Agent` sent with every request. */
export const USER_AGENT = `gopherless/${VERSION} (deno/${
  typeof Deno === "object" ? Deno.version.deno : "unknown"
})`;

const NEXT_HEADERS = { "User-Agent": USER_AGENT };

/** The header names `next` reads, as the client keys them (lower case). */
const LOWER = Object.fromEntries(
  Object.entries(HEADERS).map(([k, v]) => [k, v.toLowerCase()]),
) as { [K in keyof typeof HEADERS]: string };

/** One invoke taken from `next`: either ready to run, or already failed (a bad deadline). */
export type NextInvoke =
  | { request: InvokeRequest; error?: undefined }
  | { request: InvokeRequest; error: LambdaErrorShape };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The deadline header's milliseconds: any decimal int64, as Go's `strconv.ParseInt(s, 10, 64)`
 * reads it (and as the go1.x path takes its int64 seconds); past 2^53 the number is the nearest
 * double, centuries away either way. `undefined` for anything else.
 */
function parseDeadline(raw: string): number | undefined {
  // Leading zeros are allowed, as Go allows them; more than 19 other digits are out of range.
  const m = /^([+-]?)0*(\d{1,19})$/.exec(raw);
  if (m === null) return undefined;
  const n = Number(raw);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(m[1] + m[2]);
  return big < INT64_MIN || big > INT64_MAX ? undefined : Number(big);
}

/**
 * Bytes the platform sent after an answer, which answer nothing: logged, as Go's `Transport`
 * logs them, and the connection dropped (the client goes on over a new one).
 */
function logUnsolicited(bytes: Uint8Array): void {
  const shown = new TextDecoder("latin1").decode(bytes.subarray(0, 256));
  activeLogger().logEvent(
    "WARN",
    `Unsolicited response received on idle HTTP channel starting with ${JSON.stringify(shown)}${
      bytes.length > 256 ? "…" : ""
    }; the connection is dropped`,
    undefined,
    undefined,
  );
}

/** A client of the Runtime API at `host:port` (the value of `AWS_LAMBDA_RUNTIME_API`). */
export class RuntimeApiClient {
  /** `http://<address>/2018-06-01/runtime/`. */
  readonly base: string;
  readonly #origin: string;
  readonly #http: Http1Client;

  /** A client for the Runtime API at `address` (`host:port`). */
  constructor(address: string) {
    this.#origin = `http://${address}`;
    this.base = this.#origin + RUNTIME_PREFIX;
    this.#http = new Http1Client(address, { onUnsolicited: logUnsolicited });
  }

  /**
   * Waits for the next invocation (`GET /runtime/invocation/next`). Rejects with
   * {@linkcode RuntimeApiError} on any failure.
   */
  async next(): Promise<NextInvoke> {
    let res: Http1Response;
    try {
      res = await this.#http.request("GET", PATHS.next, NEXT_HEADERS);
    } catch (e) {
      throw new RuntimeApiError(`failed to get the next invoke: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (res.status !== 200) {
      throw new RuntimeApiError(
        `failed to GET ${this.#origin + PATHS.next}: got unexpected status code: ${res.status}`,
      );
    }
    const h = res.headers;
    const request: InvokeRequest = {
      payload: res.body,
      requestId: h.get(LOWER.requestId) ?? "",
      deadlineMs: 0,
      invokedFunctionArn: h.get(LOWER.functionArn) ?? "",
      traceId: h.get(LOWER.traceId),
      clientContext: h.get(LOWER.clientContext),
      cognitoIdentityJSON: h.get(LOWER.cognitoIdentity),
      tenantId: h.get(LOWER.tenantId),
    };
    const raw = h.get(LOWER.deadlineMs);
    const deadlineMs = raw === undefined ? undefined : parseDeadline(raw);
    if (deadlineMs === undefined) {
      const why = raw === undefined
        ? `the ${HEADERS.deadlineMs} header is missing`
        : `${JSON.stringify(raw)} is not an integer`;
      return {
        request,
        error: runtimeError("Runtime.InvalidDeadline", `failed to parse deadline: ${why}`),
      };
    }
    request.deadlineMs = deadlineMs;
    return { request };
  }

  /**
   * Posts a successful result. `onSent` (here and in the other posts) is called once the whole
   * request is written, before the platform's answer is read.
   */
  postResponse(
    requestId: string,
    payload: Uint8Array,
    contentType: string,
    onSent?: () => void,
  ): Promise<void> {
    return this.#post(responsePath(requestId), payload, { "Content-Type": contentType }, onSent);
  }

  /** Posts an invocation error (and logs it, as Go does). */
  postError(requestId: string, error: LambdaErrorShape, onSent?: () => void): Promise<void> {
    const body = runtimeApiErrorBody(error);
    logReportedError("Invoke Error", error, requestId);
    return this.#post(
      errorPath(requestId),
      encoder.encode(body),
      this.#errorHeaders(error),
      onSent,
    );
  }

  /** Posts an initialisation error. The caller should exit afterwards. */
  postInitError(error: LambdaErrorShape): Promise<void> {
    const body = runtimeApiErrorBody(error);
    logReportedError("Init Error", error, undefined);
    return this.#post(
      PATHS.initError,
      encoder.encode(body),
      this.#errorHeaders(error),
    );
  }

  /**
   * Streams a response: chunked, in streaming response mode, an error in the body reported in
   * the trailers (see the module docs). Resolves once the platform has answered 202.
   */
  async postStream(
    requestId: string,
    body: ReadableStream<Uint8Array>,
    contentType: string,
    onSent?: () => void,
  ): Promise<void> {
    const path = responsePath(requestId);
    const url = this.#origin + path;
    let res: Http1Response;
    try {
      res = await this.#http.stream(
        "POST",
        path,
        {
          "User-Agent": USER_AGENT,
          "Content-Type": headerValue(contentType),
          [HEADERS.responseMode]: STREAMING_MODE,
          "Trailer": ERROR_TRAILERS.join(", "),
        },
        body,
        (e) => {
          const error = toErrorShape(e);
          const json = runtimeApiErrorBody(error);
          logReportedError("Invoke Error", error, requestId);
          return {
            [HEADERS.errorType]: headerValue(error.errorType),
            [HEADERS.errorBody]: encodeBase64(encoder.encode(json)),
          };
        },
        onSent,
      );
    } catch (e) {
      throw new RuntimeApiError(`failed to POST to ${url}: ${(e as Error).message}`, { cause: e });
    }
    if (res.status !== 202) {
      throw new RuntimeApiError(
        `failed to POST to ${url}: got unexpected status code: ${res.status}`,
      );
    }
  }

  /** Posts a result or an error, whichever `result` is; streams a result carrying a `stream`. */
  postResult(requestId: string, result: InvokeResult, onSent?: () => void): Promise<void> {
    if (!result.ok) return this.postError(requestId, result.error, onSent);
    if (result.stream) {
      return this.postStream(requestId, result.stream, result.contentType, onSent);
    }
    return this.postResponse(requestId, result.payload, result.contentType, onSent);
  }

  /**
   * Registers an internal extension that subscribes to no events, so that Lambda sends SIGTERM
   * before shutting the environment down (it does only when an extension is registered), as Go's
   * `GoLangEnableSIGTERM` does. Must run before the first `next`. Failures are logged, not fatal.
   */
  async enableSigterm(name = "GopherlessEnableSIGTERM"): Promise<void> {
    try {
      const res = await this.#http.request(
        "POST",
        PATHS.extensionRegister,
        { [HEADERS.extensionName]: name, "Content-Type": JSON_CONTENT_TYPE },
        encoder.encode('{"events":[]}'),
      );
      if (res.status !== 200) throw new Error(`got response status: ${res.status}`);
      const id = res.headers.get(HEADERS.extensionId.toLowerCase()) ?? "";
      // Registered for no events, so this never answers; it only tells Lambda we are ready. It
      // holds a connection of its own for the life of the process.
      this.#http.request("GET", PATHS.extensionNext, { [HEADERS.extensionId]: id })
        .then(() => {}, () => {});
    } catch (e) {
      activeLogger().logEvent(
        "WARN",
        `failed to register the internal extension; SIGTERM may not be sent: ${
          (e as Error).message
        }`,
        undefined,
        undefined,
      );
    }
  }

  #errorHeaders(error: LambdaErrorShape): Record<string, string> {
    const headers: Record<string, string> = {
      "Content-Type": JSON_CONTENT_TYPE,
      [HEADERS.errorType]: headerValue(error.errorType),
    };
    const cause = headerValue(xrayCause(error));
    if (cause.length < MAX_XRAY_CAUSE) headers[HEADERS.xrayErrorCause] = cause;
    return headers;
  }

  async #post(
    path: string,
    body: Uint8Array,
    headers: Record<string, string>,
    onSent?: () => void,
  ): Promise<void> {
    let res: Http1Response;
    try {
      res = await this.#http.request(
        "POST",
        path,
        { "User-Agent": USER_AGENT, ...headers },
        body,
        onSent,
      );
    } catch (e) {
      throw new RuntimeApiError(
        `failed to POST to ${this.#origin + path}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    if (res.status !== 202) {
      throw new RuntimeApiError(
        `failed to POST to ${this.#origin + path}: got unexpected status code: ${res.status}`,
      );
    }
  }
}

/**
 * Invocations answered by someone other than their loop: in a concurrent environment an uncaught
 * error fails the invocations in flight in its isolate (`start.ts`), and their loops must then
 * drop the result and go back to `next` at once, even if the handler never settles.
 */
export class Releases {
  #waiting = new Map<string, () => void>();

  /** Resolves (with `undefined`) when `requestId` is released. */
  wait(requestId: string): Promise<undefined> {
    return new Promise((resolve) => this.#waiting.set(requestId, () => resolve(undefined)));
  }

  /** Releases `requestId`'s loop; false when no loop holds it. */
  release(requestId: string): boolean {
    const r = this.#waiting.get(requestId);
    if (!r) return false;
    this.#waiting.delete(requestId);
    r();
    return true;
  }

  /** Forgets `requestId` (its loop posted its result). */
  done(requestId: string): void {
    this.#waiting.delete(requestId);
  }
}

/** What {@linkcode serveRuntimeApi} reports to, beyond the Runtime API. */
export interface ServeOptions {
  /** Invocations that may be answered elsewhere (see {@linkcode Releases}). */
  releases?: Releases;
}

/**
 * Runs one invocation `next` gave (or reports its bad deadline) and posts the result, then sends
 * what its telemetry recorded. With `releases`, an invocation released meanwhile (answered by
 * someone else) has its result dropped. `onSent` is called once the result is written out whole.
 * Rejects with a {@linkcode RuntimeApiError} when the post fails.
 */
export async function serveInvocation(
  client: RuntimeApiClient,
  invoker: Invoker,
  next: NextInvoke,
  releases?: Releases,
  onSent?: () => void,
): Promise<void> {
  const id = next.request.requestId;
  let result: InvokeResult | undefined;
  if (next.error) result = { ok: false, error: next.error };
  else if (releases) {
    // Held before the handler is called: what it does before its first `await` (a worker's
    // `Deno.exit`, say) may already release it.
    const released = releases.wait(id);
    const running = invoker.invoke(next.request);
    result = await Promise.race([running, released]);
    releases.done(id);
    // Released: answered already; whatever the handler gives later is dropped.
    if (!result) {
      running.then((late) => {
        if (late.ok) late.stream?.cancel().catch(() => {});
      });
    }
  } else result = await invoker.invoke(next.request);
  if (result) await client.postResult(id, result, onSent);
  // The caller has its answer; Lambda may freeze the environment once `next` is asked, so the
  // invocation's telemetry goes out first.
  await invoker.flush();
}

/**
 * Serves invokes from the Runtime API forever with `concurrency` loops (each: `next`, invoke,
 * post). Rejects with a {@linkcode RuntimeApiError} at the first fatal condition.
 */
export async function serveRuntimeApi(
  client: RuntimeApiClient,
  invoker: Invoker,
  concurrency = 1,
  options: ServeOptions = {},
): Promise<never> {
  const loop = async (): Promise<never> => {
    while (true) await serveInvocation(client, invoker, await client.next(), options.releases);
  };
  const n = Math.max(1, Math.floor(concurrency));
  return await Promise.race(Array.from({ length: n }, loop));
}
