/**
 * The Arith service of Go's net/rpc documentation, served by gopherless.
 *
 *     deno run --allow-net examples/rpc_arith_server.ts [--port 1234] [--codec gob|jsonrpc] [--http]
 *
 * Any Go net/rpc client can call it (`rpc.Dial("tcp", "127.0.0.1:1234")`,
 * `jsonrpc.Dial(...)` with `--codec jsonrpc`, `rpc.DialHTTP(...)` with `--http`),
 * and so can examples/rpc_arith_client.ts.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { method, Server, t } from "../rpc/mod.ts";

/** `type Args struct { A, B int }` */
export const Args = t.struct("Args", { A: t.int, B: t.int });
/** `type Quotient struct { Quo, Rem int }` */
export const Quotient = t.struct("Quotient", { Quo: t.int, Rem: t.int });

/** A server with the Arith service registered. */
export function arithServer(codec: "gob" | "jsonrpc" = "gob"): Server {
  const server = new Server({ codec });
  server.register("Arith", {
    Multiply: method(Args, t.int, (args) => args.A * args.B),
    Divide: method(Args, Quotient, (args) => {
      if (args.B === 0) throw new Error("divide by zero");
      return { Quo: Math.trunc(args.A / args.B), Rem: args.A % args.B };
    }),
  });
  return server;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "1234" },
      codec: { type: "string", default: "gob" },
      http: { type: "boolean", default: false },
    },
  });
  const codec = values.codec;
  if (codec !== "gob" && codec !== "jsonrpc") {
    console.error(`--codec must be gob or jsonrpc, not ${codec}`);
    Deno.exit(2);
  }
  const server = arithServer(codec);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(values.port) });
  const addr = listener.addr as Deno.NetAddr;
  console.log(
    `Arith (${codec}${
      values.http ? " over HTTP CONNECT" : ""
    }) listening on ${addr.hostname}:${addr.port}`,
  );
  Deno.addSignalListener("SIGINT", async () => {
    await server.close();
    Deno.exit(0);
  });
  await server.serve(listener, { http: values.http });
}
