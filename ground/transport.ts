/**
 * The platform transport on Deno: the ONLY module of the library that calls `Deno.listen` and
 * `Deno.connect` for the protocols (net/rpc, the Runtime API's streamed POST). Everything else
 * works on {@link Conn}, a pair of Web Streams, so the npm build swaps this one module for a
 * `node:net` version (`packaging/npm/transport_node.ts`) implementing the same
 * {@link Transport}.
 *
 * @module
 */

import {
  type Address,
  type BoundListener,
  type Conn,
  listenerAddress,
  type Transport,
  tune,
} from "./conn.ts";

export type { Address, BoundAddr, BoundListener, Conn, Listener, Transport } from "./conn.ts";
// Platform-neutral: the same on every platform, defined once beside the contract.
export { listenerAddress, tune } from "./conn.ts";

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

/** This module's functions as one {@link Transport} value (and the compile-time proof it is one). */
export const transport: Transport = { connect, listen, listenerAddress, tune };
