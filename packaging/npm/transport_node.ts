/**
 * The npm build's `ground/transport.ts`: the same exports as the Deno module, over `node:net`,
 * implementing the same {@link Transport} contract (`ground/conn.ts`, imported, not re-declared).
 * The npm build puts this file in that module's place; nothing else changes.
 *
 * One difference Node imposes: Node binds a TCP listener asynchronously, so `listen()` returns
 * before the socket is bound. Listening on a fixed port, `addr` is known at once; on port 0,
 * await `listener.ready` before reading `addr` (or {@link listenerAddress}). A bind error
 * (say, the port is in use) rejects `ready` and ends the listener's iteration with that error.
 *
 * @module
 */

import * as net from "node:net";
import {
  type Address,
  type BoundAddr,
  type BoundListener,
  type Conn,
  type Listener,
  listenerAddress,
  type Transport,
  tune,
} from "../../ground/conn.ts";

export type { Address, BoundAddr, BoundListener, Conn, Listener, Transport };
// Platform-neutral: the same on every platform, defined once beside the contract.
export { listenerAddress, tune };

/** A bound address, shaped like Deno's `Deno.Addr`. */
export type NetAddr =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/** A `node:net` socket as a {@link Conn}, with Nagle control. */
export interface NodeConn extends Conn {
  /** Closes both directions. */
  close(): void;
  /** Turns Nagle's algorithm off (`true`) or on. */
  setNoDelay(on: boolean): void;
}

/** Wraps a connected `node:net` socket as Web Streams. */
export function socketConn(sock: net.Socket): NodeConn {
  let closed = false;
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      sock.on("data", (b: Uint8Array) => {
        if (closed) return;
        c.enqueue(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        if ((c.desiredSize ?? 1) <= 0) sock.pause();
      });
      const end = () => {
        if (closed) return;
        closed = true;
        try {
          c.close();
        } catch {
          // already closed or errored
        }
      };
      sock.on("end", end);
      sock.on("close", end);
      sock.on("error", (e) => {
        if (closed) return;
        closed = true;
        c.error(e);
      });
    },
    pull() {
      sock.resume();
    },
    cancel() {
      closed = true;
      sock.destroy();
    },
  }, { highWaterMark: 4 });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) =>
        sock.write(chunk, (err) => (err ? reject(err) : resolve()))
      );
    },
    close() {
      return new Promise<void>((resolve) => sock.end(resolve));
    },
    abort() {
      sock.destroy();
    },
  });
  return {
    readable,
    writable,
    close: () => sock.destroy(),
    setNoDelay: (on: boolean) => {
      sock.setNoDelay(on);
    },
  };
}

/** Opens a connection to `addr` (TCP with Nagle off, or a Unix socket). */
export function connect(addr: Address): Promise<Conn> {
  return new Promise<Conn>((resolve, reject) => {
    const sock = "path" in addr
      ? net.createConnection({ path: addr.path })
      : net.createConnection({ host: addr.hostname ?? "127.0.0.1", port: addr.port });
    const onError = (e: Error) => reject(e);
    sock.once("error", onError);
    sock.once("connect", () => {
      sock.off("error", onError);
      if (!("path" in addr)) sock.setNoDelay(true);
      resolve(socketConn(sock));
    });
  });
}

/** A `node:net` server as a {@link BoundListener}. */
export interface NodeListener extends BoundListener {
  /** The bound address (see the module docs for port 0). */
  readonly addr: NetAddr;
  /** Resolves once the socket is bound; rejects with the bind error. */
  readonly ready: Promise<void>;
}

/**
 * Listens on `addr`. TCP defaults to 127.0.0.1; port 0 picks a free port (await
 * `listener.ready`, then read it back with {@link listenerAddress}).
 */
export function listen(addr: Address): NodeListener {
  const server = net.createServer({ noDelay: true });
  const queue: net.Socket[] = [];
  let waiter: { resolve: (r: IteratorResult<Conn>) => void; reject: (e: unknown) => void } | null =
    null;
  let failure: unknown;
  let done = false;
  const requested: NetAddr = "path" in addr
    ? { transport: "unix", path: addr.path }
    : { transport: "tcp", hostname: addr.hostname ?? "127.0.0.1", port: addr.port };

  const finish = () => {
    done = true;
    if (waiter) {
      const w = waiter;
      waiter = null;
      if (failure !== undefined) w.reject(failure);
      else w.resolve({ value: undefined, done: true });
    }
  };
  server.on("connection", (sock: net.Socket) => {
    if (waiter) {
      const w = waiter;
      waiter = null;
      w.resolve({ value: socketConn(sock), done: false });
    } else queue.push(sock);
  });
  server.on("close", finish);
  const ready = new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", (e) => {
      failure = e;
      reject(e);
      finish();
    });
  });
  ready.catch(() => {}); // surfaced through iteration or by whoever awaits it
  if (requested.transport === "unix") server.listen(requested.path);
  else server.listen(requested.port, requested.hostname);

  return {
    get addr(): NetAddr {
      if (requested.transport === "unix") return requested;
      const a = server.address();
      if (a && typeof a === "object") {
        return { transport: "tcp", hostname: a.address, port: a.port };
      }
      if (requested.port !== 0) return requested;
      throw new Error("the listener is not bound yet: await listener.ready first (port 0, Node)");
    },
    ready,
    close() {
      if (!done) server.close();
      for (const s of queue.splice(0)) s.destroy();
      finish();
    },
    [Symbol.asyncIterator](): AsyncIterator<Conn> {
      return {
        next(): Promise<IteratorResult<Conn>> {
          const sock = queue.shift();
          if (sock) return Promise.resolve({ value: socketConn(sock), done: false });
          if (done) {
            // A bind failure is reported once; the iteration then ends (it is not retried).
            const f = failure;
            failure = undefined;
            return f !== undefined
              ? Promise.reject(f)
              : Promise.resolve({ value: undefined, done: true });
          }
          return new Promise((resolve, reject) => (waiter = { resolve, reject }));
        },
        return(): Promise<IteratorResult<Conn>> {
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}

/** This module's functions as one {@link Transport} value (and the compile-time proof it is one). */
export const transport: Transport = { connect, listen, listenerAddress, tune };
