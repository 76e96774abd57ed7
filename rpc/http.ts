/**
 * Go's HTTP CONNECT transport for net/rpc, in both roles.
 *
 * - Client: sends `CONNECT /_goRPC_ HTTP/1.0\n\n` and requires the answer
 *   `HTTP/1.0 200 Connected to Go RPC` (status exactly as Go checks it);
 *   then the connection carries the codec.
 * - Server: reads one request head; `CONNECT <path>` is answered with
 *   `HTTP/1.0 200 Connected to Go RPC\n\n` and the connection switches to
 *   the codec. Any other method on the RPC path gets Go's
 *   `405 Method Not Allowed` with body `405 must CONNECT\n`; another path gets
 *   `404 page not found\n` (Go's ServeMux); then the connection is closed.
 *
 * Bytes that follow the head (read ahead in the same chunk) stay in the
 * channel's reader for the codec.
 *
 * @module
 */

import {
  HttpError,
  readRequestHead,
  readResponseHead,
  reasonPhrase,
  responseBytes,
} from "../ground/http1.ts";
import { RpcError } from "./errors.ts";
import type { Channel } from "./channel.ts";

/** Go's `rpc.DefaultRPCPath`. */
export const DEFAULT_RPC_PATH = "/_goRPC_";
/** Go's status line for an accepted CONNECT (without the protocol). */
export const CONNECTED = "200 Connected to Go RPC";

/** Largest request or response head accepted during the handshake. */
const MAX_HEAD = 16 * 1024;
const enc = new TextEncoder();

function plainResponse(status: number, body: string, extra: Record<string, string> = {}) {
  return responseBytes(
    status,
    { "Content-Type": "text/plain; charset=utf-8", ...extra },
    body,
    true,
  );
}

/**
 * Server role: handles the HTTP request head on `ch`. Returns true when the
 * connection was switched to RPC; otherwise an HTTP error was queued and the
 * caller should close the connection.
 */
export async function acceptConnect(ch: Channel, path = DEFAULT_RPC_PATH): Promise<boolean> {
  let head;
  try {
    head = await readRequestHead(ch.reader, { maxHeadBytes: MAX_HEAD });
  } catch (e) {
    // Go's server answers a bad request with its status line as the body.
    const status = e instanceof HttpError ? e.status : 400;
    ch.writer.send(plainResponse(status, `${status} ${reasonPhrase(status)}`));
    return false;
  }
  if (head === null) return false;
  const { method, target } = head;
  let reqPath = head.path;
  if (!target.startsWith("/")) {
    // CONNECT may carry an authority form; Go's mux then sees no path.
    try {
      reqPath = new URL(target.includes("://") ? target : `http://${target}`).pathname;
    } catch {
      reqPath = "";
    }
  }
  if (reqPath !== path) {
    ch.writer.send(
      plainResponse(404, "404 page not found\n", { "X-Content-Type-Options": "nosniff" }),
    );
    return false;
  }
  if (method !== "CONNECT") {
    ch.writer.send(plainResponse(405, "405 must CONNECT\n"));
    return false;
  }
  // Go's exact bytes: a bare-LF status line, no headers.
  ch.writer.send(enc.encode(`HTTP/1.0 ${CONNECTED}\n\n`));
  return true;
}

/**
 * Client role: sends `CONNECT <path> HTTP/1.0` and checks the answer, like
 * Go's `rpc.DialHTTPPath`. Throws a `protocol` RpcError
 * ("unexpected HTTP response: <status>") otherwise.
 */
export async function dialConnect(ch: Channel, path = DEFAULT_RPC_PATH): Promise<void> {
  ch.writer.send(enc.encode(`CONNECT ${path} HTTP/1.0\n\n`));
  let head;
  try {
    head = await readResponseHead(ch.reader, { maxHeadBytes: MAX_HEAD });
  } catch (e) {
    if (e instanceof HttpError) throw new RpcError("protocol", `dial-http: ${e.message}`);
    throw e;
  }
  if (head === null) {
    throw new RpcError("unexpected-eof", "dial-http: connection closed before the HTTP response");
  }
  const status = `${head.status} ${head.reason}`.trim();
  if (status !== CONNECTED) {
    throw new RpcError("protocol", `dial-http: unexpected HTTP response: ${status}`);
  }
}
