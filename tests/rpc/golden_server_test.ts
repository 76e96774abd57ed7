/**
 * Golden captures, server side (no Go needed): the client half of a
 * conversation recorded between two Go processes (testdata/rpc/, from
 * tests/rpc/capture.ts) is replayed into a gopherless server, which must
 * answer with exactly the bytes Go's server sent.
 *
 * Gob type ids are allocated per process in first-use order, as in Go, so
 * this file must run in its own isolate (Deno runs each test module in a
 * fresh one) and encode nothing before the replay: the server then allocates
 * ids in the order Go's server process did.
 */

import assert from "node:assert/strict";
import { arithServer, ExactReader, hex, loadCapture, pipePair, unhex } from "./_services.ts";

async function replay(name: string, codec: "gob" | "jsonrpc", http: boolean) {
  const capture = await loadCapture(name);
  const [client, serverSide] = pipePair();
  const server = arithServer({ codec });
  const done = server.serveConn(serverSide, { http });
  const w = client.writable.getWriter();
  const r = new ExactReader(client.readable);
  for (const [i, [dir, data]] of capture.turns.entries()) {
    const bytes = unhex(data);
    if (dir === "c2s") {
      await w.write(bytes);
    } else {
      const got = await r.read(bytes.length);
      assert.equal(hex(got), data, `${name}: turn ${i} (server → client) differs from Go's`);
    }
  }
  await w.close();
  assert.equal(await r.ended(), true, "the server closes after the client's EOF");
  await done;
  await server.close();
}

Deno.test("rpc golden: gopherless server answers Go's client byte for byte (gob)", async () => {
  await replay("gob", "gob", false);
});

Deno.test("rpc golden: gopherless server answers Go's client byte for byte (HTTP CONNECT)", async () => {
  await replay("http", "gob", true);
});

Deno.test("rpc golden: gopherless server answers Go's client byte for byte (jsonrpc)", async () => {
  await replay("jsonrpc", "jsonrpc", false);
});
