/**
 * Doorbells: loopback TCP connections that wake an isolate to read what another left it on a
 * `MessagePort` (with `receiveMessageOnPort`, not a listener).
 *
 * Why not the port's own `message` event: in Deno (2.9) work begun from a port's message costs
 * some 100–150 µs more CPU than the same work begun from a socket read, and the peer on the other
 * end of the isolate's sockets works harder too (measured in BENCHMARKS.md, "Worker deaths, and
 * what the main isolate's dispatch costs"): a Managed Instances function hands every invocation
 * from its main isolate to a worker (`workers.ts`), so that cost is per invocation. A doorbell is
 * one byte; the reading end takes every message waiting at each wake, however many rings woke it.
 *
 * @module
 */

import { duplex } from "../ground/duplex.ts";
import type { ByteSource } from "../ground/reader.ts";
import { type Conn, connect, listen, listenerAddress, tune } from "../ground/transport.ts";

const RING = new Uint8Array([1]);

/** One end of a doorbell connection. */
export class Doorbell {
  readonly #conn: Conn;
  readonly #source: ByteSource;
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  #closed = false;

  /** The doorbell over `conn`; `source`, when given, is where its reads went so far. */
  constructor(conn: Conn, source?: ByteSource) {
    this.#conn = conn;
    const io = duplex(conn);
    this.#source = source ?? io.source;
    this.#write = (bytes) => io.sink.write(bytes);
  }

  /**
   * Wakes the other end, at once: a ring put off to the end of the turn waits behind whatever
   * else the turn runs (a handler, in the main isolate), while the other end may sit idle.
   */
  ring(): void {
    if (this.#closed) return;
    // The other end gone (its isolate stopped): whoever watches it learns so elsewhere.
    this.#write(RING).catch(() => this.close());
  }

  /**
   * Calls `woken` each time the other end rang (several rings may make one call); resolves when
   * the connection ends.
   */
  async listen(woken: () => void): Promise<void> {
    try {
      while ((await this.#source.read()) !== null) woken();
    } catch {
      // Closed under the read: ended.
    } finally {
      this.close();
    }
  }

  /** Writes `bytes` (the token, before any ring). */
  send(bytes: Uint8Array): Promise<void> {
    return this.#write(bytes);
  }

  /** Closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#source.cancel();
    try {
      this.#conn.close?.();
    } catch {
      // already closed
    }
  }
}

/** Bytes of the token a connecting end sends first. */
const TOKEN_BYTES = 4;

/** How long a new connection has to send its token before it is closed (ms). */
const IDENTIFY_MS = 5000;

/** Options of {@linkcode DoorbellListener.open}. */
export interface DoorbellListenerOptions {
  /** How long a new connection has to send its token before it is closed (ms; default 5000). */
  identifyMs?: number;
}

/** A random token: not 0, not one expected already. */
function randomToken(taken: ReadonlyMap<number, unknown>): number {
  const word = new Uint32Array(1);
  do crypto.getRandomValues(word); while (word[0] === 0 || taken.has(word[0]));
  return word[0];
}

/**
 * Where doorbells are connected: a loopback listener that hands each connection to whoever
 * expects the token its other end sent first. Any process of the machine can connect to it, so
 * tokens are random (one that guessed a sequential token first would take a worker's doorbell),
 * and a connection that does not send one in time is closed, as one with a token nobody expects
 * is.
 */
export class DoorbellListener {
  readonly #listener: ReturnType<typeof listen>;
  readonly #expected = new Map<number, (bell: Doorbell) => void>();
  readonly #identifyMs: number;

  private constructor(listener: ReturnType<typeof listen>, identifyMs: number) {
    this.#listener = listener;
    this.#identifyMs = identifyMs;
    void this.#accept();
  }

  /** Listens on a free port of 127.0.0.1. */
  static open(options: DoorbellListenerOptions = {}): DoorbellListener {
    return new DoorbellListener(
      listen({ hostname: "127.0.0.1", port: 0 }),
      options.identifyMs ?? IDENTIFY_MS,
    );
  }

  /** The port to connect to. */
  get port(): number {
    const addr = listenerAddress(this.#listener);
    return "port" in addr ? addr.port : 0;
  }

  /** A new token, and the doorbell that arrives with it. */
  expect(): { token: number; bell: Promise<Doorbell> } {
    const token = randomToken(this.#expected);
    const bell = new Promise<Doorbell>((resolve) => this.#expected.set(token, resolve));
    return { token, bell };
  }

  /** Forgets `token` (its other end will not connect). */
  forget(token: number): void {
    this.#expected.delete(token);
  }

  /** Stops listening (connected doorbells stay). */
  close(): void {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) void this.#identify(conn);
    } catch {
      // Closed.
    }
  }

  async #identify(conn: Conn): Promise<void> {
    tune(conn);
    const { source } = duplex(conn);
    const head = new Uint8Array(TOKEN_BYTES);
    let got = 0;
    // A silent connection would hold its socket for good.
    const timer = setTimeout(() => source.cancel(), this.#identifyMs);
    try {
      // The token comes first, alone: its peer writes nothing else before a ring is answered.
      while (got < TOKEN_BYTES) {
        const chunk = await source.read();
        if (chunk === null || got + chunk.length > TOKEN_BYTES) throw new Error("bad token");
        head.set(chunk, got);
        got += chunk.length;
      }
    } catch {
      source.cancel();
      return conn.close?.();
    } finally {
      clearTimeout(timer);
    }
    const token = new DataView(head.buffer).getUint32(0);
    const resolve = this.#expected.get(token);
    if (!resolve) {
      source.cancel();
      return conn.close?.();
    }
    this.#expected.delete(token);
    resolve(new Doorbell(conn, source));
  }
}

/** Connects to the doorbell listener on `port` of 127.0.0.1 with `token`. */
export async function connectDoorbell(port: number, token: number): Promise<Doorbell> {
  const conn = await connect({ hostname: "127.0.0.1", port });
  const head = new Uint8Array(TOKEN_BYTES);
  new DataView(head.buffer).setUint32(0, token);
  const bell = new Doorbell(conn);
  await bell.send(head);
  return bell;
}
