/** Server semantics (Go's server.go), in memory, gob codec. */

import assert from "node:assert/strict";
import { decodeAll, encode, Encoder } from "../../gob/mod.ts";
import {
  Client,
  type Conn,
  method,
  RequestType,
  RpcError,
  Server,
  ServerError,
  t,
} from "../../rpc/mod.ts";
import {
  Args,
  arithServer,
  ExactReader,
  pipePair,
  Quotient,
  sleep,
  SleepArgs,
} from "./_services.ts";

function connectPair(server: Server, codec: "gob" | "jsonrpc" = "gob") {
  const [a, b] = pipePair();
  const done = server.serveConn(b, { codec });
  return { client: Client.connect(a, { codec }), done };
}

for (const codec of ["gob", "jsonrpc"] as const) {
  Deno.test(`rpc server (${codec}): errors as Go reports them; the connection goes on`, async () => {
    const server = arithServer({ codec });
    const { client: cp, done } = connectPair(server, codec);
    const client = await cp;
    const cases: [string, string][] = [
      ["Multiply", "rpc: service/method request ill-formed: Multiply"],
      ["Nope.Multiply", "rpc: can't find service Nope.Multiply"],
      ["Arith.Nope", "rpc: can't find method Arith.Nope"],
      ["Arith.", "rpc: can't find method Arith."],
      ["", "rpc: service/method request ill-formed: "],
      ["Dot.Svc.Nope", "rpc: can't find method Dot.Svc.Nope"],
    ];
    for (const [sm, message] of cases) {
      await assert.rejects(
        client.call(sm, { A: 1, B: 2 }, Args, t.int),
        (e) => e instanceof ServerError && e.kind === "server" && e.message === message,
      );
    }
    await assert.rejects(
      client.call("Arith.Divide", { A: 1, B: 0 }, Args, Quotient),
      new ServerError("divide by zero"),
    );
    assert.equal(await client.call("Dot.Svc.Ping", 1, t.int, t.int), 2, "split at the last dot");
    assert.equal(await client.call("Arith.Multiply", { A: 7, B: 8 }, Args, t.int), 56);
    await client.close();
    await done;
    await server.close();
  });

  Deno.test(`rpc server (${codec}): 64 concurrent calls, replies in completion order`, async () => {
    // Each call waits on a gate the test opens, last call first: the order is the test's, not the
    // timer's, so a loaded machine cannot reorder it.
    const server = arithServer({ codec });
    const gates = new Map<string, () => void>();
    let allArrived!: () => void;
    const arrived = new Promise<void>((resolve) => allArrived = resolve);
    server.register("Gate", {
      Wait: method(t.string, t.string, async (tag) => {
        await new Promise<void>((resolve) => {
          gates.set(tag, resolve);
          if (gates.size === 64) allArrived();
        });
        return tag;
      }),
    });
    const { client: cp, done } = connectPair(server, codec);
    const client = await cp;
    const order: number[] = [];
    const calls = Array.from(
      { length: 64 },
      (_, i) =>
        client.call("Gate.Wait", String(i), t.string, t.string).then((tag) =>
          order.push(Number(tag))
        ),
    );
    await arrived;
    for (let i = 63; i >= 0; i--) gates.get(String(i))!();
    await Promise.all(calls);
    assert.deepEqual(order, Array.from({ length: 64 }, (_, i) => 63 - i));
    await client.close();
    await done;
    await server.close();
  });
}

Deno.test("rpc server: a body that does not decode gets an error reply; the connection goes on", async () => {
  const server = arithServer();
  const { client: cp, done } = connectPair(server);
  const client = await cp;
  // Args sent as a string: Go's server fails ReadRequestBody, answers, goes on.
  await assert.rejects(
    client.call("Arith.Multiply", "not args", t.string, t.int),
    (e) => e instanceof ServerError && /^gob: /.test(e.message),
  );
  assert.equal(await client.call("Arith.Multiply", { A: 6, B: 7 }, Args, t.int), 42);
  // Unknown service: the body is read and discarded even when it would not decode.
  await assert.rejects(client.call("Nope.X", "x", t.string, t.int), ServerError);
  assert.equal(await client.call("Arith.Multiply", { A: 2, B: 3 }, Args, t.int), 6);
  await client.close();
  await done;
  await server.close();
});

Deno.test("rpc server: a header that does not decode closes that connection only", async () => {
  const server = arithServer();
  const [a, b] = pipePair();
  const done = server.serveConn(b);
  const w = a.writable.getWriter();
  const r = new ExactReader(a.readable);
  await w.write(encode(t.int, 5)); // a value that is not a Request
  assert.equal(await r.ended(), true, "connection closed without a reply");
  await done;
  // Other connections are unaffected.
  const { client: cp, done: d2 } = connectPair(server);
  const client = await cp;
  assert.equal(await client.call("Arith.Multiply", { A: 2, B: 2 }, Args, t.int), 4);
  await client.close();
  await d2;
  await server.close();
});

Deno.test("rpc server: each reply leaves in one write, header with body", async () => {
  const server = arithServer();
  const [a, b] = pipePair();
  const writes: Uint8Array[] = [];
  const recording: Conn = {
    readable: b.readable,
    writable: new WritableStream({
      async write(chunk) {
        writes.push(chunk.slice());
        const w = b.writable.getWriter();
        await w.write(chunk);
        w.releaseLock();
      },
      async close() {
        await b.writable.close();
      },
    }),
  };
  const done = server.serveConn(recording);
  const client = await Client.connect(a);
  for (let i = 0; i < 3; i++) {
    assert.equal(await client.call("Arith.Multiply", { A: i, B: 2 }, Args, t.int), i * 2);
  }
  assert.equal(writes.length, 3);
  // The second and third replies: one Response message and one int message each.
  assert.equal(writes[1][0] + 1 + writes[1][writes[1][0] + 1] + 1, writes[1].length);
  await client.close();
  await done;
  await server.close();
});

Deno.test("rpc server: a reply that does not match its descriptor becomes an error reply", async () => {
  const server = new Server();
  server.register("Bad", {
    Reply: method(
      t.int,
      Args,
      () => ({ A: "not a number", B: 1 }) as unknown as { A: number; B: number },
    ),
  });
  server.register("Good", { Echo: method(t.int, t.int, (n) => n) });
  const { client: cp, done } = connectPair(server);
  const client = await cp;
  await assert.rejects(
    client.call("Bad.Reply", 1, t.int, Args),
    (e) =>
      e instanceof ServerError && e.message.startsWith("rpc: cannot encode reply of Bad.Reply"),
  );
  assert.equal(await client.call("Good.Echo", 9, t.int, t.int), 9);
  await client.close();
  await done;
  await server.close();
});

Deno.test("rpc server: register validates names and methods", () => {
  const server = new Server();
  server.register("A", { M: method(t.int, t.int, (n) => n) });
  assert.throws(
    () => server.register("A", { M: method(t.int, t.int, (n) => n) }),
    /already defined/,
  );
  assert.throws(
    () => server.register("", { M: method(t.int, t.int, (n) => n) }),
    /no service name/,
  );
  assert.throws(() => server.register("B", {}), /no exported methods/);
  assert.throws(
    () => server.register("C", { M: (() => 1) as unknown as ReturnType<typeof method> }),
    /not a method/,
  );
});

Deno.test("rpc server: close lets in-flight calls finish, then closes", async () => {
  const server = arithServer();
  const { client: cp, done } = connectPair(server);
  const client = await cp;
  const inFlight = client.call("Arith.Sleep", { Ms: 100, Tag: "done" }, SleepArgs, t.string);
  await sleep(10);
  const closing = server.close({ timeout: 2000 });
  assert.equal(await inFlight, "done");
  await closing;
  await done;
  await assert.rejects(
    client.call("Arith.Multiply", { A: 1, B: 1 }, Args, t.int),
    (e) => e instanceof RpcError && (e.kind === "shutdown" || e.kind === "unexpected-eof"),
  );
  await client.close();
});

Deno.test("rpc server: close is bounded; the handlers' signal aborts", async () => {
  const server = new Server();
  let aborted = false;
  server.register("Slow", {
    Wait: method(t.int, t.int, (_n, ctx) =>
      new Promise<number>((resolve) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
          resolve(0);
        });
      })),
  });
  const { client: cp, done } = connectPair(server);
  const client = await cp;
  const call = client.call("Slow.Wait", 1, t.int, t.int);
  call.catch(() => {});
  await sleep(10);
  const started = Date.now();
  await server.close({ timeout: 100 });
  assert.ok(Date.now() - started < 1000);
  assert.equal(aborted, true);
  await done;
  await assert.rejects(call, RpcError);
  await client.close().catch(() => {});
});

Deno.test("rpc server: sequence numbers are echoed exactly, a half-closed client still gets its reply", async () => {
  const server = arithServer();
  const [a, b] = pipePair();
  const done = server.serveConn(b);
  const w = a.writable.getWriter();
  const enc = new Encoder();
  const h = enc.marshal(RequestType, { ServiceMethod: "Arith.Multiply", Seq: 2 ** 40 });
  const body = enc.marshal(Args, { A: 3, B: 3 });
  await w.write(h);
  await w.write(body);
  await w.close(); // EOF after the request: Go still answers, then closes
  const out = new Uint8Array(await new Response(a.readable).arrayBuffer());
  const [resp, reply] = decodeAll(out) as [{ Seq: number; Error: string }, number];
  assert.equal(resp.Seq, 2 ** 40);
  assert.equal(resp.Error, "");
  assert.equal(reply, 9);
  await done;
  await server.close();
});

Deno.test("rpc server: a lone connection's calls never wait on a timer, pipelined or not", async () => {
  // The turns that keep a pipelining client from starving other connections are timers; a
  // connection served alone (a go1.x host's) has no one to make room for, and waiting on a timer
  // every 32 calls would cost its slowest calls a millisecond or more.
  const server = arithServer();
  const { client: cp, done } = connectPair(server);
  const client = await cp;
  const real = globalThis.setTimeout;
  let zeroDelay = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    if (!ms) zeroDelay++;
    return real(fn, ms);
  }) as typeof setTimeout;
  try {
    for (let i = 0; i < 40; i++) {
      assert.equal(await client.call("Arith.Multiply", { A: i, B: 2 }, Args, t.int), 2 * i);
    }
    const pipelined = Array.from(
      { length: 100 },
      (_, i) => client.call("Arith.Multiply", { A: i, B: 3 }, Args, t.int),
    );
    assert.deepEqual(await Promise.all(pipelined), Array.from({ length: 100 }, (_, i) => 3 * i));
  } finally {
    globalThis.setTimeout = real;
  }
  assert.equal(zeroDelay, 0);
  await client.close();
  await server.close();
  await done;
});

Deno.test("rpc server: onReplied runs once the reply is encoded, also after a throw; a failing one is reported", async () => {
  const errors: unknown[] = [];
  const server = new Server({ onError: (e) => errors.push(e) });
  const events: string[] = [];
  const reply = new Uint8Array([1, 2, 3]);
  server.register("Svc", {
    Bytes: method(t.int, t.bytes, (_n, call) => {
      call.onReplied(() => {
        events.push("replied");
        // The reply was encoded: changing what it was made of no longer changes what is sent.
        reply.fill(9);
      });
      call.onReplied(() => {
        throw new Error("boom");
      });
      events.push("returned");
      return reply;
    }),
    Fail: method(t.int, t.int, (_n, call) => {
      call.onReplied(() => events.push("failed and replied"));
      throw new Error("no");
    }),
  });
  const { client: cp, done } = connectPair(server);
  const client = await cp;
  assert.deepEqual(await client.call("Svc.Bytes", 1, t.int, t.bytes), new Uint8Array([1, 2, 3]));
  await assert.rejects(client.call("Svc.Fail", 1, t.int, t.int), new ServerError("no"));
  assert.deepEqual(events, ["returned", "replied", "failed and replied"]);
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "boom");
  await client.close();
  await done;
  await server.close();
});
