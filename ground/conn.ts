/**
 * The transport contract: what every layer needs from the platform's network, as one small
 * interface ({@link Transport}) over Web Streams. `transport.ts` implements it with `Deno.listen`
 * and `Deno.connect`; the npm build puts a `node:net` implementation in that module's place,
 * written against these same types.
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

/**
 * The address a listener is bound to, shaped like `Deno.Addr`: `transport` is `"tcp"` (with
 * `hostname` and `port`) or `"unix"` (with `path`).
 */
export interface BoundAddr {
  /** `"tcp"` or `"unix"` (Deno may report other transports, which we do not listen on). */
  readonly transport: string;
  /** The bound host, for TCP. */
  readonly hostname?: string;
  /** The bound port, for TCP. */
  readonly port?: number;
  /** The socket's path, for Unix sockets. */
  readonly path?: string;
}

/** A listener from {@link Transport.listen}. */
export interface BoundListener extends Listener<Conn> {
  /** The bound address (on Node with port 0: await {@link BoundListener.ready} first). */
  readonly addr: BoundAddr;
  /**
   * Resolves once the socket is bound; rejects with the bind error. Node binds asynchronously
   * and has it; Deno binds before `listen` returns and leaves it out.
   */
  readonly ready?: Promise<void>;
}

/** The platform's network, as the library uses it. */
export interface Transport {
  /** Opens a connection to `addr` (TCP with Nagle off, or a Unix socket). */
  connect(addr: Address): Promise<Conn>;
  /** Listens on `addr`; TCP defaults to 127.0.0.1, port 0 picks a free port. */
  listen(addr: Address): BoundListener;
  /** The address `listener` is bound to, as an {@link Address} to connect to. */
  listenerAddress(listener: { readonly addr: BoundAddr }): Address;
  /** Per-connection socket options for accepted connections (Nagle off on TCP). */
  tune(conn: Conn): void;
}

/** The address a listener from {@link Transport.listen} is bound to, on any platform. */
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
