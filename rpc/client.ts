/**
 * The net/rpc client: many calls in flight on one connection, matched by
 * sequence number, as in Go's `rpc.Client` (client.go).
 *
 * Errors keep Go's distinctions: the remote's `Response.Error` rejects with
 * {@link ServerError}; calls pending when the connection ends reject with
 * {@link UnexpectedEOFError} (or, after {@link Client.close},
 * {@link ShutdownError}); calls made after that reject with ShutdownError.
 * A reply whose body cannot be decoded fails its call and, as in Go, ends
 * the connection (the stream can no longer be trusted).
 *
 * @module
 */

import type { Type } from "../gob/mod.ts";
import type { ClientCodec, ClientCodecFactory, CodecLimits } from "./codec.ts";
import { RpcError, ServerError, ShutdownError, UnexpectedEOFError } from "./errors.ts";
import { gobClientCodec } from "./gob_codec.ts";
import { DEFAULT_RPC_PATH, dialConnect } from "./http.ts";
import { jsonClientCodec } from "./jsonrpc.ts";
import type { Address, Conn } from "../ground/conn.ts";
import { connect as dial } from "../ground/transport.ts";
import { Channel } from "./channel.ts";

/** Which codec a client speaks: a built-in one by name, or a factory. */
export type ClientCodecOption = "gob" | "jsonrpc" | ClientCodecFactory;

/** Options of {@link Client}. */
export interface ClientOptions {
  /** The codec. Default "gob". */
  codec?: ClientCodecOption;
  /** Largest reply message accepted, in bytes. Default 64 MiB. */
  maxMessageSize?: number;
  /** Longest silence, in ms, in the middle of a reply before the connection is dropped. Default 60,000. */
  idleTimeout?: number;
}

/** Options of {@link Client.connect}. */
export interface ConnectOptions extends ClientOptions {
  /** Go's HTTP CONNECT transport: `true` for `/_goRPC_`, or `{ path }`. */
  http?: boolean | { path?: string };
  /** Aborts the dial (and the HTTP handshake). */
  signal?: AbortSignal;
}

/** Options of one call. */
export interface CallOptions {
  /**
   * Abandons the call: it rejects with an `aborted` RpcError. The request may
   * already be on its way; a late reply is read and discarded.
   */
  signal?: AbortSignal;
}

interface Pending {
  reply: Type;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  cleanup: (() => void) | null;
}

function codecFactory(c: ClientCodecOption): ClientCodecFactory {
  if (typeof c === "function") return c;
  if (c === "gob") return gobClientCodec;
  if (c === "jsonrpc") return jsonClientCodec;
  throw new TypeError(`rpc: unknown codec ${JSON.stringify(c)}`);
}

/** A net/rpc client on one connection. */
export class Client {
  #codec: ClientCodec;
  #pending = new Map<number, Pending>();
  #seq = 0;
  #closing = false;
  #shutdown = false;
  #loop: Promise<void>;

  /**
   * Dials `addr` (TCP `{ hostname, port }`, hostname defaulting to
   * 127.0.0.1, or a Unix socket `{ path }`) — or takes an open connection
   * (any readable/writable pair) — and returns a client, after the HTTP
   * CONNECT handshake if `http` is set (Go's `Dial` / `DialHTTP` / `NewClient`).
   */
  static async connect(target: Address | Conn, options: ConnectOptions = {}): Promise<Client> {
    options.signal?.throwIfAborted();
    const conn = "readable" in target ? target : await dial(target);
    const channel = new Channel(conn, { stallTimeout: options.idleTimeout ?? 60_000 });
    if (options.http) {
      const path = typeof options.http === "object"
        ? options.http.path ?? DEFAULT_RPC_PATH
        : DEFAULT_RPC_PATH;
      const onAbort = () => channel.abort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await dialConnect(channel, path);
        options.signal?.throwIfAborted();
      } catch (e) {
        channel.abort();
        throw e;
      } finally {
        options.signal?.removeEventListener("abort", onAbort);
      }
    }
    return Client.#withChannel(channel, options);
  }

  static #withChannel(channel: Channel, options: ClientOptions): Client {
    const limits: CodecLimits = {
      maxMessageSize: options.maxMessageSize ?? 64 * 1024 * 1024,
      stallTimeout: options.idleTimeout ?? 60_000,
    };
    return new Client(codecFactory(options.codec ?? "gob")(channel, limits));
  }

  /**
   * A client on an open connection (Go's `NewClient`): pass a connection
   * (any readable/writable pair) and options, or a ready codec (Go's
   * `NewClientWithCodec`).
   */
  static fromConn(conn: Conn, options: ClientOptions = {}): Client {
    const channel = new Channel(conn, { stallTimeout: options.idleTimeout ?? 60_000 });
    return Client.#withChannel(channel, options);
  }

  /** A client speaking through `codec` (Go's `NewClientWithCodec`). */
  constructor(codec: ClientCodec) {
    this.#codec = codec;
    this.#loop = this.#input();
  }

  /** Number of calls awaiting their reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Whether the client can no longer make calls (closed, or its connection ended). */
  get closed(): boolean {
    return this.#closing || this.#shutdown;
  }

  /**
   * Calls `serviceMethod` with `args` (encoded as `argsType`) and resolves with
   * the reply (decoded as `replyType`). Rejects with {@link ServerError} when
   * the remote reports an error, {@link ShutdownError} once the client is
   * closed, {@link UnexpectedEOFError} if the connection ends first.
   */
  call<A, R>(
    serviceMethod: string,
    args: A,
    argsType: Type<A>,
    replyType: Type<R>,
    options: CallOptions = {},
  ): Promise<R> {
    if (this.#shutdown || this.#closing) return Promise.reject(new ShutdownError());
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(aborted(signal));
    const seq = this.#seq++;
    return new Promise<R>((resolve, reject) => {
      const p: Pending = {
        reply: replyType,
        resolve: resolve as (v: unknown) => void,
        reject,
        cleanup: null,
      };
      this.#pending.set(seq, p);
      try {
        this.#codec.writeRequest({ serviceMethod, seq }, argsType, args);
      } catch (e) {
        this.#pending.delete(seq);
        reject(e);
        return;
      }
      if (signal) {
        const onAbort = () => {
          if (this.#pending.get(seq) === p) {
            this.#pending.delete(seq);
            reject(aborted(signal));
          }
        };
        signal.addEventListener("abort", onAbort, { once: true });
        p.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
    });
  }

  async #input(): Promise<void> {
    let err: unknown = null;
    let eof = false;
    try {
      for (;;) {
        const h = await this.#codec.readResponseHeader();
        if (h === null) {
          eof = true;
          break;
        }
        const p = this.#pending.get(h.seq);
        this.#pending.delete(h.seq);
        p?.cleanup?.();
        if (!p) {
          // No one waits (aborted, or a stray seq): read and drop the body.
          await this.#codec.readResponseBody(null);
        } else if (h.error !== "") {
          p.reject(new ServerError(h.error));
          await this.#codec.readResponseBody(null);
        } else {
          let v: unknown;
          try {
            v = await this.#codec.readResponseBody(p.reply);
          } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            p.reject(new RpcError("codec", `reading body ${msg}`, { cause: e }));
            throw e;
          }
          p.resolve(v);
        }
      }
    } catch (e) {
      err = e;
    }
    this.#shutdown = true;
    let final: unknown;
    if (this.#closing) final = new ShutdownError();
    else if (eof) final = new UnexpectedEOFError();
    else if (err instanceof RpcError && err.kind === "unexpected-eof") {
      final = new UnexpectedEOFError(err.message, { cause: err });
    } else final = err;
    for (const p of this.#pending.values()) {
      p.cleanup?.();
      p.reject(final);
    }
    this.#pending.clear();
    if (!this.#closing) {
      // The peer is gone or spoke nonsense: release the socket.
      await this.#codec.close().catch(() => {});
    }
  }

  /**
   * Closes the connection. Pending calls reject with {@link ShutdownError};
   * later calls too. Closing twice rejects with ShutdownError, like Go.
   */
  async close(): Promise<void> {
    if (this.#closing) throw new ShutdownError();
    this.#closing = true;
    // Go's Close does not wait; queued requests get a short moment (250 ms) to leave.
    await this.#codec.close();
    await this.#loop;
  }
}

function aborted(signal: AbortSignal): RpcError {
  const reason = signal.reason;
  return new RpcError(
    "aborted",
    `rpc: call aborted${reason instanceof Error ? `: ${reason.message}` : ""}`,
    { cause: reason },
  );
}
