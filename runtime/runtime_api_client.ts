/**
 * The Runtime API's HTTP client: kept-alive HTTP/1.1 connections to one `host:port`, one request
 * at a time on each, as aws-lambda-go's `net/http` client talks to the platform. Heads, bodies and
 * trailers are the library's one HTTP/1 codec (`ground/http1.ts`) over its byte reader.
 *
 * Why not `fetch`: the Runtime API loop makes two requests per invoke for the whole life of the
 * process, and `fetch` costs far more than the exchange itself. Measured on the shipped function
 * (`benchmarks/shipped_function.ts`), a loop of `fetch` calls alone keeps a Deno process at about
 * 120 MiB resident on a 128 MB function (each response allocates 64 KiB read buffers, `Headers`,
 * a `Response` and its streams), and loading fetch's lazily compiled modules is a good part of
 * the one-fetch start-up floor. Here a connection is read directly into one reused buffer and
 * only what the Runtime API sends is parsed. `fetch` cannot send request trailers either, which
 * a streamed response that fails half-way needs.
 *
 * As Go's `Transport` (aws-lambda-go's client) behaves: an idle connection is watched, so one the
 * server closed is not reused and bytes it sends unasked (beyond an answer's length, or while
 * idle) are reported and the connection dropped, never read as the next answer; a request that
 * fails on a reused connection is sent again on a new one only when that cannot repeat it (no byte
 * of it was written, or it is a `GET`), so a response is never posted twice; a repeated header
 * gives its first value; heads (interim `1xx` ones included, which are skipped) may take up to
 * 10 MiB. Header values travel as Latin-1, one byte per character, as `fetch` writes and reads
 * them.
 *
 * Connections come from the platform transport (`ground/transport.ts`), so the npm build's
 * `node:net` transport serves it too (there, through the connection's streams).
 *
 * @module
 */

import { concat } from "../ground/bytes.ts";
import type { Conn } from "../ground/conn.ts";
import {
  bodyReader,
  chunk,
  type Fields,
  lastChunk,
  readResponseHead,
  requestHead,
} from "../ground/http1.ts";
import { duplex } from "../ground/duplex.ts";
import { ByteReader } from "../ground/reader.ts";
import { connect } from "../ground/transport.ts";
import { type LoopHandle, trackLoopHandle } from "./event_loop.ts";

/** An answer to a request. */
export interface Http1Response {
  /** The status code. */
  status: number;
  /**
   * Header fields (and trailers) by lower-case name; a repeated field gives its first value, as
   * Go's `Header.Get` does (a later copy cannot override what the platform said first).
   */
  headers: Map<string, string>;
  /** The whole body. */
  body: Uint8Array;
}

/** Options of an {@linkcode Http1Client}. */
export interface Http1ClientOptions {
  /**
   * Told of bytes that arrived on a kept-alive connection while no request was waiting for them
   * (more than the body's length, or data on an idle connection); the connection is dropped.
   * Go's `Transport` logs "Unsolicited response received on idle HTTP channel".
   */
  onUnsolicited?: (bytes: Uint8Array) => void;
}

/**
 * The largest response head (interim `1xx` heads included) accepted: Go's `Transport` default
 * (`MaxResponseHeaderBytes` unset: 10 MiB), which aws-lambda-go's client keeps.
 */
export const MAX_RESPONSE_HEAD = 10 << 20;

/**
 * The largest body read into one buffer allocated up front from its `Content-Length` (a larger
 * one is read as it arrives, so a wrong length cannot make the client allocate it): above
 * Lambda's largest event (6 MB for a synchronous invoke).
 */
const MAX_WHOLE_BODY = 32 << 20;

/** Trailers of an answer: bounded as the head is. */
const LIMITS = { maxHeadBytes: MAX_RESPONSE_HEAD, maxTrailerBytes: MAX_RESPONSE_HEAD };

/** Splits `host:port` / `[v6]:port` (the form of `AWS_LAMBDA_RUNTIME_API`); port 80 if none. */
export function parseAddress(address: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!m) return { hostname: address, port: 80 };
  return { hostname: m[1] ?? m[2], port: Number(m[3]) };
}

/** The server closed the connection before any byte of its answer. */
class ClosedBeforeAnswer extends Error {
  constructor() {
    super("the connection was closed before an answer arrived");
    this.name = "ClosedBeforeAnswer";
  }
}

/** One kept-alive connection: its reader and writer. */
class Connection {
  readonly #conn: Conn;
  readonly reader: ByteReader;
  readonly write: (bytes: Uint8Array) => Promise<void>;
  /** Whether an answer was read on it before (a reused connection). */
  used = false;
  closed = false;
  /** Whether it waits in the idle list (its watcher then owns it). */
  idle = false;
  /** Bytes of the current request handed to the connection (a write that failed may count). */
  written = 0;
  readonly #untrack: () => void;

  constructor(conn: Conn) {
    this.#conn = conn;
    // An idle connection's watching read must not keep a waiting callback handler from its
    // empty event loop (event_loop.ts).
    this.#untrack = trackLoopHandle(conn as Conn & LoopHandle);
    const { source, sink } = duplex(conn, { onWrite: (n) => this.written += n });
    this.reader = new ByteReader(source);
    this.write = (bytes) => sink.write(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle = false;
    this.#untrack();
    this.reader.cancel();
    try {
      this.#conn.close?.();
    } catch {
      // already closed
    }
  }

  /** Reads one answer (after any `1xx`); `keepAlive` says whether the connection can be reused. */
  async answer(): Promise<Http1Response & { keepAlive: boolean }> {
    let budget = MAX_RESPONSE_HEAD;
    for (;;) {
      const head = await readResponseHead(this.reader, { maxHeadBytes: budget });
      if (head === null) {
        if (this.used) throw new ClosedBeforeAnswer();
        throw new Error("the connection was closed before an answer arrived");
      }
      // Interim heads count against the one limit, as in Go, so an endless run of them ends.
      budget -= head.size;
      if (head.status >= 100 && head.status < 200) continue;
      const { status, headers } = head;
      const connection = (headers.get("connection") ?? "").toLowerCase();
      const delimited = headers.has("content-length") || headers.has("transfer-encoding");
      let keepAlive = !connection.includes("close") && delimited;
      const body = bodyReader(
        this.reader,
        head,
        LIMITS,
        status !== 204 && status !== 304 && !delimited,
      );
      // A body of known length (every event the platform hands out) is read into one buffer of
      // its size: pieces kept to be joined would hold it twice, and each an ArrayBuffer of its own
      // that only a full garbage collection frees.
      let whole = await body.readWhole(MAX_WHOLE_BODY);
      if (whole === null) {
        const parts: Uint8Array[] = [];
        let total = 0;
        for (let p = await body.next(); p !== null; p = await body.next()) {
          // The reader may reuse nothing it handed out, but a part must outlive this loop whole.
          parts.push(p);
          total += p.length;
        }
        whole = parts.length === 1 ? parts[0] : concat(parts, total);
      }
      for (const [k, v] of body.trailers) headers.set(k, v);
      for (const [k, v] of head.firstValues) headers.set(k, v);
      if (this.reader.eof) keepAlive = false;
      this.used = true;
      return {
        status,
        headers,
        body: whole,
        keepAlive,
      };
    }
  }
}

/** The first bytes of `reader`'s buffer (what an unsolicited answer began with). */
function buffered(reader: ByteReader): Promise<Uint8Array> {
  return reader.readSome(reader.buffered, false).then((b) => b ?? new Uint8Array(0));
}

/** Kept-alive HTTP/1.1 connections to one server; see the module docs. */
export class Http1Client {
  /** `host:port`, as given. */
  readonly address: string;
  readonly #hostname: string;
  readonly #port: number;
  readonly #idle: Connection[] = [];
  readonly #onUnsolicited: (bytes: Uint8Array) => void;

  /** A client of the server at `address` (`host:port` or `[v6]:port`). */
  constructor(address: string, options: Http1ClientOptions = {}) {
    this.address = address;
    const { hostname, port } = parseAddress(address);
    this.#hostname = hostname;
    this.#port = port;
    this.#onUnsolicited = options.onUnsolicited ?? (() => {});
  }

  async #acquire(): Promise<Connection> {
    const idle = this.#idle.pop();
    if (idle) {
      idle.idle = false;
      idle.written = 0;
      return idle;
    }
    return new Connection(await connect({ hostname: this.#hostname, port: this.#port }));
  }

  /**
   * Returns `c` to the idle list when it can serve another request. Like Go's `Transport`, an
   * idle connection is watched: bytes left over after the answer, or arriving while idle, are no
   * answer to anything (a later request must not read them as its own), and a connection the
   * server closed is not reused.
   */
  #release(c: Connection, keepAlive: boolean): void {
    if (!keepAlive || c.closed) return c.close();
    if (c.reader.buffered > 0) return this.#unsolicited(c);
    c.idle = true;
    this.#idle.push(c);
    c.reader.fill().then((more) => {
      if (!c.idle) return; // taken by a request, whose answer this read begins
      if (more) this.#unsolicited(c);
      else this.#drop(c);
    }, () => {
      if (c.idle) this.#drop(c);
    });
  }

  #drop(c: Connection): void {
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    c.close();
  }

  #unsolicited(c: Connection): void {
    const bytes = buffered(c.reader);
    this.#drop(c);
    bytes.then((b) => this.#onUnsolicited(b), () => {});
  }

  #head(method: string, path: string, headers: Record<string, string>, framing: Fields) {
    return requestHead(method, path, [
      ["Host", this.address],
      ...Object.entries(headers),
      ...(Array.isArray(framing) ? framing : Object.entries(framing)),
    ]);
  }

  /**
   * Sends one request with a whole body (or none) and reads the whole answer. Rejects on
   * connection failures and malformed answers.
   *
   * A reused connection that fails before any byte of the request was written is replaced by a
   * new one, once, for any request; after that, only a request without a body (`GET`) is sent
   * again, as Go's `Transport` retries only replayable requests: a response or an error posted
   * to the platform is never sent twice.
   *
   * `onSent` is called once the whole request is written (the server has it, whatever becomes of
   * this side of the connection), before its answer is read.
   */
  async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Uint8Array,
    onSent?: () => void,
  ): Promise<Http1Response> {
    for (let attempt = 0;; attempt++) {
      const c = await this.#acquire();
      try {
        const head = this.#head(
          method,
          path,
          headers,
          body === undefined ? {} : { "Content-Length": String(body.length) },
        );
        if (body === undefined || body.length === 0) {
          await c.write(head);
        } else if (body.length <= 64 * 1024) {
          await c.write(concat([head, body]));
        } else {
          await c.write(head);
          await c.write(body);
        }
        onSent?.();
        const { keepAlive, ...answer } = await c.answer();
        this.#release(c, keepAlive);
        return answer;
      } catch (e) {
        c.close();
        const replayable = c.written === 0 || body === undefined && method === "GET";
        // A kept-alive connection the server had closed meanwhile: once more, on a new one.
        if (
          attempt === 0 && c.used && replayable &&
          (e instanceof ClosedBeforeAnswer || isReset(e))
        ) continue;
        throw e;
      }
    }
  }

  /**
   * Sends `body` chunk by chunk as it is produced (`Transfer-Encoding: chunked`, each chunk in
   * one write), then the last chunk with the fields `trailers(error)` gives if `body` errors (the
   * error is not rethrown: the server learns of it from the trailers), and reads the answer,
   * which is read while the body is being sent so that a server refusing early is not left
   * unread. Rejects on connection failures and malformed answers; never sends twice. `onSent`
   * is called once the last chunk is written, as for {@linkcode Http1Client.request}.
   */
  async stream(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: ReadableStream<Uint8Array>,
    trailers: (error: unknown) => Record<string, string>,
    onSent?: () => void,
  ): Promise<Http1Response> {
    const c = await this.#acquire();
    let answered = false;
    try {
      await c.write(this.#head(method, path, headers, { "Transfer-Encoding": "chunked" }));
      const answer = c.answer().finally(() => answered = true);
      answer.catch(() => {});
      let tail: Record<string, string> = {};
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
          await c.write(chunk(r.value));
        } catch (e) {
          await reader.cancel(e).catch(() => {});
          throw e;
        }
      }
      const early = answered;
      await c.write(lastChunk(tail));
      onSent?.();
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
  const code = (e as { code?: string }).code;
  return e instanceof Error &&
    (e.name === "ConnectionReset" || e.name === "BrokenPipe" || code === "ECONNRESET" ||
      code === "EPIPE");
}
