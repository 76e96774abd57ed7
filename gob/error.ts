/**
 * The one error class of the gob layer.
 *
 * @module
 */

/**
 * What went wrong, for programs that react to gob failures:
 * - `eof`: the stream ended cleanly between values (Go's `io.EOF`);
 * - `unexpected-eof`: the stream ended inside a value (Go's `io.ErrUnexpectedEOF`);
 * - `corrupt`: malformed bytes (bad counts, field numbers, type definitions);
 * - `type-mismatch`: the wire type cannot be decoded into the descriptor;
 * - `overflow`: a value does not fit the receiving type;
 * - `limit`: a configured bound (message size, nesting depth) was exceeded;
 * - `encode`: a value cannot be encoded with its descriptor;
 * - `unregistered`: an interface names a type that is not registered.
 */
export type GobErrorCode =
  | "eof"
  | "unexpected-eof"
  | "corrupt"
  | "type-mismatch"
  | "overflow"
  | "limit"
  | "encode"
  | "unregistered";

/**
 * Error thrown by every gob operation. Decoders never let another exception
 * escape on malformed input: any failure is a `GobError` with a `code` and a
 * message saying what is wrong and where.
 */
export class GobError extends Error {
  /** The kind of failure. */
  readonly code: GobErrorCode;

  /** Creates a gob error; the message is prefixed with `gob: ` like Go's. */
  constructor(code: GobErrorCode, message: string, options?: ErrorOptions) {
    super(message.startsWith("gob: ") ? message : `gob: ${message}`, options);
    this.name = "GobError";
    this.code = code;
  }
}
