/**
 * The net/rpc server: services registered by name, each method with its
 * argument and reply descriptors and an implementation; connections served
 * with a codec (gob by default), optionally behind HTTP CONNECT.
 *
 * Semantics follow Go's `net/rpc` server (server.go):
 * - `"Service.Method"` is split at the last dot; unknown names get
 *   `rpc: service/method request ill-formed: X`, `rpc: can't find service X`,
 *   `rpc: can't find method X` (the request body is read and discarded first);
 * - on one connection requests run concurrently and replies leave in
 *   completion order, each header with its body in one write;
 * - a thrown error becomes `Response.Error` (its message) with an empty-struct
 *   body; a body that fails to decode gets an error reply and the connection
 *   goes on; a header that fails to decode closes that connection only.
 *
 * Beyond Go, for hostile peers and clean shutdowns (see {@link ServerOptions}
 * and docs/limits.md, "rpc server"): a size limit on messages, a
 * stall timeout and a total deadline on half-sent messages, a bound on method
 * names, bounds on connections (the least recently active idle one makes room
 * for a new one), on calls in flight and unsent replies per connection, one
 * memory budget across connections, turns between connections for clients
 * that pipeline, accept errors retried with Go's back-off, and a graceful
 * {@link Server.close}.
 *
 * @module
 */

import type { Type } from "../gob/mod.ts";
import type { CodecLimits, RequestHeader, ServerCodec, ServerCodecFactory } from "./codec.ts";
import { errorMessage, RpcError } from "./errors.ts";
import { gobServerCodec } from "./gob_codec.ts";
import type { Conn } from "../ground/conn.ts";
import { acceptLoop } from "../ground/accept.ts";
import { tune } from "../ground/transport.ts";
import { type BudgetAccount, MemoryBudget } from "./budget.ts";
import { Channel } from "./channel.ts";

/** What a method implementation receives besides its argument. */
export interface CallContext {
  /**
   * Aborted when the call's result can no longer be delivered (the
   * connection broke) or when {@link Server.close}'s grace period ran out.
   */
  readonly signal: AbortSignal;
  /** The requested `"Service.Method"`. */
  readonly serviceMethod: string;
  /** The request's sequence number. */
  readonly seq: number;
  /**
   * Runs `fn` once the call's reply has been encoded and queued to be written (or failed to be),
   * so that what the reply was made of can be released at once (a large buffer freed, say). Each
   * function runs once, after the method returns or throws; one that throws is reported to the
   * server's `onError`.
   */
  onReplied(fn: () => void): void;
}

/** A method: descriptors for its argument and reply, and its implementation. */
export interface Method<A = unknown, R = unknown> {
  /** The argument's type. */
  readonly args: Type<A>;
  /** The reply's type. */
  readonly reply: Type<R>;
  /**
   * The implementation; throw (or reject) to answer with an error. (Declared
   * as a method so a `Method<Args, Reply>` fits a {@link Service}.)
   */
  handler(args: A, ctx: CallContext): R | Promise<R>;
}

/**
 * Declares a method: `method(Args, t.int, (args, ctx) => args.A * args.B)`.
 * The handler may be async; a thrown error's message becomes the reply's
 * `Error`, as a Go method's returned error does.
 */
export function method<A, R>(
  args: Type<A>,
  reply: Type<R>,
  handler: (args: A, ctx: CallContext) => R | Promise<R>,
): Method<A, R> {
  if (typeof handler !== "function") throw new TypeError("rpc: method handler must be a function");
  return { args, reply, handler };
}

/** A service: method name → {@link Method}. */
export type Service = Record<string, Method<unknown, unknown>>;

/** Which codec a connection speaks: a built-in one by name, or a factory. */
export type ServerCodecOption = "gob" | "jsonrpc" | ServerCodecFactory;

/** Limits and defaults of a {@link Server}. */
export interface ServerOptions {
  /** Largest request message accepted, in bytes; a larger one closes the connection. Default 32 MiB. */
  maxMessageSize?: number;
  /**
   * Longest silence, in ms, tolerated in the middle of a message (a request
   * sent halfway, then nothing); the connection is then closed. Default
   * 30,000. Silence between messages is never a reason to close: Go's net/rpc
   * keeps idle connections forever, and so do its clients (the Lambda agent).
   */
  idleTimeout?: number;
  /**
   * Longest time, in ms, one message may take to arrive once it has started, however steadily
   * its bytes trickle in; the connection is then closed. Default 60,000 (a 32 MiB message at
   * 0.5 MB/s).
   */
  messageTimeout?: number;
  /**
   * Most connections served at once. At the limit, a new connection replaces the least recently
   * active idle one (no call running, no reply queued, no message half-received), which is
   * closed; if every connection is busy, the new one is closed instead. Default 10,000.
   */
  maxConnections?: number;
  /** Most calls running at once on one connection; reading pauses at the limit. Default 1,024. */
  maxInFlight?: number;
  /**
   * Most reply bytes queued unsent on one connection; reading pauses past it, and a peer that
   * then reads nothing for `idleTimeout` is disconnected. Default 8 MiB.
   */
  maxBacklog?: number;
  /**
   * Most bytes buffered across all connections: requests being received plus replies queued
   * unsent. Past it, the connection holding the most is closed (then the next, until the total
   * fits). Default 256 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * Longest `"Service.Method"` name accepted, in characters; a longer one is answered with an
   * error (and an empty name, not an echo of it) and the connection goes on. Default 1,024.
   */
  maxMethodName?: number;
  /** Codec for {@link Server.serve} and {@link Server.serveConn} when they name none. Default "gob". */
  codec?: ServerCodecOption;
  /**
   * Called when a connection ends on an error (undecodable header, limit,
   * timeout). Default: ignore, as Go does unless debug logging is on.
   */
  onError?: (error: unknown) => void;
}

/** Per-call options of {@link Server.serve} and {@link Server.serveConn}. */
export interface ServeOptions {
  /** The codec; defaults to the server's (gob). */
  codec?: ServerCodecOption;
  /**
   * Serve Go's HTTP CONNECT transport: `true` for Go's default path
   * `/_goRPC_`, or `{ path }`.
   */
  http?: boolean | { path?: string };
}

/** Options of {@link Server.close}. */
export interface CloseOptions {
  /** How long in-flight calls may still run, in ms. Default 5,000. */
  timeout?: number;
}

interface ConnState {
  channel: Channel;
  codec: ServerCodec | null;
  inflight: number;
  abort: AbortController;
  wake: (() => void) | null;
  done: Promise<void>;
  /** This connection's share of the server's memory budget. */
  account: BudgetAccount;
  /** Bytes received (and charged) since the last request was read in full. */
  incoming: number;
}

const DEFAULTS = {
  maxMessageSize: 32 * 1024 * 1024,
  idleTimeout: 30_000,
  messageTimeout: 60_000,
  maxConnections: 10_000,
  maxInFlight: 1024,
  maxBacklog: 8 * 1024 * 1024,
  maxBufferedBytes: 256 * 1024 * 1024,
  maxMethodName: 1024,
};

/**
 * Requests one connection may have read in a row before the other connections get a turn.
 * Exported for the fairness test (`tests/rpc/fairness_test.ts`), not from `rpc/mod.ts`.
 */
export const TURN = 32;

/**
 * Resolves after pending I/O callbacks have run (a turn for the other connections): a timer goes
 * through the event loop, as `setImmediate` would, without loading `node:timers` (Node.js
 * compatibility costs every go1.x function start-up time and memory).
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The codec a connection speaks. The JSON-RPC codec (and its JSON scanner) is loaded the first
 * time a connection asks for it, not with the server: a go1.x function speaks gob only, and every
 * byte it loads costs start-up.
 */
function codecFactory(c: ServerCodecOption): ServerCodecFactory | Promise<ServerCodecFactory> {
  if (typeof c === "function") return c;
  if (c === "gob") return gobServerCodec;
  if (c === "jsonrpc") return import("./jsonrpc.ts").then((m) => m.jsonServerCodec);
  throw new TypeError(`rpc: unknown codec ${JSON.stringify(c)}`);
}

/** Throws the error {@linkcode codecFactory} would for an unknown codec, loading nothing. */
function checkCodec(c: ServerCodecOption): void {
  if (typeof c !== "function" && c !== "gob" && c !== "jsonrpc") codecFactory(c);
}

/** A net/rpc server. */
export class Server {
  #services = new Map<string, Map<string, Method>>();
  #conns = new Set<ConnState>();
  #listeners = new Set<{ close(): void }>();
  #closing = false;
  #opts: Required<Omit<ServerOptions, "onError" | "codec">>;
  #codec: ServerCodecOption;
  #onError: (error: unknown) => void;
  #budget: MemoryBudget;

  /** Creates a server; see {@link ServerOptions} for the limits. */
  constructor(options: ServerOptions = {}) {
    this.#opts = {
      maxMessageSize: options.maxMessageSize ?? DEFAULTS.maxMessageSize,
      idleTimeout: options.idleTimeout ?? DEFAULTS.idleTimeout,
      messageTimeout: options.messageTimeout ?? DEFAULTS.messageTimeout,
      maxConnections: options.maxConnections ?? DEFAULTS.maxConnections,
      maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
      maxBacklog: options.maxBacklog ?? DEFAULTS.maxBacklog,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      maxMethodName: options.maxMethodName ?? DEFAULTS.maxMethodName,
    };
    this.#budget = new MemoryBudget(this.#opts.maxBufferedBytes);
    this.#codec = options.codec ?? "gob";
    checkCodec(this.#codec);
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Registers `methods` under the service name `name` (Go's `RegisterName`).
   * Throws if the name is empty or taken, or if there are no methods.
   */
  register(name: string, methods: Service): this {
    if (typeof name !== "string" || name === "") {
      throw new TypeError("rpc.Register: no service name");
    }
    if (this.#services.has(name)) throw new Error(`rpc: service already defined: ${name}`);
    const table = new Map<string, Method>();
    for (const [m, def] of Object.entries(methods)) {
      if (!def || typeof def.handler !== "function" || !def.args || !def.reply) {
        throw new TypeError(
          `rpc.Register: ${name}.${m} is not a method (use method(args, reply, fn))`,
        );
      }
      table.set(m, def as Method);
    }
    if (table.size === 0) {
      throw new Error(`rpc.Register: type ${name} has no exported methods of suitable type`);
    }
    this.#services.set(name, table);
    return this;
  }

  /** Number of connections being served. */
  get connections(): number {
    return this.#conns.size;
  }

  /** Bytes buffered across all connections now (see {@link ServerOptions.maxBufferedBytes}). */
  get bufferedBytes(): number {
    return this.#budget.used;
  }

  /**
   * Accepts connections from `listener` (a `Deno.Listener`, TCP or Unix, or
   * any async iterable of connections) and serves each, until the listener or
   * the server is closed.
   */
  async serve(
    listener: AsyncIterable<Conn> & { close(): void },
    options: ServeOptions = {},
  ): Promise<void> {
    if (this.#closing) throw new RpcError("shutdown", "rpc: server closed");
    this.#listeners.add(listener);
    try {
      // A failed accept (a peer that connected and reset at once, no file descriptors left) is
      // retried with Go's back-off; only closing the listener or the server ends the loop.
      await acceptLoop(listener, (conn) => {
        if (this.#closing) {
          closeQuietly(conn);
          return;
        }
        if (this.#conns.size >= this.#opts.maxConnections && !this.#makeRoom()) {
          closeQuietly(conn);
          return;
        }
        tune(conn);
        this.serveConn(conn, options);
      }, { onError: (e) => this.#onError(e), closed: () => this.#closing });
    } finally {
      this.#listeners.delete(listener);
    }
  }

  /**
   * Serves one connection (a socket, or any readable/writable pair) until
   * the peer closes it or a header cannot be decoded. Resolves when the
   * connection is done and closed.
   */
  serveConn(conn: Conn, options: ServeOptions = {}): Promise<void> {
    if (this.#closing) {
      closeQuietly(conn);
      return Promise.resolve();
    }
    const account = this.#budget.open(() => {
      this.#onError(
        new RpcError(
          "protocol",
          `rpc: over the server's budget of ${this.#opts.maxBufferedBytes} buffered bytes: ` +
            "closing the connection holding the most",
        ),
      );
      state.channel.abort();
    });
    const channel = new Channel(conn, {
      stallTimeout: this.#opts.idleTimeout,
      unitTimeout: this.#opts.messageTimeout,
    }, {
      onRead: (n) => {
        state.incoming += n;
        account.charge(n);
      },
      onBacklog: (d) => (d > 0 ? account.charge(d) : account.release(-d)),
    });
    const state: ConnState = {
      channel,
      codec: null,
      inflight: 0,
      abort: new AbortController(),
      wake: null,
      done: Promise.resolve(),
      account,
      incoming: 0,
    };
    this.#conns.add(state);
    state.done = this.#run(state, options).finally(() => this.#conns.delete(state));
    return state.done;
  }

  async #run(state: ConnState, options: ServeOptions): Promise<void> {
    const { channel } = state;
    try {
      if (options.http) {
        // Loaded when a connection first asks for it, as the JSON-RPC codec is.
        const { acceptConnect, DEFAULT_RPC_PATH } = await import("./http.ts");
        const path = typeof options.http === "object"
          ? options.http.path ?? DEFAULT_RPC_PATH
          : DEFAULT_RPC_PATH;
        if (!(await acceptConnect(channel, path))) {
          await channel.close();
          return;
        }
      }
      const limits: CodecLimits = {
        maxMessageSize: this.#opts.maxMessageSize,
        stallTimeout: this.#opts.idleTimeout,
      };
      const factory = codecFactory(options.codec ?? this.#codec);
      const codec = (typeof factory === "function" ? factory : await factory)(channel, limits);
      state.codec = codec;
      await this.#readLoop(state, codec);
      // Like Go: wait for the calls in flight, then close.
      while (state.inflight > 0) await new Promise<void>((r) => (state.wake = r));
      await codec.close();
    } catch (e) {
      this.#onError(e);
      channel.abort();
    } finally {
      state.abort.abort(new RpcError("shutdown", "rpc: connection closed"));
      state.account.close();
    }
  }

  /**
   * At the connection limit: closes the least recently active idle connection (no call running,
   * no reply queued, no message half-received) to make room. False if every connection is busy.
   * `#conns` is kept in order of last activity (see {@link Server.#touch}), so the first idle
   * one found is the least recently active.
   */
  #makeRoom(): boolean {
    for (const c of this.#conns) {
      if (c.inflight > 0 || c.channel.writer.backlog > 0 || c.channel.reader.inUnit) continue;
      this.#conns.delete(c);
      this.#onError(
        new RpcError(
          "shutdown",
          `rpc: connection limit (${this.#opts.maxConnections}) reached: ` +
            "closing the least recently active idle connection",
        ),
      );
      c.channel.abort();
      return true;
    }
    return false;
  }

  /** Marks `state` as the most recently active connection. */
  #touch(state: ConnState): void {
    if (this.#conns.delete(state)) this.#conns.add(state);
  }

  /**
   * Waits for queued replies to be written. A peer that reads none of them for `idleTimeout`
   * is disconnected; one that reads, however slowly, is kept.
   */
  async #drain(codec: ServerCodec): Promise<void> {
    const { idleTimeout } = this.#opts;
    const before = codec.backlog;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), idleTimeout)));
    const timedOut = await Promise.race([codec.flush().then(() => false), expired]);
    clearTimeout(timer);
    if (timedOut && codec.backlog >= before) {
      throw new RpcError(
        "timeout",
        `rpc: the peer read none of ${before} bytes of replies for ${idleTimeout}ms`,
      );
    }
  }

  async #readLoop(state: ConnState, codec: ServerCodec): Promise<void> {
    const { maxInFlight, maxBacklog, maxMethodName } = this.#opts;
    for (let n = 1;; n++) {
      while (state.inflight >= maxInFlight) await new Promise<void>((r) => (state.wake = r));
      if (codec.backlog > maxBacklog) await this.#drain(codec);
      // Fairness: a client pipelining many requests cannot keep the other connections waiting.
      // A lone connection (a go1.x host's) keeps nobody waiting and takes no turn: every 32nd
      // call would otherwise wait on a timer, a millisecond or more (its p99).
      if (n % TURN === 0 && this.#conns.size > 1) await nextTurn();
      if (this.#closing || state.channel.closed) return;
      let header: RequestHeader | null;
      try {
        header = await codec.readRequestHeader();
      } catch (e) {
        if (!this.#closing) this.#onError(e);
        return; // Go: a header that cannot be read ends the connection
      }
      if (header === null || state.channel.writer.broken) return;
      this.#touch(state);

      const m = this.#lookup(header.serviceMethod);
      if (typeof m === "string") {
        // A name too long is not echoed back (a long name must not be repeated, amplified).
        if (header.serviceMethod.length > maxMethodName) {
          header = { serviceMethod: "", seq: header.seq };
        }
        try {
          await codec.readRequestBody(null);
        } catch {
          // Go ignores this error; a broken stream shows at the next header
        }
        this.#received(state);
        this.#reply(codec, header, null, undefined, m);
        continue;
      }
      let args: unknown;
      try {
        args = await codec.readRequestBody(m.args);
      } catch (e) {
        this.#received(state);
        this.#reply(codec, header, null, undefined, errorMessage(e));
        continue;
      }
      this.#received(state);
      state.inflight++;
      this.#call(state, codec, header, m, args);
    }
  }

  /**
   * The method a request names, as Go's `readRequestHeader` finds it, or the error its answer
   * carries: a name over `maxMethodName`, one without a dot, or one naming no registered
   * service or method.
   */
  #lookup(serviceMethod: string): Method | string {
    const max = this.#opts.maxMethodName;
    if (serviceMethod.length > max) {
      return `rpc: service/method name of ${serviceMethod.length} characters exceeds the limit of ${max}`;
    }
    const dot = serviceMethod.lastIndexOf(".");
    if (dot < 0) return `rpc: service/method request ill-formed: ${serviceMethod}`;
    const svc = this.#services.get(serviceMethod.slice(0, dot));
    if (!svc) return `rpc: can't find service ${serviceMethod}`;
    return svc.get(serviceMethod.slice(dot + 1)) ?? `rpc: can't find method ${serviceMethod}`;
  }

  /** A request was read in full: its bytes leave the memory budget. */
  #received(state: ConnState): void {
    state.account.release(state.incoming);
    state.incoming = 0;
  }

  async #call(
    state: ConnState,
    codec: ServerCodec,
    header: RequestHeader,
    m: Method,
    args: unknown,
  ): Promise<void> {
    let reply: unknown;
    let err = "";
    let replied: (() => void)[] | undefined;
    try {
      reply = await m.handler(args, {
        signal: state.abort.signal,
        serviceMethod: header.serviceMethod,
        seq: header.seq,
        onReplied: (fn) => (replied ??= []).push(fn),
      });
    } catch (e) {
      err = errorMessage(e) || (e instanceof Error ? e.name : "") || "error";
    }
    this.#reply(codec, header, m.reply, reply, err);
    if (replied !== undefined) {
      for (const fn of replied) {
        try {
          fn();
        } catch (e) {
          this.#onError(e);
        }
      }
    }
    state.inflight--;
    const wake = state.wake;
    state.wake = null;
    wake?.();
  }

  #reply(
    codec: ServerCodec,
    header: RequestHeader,
    type: Type | null,
    body: unknown,
    err: string,
  ): void {
    const resp = { serviceMethod: header.serviceMethod, seq: header.seq, error: err };
    try {
      codec.writeResponse(resp, err === "" ? type : null, body);
    } catch (e) {
      // The reply could not be encoded (it does not match its descriptor).
      // Go would drop the connection; an error reply serves the caller better.
      resp.error = `rpc: cannot encode reply of ${header.serviceMethod}: ${errorMessage(e)}`;
      try {
        codec.writeResponse(resp, null, undefined);
      } catch (e2) {
        this.#onError(e2);
      }
    }
  }

  /**
   * Shuts down gracefully: stops accepting, stops reading new requests, lets
   * the calls in flight finish and their replies go out (for at most
   * `timeout` ms; then their signals are aborted and connections dropped),
   * and closes every connection.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    const timeout = options.timeout ?? 5000;
    this.#closing = true;
    for (const l of this.#listeners) closeQuietly(l);
    this.#listeners.clear();
    const conns = [...this.#conns];
    for (const c of conns) {
      // Stop reading: a pending header read ends as a clean end of stream.
      c.channel.reader.cancel();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeout)));
    const finished = Promise.all(conns.map((c) => c.done)).then(() => false);
    const timedOut = await Promise.race([finished, expired]);
    clearTimeout(timer);
    if (timedOut) {
      for (const c of conns) {
        c.abort.abort(new RpcError("timeout", "rpc: server closing"));
        c.channel.abort();
        c.inflight = 0;
        c.wake?.();
      }
      await Promise.allSettled(conns.map((c) => c.done));
    }
  }
}

function closeQuietly(x: { close?(): void }): void {
  try {
    x.close?.();
  } catch {
    // already closed
  }
}
