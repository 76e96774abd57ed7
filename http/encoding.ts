/**
 * Byte-exact helpers of the HTTP adapter: base64 both ways, percent-encoding that never throws
 * (lone surrogates included) and never double-encodes, and response bodies encoded by the
 * contract's text-or-base64 rule (`protocol/http_event.ts`). Header values follow the one rule
 * of `protocol/header_value.ts`.
 *
 * @module
 */

import { isTextContentType, textBody, utf8OrNull } from "../protocol/http_event.ts";
export { headerValue } from "../protocol/header_value.ts";
export { isTextContentType, utf8OrNull };

import { decodeBase64 as fromBase64, encodeBase64 } from "../ground/bytes.ts";

export { encodeBase64 };

const encoder = new TextEncoder();

/** Decodes standard base64 (whitespace tolerated) to bytes. Throws `SyntaxError` when malformed. */
export function decodeBase64(text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch (e) {
    throw new SyntaxError(`the body is flagged isBase64Encoded but is not base64: ${e}`);
  }
}

const HEX = "0123456789ABCDEF";

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

// Characters kept as they are: RFC 3986 unreserved + sub-delims + ":" "@"; plus "/" in paths,
// "/" "?" in queries. "%" is kept only when it starts a valid escape.
const PATH_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const KEEP_PATH = new Uint8Array(128);
const KEEP_QUERY = new Uint8Array(128);
const KEEP_COMPONENT = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") {
  KEEP_PATH[ch.charCodeAt(0)] = 1;
  KEEP_QUERY[ch.charCodeAt(0)] = 1;
  KEEP_COMPONENT[ch.charCodeAt(0)] = 1;
}
for (const ch of "!$&'()*+,;=:@/") KEEP_PATH[ch.charCodeAt(0)] = 1;
for (const ch of "!$&'()*+,;=:@/?") KEEP_QUERY[ch.charCodeAt(0)] = 1;

function percentEncode(s: string, keep: Uint8Array, keepEscapes: boolean): string {
  let out = "";
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (keep[c]) out += s[i];
      else if (
        c === 37 && keepEscapes && i + 2 < n && isHex(s.charCodeAt(i + 1)) &&
        isHex(s.charCodeAt(i + 2))
      ) out += "%";
      else out += "%" + HEX[c >> 4] + HEX[c & 15];
      i++;
      continue;
    }
    // A run of non-ASCII: UTF-8 via TextEncoder (lone surrogates become U+FFFD, never a throw).
    let j = i + 1;
    while (j < n && s.charCodeAt(j) >= 128) j++;
    for (const b of encoder.encode(s.slice(i, j))) out += "%" + HEX[b >> 4] + HEX[b & 15];
    i = j;
  }
  return out;
}

/**
 * A URL path from what an event carries. Characters a path may hold stay as they are, valid
 * `%XX` escapes are kept (so an already-encoded path, or one with bytes that are not UTF-8 such as
 * `%E9`, is not encoded twice), everything else is percent-encoded as UTF-8 (`?` and `#` too, so
 * a decoded path cannot turn into a query or fragment).
 */
export function encodePath(path: string): string {
  if (PATH_SAFE.test(path)) return path;
  return percentEncode(path, KEEP_PATH, true);
}

/** A raw query string made safe for a URL without touching valid escapes (`#` → `%23`, ...). */
export function encodeRawQuery(query: string): string {
  if (PATH_SAFE.test(query.replaceAll("?", ""))) return query;
  return percentEncode(query, KEEP_QUERY, true);
}

/** `encodeURIComponent` that never throws (lone surrogates become U+FFFD). */
export function encodeComponent(s: string): string {
  return percentEncode(s, KEEP_COMPONENT, false);
}

/**
 * A response body as it goes into a result: text or base64 by the contract's rule (see
 * `textBody` in `protocol/http_event.ts`), unless `forceBase64` decides (`false` decodes bytes
 * that are not UTF-8 lossily).
 */
export function encodeBody(
  bytes: Uint8Array,
  contentType: string | null,
  contentEncoding: string | null,
  forceBase64?: boolean,
): { body: string; isBase64Encoded: boolean } {
  if (bytes.length === 0) return { body: "", isBase64Encoded: false };
  if (forceBase64 === true) return { body: encodeBase64(bytes), isBase64Encoded: true };
  const text = forceBase64 === false
    ? utf8OrNull(bytes) ?? new TextDecoder().decode(bytes)
    : textBody(bytes, contentType, contentEncoding);
  if (text !== null) return { body: text, isBase64Encoded: false };
  return { body: encodeBase64(bytes), isBase64Encoded: true };
}
