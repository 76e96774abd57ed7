/**
 * Errors raised by the rpc layer: one class, {@link RpcError}, with a `kind`
 * that mirrors the distinctions Go's net/rpc draws.
 *
 * - `ServerError` (kind `"server"`): the remote answered with `Response.Error`
 *   set. Its message is exactly the remote's string (Go's `rpc.ServerError`).
 * - `ShutdownError` (kind `"shutdown"`): the client was closed (Go's
 *   `rpc.ErrShutdown`, "connection is shut down").
 * - `UnexpectedEOFError` (kind `"unexpected-eof"`): the connection ended while
 *   calls were pending (Go's `io.ErrUnexpectedEOF`).
 * - kind `"protocol"`: the peer sent something that is not net/rpc (bad
 *   framing, undecodable header, HTTP CONNECT refused, ...).
 * - kind `"codec"`: a value could not be encoded or a body could not be decoded.
 * - kind `"aborted"`: the caller's `AbortSignal` fired.
 * - kind `"timeout"`: a configured limit on time was reached.
 *
 * @module
 */

import { ReadError } from "../ground/reader.ts";

/** The kinds of {@link RpcError}. */
export type RpcErrorKind =
  | "server"
  | "shutdown"
  | "unexpected-eof"
  | "protocol"
  | "codec"
  | "aborted"
  | "timeout";

/** Base class of every error the rpc layer raises. */
export class RpcError extends Error {
  /** Which kind of failure this is; see the module docs. */
  readonly kind: RpcErrorKind;
  /** Creates an error of the given kind. */
  constructor(kind: RpcErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = "RpcError";
  }
}

/**
 * The remote's `Response.Error`: the service method failed (or the request was
 * refused, e.g. `rpc: can't find service X.Y`). The message is the remote's
 * string, verbatim, like Go's `rpc.ServerError`.
 */
export class ServerError extends RpcError {
  /** Creates a server error carrying the remote's message. */
  constructor(message: string) {
    super("server", message);
    this.name = "ServerError";
  }
}

/** The client is closed (Go's `rpc.ErrShutdown`: "connection is shut down"). */
export class ShutdownError extends RpcError {
  /** Creates a shutdown error with Go's message. */
  constructor(message = "connection is shut down") {
    super("shutdown", message);
    this.name = "ShutdownError";
  }
}

/** The connection ended with calls pending (Go's `io.ErrUnexpectedEOF`). */
export class UnexpectedEOFError extends RpcError {
  /** Creates an unexpected-EOF error with Go's message. */
  constructor(message = "unexpected EOF", options?: ErrorOptions) {
    super("unexpected-eof", message, options);
    this.name = "UnexpectedEOFError";
  }
}

/** The message of any thrown value, for `Response.Error`. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  try {
    return String(e);
  } catch {
    return "unknown error";
  }
}

/**
 * A failed read of the ground floor's byte reader as an rpc error: a unit over the size limit is
 * a `protocol` error, a stall a `timeout`, the stream ending inside a unit Go's
 * `io.ErrUnexpectedEOF`. Anything else is returned unchanged.
 */
export function fromReadError(e: unknown): unknown {
  if (!(e instanceof ReadError)) return e;
  if (e.code === "unexpected-eof") return new UnexpectedEOFError(e.message, { cause: e });
  return new RpcError(e.code === "stalled" ? "timeout" : "protocol", `rpc: ${e.message}`, {
    cause: e,
  });
}
