/** Client semantics (Go's client.go), against scripted servers in memory. */

import assert from "node:assert/strict";
import { Decoder, Encoder } from "../../gob/mod.ts";
import {
  Client,
  InvalidRequestType,
  RequestType,
  ResponseType,
  RpcError,
  ServerError,
  ShutdownError,
  t,
  UnexpectedEOFError,
} from "../../rpc/mod.ts";
import { Args, pipePair, Quotient } from "./_services.ts";

/** A scripted gob server end: reads requests, writes responses. */
function scripted() {
  const [clientSide, server] = pipePair();
  const dec = new Decoder(server.readable);
  const w = server.writable.getWriter();
  const enc = new Encoder();
  return {
    clientSide,
    async request<T>(argsType: t.Type<T>) {
      const h = await dec.decode(RequestType);
      const body = await dec.decode(argsType);
      return { ...h, body };
    },
    async reply(seq: number, sm: string, type: t.Type<unknown>, body: unknown, error = "") {
      const h = enc.marshal(ResponseType, { ServiceMethod: sm, Seq: seq, Error: error });
      const b = error ? enc.marshal(InvalidRequestType, {}) : enc.marshal(type, body);
      const out = new Uint8Array(h.length + b.length);
      out.set(h);
      out.set(b, h.length);
      await w.write(out);
    },
    async raw(bytes: Uint8Array) {
      await w.write(bytes);
    },
    async end() {
      await w.close().catch(() => {});
    },
  };
}

Deno.test("rpc client: replies matched by seq, in any order; unknown seqs are skipped", async () => {
  const s = scripted();
  const client = await Client.connect(s.clientSide);
  const c0 = client.call("Arith.Multiply", { A: 1, B: 2 }, Args, t.int);
  const c1 = client.call("Arith.Divide", { A: 7, B: 2 }, Args, Quotient);
  const r0 = await s.request(Args);
  const r1 = await s.request(Args);
  assert.deepEqual([r0.Seq, r1.Seq], [0, 1]);
  await s.reply(999, "Stray.Reply", t.string, "nobody waits for this");
  await s.reply(1, "Arith.Divide", Quotient, { Quo: 3, Rem: 1 });
  await s.reply(0, "Arith.Multiply", t.int, 2);
  assert.deepEqual(await c1, { Quo: 3, Rem: 1 });
  assert.equal(await c0, 2);
  await client.close();
});

Deno.test("rpc client: EOF with calls pending → unexpected EOF; then ShutdownError", async () => {
  const s = scripted();
  const client = await Client.connect(s.clientSide);
  const pending = assert.rejects(
    client.call("Arith.Multiply", { A: 1, B: 2 }, Args, t.int),
    (e) =>
      e instanceof UnexpectedEOFError && e.kind === "unexpected-eof" &&
      e.message === "unexpected EOF",
  );
  await s.request(Args);
  await s.end();
  await pending;
  await assert.rejects(client.call("Arith.Multiply", { A: 1, B: 2 }, Args, t.int), ShutdownError);
  assert.equal(client.closed, true);
  await client.close();
});

Deno.test("rpc client: close → pending and later calls get ShutdownError; closing twice too", async () => {
  const s = scripted();
  const client = await Client.connect(s.clientSide);
  const pending = assert.rejects(client.call("A.B", { A: 1, B: 2 }, Args, t.int), ShutdownError);
  await client.close();
  await pending;
  await assert.rejects(
    client.call("A.B", { A: 1, B: 2 }, Args, t.int),
    (e) => e instanceof ShutdownError && e.message === "connection is shut down",
  );
  await assert.rejects(client.close(), ShutdownError);
});

Deno.test("rpc client: server errors are ServerError; the error body is skipped", async () => {
  const s = scripted();
  const client = await Client.connect(s.clientSide);
  const c = client.call("Arith.Divide", { A: 1, B: 0 }, Args, Quotient);
  await s.request(Args);
  await s.reply(0, "Arith.Divide", Quotient, null, "divide by zero");
  await assert.rejects(c, (e) => e instanceof ServerError && e.message === "divide by zero");
  const c2 = client.call("Arith.Multiply", { A: 2, B: 2 }, Args, t.int);
  await s.request(Args);
  await s.reply(1, "Arith.Multiply", t.int, 4);
  assert.equal(await c2, 4);
  await client.close();
});

Deno.test("rpc client: an aborted call rejects at once; its late reply is dropped", async () => {
  const s = scripted();
  const client = await Client.connect(s.clientSide);
  const ac = new AbortController();
  const c = client.call("Arith.Multiply", { A: 1, B: 2 }, Args, t.int, { signal: ac.signal });
  await s.request(Args);
  ac.abort(new Error("user gave up"));
  await assert.rejects(c, (e) => e instanceof RpcError && e.kind === "aborted");
  await s.reply(0, "Arith.Multiply", t.int, 2);
  const c2 = client.call("Arith.Multiply", { A: 3, B: 2 }, Args, t.int);
  await s.request(Args);
  await s.reply(1, "Arith.Multiply", t.int, 6);
  assert.equal(await c2, 6);
  await assert.rejects(
    client.call("X.Y", 1, t.int, t.int, { signal: AbortSignal.abort() }),
    (e) => e instanceof RpcError && e.kind === "aborted",
  );
  await client.close();
});

Deno.test("rpc client: args that cannot be encoded fail that call only", async () => {
  const s = scripted();
  const client = await Client.connect(s.clientSide);
  // The first request's header carries the Request type definition: it must
  // still reach the server even though the body failed.
  await assert.rejects(
    client.call(
      "Arith.Multiply",
      { A: "x", B: 1 } as unknown as { A: number; B: number },
      Args,
      t.int,
    ),
    (e) => e instanceof RpcError && e.kind === "codec",
  );
  const c = client.call("Arith.Multiply", { A: 4, B: 5 }, Args, t.int);
  const r = await s.request(Args);
  assert.deepEqual(r, { ServiceMethod: "Arith.Multiply", Seq: 1, body: { A: 4, B: 5 } });
  await s.reply(1, "Arith.Multiply", t.int, 20);
  assert.equal(await c, 20);
  await client.close();
});

Deno.test("rpc client: a reply body that does not decode fails the call and ends the connection (Go)", async () => {
  const s = scripted();
  const client = await Client.connect(s.clientSide);
  const c = assert.rejects(
    client.call("Arith.Multiply", { A: 1, B: 2 }, Args, t.int),
    (e) => e instanceof RpcError && e.kind === "codec" && e.message.startsWith("reading body"),
  );
  const other = assert.rejects(client.call("Arith.Other", { A: 1, B: 2 }, Args, t.int), RpcError);
  await s.request(Args);
  await s.request(Args);
  await s.reply(0, "Arith.Multiply", t.string, "not an int");
  await c;
  await other;
  await assert.rejects(client.call("A.B", { A: 1, B: 2 }, Args, t.int), ShutdownError);
  await client.close();
});
