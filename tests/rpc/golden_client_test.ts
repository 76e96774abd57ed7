/**
 * Golden captures, client side (no Go needed): a gopherless client makes the
 * calls of the recorded conversation against a fake server that checks each
 * request against the bytes Go's client sent and answers with the bytes Go's
 * server sent.
 *
 * Like golden_server_test.ts, this file must encode nothing before the
 * replay, so its gob type ids follow the order of Go's client process.
 */

import assert from "node:assert/strict";
import { Client, ServerError } from "../../rpc/mod.ts";
import { ExactReader, GOLDEN_CALLS, hex, loadCapture, pipePair, unhex } from "./_services.ts";

async function replay(name: string, codec: "gob" | "jsonrpc", http: boolean) {
  const capture = await loadCapture(name);
  const turns = [...capture.turns];
  const [clientSide, server] = pipePair();
  const w = server.writable.getWriter();
  const r = new ExactReader(server.readable);
  const expectRequest = async (what: string) => {
    const [dir, data] = turns.shift()!;
    assert.equal(dir, "c2s");
    const got = await r.read(data.length / 2);
    assert.equal(hex(got), data, `${name}: ${what} differs from Go's`);
  };
  const answer = async () => {
    const [dir, data] = turns.shift()!;
    assert.equal(dir, "s2c");
    await w.write(unhex(data));
  };
  const connecting = Client.connect(clientSide, { codec, http });
  if (http) {
    await expectRequest("the CONNECT request");
    await answer();
  }
  const client = await connecting;
  for (const c of GOLDEN_CALLS) {
    const call = client.call(c.sm, c.args, c.argsType, c.replyType);
    call.catch(() => {});
    await expectRequest(`request ${c.sm}`);
    await answer();
    if (c.error !== undefined) {
      await assert.rejects(call, (e) => e instanceof ServerError && e.message === c.error);
    } else {
      assert.deepEqual(await call, c.reply);
    }
  }
  assert.equal(turns.length, 0);
  await client.close();
  await w.close().catch(() => {});
}

Deno.test("rpc golden: gopherless client sends Go's client bytes (gob)", async () => {
  await replay("gob", "gob", false);
});

Deno.test("rpc golden: gopherless client sends Go's client bytes (HTTP CONNECT)", async () => {
  await replay("http", "gob", true);
});

Deno.test("rpc golden: gopherless client sends Go's client bytes (jsonrpc)", async () => {
  await replay("jsonrpc", "jsonrpc", false);
});
