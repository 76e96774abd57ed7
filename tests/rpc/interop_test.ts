/**
 * Live interop with Go's net/rpc (tests/go/cmd/rpcserver, rpcclient), both
 * directions, for the gob codec, jsonrpc and HTTP CONNECT.
 */

import assert from "node:assert/strict";
import { goTest } from "../_support/go.ts";
import {
  Client,
  type ClientCodecOption,
  listen,
  listenerAddress,
  RpcError,
  ServerError,
  ShutdownError,
  t,
  type Type,
} from "../../rpc/mod.ts";
import {
  Args,
  arithServer,
  Echo,
  Quotient,
  runGoClient,
  sampleEcho,
  SleepArgs,
  startGoServer,
} from "./_services.ts";

type Mode = { name: string; codec: "gob" | "jsonrpc"; http: boolean; goArgs: string[] };
const MODES: Mode[] = [
  { name: "gob", codec: "gob", http: false, goArgs: [] },
  { name: "jsonrpc", codec: "jsonrpc", http: false, goArgs: ["-codec", "jsonrpc"] },
  { name: "http", codec: "gob", http: true, goArgs: ["-http"] },
];

const EXPECTED_BASIC = {
  multiply: { reply: 56, err: null },
  divide: { reply: { Quo: 3, Rem: 2 }, err: null },
  divideByZero: { err: { kind: "server", message: "divide by zero" } },
  noMethod: { err: { kind: "server", message: "rpc: can't find method Arith.Nope" } },
  noService: { err: { kind: "server", message: "rpc: can't find service Nope.Multiply" } },
  illFormed: {
    err: { kind: "server", message: "rpc: service/method request ill-formed: Multiply" },
  },
  dotted: { reply: 42, err: null },
  fail: { err: { kind: "server", message: "boom: custom" } },
  again: { reply: 12, err: null },
  close: null,
  afterClose: { kind: "shutdown", message: "connection is shut down" },
};

// ---- Go client → gopherless server ----

for (const mode of MODES) {
  goTest(`rpc interop: Go client → gopherless server (${mode.name})`, async (tc) => {
    const server = arithServer({ codec: mode.codec });
    const listener = listen({ hostname: "127.0.0.1", port: 0 });
    const serving = server.serve(listener, { http: mode.http });
    const { port } = listenerAddress(listener) as { port: number };
    const base = ["-addr", `127.0.0.1:${port}`, ...mode.goArgs];
    try {
      await tc.step("basic calls and every error path", async () => {
        const out = await runGoClient([...base, "-scenario", "basic"]);
        const echo = out.echo as { equal: boolean; err: unknown };
        delete out.echo;
        assert.deepEqual(out, EXPECTED_BASIC);
        assert.equal(echo.err, null);
        assert.equal(echo.equal, true, "Echo round trip through gopherless equals the original");
      });
      await tc.step("64 concurrent calls on one connection", async () => {
        assert.deepEqual(await runGoClient([...base, "-scenario", "concurrent"]), {
          calls: 64,
          bad: 0,
        });
      });
      await tc.step("64 connections", async () => {
        assert.deepEqual(await runGoClient([...base, "-scenario", "many"]), {
          conns: 64,
          calls: 256,
          bad: 0,
        });
      });
      await tc.step("out-of-order completion", async () => {
        assert.deepEqual(await runGoClient([...base, "-scenario", "ooo"]), {
          order: ["fast", "mid", "slow"],
        });
      });
      await tc.step("undecodable body: error reply, connection goes on", async () => {
        const out = await runGoClient([...base, "-scenario", "bodyerr"]) as {
          bad: { err: { kind: string; message: string } | null };
          good: unknown;
        };
        assert.deepEqual(out.good, { reply: 42, err: null });
        if (mode.codec === "gob") {
          assert.equal(out.bad.err?.kind, "server");
          assert.match(out.bad.err!.message, /^gob: /);
        } else {
          // Go's JSON decoder ignores unknown fields: {"Zzz":"x"} is Args{0, 0}.
          assert.equal(out.bad.err, null);
        }
      });
      if (mode.codec === "gob") {
        await tc.step("peer whose type ids start past 64", async () => {
          const out = await runGoClient([...base, "-shift", "7", "-scenario", "basic"]);
          delete out.echo;
          assert.deepEqual(out, EXPECTED_BASIC);
        });
      }
    } finally {
      await server.close();
      await serving;
    }
  });
}

goTest("rpc interop: Go client → gopherless server over a Unix socket", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/rpc.sock`;
  const server = arithServer();
  const listener = listen({ path });
  const serving = server.serve(listener);
  try {
    const out = await runGoClient(["-unix", path, "-scenario", "concurrent"]);
    assert.deepEqual(out, { calls: 64, bad: 0 });
  } finally {
    await server.close();
    await serving;
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- gopherless client → Go server ----

for (const mode of MODES) {
  for (const shift of mode.codec === "gob" && !mode.http ? [0, 9] : [0]) {
    const label = `${mode.name}${shift ? `, Go type ids shifted by ${shift}` : ""}`;
    goTest(`rpc interop: gopherless client → Go server (${label})`, async (tc) => {
      const go = await startGoServer([...mode.goArgs, "-shift", String(shift)]);
      const codec: ClientCodecOption = mode.codec;
      const connect = () =>
        Client.connect({ hostname: "127.0.0.1", port: go.port }, { codec, http: mode.http });
      try {
        const client = await connect();
        await tc.step("basic calls", async () => {
          assert.equal(await client.call("Arith.Multiply", { A: 7, B: 8 }, Args, t.int), 56);
          assert.deepEqual(
            await client.call("Arith.Divide", { A: 17, B: 5 }, Args, Quotient),
            { Quo: 3, Rem: 2 },
          );
          assert.equal(await client.call("Dot.Svc.Ping", 41, t.int, t.int), 42);
        });
        await tc.step("server errors", async () => {
          const cases: [string, unknown, Type<unknown>, string][] = [
            ["Arith.Divide", { A: 1, B: 0 }, Args, "divide by zero"],
            ["Arith.Nope", { A: 1, B: 0 }, Args, "rpc: can't find method Arith.Nope"],
            ["Nope.Multiply", { A: 1, B: 0 }, Args, "rpc: can't find service Nope.Multiply"],
            ["Multiply", { A: 1, B: 0 }, Args, "rpc: service/method request ill-formed: Multiply"],
            ["Arith.Fail", "boom", t.string, "boom"],
          ];
          for (const [sm, args, type, message] of cases) {
            await assert.rejects(
              client.call(sm, args, type, t.int),
              (e) => e instanceof ServerError && e.message === message,
              sm,
            );
          }
          // The connection is still good.
          assert.equal(await client.call("Arith.Multiply", { A: 3, B: 4 }, Args, t.int), 12);
        });
        await tc.step("Echo: a richer value round trip", async () => {
          const v = sampleEcho(mode.codec === "jsonrpc" ? 1n << 52n : undefined);
          assert.deepEqual(await client.call("Arith.Echo", v, Echo, Echo), v);
        });
        await tc.step("64 concurrent calls on one connection", async () => {
          const got = await Promise.all(
            Array.from(
              { length: 64 },
              (_, i) => client.call("Arith.Multiply", { A: i, B: i + 1 }, Args, t.int),
            ),
          );
          assert.deepEqual(got, Array.from({ length: 64 }, (_, i) => i * (i + 1)));
        });
        await tc.step("out-of-order completion", async () => {
          const order: string[] = [];
          const calls = [["slow", 300], ["mid", 150], ["fast", 0]] as const;
          await Promise.all(
            calls.map(([tag, ms]) =>
              client.call("Arith.Sleep", { Ms: ms, Tag: tag }, SleepArgs, t.string)
                .then((r) => order.push(r))
            ),
          );
          assert.deepEqual(order, ["fast", "mid", "slow"]);
        });
        await tc.step("16 connections × 16 calls", async () => {
          const clients = await Promise.all(Array.from({ length: 16 }, connect));
          const sums = await Promise.all(clients.map(async (c, i) => {
            const r = await Promise.all(
              Array.from(
                { length: 16 },
                (_, j) => c.call("Arith.Multiply", { A: i, B: j }, Args, t.int),
              ),
            );
            await c.close();
            return r.reduce((a, b) => a + b, 0);
          }));
          assert.deepEqual(sums, Array.from({ length: 16 }, (_, i) => i * 120));
        });
        await tc.step("close: pending and later calls fail with ShutdownError", async () => {
          const slow = assert.rejects(
            client.call("Arith.Sleep", { Ms: 2000, Tag: "x" }, SleepArgs, t.string),
            ShutdownError,
          );
          await client.close();
          await slow;
          await assert.rejects(
            client.call("Arith.Multiply", { A: 1, B: 1 }, Args, t.int),
            ShutdownError,
          );
          await assert.rejects(client.close(), ShutdownError);
        });
        await tc.step("server gone: pending calls fail with unexpected EOF", async () => {
          const c = await connect();
          assert.equal(await c.call("Arith.Multiply", { A: 2, B: 2 }, Args, t.int), 4);
          const slow = assert.rejects(
            c.call("Arith.Sleep", { Ms: 5000, Tag: "x" }, SleepArgs, t.string),
            (e) => e instanceof RpcError && e.kind === "unexpected-eof",
          );
          await go.stop();
          await slow;
          await assert.rejects(
            c.call("Arith.Multiply", { A: 1, B: 1 }, Args, t.int),
            ShutdownError,
          );
          await c.close();
        });
      } finally {
        await go.stop();
      }
    });
  }
}

goTest("rpc interop: gopherless client → Go server over a Unix socket", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/rpc.sock`;
  const go = await startGoServer(["-unix", path]);
  try {
    const client = await Client.connect({ path });
    assert.equal(await client.call("Arith.Multiply", { A: 6, B: 7 }, Args, t.int), 42);
    await client.close();
  } finally {
    await go.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
