/**
 * The platform transport on Deno: the ONLY module of the library that calls `Deno.listen` and
 * `Deno.connect` for the protocols (net/rpc, the Runtime API's streamed POST). Everything else
 * works on {@link Conn}, a pair of Web Streams, so the npm build swaps this one module for a
 * `node:net` version (`packaging/npm/transport_node.ts`) implementing the same
 * {@link Transport}.
 *
 * @module
 */

import type { Address, BoundAddr, BoundListener, Conn, Transport } from "./conn.ts";

export type { Address, BoundAddr, BoundListener, Conn, Listener, Transport } from "./conn.ts";

/** Opens a connection to `addr` (TCP with Nagle off, or a Unix socket). */
export async function connect(addr: Address): Promise<Conn> {
  if ("path" in addr) return await Deno.connect({ transport: "unix", path: addr.path });
  const conn = await Deno.connect({ hostname: addr.hostname ?? "127.0.0.1", port: addr.port });
  tune(conn);
  return conn;
}

/**
 * Listens on `addr`. TCP defaults to 127.0.0.1; port 0 picks a free port
 * (read it back with {@link listenerAddress}). The result is a `Deno.Listener`.
 */
export function listen(addr: Address): Deno.Listener & BoundListener {
  if ("path" in addr) return Deno.listen({ transport: "unix", path: addr.path });
  return Deno.listen({ hostname: addr.hostname ?? "127.0.0.1", port: addr.port });
}

/** The address a listener from {@link listen} is bound to. */
export function listenerAddress(listener: { readonly addr: BoundAddr }): Address {
  const a = listener.addr;
  if (a.path !== undefined && (a.transport === "unix" || a.transport === "unixpacket")) {
    return { path: a.path };
  }
  if (a.port !== undefined && (a.transport === "tcp" || a.transport === "udp")) {
    return { hostname: a.hostname, port: a.port };
  }
  throw new TypeError(`unsupported listener transport ${a.transport}`);
}

/**
 * Per-connection socket options for accepted connections: Nagle off on TCP,
 * so a reply is not held back waiting for the next one. A no-op elsewhere.
 */
export function tune(conn: Conn): void {
  const c = conn as { setNoDelay?: (on: boolean) => void };
  if (typeof c.setNoDelay === "function") {
    try {
      c.setNoDelay(true);
    } catch {
      // already closed: nothing to tune
    }
  }
}

/** This module's functions as one {@link Transport} value (and the compile-time proof it is one). */
export const transport: Transport = { connect, listen, listenerAddress, tune };

/** Options of {@link acceptLoop}. */
export interface AcceptOptions {
  /** Called with each accept error before its back-off (default: ignore). */
  onError?: (error: unknown) => void;
  /** Whether the owner has closed the listener on purpose: an error then ends the loop. */
  closed?: () => boolean;
}

/** The first back-off after a failed accept, in ms (Go's `http.Server.Serve`: 5 ms). */
export const ACCEPT_BACKOFF_MIN = 5;
/** The longest back-off between failed accepts, in ms (Go: 1 s). */
export const ACCEPT_BACKOFF_MAX = 1000;

/**
 * Accepts connections from `listener` and hands each to `handle`, until the listener is closed.
 *
 * An accept that fails does not end the loop. A failure of one connection (a peer that connected
 * and reset before it was accepted: `NotConnected`, `ConnectionReset`, `ConnectionAborted` on
 * Deno) is skipped at once, as Go's runtime skips `ECONNABORTED`: a storm of them must not slow
 * the accepting of others. Any other failure (no file descriptors left) is retried, like Go's
 * servers, after a back-off that starts at 5 ms and doubles up to 1 s, and resets after a
 * successful accept. Only a closed listener (its iteration ends, or `closed()` says so) ends the
 * loop. `onError` is told of every failure.
 */
export async function acceptLoop<C>(
  listener: AsyncIterable<C>,
  handle: (conn: C) => void,
  options: AcceptOptions = {},
): Promise<void> {
  const it = listener[Symbol.asyncIterator]();
  let delay = 0;
  for (;;) {
    let r: IteratorResult<C>;
    try {
      r = await it.next();
    } catch (e) {
      if (options.closed?.() || isClosedError(e)) return;
      options.onError?.(e);
      if (isPeerError(e)) continue;
      delay = delay === 0 ? ACCEPT_BACKOFF_MIN : Math.min(delay * 2, ACCEPT_BACKOFF_MAX);
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (options.closed?.()) return;
      continue;
    }
    if (r.done) return;
    delay = 0;
    handle(r.value);
  }
}

/** Whether `e` is about one connection only: its peer reset it before it was accepted. */
function isPeerError(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === "NotConnected" || name === "ConnectionReset" || name === "ConnectionAborted";
}

/** Whether `e` says the listener itself is closed (Deno's `BadResource`/`Interrupted`). */
function isClosedError(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === "BadResource" || name === "Interrupted";
}
