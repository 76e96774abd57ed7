/**
 * The npm build's stand-in for the parts of the `Deno` namespace the library uses outside
 * `ground/transport.ts`, and for the global `addEventListener` Deno has and Node lacks.
 *
 * The npm build imports `Deno` from this module into each file that uses it (a module-local
 * binding: Node's global scope is left alone). Under Deno (the npm package imported with `npm:`)
 * it is the real `Deno`; under Node it maps onto `process`, `node:fs` and `node:net`:
 *
 * | Deno                          | Node                                              |
 * | ----------------------------- | ------------------------------------------------- |
 * | `env.get/set/delete`          | `process.env`                                     |
 * | `cwd()`, `exit()`             | `process.cwd()`, `process.exit()`                 |
 * | `stdout/stderr.writeSync`     | `fs.writeSync(1 / 2, …)`                          |
 * | `addSignalListener`           | `process.on(signal, …)`                           |
 * | `version.deno`                | `node-<process.versions.node>`                    |
 * | `connect({ hostname, port })` | `net.createConnection`, with `read`/`write`/`close` |
 * | `readTextFileSync(path)`      | `fs.readFileSync(path, "utf8")`                   |
 * | `mainModule`                  | the file URL of `process.argv[1]` (the script run) |
 * | `unrefTimer(timer)`           | `timer.unref()`                                   |
 *
 * `addGlobalEventListener("unhandledrejection" | "error", fn)` is `globalThis.addEventListener`
 * where that exists, and otherwise maps onto `process.on("unhandledRejection")` /
 * `process.on("uncaughtException")`, with `preventDefault()` meaning "handled"; an event nobody
 * prevents ends the process as Node would (the error printed, exit status 1).
 *
 * @module
 */

import * as fs from "node:fs";
import * as net from "node:net";
import process from "node:process";
import { pathToFileURL } from "node:url";

/** The types of the `Deno` namespace the library names. */
export declare namespace Deno {
  /** The permission queries the library makes (only where Deno runs: Node has none). */
  interface Permissions {
    /** The state of a permission, without prompting. */
    querySync(desc: { name: "env"; variable?: string }): { state: string };
  }
  /** A TCP address. */
  interface NetAddr {
    /** `tcp` or `udp`. */
    transport: "tcp" | "udp";
    /** The host. */
    hostname: string;
    /** The port. */
    port: number;
  }
  /** A Unix socket address. */
  interface UnixAddr {
    /** `unix` or `unixpacket`. */
    transport: "unix" | "unixpacket";
    /** The socket's path. */
    path: string;
  }
  /** Any address. */
  type Addr = NetAddr | UnixAddr;
  /** A connection, as far as the library uses one. */
  interface Conn {
    /** Reads into `p`; `null` at the end of the stream. */
    read(p: Uint8Array): Promise<number | null>;
    /** Writes (some of) `p`; resolves to the bytes written. */
    write(p: Uint8Array): Promise<number>;
    /** Closes the connection. */
    close(): void;
    /** Turns Nagle's algorithm off (`true`) or on. */
    setNoDelay(on?: boolean): void;
    /** Bytes from the peer. */
    readonly readable: ReadableStream<Uint8Array>;
    /** Bytes to the peer. */
    readonly writable: WritableStream<Uint8Array>;
  }
}

/** The subset of the `Deno` namespace the library uses. */
export interface DenoSubset {
  /** Environment variables. */
  env: {
    get(name: string): string | undefined;
    set(name: string, value: string): void;
    delete(name: string): void;
    toObject(): Record<string, string>;
  };
  /** The working directory. */
  cwd(): string;
  /** Ends the process. */
  exit(code?: number): never;
  /** Standard output. */
  stdout: { writeSync(p: Uint8Array): number };
  /** Standard error. */
  stderr: { writeSync(p: Uint8Array): number };
  /** Runs `fn` on `signal`. */
  addSignalListener(signal: "SIGTERM" | "SIGINT", fn: () => void): void;
  /** Versions. */
  version: { deno: string };
  /** Opens a TCP connection. */
  connect(options: { hostname?: string; port: number }): Promise<Deno.Conn>;
  /** Reads a UTF-8 text file. */
  readTextFileSync(path: string): string;
  /** The URL of the program's main module (the script Node runs). */
  readonly mainModule: string;
  /** Lets the process exit while the timer is pending (Node's timers are objects). */
  unrefTimer(id: number | { unref?(): unknown }): void;
}

function nodeConn(sock: net.Socket): Deno.Conn {
  const chunks: Uint8Array[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  sock.on("data", (b: Uint8Array) => {
    chunks.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    sock.pause();
    poke();
  });
  sock.on("end", () => {
    ended = true;
    poke();
  });
  sock.on("close", () => {
    ended = true;
    poke();
  });
  sock.on("error", (e) => {
    failure = e;
    poke();
  });
  const conn = {
    async read(p: Uint8Array): Promise<number | null> {
      while (chunks.length === 0) {
        if (failure) throw failure;
        if (ended) return null;
        sock.resume();
        await new Promise<void>((r) => (wake = r));
      }
      const c = chunks[0];
      const n = Math.min(p.length, c.length);
      p.set(c.subarray(0, n));
      if (n === c.length) chunks.shift();
      else chunks[0] = c.subarray(n);
      return n;
    },
    write(p: Uint8Array): Promise<number> {
      return new Promise<number>((resolve, reject) =>
        sock.write(p, (err) => (err ? reject(err) : resolve(p.length)))
      );
    },
    close() {
      sock.destroy();
    },
    setNoDelay(on = true) {
      sock.setNoDelay(on);
    },
    get readable(): ReadableStream<Uint8Array> {
      throw new Error("gopherless npm shim: Deno.Conn.readable is not provided");
    },
    get writable(): WritableStream<Uint8Array> {
      throw new Error("gopherless npm shim: Deno.Conn.writable is not provided");
    },
  };
  return conn;
}

const nodeDeno: DenoSubset = {
  env: {
    get: (name) => process.env[name],
    set: (name, value) => {
      process.env[name] = value;
    },
    delete: (name) => {
      delete process.env[name];
    },
    toObject: () => ({ ...process.env }) as Record<string, string>,
  },
  cwd: () => process.cwd(),
  exit: (code?: number): never => process.exit(code),
  stdout: { writeSync: (p) => fs.writeSync(1, p) },
  stderr: { writeSync: (p) => fs.writeSync(2, p) },
  addSignalListener: (signal, fn) => {
    process.on(signal, fn);
  },
  version: { deno: `node-${process.versions.node}` },
  connect: ({ hostname, port }) =>
    new Promise<Deno.Conn>((resolve, reject) => {
      const sock = net.createConnection({ host: hostname ?? "127.0.0.1", port });
      sock.once("error", reject);
      sock.once("connect", () => {
        sock.off("error", reject);
        resolve(nodeConn(sock));
      });
    }),
  readTextFileSync: (path) => fs.readFileSync(path, "utf8"),
  unrefTimer: (id) => {
    if (typeof id === "object") id.unref?.();
  },
  get mainModule() {
    return pathToFileURL(process.argv[1] ?? process.cwd()).href;
  },
};

const real = (globalThis as { Deno?: DenoSubset }).Deno;

/** `Deno` under Deno; the Node mapping above elsewhere. */
export const Deno: DenoSubset = typeof real === "object" && real !== null ? real : nodeDeno;

/** The events {@link addGlobalEventListener} supports. */
export type GlobalEventType = "unhandledrejection" | "error";

interface ShimEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

const listeners: Record<GlobalEventType, ((e: never) => void)[]> = {
  unhandledrejection: [],
  error: [],
};
const hooked = new Set<GlobalEventType>();

function dispatch<E extends ShimEvent>(type: GlobalEventType, event: E, error: unknown): void {
  for (const l of listeners[type]) (l as (e: E) => void)(event);
  if (!event.defaultPrevented) {
    console.error(error);
    process.exit(1);
  }
}

function shimEvent<T extends object>(fields: T): T & ShimEvent {
  return {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

/**
 * `globalThis.addEventListener(type, listener)` where it exists (Deno, browsers); on Node, the
 * same events through `process` (see the module docs).
 */
export function addGlobalEventListener(
  type: "unhandledrejection",
  listener: (e: PromiseRejectionEvent) => void,
): void;
/** See above. */
export function addGlobalEventListener(type: "error", listener: (e: ErrorEvent) => void): void;
export function addGlobalEventListener(
  type: GlobalEventType,
  listener: ((e: PromiseRejectionEvent) => void) | ((e: ErrorEvent) => void),
): void {
  const g = globalThis as unknown as {
    addEventListener?: (t: string, l: (e: never) => void) => void;
  };
  if (typeof g.addEventListener === "function") {
    g.addEventListener(type, listener as (e: never) => void);
    return;
  }
  listeners[type].push(listener as (e: never) => void);
  if (hooked.has(type)) return;
  hooked.add(type);
  if (type === "unhandledrejection") {
    process.on("unhandledRejection", (reason, promise) => {
      dispatch("unhandledrejection", shimEvent({ reason, promise }), reason);
    });
  } else {
    process.on("uncaughtException", (error) => {
      dispatch("error", shimEvent({ error, message: String(error?.message ?? error) }), error);
    });
  }
}
