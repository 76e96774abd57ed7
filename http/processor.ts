/**
 * What differs between Lambda's HTTP front doors (API Gateway REST and HTTP APIs, Function URLs,
 * ALB), each in one place, as Hono's Lambda adapter keeps one processor per event kind: the
 * request line, where the headers and the client's address come from, the shape of the result,
 * and whether a streamed response can reach it. The request builder (`request.ts`) and the result
 * shaping (`result.ts`) ask {@linkcode PROCESSORS}.
 *
 * @module
 */

import type {
  ALBResult,
  APIGatewayProxyStructuredResultV2,
  HttpEventKind,
  HttpResult,
} from "../protocol/http_event.ts";
import { reasonPhrase } from "../ground/http_status.ts";
import { encodeComponent, encodeRawQuery } from "./encoding.ts";

/** An event, read field by field. */
export type AnyRecord = Record<string, unknown>;

/** Request headers with repeated values, as API Gateway v1 and ALB send them. */
export type MultiHeaders = Record<string, (string | undefined)[] | undefined> | null | undefined;
/** Request headers, one value each. */
export type SingleHeaders = Record<string, string | undefined> | null | undefined;

/** The first value of the request header `name` (lower case), single-valued headers first. */
export function firstHeader(event: AnyRecord, name: string): string | undefined {
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

/** Response headers joined one value per name (`, `), `__proto__` kept as data. */
export function joined(multi: Record<string, string[]>): Record<string, string> {
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

/** What differs between the front doors, each in one place (as Hono's Lambda adapter does). */
export interface EventProcessor {
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

export const PROCESSORS: Record<HttpEventKind, EventProcessor> = {
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
