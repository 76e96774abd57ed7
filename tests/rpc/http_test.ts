/** HTTP CONNECT transport, both roles. */

import assert from "node:assert/strict";
import { Client, listen, listenerAddress, RpcError, t } from "../../rpc/mod.ts";
import { Args, arithServer, ExactReader, pipePair } from "./_services.ts";

const te = new TextEncoder();
const td = new TextDecoder();

async function rawHTTP(request: string): Promise<string> {
  const server = arithServer();
  const [a, b] = pipePair();
  const done = server.serveConn(b, { http: true });
  const w = a.writable.getWriter();
  await w.write(te.encode(request));
  const text = await new Response(a.readable).text();
  await done;
  await server.close();
  return text;
}

Deno.test("rpc http: CONNECT switches to RPC with Go's status line", async () => {
  const server = arithServer();
  const [a, b] = pipePair();
  const done = server.serveConn(b, { http: true });
  const w = a.writable.getWriter();
  const r = new ExactReader(a.readable);
  await w.write(te.encode("CONNECT /_goRPC_ HTTP/1.0\n\n"));
  const status = "HTTP/1.0 200 Connected to Go RPC\n\n";
  assert.equal(td.decode(await r.read(status.length)), status);
  await w.close();
  assert.equal(await r.ended(), true);
  await done;
  await server.close();
});

Deno.test("rpc http: other methods get Go's 405; other paths 404", async () => {
  const res = await rawHTTP("GET /_goRPC_ HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.match(res, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
  assert.match(res, /Content-Type: text\/plain; charset=utf-8\r\n/);
  assert.ok(res.endsWith("\r\n\r\n405 must CONNECT\n"));
  const notFound = await rawHTTP("CONNECT /elsewhere HTTP/1.0\n\n");
  assert.match(notFound, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.ok(notFound.endsWith("404 page not found\n"));
  const bad = await rawHTTP("garbage\n\n");
  assert.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n/);
});

Deno.test("rpc http: client and server over TCP, custom path", async () => {
  const server = arithServer();
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const serving = server.serve(listener, { http: { path: "/rpc" } });
  const addr = listenerAddress(listener);
  const client = await Client.connect(addr, { http: { path: "/rpc" } });
  assert.equal(await client.call("Arith.Multiply", { A: 7, B: 8 }, Args, t.int), 56);
  await client.close();
  await assert.rejects(
    Client.connect(addr, { http: true }),
    (e) =>
      e instanceof RpcError && e.message === "dial-http: unexpected HTTP response: 404 Not Found",
  );
  await server.close();
  await serving;
});
