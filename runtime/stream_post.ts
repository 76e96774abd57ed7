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

import { concat } from "../ground/bytes.ts";
import { ByteReader } from "../ground/reader.ts";
import { bodyReader, chunk, lastChunk, readResponseHead, requestHead } from "../ground/http1.ts";
import { connect } from "../ground/transport.ts";

const decoder = new TextDecoder();
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

async function readResponse(readable: ReadableStream<Uint8Array>): Promise<ChunkedPostResponse> {
  const reader = new ByteReader(readable);
  try {
    const head = await readResponseHead(reader, { maxHeadBytes: MAX_RESPONSE_BYTES });
    if (head === null) throw new Error("malformed HTTP response: the connection closed first");
    const body = bodyReader(reader, head, { maxTrailerBytes: MAX_RESPONSE_BYTES }, true);
    const parts: Uint8Array[] = [];
    let size = 0;
    while (size < MAX_RESPONSE_BYTES) {
      const piece = await body.next();
      if (piece === null) break;
      parts.push(piece.subarray(0, MAX_RESPONSE_BYTES - size));
      size += parts[parts.length - 1].length;
    }
    return { status: head.status, body: decoder.decode(concat(parts, size)) };
  } finally {
    reader.cancel();
  }
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
    await writer.write(requestHead("POST", path, {
      Host: address,
      ...headers,
      "Transfer-Encoding": "chunked",
      Connection: "close",
    }));

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
        await writer.write(chunk(r.value));
      } catch (e) {
        await reader.cancel(e).catch(() => {});
        throw e;
      }
    }
    await writer.write(lastChunk(tail));
    return await answer;
  } finally {
    try {
      conn.close?.();
    } catch {
      // already closed
    }
  }
}
