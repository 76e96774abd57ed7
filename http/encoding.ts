/**
 * Byte-exact helpers of the HTTP adapter: base64 both ways, percent-encoding that never throws
 * (lone surrogates included) and never double-encodes, header values carried byte for byte, and
 * the text-or-binary decision for response bodies.
 *
 * @module
 */

import { decodeBase64 as fromBase64, encodeBase64 } from "../ground/bytes.ts";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes standard base64 (whitespace tolerated) to bytes. Throws `SyntaxError` when malformed. */
export function decodeBase64(text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch (e) {
    throw new SyntaxError(`the body is flagged isBase64Encoded but is not base64: ${e}`);
  }
}

export { encodeBase64 };

/** The bytes as UTF-8 text, or `null` when they are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
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
 * A header value `fetch`'s `Headers` accepts, carrying the same bytes: characters above U+00FF
 * are written as their UTF-8 bytes, one char per byte (as HTTP puts them on the wire), CR, LF and
 * NUL (never valid in a header) become spaces.
 */
export function headerValue(value: string): string {
  let v = /[\r\n\0]/.test(value) ? value.replace(/[\r\n\0]/g, " ") : value;
  // deno-lint-ignore no-control-regex
  if (!/^[\x00-\xff]*$/.test(v)) {
    let out = "";
    for (const b of encoder.encode(v)) out += String.fromCharCode(b);
    v = out;
  }
  return v;
}

const TEXT_TYPE =
  /^\s*(?:text\/|application\/(?:javascript|ecmascript|x-javascript|x-www-form-urlencoded|graphql|(?:x-)?ndjson|(?:x-)?yaml|toml|sql)\s*(?:;|$))|[+/](?:json|xml)\s*(?:;|$)/i;

/** Whether a content type names text (`text/*`, JSON, XML and their `+json`/`+xml` kin, ...). */
export function isTextContentType(contentType: string): boolean {
  return TEXT_TYPE.test(contentType);
}

/**
 * The default text-or-base64 decision for a response body:
 * - a `Content-Encoding` other than `identity` (gzip, br, ...) → base64;
 * - a text content type → text, unless the bytes are not valid UTF-8 (then base64: a text body
 *   in another charset must not be mangled);
 * - no content type → text when the bytes are valid UTF-8, else base64;
 * - any other content type → base64.
 *
 * Returns the body as it goes into the result.
 */
export function encodeBody(
  bytes: Uint8Array,
  contentType: string | null,
  contentEncoding: string | null,
  forceBase64?: boolean,
): { body: string; isBase64Encoded: boolean } {
  if (bytes.length === 0) return { body: "", isBase64Encoded: false };
  let base64: boolean;
  if (forceBase64 !== undefined) base64 = forceBase64;
  else if (contentEncoding && !/^\s*identity\s*$/i.test(contentEncoding)) base64 = true;
  else base64 = contentType ? !isTextContentType(contentType) : false;
  if (!base64) {
    const text = utf8OrNull(bytes);
    if (text !== null) return { body: text, isBase64Encoded: false };
    if (forceBase64 === false) {
      return { body: new TextDecoder().decode(bytes), isBase64Encoded: false };
    }
  }
  return { body: encodeBase64(bytes), isBase64Encoded: true };
}
