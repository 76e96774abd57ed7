/**
 * The ground floor: platform plumbing that every layer of the library may use, and that uses
 * nothing above it.
 *
 * - the transport ({@linkcode connect}, {@linkcode listen}, the {@linkcode Transport} contract):
 *   Deno's network behind one small interface, swapped for `node:net` in the npm build;
 * - the byte reader ({@linkcode ByteReader}): buffered reads of chunks, lines and scanned units,
 *   with bounded sizes and a stall timeout;
 * - the HTTP/1 codec ({@linkcode readRequestHead}, {@linkcode readResponseHead},
 *   {@linkcode bodyReader}, {@linkcode responseBytes}, ...): heads, chunked bodies and trailers;
 * - byte helpers: {@linkcode concat}, base64 ({@linkcode encodeBase64}/{@linkcode decodeBase64})
 *   and {@linkcode crc32};
 * - Go's JSON escaping ({@linkcode goJSON});
 * - the command line of every gopherless tool ({@linkcode parseCommandLine},
 *   {@linkcode UsageError}).
 *
 * ```ts
 * import { decodeBase64, encodeBase64 } from "./mod.ts";
 *
 * const text = encodeBase64(new Uint8Array([1, 2, 3])); // "AQID"
 * console.log(decodeBase64(text)); // Uint8Array [1, 2, 3]
 * ```
 *
 * @module
 */

export type { Address, BoundAddr, BoundListener, Conn, Listener, Transport } from "./conn.ts";
export { connect, listen, listenerAddress, transport, tune } from "./transport.ts";
export {
  ACCEPT_BACKOFF_MAX,
  ACCEPT_BACKOFF_MIN,
  acceptLoop,
  type AcceptOptions,
} from "./accept.ts";
export {
  ByteReader,
  type ByteSource,
  type DirectIO,
  directSource,
  isDirect,
  ReadError,
  type ReadErrorCode,
  type ReadLimits,
  type Scanner,
  streamSource,
} from "./reader.ts";
export {
  type BodyReader,
  bodyReader,
  chunk,
  DEFAULT_LIMITS,
  type Fields,
  HttpError,
  type HttpLimits,
  lastChunk,
  parseFields,
  readRequestHead,
  readResponseHead,
  reasonPhrase,
  type RequestHead,
  requestHead,
  responseBytes,
  type ResponseHead,
} from "./http1.ts";
export { type ByteSink, directSink, type Duplex, duplex, streamSink, writeAll } from "./duplex.ts";
export { concat, crc32, decodeBase64, encodeBase64 } from "./bytes.ts";
export { goEscape, goJSON } from "./go_json.ts";
export {
  type CommandLine,
  type FlagKind,
  type FlagTable,
  type FlagValue,
  oneOf,
  type OptionalValueFlag,
  parseCommandLine,
  type ParsedFlags,
  UsageError,
  usageFailure,
  wholeNumber,
} from "./command_line.ts";
