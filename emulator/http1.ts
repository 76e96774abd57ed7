/**
 * A minimal HTTP/1.1 server core on `Deno.listen`, for the Runtime API platform.
 *
 * `Deno.serve` does not expose request trailers, and the Runtime API carries a streamed
 * response's mid-stream error in the trailers (`Lambda-Runtime-Function-Error-Type`/`-Body`), so
 * the platform parses HTTP/1.1 itself. It needs little: request heads with bounded size,
 * `Content-Length` and `chunked` bodies (with trailers), keep-alive, and small responses. Bodies
 * are read on demand (pull), so a streamed response reaches its consumer chunk by chunk.
 *
 * @module
 */

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** A malformed or oversized request; the connection answers 400/413/431 and closes. */
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
  /** Request line plus headers, in bytes (default 2 MiB: Go sends X-Ray causes up to 1 MiB). */
  maxHeadBytes: number;
  /** Trailers, in bytes (default 2 MiB). */
  maxTrailerBytes: number;
}

/** Default {@linkcode HttpLimits}. */
export const DEFAULT_LIMITS: HttpLimits = {
  maxHeadBytes: 2 * 1024 * 1024,
  maxTrailerBytes: 2 * 1024 * 1024,
};

/** A buffered reader over a byte stream. */
export class ByteReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #eof = false;
  #filling: Promise<boolean> | null = null;

  /** A reader over `stream` (it takes the stream's reader lock). */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** Whether the peer closed its side. */
  get eof(): boolean {
    return this.#eof;
  }

  /** Reads more bytes into the buffer; resolves false at end of stream. Safe to call concurrently. */
  fill(): Promise<boolean> {
    if (this.#filling) return this.#filling;
    this.#filling = (async () => {
      if (this.#eof) return false;
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await this.#reader.read();
      } catch {
        r = { done: true, value: undefined };
      }
      if (r.done || !r.value) {
        this.#eof = true;
        return false;
      }
      if (this.#buf.length === 0) this.#buf = r.value;
      else {
        const b = new Uint8Array(this.#buf.length + r.value.length);
        b.set(this.#buf);
        b.set(r.value, this.#buf.length);
        this.#buf = b;
      }
      return true;
    })().finally(() => {
      this.#filling = null;
    });
    return this.#filling;
  }

  /**
   * Reads through the next blank line (`\r\n\r\n`, or a lone `\r\n` when nothing precedes it)
   * and returns the text before it; `null` at a clean end of stream.
   */
  async readBlock(max: number, what: string): Promise<string | null> {
    let scanFrom = 0;
    for (;;) {
      const b = this.#buf;
      if (b.length >= 2 && b[0] === 13 && b[1] === 10) {
        this.#buf = b.subarray(2);
        return "";
      }
      for (let i = Math.max(0, scanFrom - 3); i + 3 < b.length; i++) {
        if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
          if (i > max) throw new HttpError(431, `${what} larger than ${max} bytes`);
          const text = latin1.decode(b.subarray(0, i));
          this.#buf = b.subarray(i + 4);
          return text;
        }
      }
      scanFrom = b.length;
      if (b.length > max) throw new HttpError(431, `${what} larger than ${max} bytes`);
      if (!(await this.fill())) {
        if (this.#buf.length === 0) return null;
        throw new HttpError(400, `connection closed inside the ${what}`);
      }
    }
  }

  /** Reads one CRLF-terminated line (without the CRLF). */
  async readLine(max: number): Promise<string> {
    for (;;) {
      const b = this.#buf;
      const i = b.indexOf(10);
      if (i >= 0) {
        const end = i > 0 && b[i - 1] === 13 ? i - 1 : i;
        const text = latin1.decode(b.subarray(0, end));
        this.#buf = b.subarray(i + 1);
        return text;
      }
      if (b.length > max) throw new HttpError(400, `line longer than ${max} bytes`);
      if (!(await this.fill())) throw new HttpError(400, "connection closed inside a body");
    }
  }

  /** Reads up to `n` bytes (at least 1); throws at end of stream. */
  async readSome(n: number): Promise<Uint8Array> {
    if (this.#buf.length === 0 && !(await this.fill())) {
      throw new HttpError(400, "connection closed inside a body");
    }
    const k = Math.min(n, this.#buf.length);
    const out = this.#buf.slice(0, k);
    this.#buf = this.#buf.subarray(k);
    return out;
  }

  /** Releases the underlying stream. */
  cancel(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** A parsed request head. */
export interface RequestHead {
  /** `GET`, `POST`, ... */
  method: string;
  /** The path (query string removed). */
  path: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** Whether the client asked to close after this request. */
  close: boolean;
}

function parseFields(lines: string[], into: Map<string, string>): void {
  for (const line of lines) {
    if (line === "") continue;
    const c = line.indexOf(":");
    if (c <= 0) throw new HttpError(400, `malformed header line ${JSON.stringify(line)}`);
    const name = line.slice(0, c).trim().toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      throw new HttpError(400, `malformed header name ${JSON.stringify(name)}`);
    }
    const value = line.slice(c + 1).trim();
    const prev = into.get(name);
    into.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
}

/** Reads a request head; `null` when the peer closed the connection between requests. */
export async function readRequestHead(
  r: ByteReader,
  limits: HttpLimits = DEFAULT_LIMITS,
): Promise<RequestHead | null> {
  const block = await r.readBlock(limits.maxHeadBytes, "request head");
  if (block === null) return null;
  const lines = block.split("\r\n");
  // Tolerate stray CRLFs before a request line (RFC 9112 §2.2).
  while (lines.length > 0 && lines[0] === "") lines.shift();
  if (lines.length === 0) return await readRequestHead(r, limits);
  const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0]);
  if (!m) throw new HttpError(400, `malformed request line ${JSON.stringify(lines[0])}`);
  const headers = new Map<string, string>();
  parseFields(lines.slice(1), headers);
  const conn = (headers.get("connection") ?? "").toLowerCase();
  const close = m[3] === "0" ? !conn.includes("keep-alive") : conn.includes("close");
  const target = m[2];
  const q = target.indexOf("?");
  return { method: m[1], path: q >= 0 ? target.slice(0, q) : target, headers, close };
}

/** A request body, read on demand. */
export interface BodyReader {
  /** Whether it is `Transfer-Encoding: chunked`. */
  readonly chunked: boolean;
  /** The next piece of the body, or `null` at its end. */
  next(): Promise<Uint8Array | null>;
  /** The trailers (lower-cased names), available once `next()` returned `null`. */
  readonly trailers: Map<string, string>;
  /** Reads and discards the rest. */
  drain(): Promise<void>;
}

const CHUNK_READ = 64 * 1024;

/** The body reader for a request head (empty when it has no body). */
export function bodyReader(
  r: ByteReader,
  head: RequestHead,
  limits: HttpLimits = DEFAULT_LIMITS,
): BodyReader {
  const te = (head.headers.get("transfer-encoding") ?? "").toLowerCase().trim();
  const trailers = new Map<string, string>();
  let done = false;
  const drainWith = (next: () => Promise<Uint8Array | null>) => async () => {
    while ((await next()) !== null) { /* discard */ }
  };
  if (te !== "") {
    if (te !== "chunked") throw new HttpError(501, `unsupported transfer-encoding ${te}`);
    let left = 0; // bytes left in the current chunk
    const next = async (): Promise<Uint8Array | null> => {
      if (done) return null;
      if (left === 0) {
        const line = await r.readLine(4096);
        const size = line.split(";")[0].trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) {
          throw new HttpError(400, `malformed chunk size ${JSON.stringify(line)}`);
        }
        left = parseInt(size, 16);
        if (left === 0) {
          const block = await r.readBlock(limits.maxTrailerBytes, "trailer section");
          if (block === null) throw new HttpError(400, "connection closed inside the trailers");
          parseFields(block.split("\r\n"), trailers);
          done = true;
          return null;
        }
      }
      const piece = await r.readSome(Math.min(left, CHUNK_READ));
      left -= piece.length;
      if (left === 0) {
        const crlf = await r.readLine(2);
        if (crlf !== "") throw new HttpError(400, "missing CRLF after a chunk");
      }
      return piece;
    };
    return { chunked: true, next, trailers, drain: drainWith(next) };
  }
  const cl = head.headers.get("content-length");
  if (cl !== undefined && !/^\d{1,15}$/.test(cl)) {
    throw new HttpError(400, `malformed content-length ${JSON.stringify(cl)}`);
  }
  let left = cl === undefined ? 0 : Number(cl);
  const next = async (): Promise<Uint8Array | null> => {
    if (left === 0) {
      done = true;
      return null;
    }
    const piece = await r.readSome(Math.min(left, CHUNK_READ));
    left -= piece.length;
    return piece;
  };
  return { chunked: false, next, trailers, drain: drainWith(next) };
}

const REASONS: Record<number, string> = {
  200: "OK",
  202: "Accepted",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
};

/** Serialises a complete response (head and body in one buffer, for one write). */
export function responseBytes(
  status: number,
  headers: Record<string, string>,
  body: Uint8Array | string,
  close = false,
): Uint8Array {
  const b = typeof body === "string" ? encoder.encode(body) : body;
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += `Content-Length: ${b.length}\r\n`;
  if (close) head += "Connection: close\r\n";
  head += `Date: ${new Date().toUTCString()}\r\n\r\n`;
  const h = encoder.encode(head);
  const out = new Uint8Array(h.length + b.length);
  out.set(h);
  out.set(b, h.length);
  return out;
}

/** Writes all of `bytes` to `conn`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
