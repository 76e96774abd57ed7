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

import { RpcError } from "./errors.ts";
import type { Channel } from "./stream.ts";

/** Go's `rpc.DefaultRPCPath`. */
export const DEFAULT_RPC_PATH = "/_goRPC_";
/** Go's status line for an accepted CONNECT (without the protocol). */
export const CONNECTED = "200 Connected to Go RPC";

const MAX_HEAD = 16 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Reads an HTTP head (lines until an empty one); null if the stream ends first. */
async function readHead(ch: Channel): Promise<string[] | null> {
  const lines: string[] = [];
  let size = 0;
  for (;;) {
    const line = await ch.reader.readLine(MAX_HEAD);
    if (line === null) return null;
    size += line.length + 1;
    if (size > MAX_HEAD) throw new RpcError("protocol", "http: request head too large");
    if (line.length === 0) {
      if (lines.length === 0) continue; // tolerate leading blank lines, like Go
      return lines;
    }
    lines.push(dec.decode(line));
  }
}

function plainResponse(status: string, body: string, extra = ""): Uint8Array {
  const b = enc.encode(body);
  return enc.encode(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\n${extra}` +
      `Content-Length: ${b.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Server role: handles the HTTP request head on `ch`. Returns true when the
 * connection was switched to RPC; otherwise an HTTP error was queued and the
 * caller should close the connection.
 */
export async function acceptConnect(ch: Channel, path = DEFAULT_RPC_PATH): Promise<boolean> {
  let head: string[] | null;
  try {
    head = await readHead(ch);
  } catch {
    ch.writer.send(plainResponse("400 Bad Request", "400 Bad Request"));
    return false;
  }
  if (head === null) return false;
  const parts = head[0].split(" ");
  if (parts.length !== 3 || !/^HTTP\/\d\.\d$/.test(parts[2]) || parts[0] === "") {
    ch.writer.send(plainResponse("400 Bad Request", "400 Bad Request"));
    return false;
  }
  const [method, target] = parts;
  let reqPath = target;
  if (!target.startsWith("/")) {
    // CONNECT may carry an authority form; Go's mux then sees no path.
    try {
      reqPath = new URL(target.includes("://") ? target : `http://${target}`).pathname;
    } catch {
      reqPath = "";
    }
  } else {
    const q = target.indexOf("?");
    if (q >= 0) reqPath = target.slice(0, q);
  }
  if (reqPath !== path) {
    ch.writer.send(
      plainResponse("404 Not Found", "404 page not found\n", "X-Content-Type-Options: nosniff\r\n"),
    );
    return false;
  }
  if (method !== "CONNECT") {
    ch.writer.send(plainResponse("405 Method Not Allowed", "405 must CONNECT\n"));
    return false;
  }
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
  const head = await readHead(ch);
  if (head === null) {
    throw new RpcError("unexpected-eof", "dial-http: connection closed before the HTTP response");
  }
  const m = /^HTTP\/\d\.\d (.*)$/.exec(head[0]);
  if (!m) {
    throw new RpcError("protocol", `dial-http: malformed HTTP response ${JSON.stringify(head[0])}`);
  }
  const status = m[1].trim();
  if (status !== CONNECTED) {
    throw new RpcError("protocol", `dial-http: unexpected HTTP response: ${status}`);
  }
}
