/**
 * Calls an Arith server (Go's net/rpc documentation example), whichever
 * language wrote it, and prints `Multiply(7, 8)`, `Divide(17, 5)` and
 * `Divide(1, 0)` (the server's error).
 *
 *     deno run --allow-net examples/rpc_arith_client.ts [--addr 127.0.0.1:1234] [--codec gob|jsonrpc] [--http]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client, ServerError, t } from "../rpc/mod.ts";

const Args = t.struct("Args", { A: t.int, B: t.int });
const Quotient = t.struct("Quotient", { Quo: t.int, Rem: t.int });

const { values } = parseArgs({
  args: Deno.args,
  options: {
    addr: { type: "string", default: "127.0.0.1:1234" },
    codec: { type: "string", default: "gob" },
    http: { type: "boolean", default: false },
  },
});
const codec = values.codec;
if (codec !== "gob" && codec !== "jsonrpc") {
  console.error(`--codec must be gob or jsonrpc, not ${codec}`);
  Deno.exit(2);
}
const colon = values.addr.lastIndexOf(":");
const hostname = values.addr.slice(0, colon) || "127.0.0.1";
const port = Number(values.addr.slice(colon + 1));

const client = await Client.connect({ hostname, port }, { codec, http: values.http });
try {
  const product = await client.call("Arith.Multiply", { A: 7, B: 8 }, Args, t.int);
  console.log(`Arith: 7*8=${product}`);
  const q = await client.call("Arith.Divide", { A: 17, B: 5 }, Args, Quotient);
  console.log(`Arith: 17/5=${q.Quo} remainder ${q.Rem}`);
  try {
    await client.call("Arith.Divide", { A: 1, B: 0 }, Args, Quotient);
  } catch (e) {
    if (!(e instanceof ServerError)) throw e;
    console.log(`Arith: 1/0 error: ${e.message}`);
  }
} finally {
  await client.close();
}
