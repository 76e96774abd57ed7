/**
 * The HTTP event contract: what API Gateway (REST and HTTP APIs), Application Load Balancers and
 * Function URLs send a function and accept back. The HTTP adapter (`http/`, which reads events
 * and writes results) and the emulator's `serve --http` (which writes events and reads results)
 * both take from here:
 *
 * - the event and result types (`@types/aws-lambda`'s) and the four kinds, with
 *   {@linkcode detectEventKind} telling them apart;
 * - the text-or-base64 rule for bodies ({@linkcode textBody});
 * - the HTTP-integration stream of response streaming: its content type and the delimiter after
 *   its JSON prelude.
 *
 * @module
 */

import type * as aws from "./aws_lambda.ts";

/** An API Gateway REST API (v1 proxy) event (`@types/aws-lambda`). */
export type APIGatewayProxyEvent = aws.APIGatewayProxyEvent;
/** An API Gateway HTTP API (v2) event (`@types/aws-lambda`). */
export type APIGatewayProxyEventV2 = aws.APIGatewayProxyEventV2;
/** A Lambda Function URL event (`@types/aws-lambda`). */
export type LambdaFunctionURLEvent = aws.LambdaFunctionURLEvent;
/** An Application Load Balancer event (`@types/aws-lambda`). */
export type ALBEvent = aws.ALBEvent;
/** An Application Load Balancer result (`@types/aws-lambda`). */
export type ALBResult = aws.ALBResult;
/** An API Gateway REST API (v1 proxy) result (`@types/aws-lambda`). */
export type APIGatewayProxyResult = aws.APIGatewayProxyResult;
/** An API Gateway HTTP API (v2) / Function URL result (`@types/aws-lambda`). */
export type APIGatewayProxyStructuredResultV2 = aws.APIGatewayProxyStructuredResultV2;

/** The HTTP front doors an event can come from. */
export type HttpEventKind = "apigw-v1" | "apigw-v2" | "function-url" | "alb";

/** Every kind, in the order {@linkcode detectEventKind} tries them. */
export const HTTP_EVENT_KINDS: readonly HttpEventKind[] = [
  "alb",
  "function-url",
  "apigw-v2",
  "apigw-v1",
];

/** Any HTTP event. */
export type HttpEvent =
  | APIGatewayProxyEvent
  | APIGatewayProxyEventV2
  | LambdaFunctionURLEvent
  | ALBEvent;

/** Any buffered HTTP result. */
export type HttpResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | ALBResult;

type AnyRecord = Record<string, unknown>;

function isRecord(v: unknown): v is AnyRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The kind of an HTTP event, or `null` when `event` is not one. */
export function detectEventKind(event: unknown): HttpEventKind | null {
  if (!isRecord(event)) return null;
  const rc = event.requestContext;
  if (isRecord(rc) && isRecord(rc.elb)) return "alb";
  if (isRecord(rc) && isRecord(rc.http) && (event.version === "2.0" || "rawPath" in event)) {
    // Function URL events have no stage (HTTP API events always do: `$default` at least).
    const domain = typeof rc.domainName === "string" ? rc.domainName : "";
    return domain.includes(".lambda-url.") || rc.stage === undefined ? "function-url" : "apigw-v2";
  }
  if (typeof event.httpMethod === "string" && isRecord(rc)) return "apigw-v1";
  return null;
}

const TEXT_TYPE =
  /^\s*(?:text\/|application\/(?:javascript|ecmascript|x-javascript|x-www-form-urlencoded|graphql|(?:x-)?ndjson|(?:x-)?yaml|toml|sql)\s*(?:;|$))|[+/](?:json|xml)\s*(?:;|$)/i;

/** Whether a content type names text (`text/*`, JSON, XML and their `+json`/`+xml` kin, ...). */
export function isTextContentType(contentType: string): boolean {
  return TEXT_TYPE.test(contentType);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or `null` when they are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The text-or-base64 rule for a body in an event or a result: the body as text, or `null` when
 * it must go base64:
 * - a `Content-Encoding` other than `identity` (gzip, br, ...) → base64;
 * - a text content type → text, unless the bytes are not valid UTF-8 (then base64: a text body
 *   in another charset must not be mangled);
 * - no content type → text when the bytes are valid UTF-8, else base64;
 * - any other content type → base64.
 */
export function textBody(
  bytes: Uint8Array,
  contentType: string | null,
  contentEncoding: string | null = null,
): string | null {
  if (contentEncoding && !/^\s*identity\s*$/i.test(contentEncoding)) return null;
  if (contentType && !isTextContentType(contentType)) return null;
  return utf8OrNull(bytes);
}

/** The content type of an HTTP-integration stream (response streaming through a front door). */
export const HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";

/** The bytes between an HTTP-integration stream's JSON prelude and its body: 8 NULs. */
export const PRELUDE_DELIMITER_LENGTH = 8;

/** A proxy result (or a stream's prelude) as a front door accepts it, validated. */
export interface ProxyResponse {
  /** The status, 200–599. */
  status: number;
  /** Header lines, in order; repeated names kept apart (`Set-Cookie` included). */
  headers: [string, string][];
  /** The body as the result carries it (`""` when absent). */
  body: string;
  /** Whether `body` is base64. */
  isBase64Encoded: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type Scalar = string | number | boolean;

function isScalar(v: unknown): v is Scalar {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** A header map's entries, or `null` when it is malformed; `null`/absent is empty. */
function entriesOf(v: unknown): [string, unknown][] | null {
  if (v === undefined || v === null) return [];
  if (typeof v !== "object" || Array.isArray(v)) return null;
  return Object.entries(v as AnyRecord);
}

/**
 * Reads a function's proxy result (`statusCode`, `headers`, `multiValueHeaders`, `cookies`,
 * `body`, `isBase64Encoded`) as API Gateway and Function URLs do, or returns `null` when it is
 * malformed, which those front doors answer with a 502 and never pass on:
 * - `statusCode` must be an integer (or its decimal text) from 200 to 599 (absent: 200);
 * - `headers` must map names to strings, numbers or booleans; `multiValueHeaders` names to
 *   arrays of them (`{"X-M": "abc"}` is malformed, not three values); `cookies` must be an array
 *   of strings; `body` a string; `isBase64Encoded` a boolean (each may be absent or `null`);
 * - a header name must be an HTTP token; one that is not, or `__proto__` (a key no JavaScript
 *   object carries as data), makes the result malformed;
 * - a value with CR, LF or NUL (which would split a header) makes the result malformed.
 *
 * A name in `multiValueHeaders` wins over the same name in `headers` (as API Gateway merges
 * them).
 */
export function readProxyResponse(result: unknown): ProxyResponse | null {
  if (typeof result !== "object" || result === null || Array.isArray(result)) return null;
  const r = result as AnyRecord;
  const code = r.statusCode ?? 200;
  const status = typeof code === "number"
    ? code
    : typeof code === "string" && /^\d{3}$/.test(code)
    ? Number(code)
    : NaN;
  if (!Number.isInteger(status) || status < 200 || status > 599) return null;
  const headers: [string, string][] = [];
  const fromMulti = new Set<string>();
  const add = (name: string, value: unknown): boolean => {
    if (!TOKEN.test(name) || name === "__proto__" || !isScalar(value)) return false;
    const text = String(value);
    if (/[\r\n\0]/.test(text)) return false;
    headers.push([name, text]);
    return true;
  };
  const multi = entriesOf(r.multiValueHeaders);
  const single = entriesOf(r.headers);
  if (multi === null || single === null) return null;
  for (const [name, values] of multi) {
    if (values === null || values === undefined) continue;
    if (!Array.isArray(values)) return null;
    fromMulti.add(name.toLowerCase());
    for (const v of values) if (!add(name, v)) return null;
  }
  for (const [name, v] of single) {
    if (v === null || v === undefined) continue;
    if (fromMulti.has(name.toLowerCase())) continue;
    if (!add(name, v)) return null;
  }
  const cookies = r.cookies ?? [];
  if (!Array.isArray(cookies)) return null;
  for (const c of cookies) if (typeof c !== "string" || !add("set-cookie", c)) return null;
  const body = r.body ?? "";
  if (typeof body !== "string") return null;
  const b64 = r.isBase64Encoded ?? false;
  if (typeof b64 !== "boolean") return null;
  return { status, headers, body, isBase64Encoded: b64 };
}
