/**
 * The one HTTP/1.x codec of the library: request and response heads (parsed and serialised),
 * `Content-Length` and chunked bodies with trailers, on a {@link ByteReader}, with bounded sizes.
 *
 * Three protocols speak HTTP/1 without `fetch`/`Deno.serve`, each for a reason those APIs cannot
 * meet: Go's net/rpc CONNECT handshake (`rpc/http.ts`: bare-LF heads, then the connection
 * changes protocol), the Runtime API client (`runtime/runtime_api_client.ts`: kept-alive
 * connections cheaper than `fetch`, and request trailers to carry a streamed response's mid-stream
 * error) and the emulator's Runtime API server (`emulator/runtime_api_platform.ts`: it must read
 * those trailers). All three read and write HTTP through this module.
 *
 * Lines end in CRLF or a bare LF (as Go's `textproto` accepts); header names are lower-cased and
 * repeated fields joined with `", "`.
 *
 * @module
 */

import { reasonPhrase } from "./http_status.ts";
import { type ByteReader, ReadError } from "./reader.ts";

export { reasonPhrase };

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/**
 * A malformed or oversized message. A server answers `status` (400, 413, 431, 501, 505) and
 * closes; a malformed response (read by a client) has status 502.
 */
export class HttpError extends Error {
  /** The status to answer with. */
  readonly status: number;
  /** An error answered with `status`. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
  }
}

/** Bounds on what a peer may send. */
export interface HttpLimits {
  /** Start line plus headers, in bytes (default 2 MiB: Go sends X-Ray causes up to 1 MiB). */
  maxHeadBytes: number;
  /** Trailers, in bytes (default 2 MiB). */
  maxTrailerBytes: number;
}

/** Default {@linkcode HttpLimits}. */
export const DEFAULT_LIMITS: HttpLimits = {
  maxHeadBytes: 2 * 1024 * 1024,
  maxTrailerBytes: 2 * 1024 * 1024,
};

/** Longest chunk-size line accepted (`1a2b;ext=…`). */
const MAX_CHUNK_LINE = 4096;
/** Largest piece a body reader hands out at once. */
const CHUNK_READ = 64 * 1024;

/**
 * Reads a block of lines up to an empty line (a head or a trailer section), at most `max` bytes;
 * `null` when the stream ends cleanly before its first byte. Blank lines before a head are
 * skipped (RFC 9112 §2.2).
 */
async function readLines(
  r: ByteReader,
  max: number,
  what: string,
  leading: boolean,
): Promise<string[] | null> {
  const lines: string[] = [];
  let size = 0;
  for (;;) {
    let line: Uint8Array | null;
    try {
      line = await r.readLine(max - size, lines.length > 0 || !leading);
    } catch (e) {
      if (e instanceof ReadError && e.code === "too-long") {
        throw new HttpError(431, `${what} larger than ${max} bytes`);
      }
      throw e;
    }
    if (line === null) {
      if (lines.length === 0 && leading) return null;
      throw new HttpError(400, `connection closed inside the ${what}`);
    }
    size += line.length + 2;
    if (size > max) throw new HttpError(431, `${what} larger than ${max} bytes`);
    if (line.length === 0) {
      if (lines.length === 0 && leading) continue;
      return lines;
    }
    lines.push(latin1.decode(line));
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses header (or trailer) lines into `into`: lower-cased names, repeats joined by ", ". When
 * `firsts` is given, it receives the first value of each name that is repeated (what Go's
 * `Header.Get` answers).
 */
export function parseFields(
  lines: readonly string[],
  into: Map<string, string>,
  firsts?: Map<string, string>,
): void {
  for (const line of lines) {
    const c = line.indexOf(":");
    if (c <= 0) throw new HttpError(400, `malformed header line ${JSON.stringify(line)}`);
    const name = line.slice(0, c);
    if (!TOKEN.test(name)) {
      throw new HttpError(400, `malformed header name ${JSON.stringify(name)}`);
    }
    const key = name.toLowerCase();
    const value = line.slice(c + 1).trim();
    const prev = into.get(key);
    if (prev !== undefined && firsts !== undefined && !firsts.has(key)) firsts.set(key, prev);
    into.set(key, prev === undefined ? value : `${prev}, ${value}`);
  }
}

/** A parsed request head. */
export interface RequestHead {
  /** `GET`, `POST`, `CONNECT`, ... */
  method: string;
  /** The request target as sent (`/path?query`, or an authority for CONNECT). */
  target: string;
  /** The path: the target without its query string. */
  path: string;
  /** The minor version of `HTTP/1.x`. */
  minor: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** Whether the client asked to close after this request (HTTP/1.0 without keep-alive). */
  close: boolean;
}

/**
 * Reads a request head; `null` when the peer closed the connection before sending one. Throws
 * {@link HttpError}: 400 when malformed, 431 past `limits.maxHeadBytes`, 505 for a version
 * other than HTTP/1.x.
 */
export async function readRequestHead(
  r: ByteReader,
  limits: Pick<HttpLimits, "maxHeadBytes"> = DEFAULT_LIMITS,
): Promise<RequestHead | null> {
  const lines = await readLines(r, limits.maxHeadBytes, "request head", true);
  if (lines === null) return null;
  const m = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/.exec(lines[0]);
  if (!m || !TOKEN.test(m[1])) {
    throw new HttpError(400, `malformed request line ${JSON.stringify(lines[0])}`);
  }
  if (m[3] !== "1") throw new HttpError(505, `unsupported protocol version HTTP/${m[3]}.${m[4]}`);
  const headers = new Map<string, string>();
  parseFields(lines.slice(1), headers);
  const minor = Number(m[4]);
  const conn = (headers.get("connection") ?? "").toLowerCase();
  const close = minor === 0 ? !conn.includes("keep-alive") : conn.includes("close");
  const target = m[2];
  const q = target.indexOf("?");
  return {
    method: m[1],
    target,
    path: q >= 0 ? target.slice(0, q) : target,
    minor,
    headers,
    close,
  };
}

/** A parsed response head. */
export interface ResponseHead {
  /** The status code. */
  status: number;
  /** The reason phrase (may be empty). */
  reason: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** The first value of each repeated header (lower-cased names); empty when none repeats. */
  firstValues: Map<string, string>;
  /** Its size in bytes, counting each line end as two. */
  size: number;
}

/**
 * Reads a response head; `null` when the stream ended before one. Throws {@link HttpError} 502
 * when it is not an HTTP/1.x status line with a three-digit code, or too large.
 */
export async function readResponseHead(
  r: ByteReader,
  limits: Pick<HttpLimits, "maxHeadBytes"> = DEFAULT_LIMITS,
): Promise<ResponseHead | null> {
  let lines: string[] | null;
  try {
    lines = await readLines(r, limits.maxHeadBytes, "response head", true);
  } catch (e) {
    if (e instanceof HttpError) throw new HttpError(502, e.message);
    throw e;
  }
  if (lines === null) return null;
  const m = /^HTTP\/1\.\d (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) throw new HttpError(502, `malformed HTTP response ${JSON.stringify(lines[0])}`);
  const headers = new Map<string, string>();
  const firstValues = new Map<string, string>();
  try {
    parseFields(lines.slice(1), headers, firstValues);
  } catch (e) {
    if (e instanceof HttpError) throw new HttpError(502, e.message);
    throw e;
  }
  let size = 2;
  for (const line of lines) size += line.length + 2;
  return { status: Number(m[1]), reason: (m[2] ?? "").trim(), headers, firstValues, size };
}

/** A message body, read on demand. */
export interface BodyReader {
  /** Whether it is `Transfer-Encoding: chunked`. */
  readonly chunked: boolean;
  /** The next piece of the body, or `null` at its end. */
  next(): Promise<Uint8Array | null>;
  /** The trailers (lower-cased names), available once `next()` returned `null`. */
  readonly trailers: Map<string, string>;
  /** Reads and discards the rest. */
  drain(): Promise<void>;
  /**
   * The rest of a `Content-Length` body in one buffer of exactly its size, read straight into it
   * (no piece copied, none kept to be joined), when that size is at most `max`; null, reading
   * nothing, for a chunked body, one read until the end, or a larger one (read those with
   * `next()`). Throws {@link HttpError} 400 if the stream ends early.
   */
  readWhole(max: number): Promise<Uint8Array | null>;
}

/**
 * The body that follows a head with `headers`: chunked (with trailers), `Content-Length`, or,
 * with `untilEnd` (a response without either), everything until the stream ends; otherwise
 * empty. Throws {@link HttpError} 501 for another transfer coding, 400 for a malformed length;
 * `next()` throws 400 on malformed chunks or a stream ending early, 431 past the trailer limit.
 */
export function bodyReader(
  r: ByteReader,
  head: { readonly headers: Map<string, string> },
  limits: Pick<HttpLimits, "maxTrailerBytes"> = DEFAULT_LIMITS,
  untilEnd = false,
): BodyReader {
  const te = (head.headers.get("transfer-encoding") ?? "").toLowerCase().trim();
  const trailers = new Map<string, string>();
  let done = false;
  const drainWith = (next: () => Promise<Uint8Array | null>) => async () => {
    while ((await next()) !== null) { /* discard */ }
  };
  const piece = async (n: number): Promise<Uint8Array> => {
    const p = await r.readSome(Math.min(n, CHUNK_READ));
    if (p === null) throw new HttpError(400, "connection closed inside a body");
    return p;
  };
  if (te !== "") {
    if (te !== "chunked") throw new HttpError(501, `unsupported transfer-encoding ${te}`);
    let left = 0; // bytes left in the current chunk
    const next = async (): Promise<Uint8Array | null> => {
      if (done) return null;
      if (left === 0) {
        const line = await chunkLine(r);
        const size = line.split(";")[0].trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) {
          throw new HttpError(400, `malformed chunk size ${JSON.stringify(line)}`);
        }
        left = parseInt(size, 16);
        if (left === 0) {
          const lines = await readLines(r, limits.maxTrailerBytes, "trailer section", false);
          parseFields(lines!, trailers);
          done = true;
          return null;
        }
      }
      const p = await piece(left);
      left -= p.length;
      if (left === 0 && (await chunkLine(r)) !== "") {
        throw new HttpError(400, "missing CRLF after a chunk");
      }
      return p;
    };
    const readWhole = () => Promise.resolve(null);
    return { chunked: true, next, trailers, drain: drainWith(next), readWhole };
  }
  const cl = head.headers.get("content-length");
  if (cl !== undefined && !/^\d{1,15}$/.test(cl)) {
    throw new HttpError(400, `malformed content-length ${JSON.stringify(cl)}`);
  }
  let left = cl === undefined ? (untilEnd ? Infinity : 0) : Number(cl);
  const next = async (): Promise<Uint8Array | null> => {
    if (left === 0 || done) {
      done = true;
      return null;
    }
    if (left === Infinity) {
      const p = await r.readSome(CHUNK_READ);
      if (p === null) done = true;
      return p;
    }
    const p = await piece(left);
    left -= p.length;
    return p;
  };
  const readWhole = async (max: number): Promise<Uint8Array | null> => {
    if (done || left === Infinity || left > max) return null;
    const whole = new Uint8Array(left);
    if ((await r.readInto(whole)) < whole.length) {
      throw new HttpError(400, "connection closed inside a body");
    }
    left = 0;
    done = true;
    return whole;
  };
  return { chunked: false, next, trailers, drain: drainWith(next), readWhole };
}

async function chunkLine(r: ByteReader): Promise<string> {
  let line: Uint8Array | null;
  try {
    line = await r.readLine(MAX_CHUNK_LINE, true);
  } catch (e) {
    if (e instanceof ReadError && e.code === "too-long") {
      throw new HttpError(400, `chunk line longer than ${MAX_CHUNK_LINE} bytes`);
    }
    throw e;
  }
  if (line === null) throw new HttpError(400, "connection closed inside a body");
  return latin1.decode(line);
}

/** Header fields to write: a record, or pairs (for repeated names). */
export type Fields = Record<string, string> | readonly (readonly [string, string])[];

function fieldLines(fields: Fields): string {
  let out = "";
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  for (const [k, v] of pairs) {
    if (!TOKEN.test(k)) throw new TypeError(`invalid header name ${JSON.stringify(k)}`);
    if (/[\r\n\0]/.test(v)) throw new TypeError(`invalid value for header ${k}`);
    out += `${k}: ${v}\r\n`;
  }
  return out;
}

/**
 * Serialises a request head (`Host` and framing headers are the caller's to include). Each
 * character is one byte (Latin-1), as `fetch` writes header values: a value carrying UTF-8 text
 * spells its bytes out as characters (`protocol/header_value.ts`). A character above U+00FF is a
 * `TypeError`.
 */
export function requestHead(method: string, target: string, headers: Fields): Uint8Array {
  return latin1Bytes(`${method} ${target} HTTP/1.1\r\n${fieldLines(headers)}\r\n`);
}

function latin1Bytes(s: string): Uint8Array {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return encoder.encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new TypeError(`not a Latin-1 header character: U+${c.toString(16)}`);
    out[i] = c;
  }
  return out;
}

/**
 * Serialises a complete response (head and body in one buffer, for one write), with
 * `Content-Length`, `Date` and, with `close`, `Connection: close`.
 */
export function responseBytes(
  status: number,
  headers: Fields,
  body: Uint8Array | string,
  close = false,
): Uint8Array {
  const b = typeof body === "string" ? encoder.encode(body) : body;
  let head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n${fieldLines(headers)}`;
  head += `Content-Length: ${b.length}\r\n`;
  if (close) head += "Connection: close\r\n";
  head += `Date: ${new Date().toUTCString()}\r\n\r\n`;
  const h = encoder.encode(head);
  const out = new Uint8Array(h.length + b.length);
  out.set(h);
  out.set(b, h.length);
  return out;
}

/** One chunk of a chunked body: size line, data and CRLF in one buffer (for one write). */
export function chunk(data: Uint8Array): Uint8Array {
  const head = encoder.encode(data.length.toString(16) + "\r\n");
  const out = new Uint8Array(head.length + data.length + 2);
  out.set(head, 0);
  out.set(data, head.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

/** The last chunk of a chunked body, with its trailer fields (Latin-1, as {@link requestHead}). */
export function lastChunk(trailers: Fields = {}): Uint8Array {
  return latin1Bytes(`0\r\n${fieldLines(trailers)}\r\n`);
}
