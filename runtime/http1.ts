/**
 * A small HTTP/1.1 client for the Runtime API: kept-alive connections to one `host:port`, one
 * request at a time on each, as aws-lambda-go's `net/http` client talks to the platform.
 *
 * Why not `fetch`: the Runtime API loop makes two requests per invoke for the whole life of the
 * process, and `fetch` costs far more than the exchange itself. Measured on the shipped function
 * (`benchmarks/shipped_function.ts`), a loop of `fetch` calls alone keeps a Deno process at about
 * 120 MiB resident on a 128 MB function (every response allocates fresh 64 KiB read buffers,
 * `Headers` and `Response` objects and their streams), and loading fetch's lazily compiled modules
 * is a good part of the one-fetch start-up floor. This client reads into one buffer per
 * connection (`Deno.Conn.read`, no stream chunks), parses only what the Runtime API sends, and
 * needs nothing beyond the connection itself. It also sends request trailers, which `fetch`
 * cannot: a streamed response that fails half-way reports its error in them.
 *
 * What it speaks: `Content-Length` and `chunked` bodies both ways (trailers on requests), bodies
 * delimited by the connection's end, `1xx` interim answers skipped, `Connection: close` honoured.
 * A request on a reused connection that the server had already closed (no byte of an answer) is
 * retried once on a new one, as Go's `Transport` does. Header names and values travel as Latin-1
 * (one byte per character) both ways, as `fetch` treats them.
 *
 * Connections come from the platform transport's `connect`, so the npm build's `node:net`
 * transport serves it as well (there, reads go through the connection's stream).
 *
 * @module
 */

import { type Conn, connect } from "../rpc/transport.ts";

/** The most header bytes accepted in an answer. */
const MAX_HEAD_BYTES = 1024 * 1024;
const INITIAL_BUFFER = 16 * 1024;

/** An answer to a request. */
export interface Http1Response {
  /** The status code. */
  status: number;
  /** Header fields by lower-case name (repeated fields joined with `, `). */
  headers: Map<string, string>;
  /** The whole body. */
  body: Uint8Array;
}

/** A request header list: name/value pairs written in this order. */
export type HeaderList = Record<string, string>;

/** Splits `host:port` / `[v6]:port` (the form of `AWS_LAMBDA_RUNTIME_API`); port 80 if none. */
export function parseAddress(address: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!m) return { hostname: address, port: 80 };
  return { hostname: m[1] ?? m[2], port: Number(m[3]) };
}

const asciiEncoder = new TextEncoder();

/** `s` as Latin-1 bytes (one byte per character, as `fetch` writes header values). */
function latin1(s: string): Uint8Array {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return asciiEncoder.encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function latin1Text(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x2000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return s;
}

type ReadInto = (into: Uint8Array) => Promise<number | null>;

/** Reads straight into the caller's buffer when the connection can (a `Deno.Conn`). */
function readerOf(conn: Conn): ReadInto {
  const direct = conn as Conn & { read?: (p: Uint8Array) => Promise<number | null> };
  if (typeof direct.read === "function") return (into) => direct.read!(into);
  const reader = conn.readable.getReader();
  let rest: Uint8Array | undefined;
  return async (into) => {
    if (!rest || rest.length === 0) {
      const r = await reader.read();
      if (r.done) return null;
      rest = r.value;
    }
    const n = Math.min(into.length, rest.length);
    into.set(rest.subarray(0, n));
    rest = rest.subarray(n);
    return n;
  };
}

type WriteAll = (bytes: Uint8Array) => Promise<void>;

function writerOf(conn: Conn): WriteAll {
  const direct = conn as Conn & { write?: (p: Uint8Array) => Promise<number> };
  if (typeof direct.write === "function") {
    return async (bytes) => {
      let off = 0;
      while (off < bytes.length) off += await direct.write!(bytes.subarray(off));
    };
  }
  const writer = conn.writable.getWriter();
  return (bytes) => writer.write(bytes);
}

/** A connection closed by the peer before any byte of the answer arrived. */
class ClosedBeforeAnswer extends Error {
  constructor() {
    super("the connection was closed before an answer arrived");
    this.name = "ClosedBeforeAnswer";
  }
}

/** One kept-alive connection and its read buffer. */
class Connection {
  readonly #conn: Conn;
  readonly #read: ReadInto;
  readonly write: WriteAll;
  #buf = new Uint8Array(INITIAL_BUFFER);
  #start = 0;
  #end = 0;
  /** Whether an answer has been read on it before (a reused connection). */
  used = false;
  closed = false;

  constructor(conn: Conn) {
    this.#conn = conn;
    this.#read = readerOf(conn);
    this.write = writerOf(conn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.#conn.close?.();
    } catch {
      // already closed
    }
  }

  /** Reads more bytes into the buffer; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      if (this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      } else {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      }
    }
    const n = await this.#read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The next line (without CRLF) as Latin-1 text; for chunk sizes and trailers. */
  async #line(limit: number): Promise<string> {
    let scanned = 0; // bytes after #start already searched (#fill may move them)
    for (;;) {
      const i = this.#buf.subarray(this.#start + scanned, this.#end).indexOf(10);
      if (i >= 0) {
        const nl = this.#start + scanned + i;
        const end = nl > this.#start && this.#buf[nl - 1] === 13 ? nl - 1 : nl;
        const text = latin1Text(this.#buf.subarray(this.#start, end));
        this.#start = nl + 1;
        return text;
      }
      scanned = this.#end - this.#start;
      if (scanned > limit) throw new Error("HTTP line too long");
      if (!(await this.#fill())) throw new Error("connection closed in the middle of an answer");
    }
  }

  /** Reads exactly `n` body bytes into a new array. */
  async #bytes(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = Math.min(n, this.#end - this.#start);
    out.set(this.#buf.subarray(this.#start, this.#start + got));
    this.#start += got;
    while (got < n) {
      // Large bodies go straight into their own array, not through the buffer.
      const r = await this.#read(out.subarray(got));
      if (r === null) throw new Error("connection closed in the middle of a body");
      got += r;
    }
    return out;
  }

  /** Reads one answer (skipping 1xx); `keepAlive` says whether the connection can be reused. */
  async answer(): Promise<Http1Response & { keepAlive: boolean }> {
    for (;;) {
      // the head
      let headEnd = -1;
      let scanned = 0; // bytes after #start already searched (#fill may move them)
      for (;;) {
        const buf = this.#buf;
        for (let i = this.#start + Math.max(3, scanned); i < this.#end; i++) {
          if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) {
            headEnd = i + 1;
            break;
          }
        }
        if (headEnd >= 0) break;
        scanned = this.#end - this.#start;
        if (scanned > MAX_HEAD_BYTES) throw new Error("HTTP head too large");
        if (!(await this.#fill())) {
          if (scanned === 0) throw new ClosedBeforeAnswer();
          throw new Error("connection closed in the middle of an answer's head");
        }
      }
      const head = latin1Text(this.#buf.subarray(this.#start, headEnd - 4));
      this.#start = headEnd;
      const lines = head.split("\r\n");
      const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
      if (!status) {
        throw new Error(`malformed HTTP answer: ${JSON.stringify(lines[0].slice(0, 80))}`);
      }
      const code = Number(status[2]);
      const headers = new Map<string, string>();
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(":");
        if (colon <= 0) continue;
        const name = lines[i].slice(0, colon).trim().toLowerCase();
        const value = lines[i].slice(colon + 1).trim();
        const prev = headers.get(name);
        headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
      }
      if (code >= 100 && code < 200) continue;
      this.used = true;
      const connection = (headers.get("connection") ?? "").toLowerCase();
      let keepAlive = status[1] === "1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(
        connection,
      );
      let body: Uint8Array;
      const te = (headers.get("transfer-encoding") ?? "").toLowerCase();
      const length = headers.get("content-length");
      if (code === 204 || code === 304) {
        body = new Uint8Array(0);
      } else if (te.endsWith("chunked")) {
        body = await this.#chunked(headers);
      } else if (length !== undefined) {
        if (!/^\d+$/.test(length)) throw new Error(`bad Content-Length: ${length}`);
        body = await this.#bytes(Number(length));
      } else {
        // delimited by the end of the connection
        while (await this.#fill());
        body = this.#buf.slice(this.#start, this.#end);
        this.#start = this.#end;
        keepAlive = false;
      }
      return { status: code, headers, body, keepAlive };
    }
  }

  async #chunked(headers: Map<string, string>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const sizeLine = await this.#line(4096);
      const size = parseInt(sizeLine.split(";")[0].trim(), 16);
      if (!Number.isFinite(size) || size < 0) throw new Error(`bad chunk size: ${sizeLine}`);
      if (size === 0) break;
      parts.push(await this.#bytes(size));
      total += size;
      await this.#line(2);
    }
    // trailers, up to an empty line
    for (;;) {
      const line = await this.#line(64 * 1024);
      if (line === "") break;
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const CRLF = asciiEncoder.encode("\r\n");

function chunkFrame(data: Uint8Array): Uint8Array {
  const head = asciiEncoder.encode(data.length.toString(16) + "\r\n");
  const out = new Uint8Array(head.length + data.length + 2);
  out.set(head, 0);
  out.set(data, head.length);
  out.set(CRLF, head.length + data.length);
  return out;
}

/** Kept-alive HTTP/1.1 connections to one server; see the module docs. */
export class Http1Client {
  /** `host:port`, as given. */
  readonly address: string;
  readonly #hostname: string;
  readonly #port: number;
  readonly #idle: Connection[] = [];

  /** A client of the server at `address` (`host:port` or `[v6]:port`). */
  constructor(address: string) {
    this.address = address;
    const { hostname, port } = parseAddress(address);
    this.#hostname = hostname;
    this.#port = port;
  }

  async #acquire(): Promise<Connection> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    return new Connection(await connect({ hostname: this.#hostname, port: this.#port }));
  }

  #release(c: Connection, keepAlive: boolean): void {
    if (keepAlive && !c.closed) this.#idle.push(c);
    else c.close();
  }

  #head(method: string, path: string, headers: HeaderList, framing: string): Uint8Array {
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.address}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    return latin1(head + framing + "\r\n");
  }

  /**
   * Sends one request with a whole body (or none) and reads the whole answer. Rejects on
   * connection failures and malformed answers.
   */
  async request(
    method: string,
    path: string,
    headers: HeaderList,
    body?: Uint8Array,
  ): Promise<Http1Response> {
    for (let attempt = 0;; attempt++) {
      const c = await this.#acquire();
      try {
        const head = this.#head(
          method,
          path,
          headers,
          body === undefined ? "" : `Content-Length: ${body.length}\r\n`,
        );
        if (body === undefined || body.length === 0) {
          await c.write(head);
        } else if (body.length <= 64 * 1024) {
          const out = new Uint8Array(head.length + body.length);
          out.set(head);
          out.set(body, head.length);
          await c.write(out);
        } else {
          await c.write(head);
          await c.write(body);
        }
        const { keepAlive, ...answer } = await c.answer();
        this.#release(c, keepAlive);
        return answer;
      } catch (e) {
        const reused = c.used;
        c.close();
        // A kept-alive connection the server had closed meanwhile: try once more on a new one.
        if (attempt === 0 && reused && (e instanceof ClosedBeforeAnswer || isReset(e))) continue;
        throw e instanceof ClosedBeforeAnswer ? new Error(e.message) : e;
      }
    }
  }

  /**
   * Sends `body` chunk by chunk as it is produced (`Transfer-Encoding: chunked`, each chunk in
   * one write), then the last chunk with the fields `trailers(error)` gives if `body` errors (the
   * error is not rethrown: the server learns of it from the trailers), and reads the answer.
   * The answer is read while the body is being sent, so a server refusing early is not left
   * unread. Rejects on connection failures and malformed answers.
   */
  async stream(
    method: string,
    path: string,
    headers: HeaderList,
    body: ReadableStream<Uint8Array>,
    trailers: (error: unknown) => HeaderList,
  ): Promise<Http1Response> {
    const c = await this.#acquire();
    let answered = false;
    try {
      await c.write(this.#head(method, path, headers, "Transfer-Encoding: chunked\r\n"));
      const answer = c.answer().finally(() => answered = true);
      answer.catch(() => {});
      let tail: HeaderList = {};
      const reader = body.getReader();
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          tail = trailers(e);
          break;
        }
        if (r.done) break;
        if (r.value.length === 0) continue;
        try {
          await c.write(chunkFrame(r.value));
        } catch (e) {
          await reader.cancel(e).catch(() => {});
          throw e;
        }
      }
      let end = "0\r\n";
      for (const name in tail) end += `${name}: ${tail[name]}\r\n`;
      const early = answered;
      await c.write(latin1(end + "\r\n"));
      const { keepAlive, ...result } = await answer;
      // An answer that came before the body was complete leaves the connection in doubt.
      this.#release(c, keepAlive && !early);
      return result;
    } catch (e) {
      c.close();
      throw e;
    }
  }

  /** Closes the idle connections. */
  close(): void {
    for (const c of this.#idle.splice(0)) c.close();
  }
}

function isReset(e: unknown): boolean {
  return e instanceof Error &&
    (e.name === "ConnectionReset" || e.name === "BrokenPipe" ||
      (e as { code?: string }).code === "ECONNRESET" || (e as { code?: string }).code === "EPIPE");
}
