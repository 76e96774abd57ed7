/**
 * Go's `net/rpc` for TypeScript: server and client, the gob codec (default,
 * byte-identical to Go's), the `net/rpc/jsonrpc` codec and the HTTP CONNECT
 * transport; interoperates with Go programs in both directions.
 *
 * ```ts
 * import { Client, method, Server, t } from "./mod.ts";
 *
 * const Args = t.struct("Args", { A: t.int, B: t.int });
 * const server = new Server();
 * server.register("Arith", {
 *   Multiply: method(Args, t.int, (args) => args.A * args.B),
 * });
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 1234 });
 * server.serve(listener);
 *
 * const client = await Client.connect({ hostname: "127.0.0.1", port: 1234 });
 * console.log(await client.call("Arith.Multiply", { A: 7, B: 8 }, Args, t.int)); // 56
 * await client.close();
 * await server.close();
 * ```
 *
 * @module
 */

export {
  type CallContext,
  type CloseOptions,
  type Method,
  method,
  type ServeOptions,
  Server,
  type ServerCodecOption,
  type ServerOptions,
  type Service,
} from "./server.ts";
export {
  type CallOptions,
  Client,
  type ClientCodecOption,
  type ClientOptions,
  type ConnectOptions,
} from "./client.ts";
export {
  errorMessage,
  RpcError,
  type RpcErrorKind,
  ServerError,
  ShutdownError,
  UnexpectedEOFError,
} from "./errors.ts";
export type {
  ClientCodec,
  ClientCodecFactory,
  CodecLimits,
  RequestHeader,
  ResponseHeader,
  ServerCodec,
  ServerCodecFactory,
} from "./codec.ts";
export {
  gobClientCodec,
  gobServerCodec,
  InvalidRequestType,
  RequestType,
  ResponseType,
} from "./gob_codec.ts";
export { jsonClientCodec, jsonServerCodec } from "./jsonrpc.ts";
export { acceptConnect, CONNECTED, DEFAULT_RPC_PATH, dialConnect } from "./http.ts";
export { Channel, MessageWriter, type WriterOptions } from "./channel.ts";
// The ground floor's reader, writers and transport, which custom codecs and callers use with the
// rpc API.
export { type ByteSink, directSink, streamSink } from "../ground/duplex.ts";
export {
  ByteReader,
  type ByteSource,
  type DirectIO,
  ReadError,
  type ReadErrorCode,
  type ReadLimits,
  type Scanner,
} from "../ground/reader.ts";
export {
  type Address,
  type BoundAddr,
  type BoundListener,
  type Conn,
  connect,
  listen,
  type Listener,
  listenerAddress,
} from "../ground/transport.ts";
export { type Kind, t, type Type } from "../gob/mod.ts";
