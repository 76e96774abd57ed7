/**
 * `http(handler)`: a web-standard `(request, context) => Response` handler served behind every
 * Lambda HTTP front door. The event kind is detected per invocation:
 *
 * | kind | detected by | request headers | response |
 * |---|---|---|---|
 * | `apigw-v1` (REST API, HTTP API payload 1.0) | top-level `httpMethod` | `multiValueHeaders` (else `headers`) | `multiValueHeaders` (Set-Cookie: one value per cookie) |
 * | `apigw-v2` (HTTP API payload 2.0) | `version: "2.0"`, `requestContext.http` | `headers` + `cookies[]` | `headers` + `cookies[]` |
 * | `function-url` | as `apigw-v2`, domain `*.lambda-url.*` or no `stage` | `headers` + `cookies[]` | `headers` + `cookies[]`, or an HTTP-integration stream |
 * | `alb` | `requestContext.elb` | `multiValueHeaders` when the target group has them on, else `headers` | the same form as the request; Set-Cookie per cookie |
 *
 * Request: the method; the full URL (host from the request context or `Host`, scheme from
 * `X-Forwarded-Proto`, the path percent-encoded without double-encoding, the query with every
 * repeated key: `rawQueryString` on v2, re-encoded decoded values on v1, ALB's raw values as
 * they are); every header value (repeated ones appended, cookies joined with `; `; text beyond
 * ASCII as its UTF-8 bytes, as `Deno.serve` shows such a header); the body as
 * bytes (`isBase64Encoded` bodies decoded, never through a string). The raw event, the Lambda
 * context and the client's IP address are on the second argument ({@linkcode HttpContext}).
 *
 * Response: the status; every header; each `Set-Cookie` as its own value; the body as text when
 * it is text (by content type, and valid UTF-8) and base64 otherwise, always base64 under a
 * `Content-Encoding` (gzip, br, ...); no body for 1xx/204/304 and HEAD.
 *
 * A handler that throws fails the invocation (API Gateway answers 502); an event that is not an
 * HTTP event fails it with a `TypeError` naming what was received.
 *
 * @module
 */

import {
  type ALBEvent,
  type ALBResult,
  type APIGatewayProxyEvent,
  type APIGatewayProxyEventV2,
  type APIGatewayProxyResult,
  type APIGatewayProxyStructuredResultV2,
  detectEventKind,
  type HttpEvent,
  type HttpEventKind,
  type HttpResult,
  type LambdaFunctionURLEvent,
} from "../protocol/http_event.ts";
export { detectEventKind };
export type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  HttpEvent,
  HttpEventKind,
  HttpResult,
  LambdaFunctionURLEvent,
};
import { reasonPhrase } from "../ground/http_status.ts";
import type { StreamingResponse } from "../runtime/streaming.ts";
import type { ClientContext, CognitoIdentity, LambdaContext } from "../runtime/types.ts";
import {
  decodeBase64,
  encodeBody,
  encodeComponent,
  encodePath,
  encodeRawQuery,
  headerValue,
} from "./encoding.ts";
import { type HttpResponseMetadata, httpStreamResponse } from "./stream.ts";

/** A fetch-style handler: the request in, a response out. */
export type FetchHandler = (
  request: Request,
  context: HttpContext,
) => Response | Promise<Response>;

/** Options of {@linkcode http}. */
export interface HttpOptions {
  /**
   * Remove the API Gateway stage from the front of the path (`/prod/users` → `/users`) when the
   * path starts with it. Needed for HTTP APIs with a named stage (their `rawPath` includes it),
   * harmless elsewhere. Default `false`.
   */
  stripStage?: boolean;
  /**
   * Overrides the text-or-base64 decision for a response body: return `true` for base64,
   * `false` for text (bytes that are not UTF-8 are then decoded lossily), `undefined` for the
   * default (see the module docs).
   */
  isBase64Encoded?: (response: Response) => boolean | undefined;
  /**
   * How the Function URL (or REST API) invokes the function, as its `InvokeMode` says. The event
   * does not tell: a function behind a `RESPONSE_STREAM` URL must say so. With
   * `RESPONSE_STREAM`, responses to Function URL and REST API events go out as HTTP-integration
   * streams (the body sent as the `Response` produces it); HTTP API and ALB events, which cannot
   * stream, still get buffered results. Default `BUFFERED`.
   */
  invokeMode?: "BUFFERED" | "RESPONSE_STREAM";
}

/** A Deno-style remote address (`Deno.ServeHandlerInfo.remoteAddr`). */
export interface RemoteAddr {
  /** Always `tcp`. */
  transport: "tcp";
  /** The client's IP address ("" when the event does not carry it). */
  hostname: string;
  /** Unknown behind Lambda: `0`. */
  port: number;
}

type AnyRecord = Record<string, unknown>;

function isRecord(v: unknown): v is AnyRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The second argument of a {@linkcode FetchHandler}: the Lambda context (all of its members),
 * plus the raw event, its kind and request context, and the client's address. Shaped so that
 * handlers written for other runtimes find what they look for: Hono's `c.env.event`,
 * `c.env.requestContext` and `c.env.lambdaContext` or `c.env.context` (as `hono/aws-lambda`'s
 * `handle` and `streamHandle` set them), and
 * `info.remoteAddr.hostname` of a `Deno.serve` handler.
 */
export class HttpContext implements LambdaContext {
  /** The raw event. */
  readonly event: HttpEvent;
  /** Which front door the event came from. */
  readonly kind: HttpEventKind;
  /** The event's `requestContext`. */
  readonly requestContext: HttpEvent["requestContext"];
  /** The Lambda context of the invocation. */
  readonly lambdaContext: LambdaContext;
  /** The client's IP address ("" when the event does not carry it). */
  readonly sourceIp: string;
  /** The client's address, as `Deno.serve` handlers receive it. */
  readonly remoteAddr: RemoteAddr;

  /** The context of one HTTP request: its event, its kind and the Lambda context. */
  constructor(event: HttpEvent, kind: HttpEventKind, lambdaContext: LambdaContext) {
    this.event = event;
    this.kind = kind;
    this.requestContext = event.requestContext;
    this.lambdaContext = lambdaContext;
    this.sourceIp = sourceIpOf(event, kind);
    this.remoteAddr = { transport: "tcp", hostname: this.sourceIp, port: 0 };
  }

  /** The Lambda context again, under the name Hono's `streamHandle` binds it to. */
  get context(): LambdaContext {
    return this.lambdaContext;
  }
  /** See `Context.callbackWaitsForEmptyEventLoop`. */
  get callbackWaitsForEmptyEventLoop(): boolean {
    return this.lambdaContext.callbackWaitsForEmptyEventLoop;
  }
  set callbackWaitsForEmptyEventLoop(v: boolean) {
    this.lambdaContext.callbackWaitsForEmptyEventLoop = v;
  }
  /** The function's name. */
  get functionName(): string {
    return this.lambdaContext.functionName;
  }
  /** The function's version. */
  get functionVersion(): string {
    return this.lambdaContext.functionVersion;
  }
  /** The ARN the function was invoked with. */
  get invokedFunctionArn(): string {
    return this.lambdaContext.invokedFunctionArn;
  }
  /** The memory limit, in MB, as a decimal string. */
  get memoryLimitInMB(): string {
    return this.lambdaContext.memoryLimitInMB;
  }
  /** The invocation's request id. */
  get awsRequestId(): string {
    return this.lambdaContext.awsRequestId;
  }
  /** The CloudWatch log group. */
  get logGroupName(): string {
    return this.lambdaContext.logGroupName;
  }
  /** The CloudWatch log stream. */
  get logStreamName(): string {
    return this.lambdaContext.logStreamName;
  }
  /** The Cognito identity, if any. */
  get identity(): CognitoIdentity | undefined {
    return this.lambdaContext.identity;
  }
  /** The client context, if any. */
  get clientContext(): ClientContext | undefined {
    return this.lambdaContext.clientContext;
  }
  /** The tenant id, if any. */
  get tenantId(): string | undefined {
    return this.lambdaContext.tenantId;
  }
  /** Aborts at the deadline and when the invocation ends. */
  get signal(): AbortSignal {
    return this.lambdaContext.signal;
  }
  /** The deadline, Unix epoch milliseconds. */
  get deadlineMs(): number {
    return this.lambdaContext.deadlineMs;
  }
  /** The X-Ray trace header, if any. */
  get traceId(): string | undefined {
    return this.lambdaContext.traceId;
  }
  /** Milliseconds left until the deadline. */
  getRemainingTimeInMillis(): number {
    return this.lambdaContext.getRemainingTimeInMillis();
  }
  /** @deprecated Node.js compatibility; see `Context.done`. */
  done(error?: Error, result?: unknown): void {
    this.lambdaContext.done(error, result);
  }
  /** @deprecated Node.js compatibility; see `Context.fail`. */
  fail(error: Error | string): void {
    this.lambdaContext.fail(error);
  }
  /** @deprecated Node.js compatibility; see `Context.succeed`. */
  succeed(messageOrObject: unknown, object?: unknown): void {
    if (object === undefined) this.lambdaContext.succeed(messageOrObject);
    else this.lambdaContext.succeed(String(messageOrObject), object);
  }
}

// ---- event → Request ------------------------------------------------------------------------

type MultiHeaders = Record<string, (string | undefined)[] | undefined> | null | undefined;
type SingleHeaders = Record<string, string | undefined> | null | undefined;

function firstHeader(event: AnyRecord, name: string): string | undefined {
  const single = event.headers as SingleHeaders;
  if (single) {
    for (const [k, v] of Object.entries(single)) if (v && k.toLowerCase() === name) return v;
  }
  const multi = event.multiValueHeaders as MultiHeaders;
  if (multi) {
    for (const [k, v] of Object.entries(multi)) {
      if (v && v.length > 0 && k.toLowerCase() === name) return v[0];
    }
  }
  return undefined;
}

/** The client as X-Forwarded-For names it: the last address (the one the front door appended). */
function forwardedFor(event: AnyRecord): string {
  const xff = firstHeader(event, "x-forwarded-for");
  if (!xff) return "";
  const parts = xff.split(",");
  return parts[parts.length - 1].trim();
}

function sourceIpOf(event: HttpEvent, kind: HttpEventKind): string {
  return PROCESSORS[kind].sourceIp(event as unknown as AnyRecord);
}

function appendHeader(headers: Headers, name: string, value: string | undefined): void {
  if (value === undefined || value === null) return;
  try {
    headers.append(name, headerValue(String(value)));
  } catch {
    // A name HTTP does not allow: no front door forwards one; skip it rather than fail.
  }
}

/** Fills `headers` (a fresh request's own: far cheaper than passing a `Headers` to `Request`). */
function fillHeaders(event: AnyRecord, kind: HttpEventKind, headers: Headers): void {
  const cookies: string[] = [];
  const multi = event.multiValueHeaders as MultiHeaders;
  const single = event.headers as SingleHeaders;
  const seen = new Set<string>();
  if (PROCESSORS[kind].multiValueRequest && multi) {
    for (const [name, values] of Object.entries(multi)) {
      if (!values) continue;
      const lower = name.toLowerCase();
      seen.add(lower);
      for (const v of values) {
        if (v === undefined || v === null) continue;
        if (lower === "cookie") cookies.push(v);
        else appendHeader(headers, name, v);
      }
    }
  }
  if (single) {
    for (const [name, v] of Object.entries(single)) {
      const lower = name.toLowerCase();
      if (v === undefined || v === null || seen.has(lower)) continue;
      if (lower === "cookie") cookies.push(v);
      else appendHeader(headers, name, v);
    }
  }
  if (Array.isArray(event.cookies)) {
    for (const c of event.cookies) if (typeof c === "string") cookies.push(c);
  }
  // Several Cookie values are one header joined with "; " (RFC 6265), never ", ".
  if (cookies.length > 0) appendHeader(headers, "cookie", cookies.join("; "));
}

function v1Query(event: AnyRecord): string {
  // API Gateway hands over decoded values: encode them again.
  const multi = event.multiValueQueryStringParameters as MultiHeaders;
  const parts: string[] = [];
  if (multi) {
    for (const [k, values] of Object.entries(multi)) {
      for (const v of values ?? []) {
        if (v !== undefined && v !== null) {
          parts.push(`${encodeComponent(k)}=${encodeComponent(v)}`);
        }
      }
    }
  } else {
    const single = event.queryStringParameters as SingleHeaders;
    for (const [k, v] of Object.entries(single ?? {})) {
      if (v !== undefined && v !== null) parts.push(`${encodeComponent(k)}=${encodeComponent(v)}`);
    }
  }
  return parts.join("&");
}

function albQuery(event: AnyRecord): string {
  // ALB hands over the values exactly as the client sent them (still percent-encoded).
  const multi = event.multiValueQueryStringParameters as MultiHeaders;
  const parts: string[] = [];
  const add = (k: string, v: string) => parts.push(v === "" && k === "" ? "" : `${k}=${v}`);
  if (multi) {
    for (const [k, values] of Object.entries(multi)) {
      for (const v of values ?? []) if (v !== undefined && v !== null) add(k, v);
    }
  } else {
    const single = event.queryStringParameters as SingleHeaders;
    for (const [k, v] of Object.entries(single ?? {})) if (v !== undefined && v !== null) add(k, v);
  }
  return encodeRawQuery(parts.join("&"));
}

function stripStagePrefix(path: string, stage: unknown): string {
  if (typeof stage !== "string" || stage === "" || stage === "$default") return path;
  const prefix = "/" + stage;
  if (path === prefix) return "/";
  if (path.startsWith(prefix + "/")) return path.slice(prefix.length);
  return path;
}

function hostOf(event: AnyRecord, kind: HttpEventKind): string {
  const rc = event.requestContext as AnyRecord;
  const fromContext = typeof rc.domainName === "string" ? rc.domainName : "";
  const fromHeader = firstHeader(event, "host") ?? "";
  const host = PROCESSORS[kind].hostFromHeader
    ? fromHeader || fromContext
    : fromContext || fromHeader;
  return /^[A-Za-z0-9.\-:[\]_]+$/.test(host) ? host : "localhost";
}

/** Builds the `Request` an HTTP event stands for (see the module docs). */
export function eventToRequest(
  event: HttpEvent,
  kind: HttpEventKind,
  options: Pick<HttpOptions, "stripStage"> = {},
  signal?: AbortSignal,
): Request {
  const e = event as unknown as AnyRecord;
  const rc = e.requestContext as AnyRecord;
  const line = PROCESSORS[kind].requestLine(e);
  const { method, query } = line;
  let path = line.path;
  if (options.stripStage) path = stripStagePrefix(path, rc.stage);
  if (!path.startsWith("/")) path = "/" + path;
  const proto = firstHeader(e, "x-forwarded-proto")?.toLowerCase() === "http" ? "http" : "https";
  const url = `${proto}://${hostOf(e, kind)}${encodePath(path)}${query ? "?" + query : ""}`;

  let body: Uint8Array | undefined;
  if (typeof e.body === "string" && method !== "GET" && method !== "HEAD") {
    body = e.isBase64Encoded === true ? decodeBase64(e.body) : encoder.encode(e.body);
  }
  const request = new Request(url, {
    method,
    body: body as Uint8Array<ArrayBuffer> | undefined,
    signal,
  });
  fillHeaders(e, kind, request.headers);
  return request;
}

const encoder = new TextEncoder();

// ---- Response → result ----------------------------------------------------------------------

/** Statuses that never carry a body. */
function bodyless(status: number, method: string): boolean {
  return status < 200 || status === 204 || status === 205 || status === 304 || method === "HEAD";
}

/** Header names/values of a response, repeated names kept apart, Set-Cookie separated. */
function collectHeaders(res: Response): { multi: Record<string, string[]>; cookies: string[] } {
  // No prototype: a header a handler names `__proto__` is data like any other.
  const multi: Record<string, string[]> = Object.create(null);
  for (const [name, value] of res.headers) {
    if (name === "set-cookie") continue;
    (multi[name] ??= []).push(value);
  }
  return { multi, cookies: res.headers.getSetCookie() };
}

function joined(multi: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(multi)) {
    // `out[k] =` would set the prototype for `__proto__`: define it as data instead.
    if (k === "__proto__") {
      Object.defineProperty(out, k, { value: v.join(", "), enumerable: true, writable: true });
    } else out[k] = v.join(", ");
  }
  return out;
}

/**
 * Spellings of `set-cookie` differing only in letter case: the only way to return several
 * cookies where a result has one value per header name (ALB without multi-value headers).
 */
function cookieNameVariants(n: number): string[] {
  const base = "set-cookie";
  const letters = [...base].map((c, i) => (/[a-z]/.test(c) ? i : -1)).filter((i) => i >= 0);
  const out: string[] = [];
  for (let mask = 0; out.length < n && mask < 1 << letters.length; mask++) {
    const chars = [...base];
    letters.forEach((at, bit) => {
      if (mask & (1 << bit)) chars[at] = chars[at].toUpperCase();
    });
    out.push(chars.join(""));
  }
  return out;
}

/** Shapes a status, headers and an encoded body as the result `kind` expects. */
function shapeResult(
  kind: HttpEventKind,
  event: AnyRecord,
  status: number,
  multi: Record<string, string[]>,
  cookies: string[],
  body: { body: string; isBase64Encoded: boolean },
): HttpResult {
  return PROCESSORS[kind].result(event, status, multi, cookies, body);
}

// ---- one processor per event kind -----------------------------------------------------------

/** What differs between the front doors, each in one place (as Hono's Lambda adapter does). */
interface EventProcessor {
  /** The method, the path and the (encoded) query of the request. */
  requestLine(event: AnyRecord): { method: string; path: string; query: string };
  /** Whether the request's `multiValueHeaders` are read (else only `headers` and `cookies`). */
  multiValueRequest: boolean;
  /** Whether the Host header comes before the request context's domain name. */
  hostFromHeader: boolean;
  /** The client's IP address. */
  sourceIp(event: AnyRecord): string;
  /** The buffered result of a response. */
  result(
    event: AnyRecord,
    status: number,
    multi: Record<string, string[]>,
    cookies: string[],
    body: { body: string; isBase64Encoded: boolean },
  ): HttpResult;
  /** Whether a `RESPONSE_STREAM` invoke can stream to this front door. */
  canStream: boolean;
}

/** HTTP API payload 2.0 and Function URLs share their shapes. */
const V2: Omit<EventProcessor, "canStream"> = {
  requestLine(e) {
    const http = (e.requestContext as AnyRecord).http as AnyRecord;
    return {
      method: String(http.method ?? "GET"),
      path: typeof e.rawPath === "string" ? e.rawPath : String(http.path ?? "/"),
      query: typeof e.rawQueryString === "string" ? encodeRawQuery(e.rawQueryString) : "",
    };
  },
  multiValueRequest: false,
  // The request context has the domain (a custom domain included).
  hostFromHeader: false,
  sourceIp: (e) =>
    String(((e.requestContext as AnyRecord).http as AnyRecord | undefined)?.sourceIp ?? ""),
  result(_event, status, multi, cookies, body) {
    const out: APIGatewayProxyStructuredResultV2 = { statusCode: status, headers: joined(multi) };
    if (cookies.length > 0) out.cookies = cookies;
    out.body = body.body;
    out.isBase64Encoded = body.isBase64Encoded;
    return out;
  },
};

const PROCESSORS: Record<HttpEventKind, EventProcessor> = {
  "apigw-v2": { ...V2, canStream: false },
  "function-url": { ...V2, canStream: true },
  "apigw-v1": {
    requestLine: (e) => ({
      method: String(e.httpMethod ?? "GET"),
      path: typeof e.path === "string" ? e.path : "/",
      query: v1Query(e),
    }),
    multiValueRequest: true,
    // The Host header is the custom domain when there is one.
    hostFromHeader: true,
    sourceIp: (e) => {
      const identity = (e.requestContext as AnyRecord).identity as AnyRecord | undefined;
      const ip = identity?.sourceIp;
      return typeof ip === "string" && ip !== "" ? ip : forwardedFor(e);
    },
    result(_event, status, multi, cookies, body) {
      // Only multiValueHeaders: API Gateway merges `headers` into them, so giving both could
      // send a value twice.
      const mv: Record<string, string[]> = { ...multi };
      if (cookies.length > 0) mv["set-cookie"] = cookies;
      return {
        statusCode: status,
        multiValueHeaders: mv,
        body: body.body,
        isBase64Encoded: body.isBase64Encoded,
      };
    },
    canStream: true,
  },
  alb: {
    requestLine: (e) => ({
      method: String(e.httpMethod ?? "GET"),
      path: typeof e.path === "string" ? e.path : "/",
      query: albQuery(e),
    }),
    multiValueRequest: true,
    hostFromHeader: true,
    sourceIp: forwardedFor,
    result(event, status, multi, cookies, body) {
      const out: ALBResult = {
        statusCode: status,
        statusDescription: `${status} ${reasonPhrase(status, "")}`.trimEnd(),
      };
      if (event.multiValueHeaders) {
        const mv: Record<string, string[]> = { ...multi };
        if (cookies.length > 0) mv["set-cookie"] = cookies;
        out.multiValueHeaders = mv;
      } else {
        const h: Record<string, string> = joined(multi);
        const names = cookieNameVariants(cookies.length);
        cookies.forEach((c, i) => {
          if (i < names.length) h[names[i]] = c;
        });
        out.headers = h;
      }
      out.body = body.body;
      out.isBase64Encoded = body.isBase64Encoded;
      return out;
    },
    canStream: false,
  },
};

/** Turns a `Response` into the buffered result `kind` expects (see the module docs). */
export async function responseToResult(
  res: Response,
  event: HttpEvent,
  kind: HttpEventKind,
  options: Pick<HttpOptions, "isBase64Encoded"> = {},
  method = "GET",
): Promise<HttpResult> {
  const status = res.status;
  let bytes: Uint8Array;
  if (bodyless(status, method)) {
    await res.body?.cancel().catch(() => {});
    bytes = new Uint8Array(0);
  } else {
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  const { multi, cookies } = collectHeaders(res);
  const body = encodeBody(
    bytes,
    res.headers.get("content-type"),
    res.headers.get("content-encoding"),
    options.isBase64Encoded?.(res),
  );
  return shapeResult(kind, event as unknown as AnyRecord, status, multi, cookies, body);
}

/** Turns a `Response` into an HTTP-integration stream (Function URL / REST API streaming). */
function responseToStream(
  res: Response,
  event: HttpEvent,
  kind: HttpEventKind,
  options: Pick<HttpOptions, "isBase64Encoded">,
  method: string,
): StreamingResponse {
  const { multi, cookies } = collectHeaders(res);
  const metadata: HttpResponseMetadata = { statusCode: res.status, headers: joined(multi) };
  if (cookies.length > 0) metadata.cookies = cookies;
  let body: ReadableStream<Uint8Array> | null = res.body;
  if (bodyless(res.status, method)) {
    res.body?.cancel().catch(() => {});
    body = null;
  }
  return httpStreamResponse(body, metadata, {
    // Where streaming is impossible (go1.x): the ordinary result of this response.
    buffered: (bytes) => {
      const enc = encodeBody(
        bytes,
        res.headers.get("content-type"),
        res.headers.get("content-encoding"),
        options.isBase64Encoded?.(res),
      );
      return shapeResult(kind, event as unknown as AnyRecord, res.status, multi, cookies, enc);
    },
  });
}

/**
 * Turns a fetch-style handler into a Lambda handler for API Gateway (REST and HTTP APIs), ALB
 * and Function URLs (see the module docs).
 *
 * @example
 * ```ts
 * import { start } from "../runtime/mod.ts";
 * import { http } from "./mod.ts";
 *
 * start(http((req, ctx) => {
 *   const url = new URL(req.url);
 *   return Response.json({ path: url.pathname, from: ctx.sourceIp });
 * }));
 * ```
 */
export function http(
  handler: FetchHandler,
  options: HttpOptions = {},
): (event: HttpEvent, context: LambdaContext) => Promise<HttpResult | StreamingResponse> {
  const streamMode = options.invokeMode === "RESPONSE_STREAM";
  return async (event, context) => {
    const kind = detectEventKind(event);
    if (kind === null) {
      const what = isRecord(event) ? `an object with keys ${Object.keys(event).join(", ")}` : (
        event === null ? "null" : typeof event
      );
      throw new TypeError(
        `not an HTTP event (API Gateway, ALB or Function URL): got ${what}`,
      );
    }
    const request = eventToRequest(event, kind, options, context.signal);
    const res = await handler(request, new HttpContext(event, kind, context));
    if (!(res instanceof Response)) {
      throw new TypeError(
        `the HTTP handler must return a Response, got ${res === null ? "null" : typeof res}`,
      );
    }
    if (streamMode && PROCESSORS[kind].canStream) {
      return responseToStream(res, event, kind, options, request.method);
    }
    return await responseToResult(res, event, kind, options, request.method);
  };
}
