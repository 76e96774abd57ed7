/**
 * Event → `Request`: the request an HTTP event stands for (see `handler.ts` for the rules).
 *
 * @module
 */

import type { HttpEvent, HttpEventKind } from "../protocol/http_event.ts";
import { decodeBase64, encodePath, headerValue } from "./encoding.ts";
import type { HttpOptions } from "./options.ts";
import {
  type AnyRecord,
  firstHeader,
  type MultiHeaders,
  PROCESSORS,
  type SingleHeaders,
} from "./processor.ts";

const encoder = new TextEncoder();

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
