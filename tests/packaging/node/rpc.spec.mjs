// net/rpc through the npm package under Node: calls to Go's Arith server (its path in
// GOPHERLESS_RPCSERVER, a built tests/go/cmd/rpcserver), and a Node server over loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Client, listen, listenerAddress, method, Server, t } from "@gopherless/gopherless/rpc";

const Args = t.struct("Args", { A: t.int, B: t.int });
const Quotient = t.struct("Quotient", { Quo: t.int, Rem: t.int });
const rpcserver = process.env.GOPHERLESS_RPCSERVER;

function startGo() {
  const child = spawn(rpcserver, [], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.on("error", reject);
    child.stdout.on("data", (b) => {
      out += b;
      const m = /LISTEN 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
  });
}

test("rpc: calls Go's Arith server over loopback", {
  skip: !rpcserver && "GOPHERLESS_RPCSERVER unset",
}, async () => {
  const { child, port } = await startGo();
  try {
    const client = await Client.connect({ hostname: "127.0.0.1", port });
    assert.equal(await client.call("Arith.Multiply", { A: 7, B: 8 }, Args, t.int), 56);
    assert.deepEqual(
      await client.call("Arith.Divide", { A: 17, B: 5 }, Args, Quotient),
      { Quo: 3, Rem: 2 },
    );
    await assert.rejects(
      client.call("Arith.Divide", { A: 1, B: 0 }, Args, Quotient),
      /divide by zero/,
    );
    const many = await Promise.all(
      Array.from(
        { length: 32 },
        (_, i) => client.call("Arith.Multiply", { A: i, B: 3 }, Args, t.int),
      ),
    );
    assert.deepEqual(many, Array.from({ length: 32 }, (_, i) => i * 3));
    await client.close();
  } finally {
    child.stdin.end();
    child.kill();
  }
});

test("rpc: a Node server and client over the node:net transport", async () => {
  const server = new Server();
  server.register("Arith", {
    Multiply: method(Args, t.int, (args) => args.A * args.B),
  });
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  await listener.ready;
  const serving = server.serve(listener);
  const client = await Client.connect(listenerAddress(listener));
  assert.equal(await client.call("Arith.Multiply", { A: 6, B: 7 }, Args, t.int), 42);
  await client.close();
  await server.close();
  await serving;
});
