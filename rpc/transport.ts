/**
 * The platform transport: the ONLY module of `rpc/` that touches `Deno.listen`
 * and `Deno.connect`. Everything else works on {@link Conn}, a pair of Web
 * Streams, so the npm build swaps this one module for a `node:net` version.
 *
 * @module
 */

/**
 * A byte connection: a readable and a writable Web Stream, plus an optional
 * `close()` that tears both down at once (a socket's). A `Deno.Conn` is one.
 */
export interface Conn {
  /** Bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Closes both directions at once, if the transport can. */
  close?(): void;
}

/** A source of incoming connections; a `Deno.Listener` is one. */
export interface Listener<C extends Conn = Conn> extends AsyncIterable<C> {
  /** Stops accepting. */
  close(): void;
}

/** Where to listen or connect: TCP `{ hostname, port }` or a Unix socket `{ path }`. */
export type Address = { hostname?: string; port: number } | { path: string };

/** Opens a connection to `addr` (TCP with Nagle off, or a Unix socket). */
export async function connect(addr: Address): Promise<Conn> {
  if ("path" in addr) return await Deno.connect({ transport: "unix", path: addr.path });
  const conn = await Deno.connect({ hostname: addr.hostname ?? "127.0.0.1", port: addr.port });
  tune(conn);
  return conn;
}

/**
 * Listens on `addr`. TCP defaults to 127.0.0.1; port 0 picks a free port
 * (read it back with {@link listenerAddress}).
 */
export function listen(addr: Address): Listener<Conn> & { readonly addr: Deno.Addr } {
  if ("path" in addr) return Deno.listen({ transport: "unix", path: addr.path });
  return Deno.listen({ hostname: addr.hostname ?? "127.0.0.1", port: addr.port });
}

/** The address a listener from {@link listen} is bound to. */
export function listenerAddress(listener: { readonly addr: Deno.Addr }): Address {
  const a = listener.addr;
  if (a.transport === "unix" || a.transport === "unixpacket") return { path: a.path };
  if (a.transport === "tcp" || a.transport === "udp") return { hostname: a.hostname, port: a.port };
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
