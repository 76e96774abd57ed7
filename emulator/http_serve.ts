/**
 * `serve --http`: a local HTTP server on `127.0.0.1` in front of a function, the way a Function
 * URL (or API Gateway, or an ALB) is in front of it on AWS. Each request becomes the event that
 * front door would send, the function is invoked, and its answer is written back:
 *
 * ```sh
 * deno run -A emulator/cli.ts serve --http examples/http.ts --port 9000
 * curl -i 'http://127.0.0.1:9000/hello?name=Ada'
 * ```
 *
 * - Event kinds: `function-url` (default), `apigw-v2` (stage `$default`), `apigw-v1` (REST API
 *   proxy integration, stage `dev`), `alb` (multi-value headers off, as ALB's default;
 *   `albMultiValueHeaders` turns them on). Bodies are sent as text when they are text
 *   (by content type, and valid UTF-8), base64 otherwise; cookies, repeated headers and repeated
 *   query keys are shaped as each front door shapes them.
 * - Answers: a buffered proxy result (`statusCode`, `headers`, `multiValueHeaders`, `cookies`,
 *   `body`, `isBase64Encoded`) becomes the HTTP response; a result without `statusCode` is sent as
 *   JSON with status 200 (as Function URLs do). An HTTP-integration stream (`http()` in
 *   `RESPONSE_STREAM` mode, `awslambda.HttpResponseStream`) is written back chunk by chunk as the
 *   function produces it. A failed invocation is a 502 `{"message":"Internal Server Error"}`; a
 *   failure after streaming started cuts the response off.
 *
 * @module
 */

import {
  HTTP_INTEGRATION_CONTENT_TYPE,
  type HttpEventKind,
  PRELUDE_DELIMITER_LENGTH,
  readProxyResponse,
  textBody,
} from "../protocol/http_event.ts";
import { decodeBase64, encodeBase64 } from "../ground/bytes.ts";
import { MAX_INVOKE_REQUEST, tooLargeRequest } from "../protocol/runtime_api.ts";
import { readLimited } from "./read_limited.ts";
import type { InvokeOptions, StreamOutcome } from "./function.ts";

/** The front doors `serve --http` can play (the contract's event kinds). */
export type HttpEventKindOption = HttpEventKind;

/** Anything that can stream an invocation: a `LocalFunction` or a `FunctionPool`. */
export interface StreamInvoker {
  /** See `LocalFunction.invokeStream`. */
  invokeStream(event: unknown, options?: InvokeOptions): Promise<StreamOutcome>;
}

/** Options of {@linkcode serveHttp}. */
export interface HttpServeOptions {
  /** The port (default 9000; 0 for a random one). Always on 127.0.0.1. */
  port?: number;
  /** The event kind (default `function-url`). */
  eventKind?: HttpEventKindOption;
  /** ALB only: send multi-value headers and query strings (default `false`, as ALB). */
  albMultiValueHeaders?: boolean;
  /** Called once listening. */
  onListen?: (addr: { hostname: string; port: number }) => void;
  /** Stops the server. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PRELUDE_TYPE = HTTP_INTEGRATION_CONTENT_TYPE;
/** Most of a prelude we accept before giving up on finding its end. */
const MAX_PRELUDE = 1024 * 1024;

/** A request body as the front door puts it in the event (the contract's text-or-base64 rule). */
function encodeBody(bytes: Uint8Array, contentType: string | null, contentEncoding: string | null) {
  if (bytes.length === 0) return { body: undefined, isBase64Encoded: false };
  const text = textBody(bytes, contentType, contentEncoding);
  if (text !== null) return { body: text, isBase64Encoded: false };
  return { body: encodeBase64(bytes), isBase64Encoded: true };
}

/**
 * A record for keys a client chooses (header names, query keys): no prototype, so a key such as
 * `__proto__` is data like any other.
 */
function dict<V>(): Record<string, V> {
  return Object.create(null);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** Query pairs as they appear in the raw query string (keys and values still encoded). */
function rawPairs(search: string): [string, string][] {
  if (search === "") return [];
  return search.split("&").filter((p) => p !== "").map((p) => {
    const i = p.indexOf("=");
    return i < 0 ? [p, ""] : [p.slice(0, i), p.slice(i + 1)];
  });
}

function group(pairs: [string, string][]): Record<string, string[]> {
  const out: Record<string, string[]> = dict();
  for (const [k, v] of pairs) (out[k] ??= []).push(v);
  return out;
}

function last(multi: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = dict();
  for (const [k, v] of Object.entries(multi)) out[k] = v[v.length - 1];
  return out;
}

/** What every event kind is made from: a request read once. */
interface ReadRequest {
  method: string;
  url: URL;
  rawQuery: string;
  host: string;
  userAgent: string;
  sourceIp: string;
  requestId: string;
  /** Epoch milliseconds of the request. */
  now: number;
  /** Request headers by lower-case name, every value, `Cookie` apart. */
  multiHeaders: Record<string, string[]>;
  /** Each cookie of the `Cookie` headers. */
  cookies: string[];
  /** The body as the event carries it (text or base64), `undefined` when empty. */
  text: string | undefined;
  isBase64Encoded: boolean;
}

function readRequest(req: Request, body: Uint8Array, sourceIp: string): ReadRequest {
  const url = new URL(req.url);
  const multiHeaders: Record<string, string[]> = dict();
  const cookies: string[] = [];
  for (const [k, v] of req.headers) {
    if (k === "cookie") {
      for (const c of v.split(/;\s*/)) if (c !== "") cookies.push(c);
      continue;
    }
    (multiHeaders[k] ??= []).push(v);
  }
  const { body: text, isBase64Encoded } = encodeBody(
    body,
    req.headers.get("content-type"),
    req.headers.get("content-encoding"),
  );
  return {
    method: req.method,
    url,
    rawQuery: url.search.slice(1),
    host: req.headers.get("host") ?? url.host,
    userAgent: req.headers.get("user-agent") ?? "",
    sourceIp,
    requestId: crypto.randomUUID(),
    now: Date.now(),
    multiHeaders,
    cookies,
    text,
    isBase64Encoded,
  };
}

/** HTTP API payload 2.0 and Function URL events (they differ in the request context only). */
function v2Event(r: ReadRequest, kind: "function-url" | "apigw-v2"): Record<string, unknown> {
  const headers: Record<string, string> = dict();
  for (const [k, v] of Object.entries(r.multiHeaders)) headers[k] = v.join(",");
  const query: Record<string, string> = dict();
  for (const [k, v] of Object.entries(group(rawPairs(r.rawQuery)))) {
    query[safeDecode(k)] = v.map(safeDecode).join(",");
  }
  const event: Record<string, unknown> = {
    version: "2.0",
    routeKey: "$default",
    rawPath: r.url.pathname,
    rawQueryString: r.rawQuery,
  };
  if (r.cookies.length > 0) event.cookies = r.cookies;
  event.headers = headers;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  const requestContext: Record<string, unknown> = {
    accountId: kind === "function-url" ? "anonymous" : "123456789012",
    apiId: "local",
    domainName: r.host,
    domainPrefix: r.host.split(".")[0],
    http: {
      method: r.method,
      path: r.url.pathname,
      protocol: "HTTP/1.1",
      sourceIp: r.sourceIp,
      userAgent: r.userAgent,
    },
    requestId: r.requestId,
    time: new Date(r.now).toUTCString(),
    timeEpoch: r.now,
  };
  if (kind === "apigw-v2") {
    requestContext.routeKey = "$default";
    requestContext.stage = "$default";
  }
  event.requestContext = requestContext;
  if (r.text !== undefined) event.body = r.text;
  event.isBase64Encoded = r.isBase64Encoded;
  return event;
}

/** The `Cookie` header as one value, as API Gateway v1 and ALB pass it. */
function withCookieHeader(r: ReadRequest): Record<string, string[]> {
  const multi = { ...r.multiHeaders };
  if (r.cookies.length > 0) multi.cookie = [r.cookies.join("; ")];
  return multi;
}

/** An ALB event; `multiValue`: the target group has multi-value headers on. */
function albEvent(r: ReadRequest, multiValue: boolean): Record<string, unknown> {
  const multiHeaders = withCookieHeader(r);
  const pairs = rawPairs(r.rawQuery); // ALB passes values as they were sent
  const event: Record<string, unknown> = {
    requestContext: {
      elb: {
        targetGroupArn:
          "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/local/0123456789abcdef",
      },
    },
    httpMethod: r.method,
    path: r.url.pathname,
  };
  const xff = [...(multiHeaders["x-forwarded-for"] ?? []), r.sourceIp].join(", ");
  multiHeaders["x-forwarded-for"] = [xff];
  multiHeaders["x-forwarded-proto"] ??= ["http"];
  multiHeaders["x-forwarded-port"] ??= [r.url.port || "80"];
  if (multiValue) {
    event.multiValueQueryStringParameters = group(pairs);
    event.multiValueHeaders = multiHeaders;
  } else {
    event.queryStringParameters = last(group(pairs));
    event.headers = last(multiHeaders);
  }
  event.body = r.text ?? "";
  event.isBase64Encoded = r.isBase64Encoded;
  return event;
}

/** A REST API (proxy integration) event. */
function v1Event(r: ReadRequest): Record<string, unknown> {
  const multiHeaders = withCookieHeader(r);
  const decodedPairs = rawPairs(r.rawQuery).map(([k, v]) =>
    [safeDecode(k), safeDecode(v)] as [string, string]
  );
  const multiQuery = group(decodedPairs);
  const stage = "dev";
  const path = safeDecode(r.url.pathname);
  return {
    resource: "/{proxy+}",
    path,
    httpMethod: r.method,
    headers: last(multiHeaders),
    multiValueHeaders: multiHeaders,
    queryStringParameters: decodedPairs.length > 0 ? last(multiQuery) : null,
    multiValueQueryStringParameters: decodedPairs.length > 0 ? multiQuery : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "local",
      domainName: r.host,
      domainPrefix: r.host.split(".")[0],
      httpMethod: r.method,
      identity: { sourceIp: r.sourceIp, userAgent: r.userAgent },
      path: `/${stage}${r.url.pathname}`,
      protocol: "HTTP/1.1",
      requestId: r.requestId,
      requestTimeEpoch: r.now,
      resourcePath: "/{proxy+}",
      stage,
    },
    body: r.text ?? null,
    isBase64Encoded: r.isBase64Encoded,
  };
}

/**
 * The event `kind` would send for `req` (with its body already read). Exported for tests and
 * for other tools that need events made from real requests.
 */
export function requestToEvent(
  req: Request,
  body: Uint8Array,
  kind: HttpEventKindOption,
  sourceIp: string,
  albMultiValueHeaders = false,
): Record<string, unknown> {
  const r = readRequest(req, body, sourceIp);
  switch (kind) {
    case "function-url":
    case "apigw-v2":
      return v2Event(r, kind);
    case "alb":
      return albEvent(r, albMultiValueHeaders);
    case "apigw-v1":
      return v1Event(r);
  }
}

function badGateway(): Response {
  return new Response('{"message":"Internal Server Error"}', {
    status: 502,
    headers: { "content-type": "application/json" },
  });
}

function tooLarge(): Response {
  return new Response(JSON.stringify({ Message: tooLargeRequest() }), {
    status: 413,
    headers: { "content-type": "application/json" },
  });
}

/** Reads a stream up to the end of its prelude (8 NUL bytes). */
async function readPrelude(reader: ReadableStreamDefaultReader<Uint8Array>) {
  let buf = new Uint8Array(0);
  while (true) {
    const at = buf.indexOf(0);
    if (at >= 0 && buf.length >= at + PRELUDE_DELIMITER_LENGTH) {
      const metadata = JSON.parse(decoder.decode(buf.subarray(0, at))) as Record<string, unknown>;
      return { metadata, rest: buf.subarray(at + PRELUDE_DELIMITER_LENGTH) };
    }
    if (buf.length > MAX_PRELUDE) throw new Error("the response prelude never ended");
    const r = await reader.read();
    if (r.done) throw new Error("the stream ended inside its prelude");
    const next = new Uint8Array(buf.length + r.value.length);
    next.set(buf, 0);
    next.set(r.value, buf.length);
    buf = next;
  }
}

async function collect(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (true) {
    const r = await reader.read();
    if (r.done) break;
    chunks.push(r.value);
    n += r.value.length;
  }
  const out = new Uint8Array(n);
  n = 0;
  for (const c of chunks) {
    out.set(c, n);
    n += c.length;
  }
  return out;
}

/** A request handler turning requests into events for `fn` (see the module docs). */
export function httpEventHandler(
  fn: StreamInvoker,
  options: Pick<HttpServeOptions, "eventKind" | "albMultiValueHeaders"> = {},
): (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response> {
  const kind = options.eventKind ?? "function-url";
  return async (req, info) => {
    const addr = info?.remoteAddr as Deno.NetAddr | undefined;
    // Function URLs take at most 6 MB, enforced while reading.
    const read = await readLimited(req, MAX_INVOKE_REQUEST);
    if (!read.ok) return tooLarge();
    const body = read.bytes;
    const event = requestToEvent(
      req,
      body,
      kind,
      addr?.hostname ?? "127.0.0.1",
      options.albMultiValueHeaders,
    );
    let out: StreamOutcome;
    try {
      out = await fn.invokeStream(event);
    } catch {
      return badGateway();
    }
    const reader = out.body.getReader();

    if (out.contentType === PRELUDE_TYPE) {
      let prelude;
      try {
        prelude = await readPrelude(reader);
      } catch {
        await reader.cancel().catch(() => {});
        return badGateway();
      }
      const done = out.done;
      const first = prelude.rest;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          if (first.length > 0) c.enqueue(first);
        },
        async pull(c) {
          const r = await reader.read();
          if (!r.done) return c.enqueue(r.value);
          const { error } = await done;
          if (error) c.error(new Error(error.error.errorMessage)); // cut the response off
          else c.close();
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      const meta = readProxyResponse(prelude.metadata);
      if (meta === null) {
        await reader.cancel().catch(() => {});
        return badGateway();
      }
      const nullBody = meta.status === 204 || meta.status === 304;
      if (nullBody) await reader.cancel().catch(() => {});
      return new Response(nullBody ? null : stream, {
        status: meta.status,
        headers: meta.headers,
      });
    }

    const payload = await collect(reader);
    const { error } = await out.done;
    if (error) return badGateway();
    let result: unknown;
    try {
      result = JSON.parse(decoder.decode(payload));
    } catch {
      result = undefined;
    }
    if (
      typeof result !== "object" || result === null || Array.isArray(result) ||
      !("statusCode" in result)
    ) {
      // Not a proxy result: Function URLs send it as JSON with status 200.
      return new Response(payload as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: { "content-type": out.contentType || "application/json" },
      });
    }
    // A malformed proxy result is never passed on: a 502, as API Gateway and Function URLs answer.
    const r = readProxyResponse(result);
    if (r === null) return badGateway();
    let bytes: Uint8Array;
    try {
      bytes = r.isBase64Encoded ? decodeBase64(r.body) : encoder.encode(r.body);
    } catch {
      return badGateway();
    }
    const nullBody = r.status === 204 || r.status === 304 || req.method === "HEAD";
    return new Response(nullBody ? null : bytes as Uint8Array<ArrayBuffer>, {
      status: r.status,
      headers: r.headers,
    });
  };
}

/** Serves `fn` over HTTP on 127.0.0.1 (see the module docs). */
export function serveHttp(fn: StreamInvoker, options: HttpServeOptions = {}): Deno.HttpServer {
  return Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 9000,
    signal: options.signal,
    onListen: options.onListen ?? (() => {}),
  }, httpEventHandler(fn, options));
}
