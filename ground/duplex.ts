/**
 * The two directions of a connection as the floors above use them: a
 * {@link ByteSource} to read from and a {@link ByteSink} to write whole
 * buffers to. One choice, made here for every protocol: a connection that
 * offers direct `read`/`write` (a `Deno.Conn`, the Node transport) is used
 * directly, which saves a promise and a stream queue per chunk; anything else
 * through its Web Streams.
 *
 * @module
 */

import type { Conn } from "./conn.ts";
import { type ByteSource, type DirectIO, directSource, isDirect, streamSource } from "./reader.ts";

/** Where bytes are written: the writing side of a connection. */
export interface ByteSink {
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the stream gracefully (the peer reads EOF). */
  close(): Promise<void>;
  /** Ends the stream at once. */
  abort(): void;
}

/** Writes all of `bytes` with a direct `write`, continuing partial writes. */
export async function writeAll(
  io: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await io.write(off === 0 ? bytes : bytes.subarray(off));
}

/** A {@link ByteSink} over a WritableStream (it takes the stream's writer lock). */
export function streamSink(writable: WritableStream<Uint8Array>): ByteSink {
  const writer = writable.getWriter();
  return {
    write: (b) => writer.write(b),
    close: () => writer.close(),
    abort: () => void writer.abort(new Error("connection closed")).catch(() => {}),
  };
}

/** A {@link ByteSink} over a {@link DirectIO} (partial writes continued). */
export function directSink(io: DirectIO): ByteSink {
  return {
    write: (b) => writeAll(io, b),
    async close() {
      await io.closeWrite?.();
    },
    abort() {},
  };
}

/** Both directions of a connection. */
export interface Duplex {
  /** Incoming bytes. */
  readonly source: ByteSource;
  /** Outgoing bytes. */
  readonly sink: ByteSink;
}

/** Options of {@link duplex}. */
export interface DuplexOptions {
  /**
   * Told how many bytes went to the connection: with direct I/O what each
   * write took, with a stream a buffer's length as it is handed over (a
   * stream write that fails may have passed some of it on). So a caller knows
   * whether a failed request left the connection untouched (safe to resend).
   */
  onWrite?: (bytes: number) => void;
}

/**
 * Both directions of `conn`: direct I/O when it offers it, else its Web
 * Streams (whose locks are then taken).
 */
export function duplex(conn: Conn, options: DuplexOptions = {}): Duplex {
  const onWrite = options.onWrite;
  if (isDirect(conn)) {
    const io: DirectIO = onWrite === undefined ? conn : {
      read: (p) => conn.read(p),
      write: async (p) => {
        const n = await conn.write(p);
        onWrite(n);
        return n;
      },
      closeWrite: conn.closeWrite && (() => conn.closeWrite!()),
    };
    return { source: directSource(conn), sink: directSink(io) };
  }
  const sink = streamSink(conn.writable);
  if (onWrite !== undefined) {
    const write = sink.write;
    sink.write = (b) => {
      onWrite(b.length);
      return write(b);
    };
  }
  return { source: streamSource(conn.readable), sink };
}
