/**
 * The platform side of the Lambda Runtime API (`2018-06-01`), on `127.0.0.1` at a random port:
 * what a function's runtime talks to through `AWS_LAMBDA_RUNTIME_API`.
 *
 * One {@linkcode RuntimeApiPlatform} serves one execution environment (one function process),
 * as each Lambda sandbox has its own Runtime API. It implements:
 *
 * - `GET /runtime/invocation/next`: a long poll, answered when an invocation is
 *   {@linkcode RuntimeApiPlatform.enqueue | enqueued}, with the payload and every header Lambda
 *   sends (request id, deadline, function ARN, trace id, client context, Cognito identity, tenant
 *   id; each only when non-empty). A poll whose connection closes gives its invocation to the next
 *   poll. The first poll marks the end of the init phase ({@linkcode RuntimeApiPlatform.ready}).
 * - `POST /runtime/invocation/{id}/response`: `Content-Length` or chunked bodies, with
 *   `Lambda-Runtime-Function-Response-Mode: streaming` and the mid-stream error trailers
 *   (`Lambda-Runtime-Function-Error-Type`/`-Body`, base64 JSON). The body reaches the consumer
 *   chunk by chunk as it arrives (pull, so a slow consumer slows the function, as a socket does).
 * - `POST /runtime/invocation/{id}/error` and `POST /runtime/init/error`: the error type header
 *   is validated as the Runtime Interface Emulator does (`Runtime.Foo` / `Function.Foo`; anything
 *   else, or none, is `Runtime.Unknown`).
 * - `POST /2020-01-01/extension/register` and `GET …/extension/event/next`, the part of the
 *   Extensions API a runtime touches to get SIGTERM at shutdown (Go's `GoLangEnableSIGTERM`).
 *
 * Answers are Lambda's: 202 `{"status":"OK"}`; 400 `InvalidRequestID` for an unknown request id;
 * 403 `InvalidStateTransition` for a second answer to the same invocation or an init error after
 * init; 413 `RequestEntityTooLarge` past the response size limit; 404 for anything else.
 *
 * `Deno.serve` does not expose request trailers, so this is a small HTTP/1.1 server of its own
 * (on the ground floor's HTTP/1 codec, `ground/http1.ts`) with bounded head and trailer sizes.
 *
 * @module
 */

import { headerText } from "../protocol/header_value.ts";
import { newTraceId } from "./lambda_rules.ts";
import {
  ACCEPTED_BODY,
  HEADERS,
  invalidTransitionMessage,
  INVOCATION_PATH,
  JSON_CONTENT_TYPE,
  MAX_BUFFERED_RESPONSE,
  MAX_STREAMED_RESPONSE,
  PATHS,
  platformError,
  STREAMING_MODE,
  tooLargeMessage,
  validateErrorType,
} from "../protocol/runtime_api.ts";
import { concat, decodeBase64 } from "../ground/bytes.ts";
import {
  type BodyReader,
  bodyReader,
  DEFAULT_LIMITS,
  HttpError,
  type HttpLimits,
  readRequestHead,
  type RequestHead,
  responseBytes,
} from "../ground/http1.ts";
import { writeAll } from "../ground/duplex.ts";
import { ByteReader } from "../ground/reader.ts";
import { acceptLoop } from "../ground/accept.ts";
import { listen, tune } from "../ground/transport.ts";

/** Header names of the Runtime API (the contract's table). */
export const RUNTIME_HEADERS: typeof HEADERS = HEADERS;
export { MAX_BUFFERED_RESPONSE, MAX_STREAMED_RESPONSE, validateErrorType };

/** What the platform hands to the runtime for one invocation. */
export interface InvocationInput {
  /** The request id (a random UUID when absent). */
  requestId?: string;
  /** The event. */
  payload: Uint8Array;
  /** The timeout; the deadline is set to delivery time + this. */
  timeoutMs: number;
  /** The ARN the function is invoked with. */
  functionArn: string;
  /** The X-Ray trace header (a fresh one when absent). */
  traceId?: string;
  /** The client context, JSON text. */
  clientContext?: string;
  /** The Cognito identity, JSON text (`{"cognitoIdentityId","cognitoIdentityPoolId"}`). */
  cognitoIdentity?: string;
  /** The tenant id. */
  tenantId?: string;
  /** Response size limit in bytes (default {@linkcode MAX_BUFFERED_RESPONSE}). */
  maxResponseBytes?: number;
}

/** An error the runtime reported: the body as posted and the validated type header. */
export interface PostedError {
  /** The validated `Lambda-Runtime-Function-Error-Type` (see {@linkcode validateErrorType}). */
  errorType: string;
  /** The body, as posted. */
  body: Uint8Array;
}

/** How a response stream ended. */
export interface ResponseEnd {
  /**
   * A failure after the response started: the error trailers the runtime sent, a body cut off by
   * the connection, or `Function.ResponseSizeTooLarge`.
   */
  error?: PostedError;
}

/** The runtime's answer to one invocation. */
export type RuntimeAnswer =
  | {
    /** The runtime posted to `/response`. */
    kind: "response";
    /** The response's `Content-Type` (default `application/json`). */
    contentType: string;
    /** Whether the runtime declared `Lambda-Runtime-Function-Response-Mode: streaming`. */
    streaming: boolean;
    /** The body as it arrives. Read it (or cancel it): the runtime waits for its 202. */
    body: ReadableStream<Uint8Array>;
    /** Resolves once the body has been read through. */
    done: Promise<ResponseEnd>;
  }
  | {
    /** The runtime posted to `/error`. */
    kind: "error";
    /** What it posted. */
    error: PostedError;
  };

/** One invocation queued on, or delivered by, the platform. */
export class Invocation {
  /** The request id. */
  readonly requestId: string;
  /** What is handed out. */
  readonly input: InvocationInput;
  /** Resolves with the deadline when a `next` poll has taken the invocation. */
  readonly delivered: Promise<number>;
  /** Resolves with the runtime's answer. Never rejects. */
  readonly answer: Promise<RuntimeAnswer>;
  /** queued → delivered → answered (or cancelled while queued). */
  state: "queued" | "delivered" | "answered" | "cancelled" = "queued";
  /** @internal */
  resolveDelivered!: (deadline: number) => void;
  /** @internal */
  resolveAnswer!: (a: RuntimeAnswer) => void;

  /** @internal use {@linkcode RuntimeApiPlatform.enqueue}. */
  constructor(input: InvocationInput) {
    this.requestId = input.requestId ?? crypto.randomUUID();
    this.input = input;
    this.delivered = new Promise((r) => (this.resolveDelivered = r));
    this.answer = new Promise((r) => (this.resolveAnswer = r));
  }
}

/** Options of {@linkcode RuntimeApiPlatform.start}. */
export interface PlatformOptions {
  /** Port to listen on (default 0: a random free port). Always on 127.0.0.1. */
  port?: number;
  /** Bounds on request heads and trailers. */
  limits?: Partial<HttpLimits>;
  /** Function name and version reported to registering extensions. */
  functionName?: string;
  /** The handler reported to registering extensions. */
  handler?: string;
}

const encoder = new TextEncoder();
const JSON_HEADERS = { "Content-Type": JSON_CONTENT_TYPE };
const OK = ACCEPTED_BODY;
const errorJSON = platformError;

export { newTraceId };

/** The error body from a base64 trailer; the raw text when it is not base64. */
function fromBase64(s: string): Uint8Array {
  try {
    return decodeBase64(s.trim());
  } catch {
    return encoder.encode(s);
  }
}

/** One request being answered: its connection, reader, head and body. */
interface Exchange {
  conn: Deno.Conn;
  r: ByteReader;
  head: RequestHead;
  body: BodyReader;
}

/** A row of the platform's route table (`RuntimeApiPlatform#routes`). */
interface Route {
  /** The method it answers. */
  method: "GET" | "POST";
  /** The path, or a pattern whose groups the handler gets. */
  path: string | RegExp;
  /** Whether another method is answered 405 (otherwise the request gets the 404 of no route). */
  strictMethod?: boolean;
  /** Answers the request; resolves whether the connection stays open. */
  handle(x: Exchange, groups: string[]): Promise<boolean>;
}

/** The Runtime API of one execution environment. */
export class RuntimeApiPlatform {
  /** `127.0.0.1:<port>`, the value for `AWS_LAMBDA_RUNTIME_API`. */
  readonly address: string;
  /** The port. */
  readonly port: number;
  /** Resolves at the first `next` poll: the runtime finished its init. */
  readonly ready: Promise<void>;
  /** Resolves with the first `/runtime/init/error` post. */
  readonly initError: Promise<PostedError>;
  /** Whether an extension registered (Lambda then sends SIGTERM before shutting down). */
  extensionRegistered = false;
  /** Number of `next` polls received. */
  nextCount = 0;

  #listener: Deno.Listener;
  #limits: HttpLimits;
  #queue: Invocation[] = [];
  #waiters: ((inv: Invocation | null) => void)[] = [];
  #byId = new Map<string, Invocation>();
  #conns = new Set<Deno.Conn>();
  #closed = false;
  #isReady = false;
  #initFailed = false;
  #resolveReady!: () => void;
  #resolveInitError!: (e: PostedError) => void;
  #accepting: Promise<void>;
  #options: PlatformOptions;

  private constructor(listener: Deno.Listener, options: PlatformOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.port = (listener.addr as Deno.NetAddr).port;
    this.address = `127.0.0.1:${this.port}`;
    this.ready = new Promise((r) => (this.#resolveReady = r));
    this.initError = new Promise((r) => (this.#resolveInitError = r));
    this.#accepting = this.#accept();
  }

  /** Starts a platform on `127.0.0.1` (a random port unless `options.port`). */
  static start(options: PlatformOptions = {}): RuntimeApiPlatform {
    const listener = listen({ hostname: "127.0.0.1", port: options.port ?? 0 });
    return new RuntimeApiPlatform(listener, options);
  }

  /** Queues an invocation for the next `next` poll. */
  enqueue(input: InvocationInput): Invocation {
    if (this.#closed) throw new Error("the Runtime API platform is closed");
    const inv = new Invocation(input);
    this.#byId.set(inv.requestId, inv);
    const w = this.#waiters.shift();
    if (w) w(inv);
    else this.#queue.push(inv);
    return inv;
  }

  /** Withdraws a queued invocation (no effect once delivered). */
  cancel(inv: Invocation): void {
    const i = this.#queue.indexOf(inv);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      inv.state = "cancelled";
      this.#byId.delete(inv.requestId);
    }
  }

  /** Stops listening and closes every connection (pending polls end). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w(null);
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    this.#conns.clear();
    await this.#accepting;
  }

  /**
   * Accepts connections until closed. A failed accept (a peer that connected and reset at once)
   * is retried after a back-off of 5 ms doubling to 1 s, as Go's `net/http` accept loop does
   * (ground's `acceptLoop`); only closing the platform ends the loop.
   */
  async #accept(): Promise<void> {
    await acceptLoop(this.#listener, (conn) => {
      if (this.#closed) {
        conn.close();
        return;
      }
      tune(conn);
      this.#conns.add(conn);
      this.#serveConn(conn).finally(() => {
        this.#conns.delete(conn);
        try {
          conn.close();
        } catch { /* already closed */ }
      });
    }, { closed: () => this.#closed });
  }

  async #serveConn(conn: Deno.Conn): Promise<void> {
    const r = new ByteReader(conn.readable);
    try {
      while (!this.#closed) {
        const head = await readRequestHead(r, this.#limits);
        if (head === null) return;
        const keep = await this.#route(conn, r, head);
        if (!keep || head.close) return;
      }
    } catch (e) {
      if (e instanceof HttpError) {
        await writeAll(
          conn,
          responseBytes(e.status, JSON_HEADERS, errorJSON("InvalidRequest", e.message), true),
        ).catch(() => {});
      }
    } finally {
      r.cancel();
    }
  }

  async #send(conn: Deno.Conn, status: number, body: string): Promise<boolean> {
    try {
      await writeAll(conn, responseBytes(status, JSON_HEADERS, body));
      return true;
    } catch {
      return false;
    }
  }

  /** Handles one request; resolves whether the connection can serve another. */
  /** The platform's routes, in order; the first whose path matches handles the request. */
  readonly #routes: readonly Route[] = [
    {
      method: "GET",
      path: PATHS.next,
      strictMethod: true,
      handle: async ({ conn, r, body }) => {
        await body.drain();
        return await this.#next(conn, r);
      },
    },
    { method: "POST", path: INVOCATION_PATH, handle: (x, groups) => this.#answer(x, groups) },
    { method: "POST", path: PATHS.initError, handle: (x) => this.#initError(x) },
    { method: "POST", path: PATHS.extensionRegister, handle: (x) => this.#register(x) },
    { method: "GET", path: PATHS.extensionNext, handle: (x) => this.#extensionNext(x) },
  ];

  /** Answers one request through {@linkcode #routes}; resolves whether to keep the connection. */
  async #route(conn: Deno.Conn, r: ByteReader, head: RequestHead): Promise<boolean> {
    const x: Exchange = { conn, r, head, body: bodyReader(r, head, this.#limits) };
    for (const route of this.#routes) {
      const groups = typeof route.path === "string"
        ? (head.path === route.path ? [] : null)
        : route.path.exec(head.path)?.slice(1) ?? null;
      if (groups === null) continue;
      if (head.method === route.method) return await route.handle(x, groups);
      if (!route.strictMethod) break;
      await x.body.drain();
      return await this.#send(conn, 405, errorJSON("MethodNotAllowed", head.method));
    }
    await x.body.drain();
    return await this.#send(
      conn,
      404,
      errorJSON("NotFound", `no route for ${head.method} ${head.path}`),
    );
  }

  /** `POST …/invocation/{id}/response` and `…/error` (`groups`: the id and which). */
  async #answer({ conn, head, body }: Exchange, [rawId, what]: string[]): Promise<boolean> {
    let id: string;
    try {
      id = decodeURIComponent(rawId);
    } catch {
      id = rawId;
    }
    const invocation = this.#byId.get(id);
    if (!invocation || invocation.state === "queued") {
      await body.drain();
      return await this.#send(conn, 400, errorJSON("InvalidRequestID", "Invalid request ID"));
    }
    if (invocation.state !== "delivered") {
      await body.drain();
      return await this.#send(
        conn,
        403,
        errorJSON(
          "InvalidStateTransition",
          invalidTransitionMessage(what === "response" ? "response" : "error"),
        ),
      );
    }
    invocation.state = "answered";
    if (what === "error") {
      const limit = invocation.input.maxResponseBytes ?? MAX_BUFFERED_RESPONSE;
      const { bytes, tooBig } = await readAll(body, limit);
      const error: PostedError = {
        errorType: validateErrorType(head.headers.get(HEADERS.errorType.toLowerCase())),
        body: bytes,
      };
      invocation.resolveAnswer({ kind: "error", error });
      if (tooBig) return await this.#tooLarge(conn, limit);
      return await this.#send(conn, 202, OK);
    }
    return await this.#response(conn, head, body, invocation);
  }

  /** `POST /runtime/init/error`: accepted once, before the first `next`. */
  async #initError({ conn, head, body }: Exchange): Promise<boolean> {
    const { bytes } = await readAll(body, MAX_BUFFERED_RESPONSE);
    if (this.#isReady || this.#initFailed) {
      return await this.#send(
        conn,
        403,
        errorJSON("InvalidStateTransition", "State transition is not allowed"),
      );
    }
    this.#initFailed = true;
    this.#resolveInitError({
      errorType: validateErrorType(head.headers.get(HEADERS.errorType.toLowerCase())),
      body: bytes,
    });
    return await this.#send(conn, 202, OK);
  }

  /** `POST /2020-01-01/extension/register`. */
  async #register({ conn, body }: Exchange): Promise<boolean> {
    await body.drain();
    this.extensionRegistered = true;
    const reply = JSON.stringify({
      functionName: this.#options.functionName ?? "function",
      functionVersion: "$LATEST",
      handler: this.#options.handler ?? "bootstrap",
    });
    try {
      await writeAll(
        conn,
        responseBytes(
          200,
          { ...JSON_HEADERS, [HEADERS.extensionId]: crypto.randomUUID() },
          reply,
        ),
      );
      return true;
    } catch {
      return false;
    }
  }

  /**
   * `GET …/extension/event/next` of an internal extension registered for no events: nothing to
   * deliver until shutdown, when the connection closes.
   */
  async #extensionNext({ r, body }: Exchange): Promise<boolean> {
    await body.drain();
    while (!this.#closed && (await r.fill())) { /* wait for close */ }
    return false;
  }

  async #tooLarge(conn: Deno.Conn, limit: number): Promise<boolean> {
    return await this.#send(
      conn,
      413,
      errorJSON("RequestEntityTooLarge", tooLargeMessage(limit)),
    );
  }

  async #next(conn: Deno.Conn, r: ByteReader): Promise<boolean> {
    this.nextCount++;
    if (!this.#isReady && !this.#initFailed) {
      this.#isReady = true;
      this.#resolveReady();
    }
    for (;;) {
      let inv = this.#queue.shift() ?? null;
      if (!inv) {
        // Long poll; a closed connection gives up its place.
        let waiter!: (inv: Invocation | null) => void;
        const got = new Promise<Invocation | null>((res) => (waiter = res));
        this.#waiters.push(waiter);
        const closed = (async () => {
          while (r.buffered === 0 && (await r.fill())) { /* pipelined bytes: keep waiting */ }
          return r.eof;
        })();
        const winner = await Promise.race([got, closed.then((eof) => (eof ? "eof" : "data"))]);
        if (winner === "eof") {
          // The connection went away: an invocation arriving later must go elsewhere.
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          else {
            const late = await got;
            if (late) this.#requeue(late);
          }
          return false;
        }
        // "data": the client pipelined its next request; answer this poll first.
        inv = winner === "data" ? await got : winner;
      }
      if (inv === null) return false;
      if (inv.state !== "queued") continue;
      const deadline = Date.now() + inv.input.timeoutMs;
      const headers: Record<string, string> = {
        "Content-Type": JSON_CONTENT_TYPE,
        [RUNTIME_HEADERS.requestId]: inv.requestId,
        [RUNTIME_HEADERS.deadlineMs]: String(deadline),
        [RUNTIME_HEADERS.functionArn]: inv.input.functionArn,
        [RUNTIME_HEADERS.traceId]: inv.input.traceId ?? newTraceId(),
      };
      if (inv.input.clientContext) {
        headers[RUNTIME_HEADERS.clientContext] = headerSafe(inv.input.clientContext);
      }
      if (inv.input.cognitoIdentity) {
        headers[RUNTIME_HEADERS.cognitoIdentity] = headerSafe(inv.input.cognitoIdentity);
      }
      if (inv.input.tenantId) headers[RUNTIME_HEADERS.tenantId] = headerSafe(inv.input.tenantId);
      try {
        await writeAll(conn, responseBytes(200, headers, inv.input.payload));
      } catch {
        this.#requeue(inv);
        return false;
      }
      inv.state = "delivered";
      inv.resolveDelivered(deadline);
      return true;
    }
  }

  #requeue(inv: Invocation): void {
    if (inv.state !== "queued") return;
    const w = this.#waiters.shift();
    if (w) w(inv);
    else this.#queue.unshift(inv);
  }

  async #response(
    conn: Deno.Conn,
    head: RequestHead,
    body: BodyReader,
    inv: Invocation,
  ): Promise<boolean> {
    const streaming = (head.headers.get(HEADERS.responseMode.toLowerCase()) ?? "").toLowerCase() ===
      STREAMING_MODE;
    const limit = inv.input.maxResponseBytes ?? MAX_BUFFERED_RESPONSE;
    let total = 0;
    let tooBig = false;
    let failed: PostedError | undefined;
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    let resolveDone!: (e: ResponseEnd) => void;
    const done = new Promise<ResponseEnd>((r) => (resolveDone = r));
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      finish();
    };
    const stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        let piece: Uint8Array | null;
        try {
          piece = await body.next();
        } catch (e) {
          failed = {
            errorType: "Runtime.TruncatedResponse",
            body: encoder.encode(errorJSON(
              "Runtime.TruncatedResponse",
              `the response body was cut off: ${(e as Error).message}`,
            )),
          };
          controller.close();
          end();
          return;
        }
        if (piece === null) {
          controller.close();
          end();
          return;
        }
        total += piece.length;
        if (total > limit) {
          tooBig = true;
          controller.close();
          end();
          return;
        }
        controller.enqueue(piece);
      },
      cancel: () => end(),
    }, { highWaterMark: 0 });
    inv.resolveAnswer({
      kind: "response",
      contentType: head.headers.get("content-type") ?? JSON_CONTENT_TYPE,
      streaming,
      body: stream,
      done,
    });
    await finished;
    // Whatever the consumer did not read is read here, so the connection stays usable.
    let keep = true;
    try {
      await body.drain();
    } catch {
      keep = false;
      failed ??= {
        errorType: "Runtime.TruncatedResponse",
        body: encoder.encode(
          errorJSON("Runtime.TruncatedResponse", "the response body was cut off"),
        ),
      };
    }
    const tType = body.trailers.get(HEADERS.errorType.toLowerCase());
    const tBody = body.trailers.get(HEADERS.errorBody.toLowerCase());
    if (!failed && (tType !== undefined || tBody !== undefined)) {
      failed = {
        errorType: tType ?? "Runtime.Unknown",
        body: tBody !== undefined
          ? fromBase64(tBody)
          : encoder.encode(errorJSON(tType ?? "Runtime.Unknown", "")),
      };
    }
    if (tooBig) {
      failed = {
        errorType: "Function.ResponseSizeTooLarge",
        body: encoder.encode(errorJSON(
          "Function.ResponseSizeTooLarge",
          tooLargeMessage(limit, true),
        )),
      };
    }
    resolveDone(failed ? { error: failed } : {});
    if (!keep) return false;
    if (tooBig) return await this.#tooLarge(conn, limit);
    return await this.#send(conn, 202, OK);
  }
}

const headerSafe = headerText;

async function readAll(
  body: BodyReader,
  limit: number,
): Promise<{ bytes: Uint8Array; tooBig: boolean }> {
  const parts: Uint8Array[] = [];
  let kept = 0;
  let tooBig = false;
  for (;;) {
    const p = await body.next();
    if (p === null) break;
    if (tooBig) continue;
    if (kept + p.length > limit) {
      tooBig = true;
      continue;
    }
    kept += p.length;
    parts.push(p);
  }
  return { bytes: concat(parts, kept), tooBig };
}
