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
