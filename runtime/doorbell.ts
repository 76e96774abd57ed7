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

const RING = new Uint8Array([1]);

/** One end of a doorbell connection. */
export class Doorbell {
  readonly #conn: Deno.Conn;
  #closed = false;

  /** The doorbell over `conn`. */
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /**
   * Wakes the other end, at once: a ring put off to the end of the turn waits behind whatever
   * else the turn runs (a handler, in the main isolate), while the other end may sit idle.
   */
  ring(): void {
    if (this.#closed) return;
    // The other end gone (its isolate stopped): whoever watches it learns so elsewhere.
    this.#conn.write(RING).catch(() => this.close());
  }

  /**
   * Calls `woken` each time the other end rang (several rings may make one call); resolves when
   * the connection ends.
   */
  async listen(woken: () => void): Promise<void> {
    const buf = new Uint8Array(256);
    try {
      while ((await this.#conn.read(buf)) !== null) woken();
    } catch {
      // Closed under the read: ended.
    } finally {
      this.close();
    }
  }

  /** Closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

/** Bytes of the token a connecting end sends first. */
const TOKEN_BYTES = 4;

/**
 * Where doorbells are connected: a loopback listener that hands each connection to whoever
 * expects the token its other end sent first.
 */
export class DoorbellListener {
  readonly #listener: Deno.TcpListener;
  readonly #expected = new Map<number, (bell: Doorbell) => void>();
  #nextToken = 1;

  private constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    void this.#accept();
  }

  /** Listens on a free port of 127.0.0.1. */
  static open(): DoorbellListener {
    return new DoorbellListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  }

  /** The port to connect to. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** A new token, and the doorbell that arrives with it. */
  expect(): { token: number; bell: Promise<Doorbell> } {
    const token = this.#nextToken++;
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

  async #identify(conn: Deno.TcpConn): Promise<void> {
    conn.setNoDelay(true);
    const head = new Uint8Array(TOKEN_BYTES);
    let got = 0;
    try {
      while (got < TOKEN_BYTES) {
        const n = await conn.read(head.subarray(got));
        if (n === null) throw new Error("closed");
        got += n;
      }
    } catch {
      return conn.close();
    }
    const token = new DataView(head.buffer).getUint32(0);
    const resolve = this.#expected.get(token);
    if (!resolve) return conn.close();
    this.#expected.delete(token);
    resolve(new Doorbell(conn));
  }
}

/** Connects to the doorbell listener on `port` of 127.0.0.1 with `token`. */
export async function connectDoorbell(port: number, token: number): Promise<Doorbell> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const head = new Uint8Array(TOKEN_BYTES);
  new DataView(head.buffer).setUint32(0, token);
  await conn.write(head);
  return new Doorbell(conn);
}
