/**
 * One HTTP/1.1 POST with a chunked body and request trailers, over a plain TCP connection.
 *
 * Why not `fetch`: a streamed response that fails half-way reports its error to Lambda in
 * request trailers (`Lambda-Runtime-Function-Error-Type` / `-Body`), and neither the Fetch
 * standard nor Deno's `fetch` can send request trailers. So this small client writes the request
 * itself: the head, each chunk as soon as it is produced (size line, data and CRLF in one write),
 * the last chunk with the trailers, then reads the status line and drains a bounded response.
 * It is used only for streamed responses; everything else in the Runtime API goes through `fetch`.
 *
 * @module
 */

import { connect } from "../rpc/transport.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF = encoder.encode("\r\n");
/** The most of the platform's answer we read (it is `{"status":"OK"}` or a short error). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** What the server answered. */
export interface ChunkedPostResponse {
  /** The HTTP status. */
  status: number;
  /** The response body (at most 64 KiB of it). */
  body: string;
}

/** Splits `host:port` / `[v6]:port` (the form of `AWS_LAMBDA_RUNTIME_API`). */
export function parseAddress(address: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!m) return { hostname: address, port: 80 };
  return { hostname: m[1] ?? m[2], port: Number(m[3]) };
}

function chunkFrame(data: Uint8Array): Uint8Array {
  const head = encoder.encode(data.length.toString(16) + "\r\n");
  const out = new Uint8Array(head.length + data.length + 2);
  out.set(head, 0);
  out.set(data, head.length);
  out.set(CRLF, head.length + data.length);
  return out;
}

function indexOfHeadEnd(buf: Uint8Array, len: number): number {
  for (let i = 3; i < len; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

async function readResponse(readable: ReadableStream<Uint8Array>): Promise<ChunkedPostResponse> {
  const buf = new Uint8Array(MAX_RESPONSE_BYTES);
  let len = 0;
  let headEnd = -1;
  let contentLength = -1;
  const reader = readable.getReader();
  while (len < buf.length) {
    const r = await reader.read();
    if (r.done) break;
    const n = Math.min(r.value.length, buf.length - len);
    buf.set(r.value.subarray(0, n), len);
    len += n;
    if (headEnd < 0) {
      headEnd = indexOfHeadEnd(buf, len);
      if (headEnd >= 0) {
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(decoder.decode(buf.subarray(0, headEnd)));
        if (m) contentLength = Number(m[1]);
      }
    }
    if (headEnd >= 0 && contentLength >= 0 && len - headEnd >= contentLength) break;
  }
  const text = decoder.decode(buf.subarray(0, len));
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!status) throw new Error(`malformed HTTP response: ${JSON.stringify(text.slice(0, 80))}`);
  const body = headEnd >= 0 ? decoder.decode(buf.subarray(headEnd, len)) : "";
  return { status: Number(status[1]), body };
}

/**
 * POSTs `body` to `http://<address><path>` chunk by chunk. If `body` errors, `trailers(error)`
 * gives the trailer fields to end the request with; the request still completes normally (the
 * platform learns of the error from the trailers) and the error is not rethrown. Rejects on
 * connection failures and malformed answers.
 */
export async function postChunked(
  address: string,
  path: string,
  headers: Record<string, string>,
  body: ReadableStream<Uint8Array>,
  trailers: (error: unknown) => Record<string, string>,
): Promise<ChunkedPostResponse> {
  const { hostname, port } = parseAddress(address);
  const conn = await connect({ hostname, port });
  const writer = conn.writable.getWriter();
  try {
    let head = `POST ${path} HTTP/1.1\r\nHost: ${address}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    await writer.write(encoder.encode(head));

    // Read the answer concurrently: a platform refusing the request early must not leave us
    // writing into a connection nobody reads.
    const answer = readResponse(conn.readable);
    answer.catch(() => {});

    let tail: Record<string, string> = {};
    const reader = body.getReader();
    while (true) {
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
        await writer.write(chunkFrame(r.value));
      } catch (e) {
        await reader.cancel(e).catch(() => {});
        throw e;
      }
    }
    let end = "0\r\n";
    for (const [k, v] of Object.entries(tail)) end += `${k}: ${v}\r\n`;
    await writer.write(encoder.encode(end + "\r\n"));
    return await answer;
  } finally {
    try {
      conn.close?.();
    } catch {
      // already closed
    }
  }
}
