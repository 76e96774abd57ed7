/**
 * Hostile clients over real TCP (127.0.0.1): the server stays up, keeps
 * serving well-behaved clients, and bounds what each connection may cost.
 */

import assert from "node:assert/strict";
import { Encoder } from "../../gob/mod.ts";
import {
  Client,
  listen,
  listenerAddress,
  RequestType,
  type ServerOptions,
  t,
} from "../../rpc/mod.ts";
import { Args, arithServer, sleep, SleepArgs } from "./_services.ts";

async function withServer(
  options: ServerOptions,
  fn: (port: number, server: ReturnType<typeof arithServer>) => Promise<void>,
) {
  const server = arithServer(options);
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const serving = server.serve(listener);
  const { port } = listenerAddress(listener) as { port: number };
  try {
    await fn(port, server);
  } finally {
    await server.close({ timeout: 500 });
    await serving;
  }
}

/** Resolves when the server closes `conn` (read returns EOF or fails), or null after `ms`. */
async function closedWithin(conn: Deno.Conn, ms: number): Promise<number | null> {
  const start = Date.now();
  const buf = new Uint8Array(4096);
  const deadline = start + ms;
  while (Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      conn.read(buf).catch(() => null),
      new Promise<"timeout">((res) =>
        timer = setTimeout(() => res("timeout"), deadline - Date.now())
      ),
    ]);
    clearTimeout(timer);
    if (r === "timeout") return null;
    if (r === null) return Date.now() - start;
  }
  return null;
}

async function goodClient(port: number) {
  const client = await Client.connect({ hostname: "127.0.0.1", port });
  const got = await Promise.all(
    Array.from({ length: 8 }, (_, i) => client.call("Arith.Multiply", { A: i, B: 3 }, Args, t.int)),
  );
  assert.deepEqual(got, Array.from({ length: 8 }, (_, i) => i * 3));
  await client.close();
}

function request(sm: string, type: t.Type<unknown>, body: unknown): Uint8Array {
  const enc = new Encoder();
  const h = enc.marshal(RequestType, { ServiceMethod: sm, Seq: 0 });
  const b = enc.marshal(type, body);
  const out = new Uint8Array(h.length + b.length);
  out.set(h);
  out.set(b, h.length);
  return out;
}

Deno.test("rpc hostile: garbage bytes close that connection; others are served", async () => {
  // Garbage that does not even complete a gob message is cut by the stall timeout.
  await withServer({ idleTimeout: 300 }, async (port) => {
    const bad = await Deno.connect({ hostname: "127.0.0.1", port });
    await bad.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const random = await Deno.connect({ hostname: "127.0.0.1", port });
    await random.write(crypto.getRandomValues(new Uint8Array(4096)));
    const framed = await Deno.connect({ hostname: "127.0.0.1", port });
    const junk = crypto.getRandomValues(new Uint8Array(64));
    junk[0] = 63; // a complete message of random bytes: undecodable at once
    await framed.write(junk);
    await goodClient(port);
    assert.notEqual(await closedWithin(bad, 2000), null);
    assert.notEqual(await closedWithin(random, 2000), null);
    assert.notEqual(await closedWithin(framed, 2000), null);
    bad.close();
    random.close();
    framed.close();
    await goodClient(port);
  });
});

Deno.test("rpc hostile: a huge length prefix is refused by the size limit before its body arrives", async () => {
  // The decoder never sizes a buffer from a length prefix: it checks the prefix against
  // maxMessageSize first, and its buffers grow only with bytes received. So the server refuses
  // each prefix the moment it is read (long before its 30 s stall timeout), with the size limit's
  // error, holding no more than the prefix's bytes in its budget.
  const errors: unknown[] = [];
  await withServer(
    { maxMessageSize: 1 << 20, onError: (e) => errors.push(e) },
    async (port, server) => {
      const peak = watchPeak(() => server.bufferedBytes);
      const conns = await Promise.all(
        Array.from({ length: 20 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
      );
      for (const [i, c] of conns.entries()) {
        // 2^56 bytes, or just past the limit.
        await c.write(
          i % 2
            ? new Uint8Array([0xf8, 1, 0, 0, 0, 0, 0, 0, 0])
            : new Uint8Array([0xfd, 0x10, 0x00, 0x01]),
        );
      }
      for (const c of conns) {
        assert.notEqual(await closedWithin(c, 2000), null);
        c.close();
      }
      assert.ok(peak.stop() <= 20 * 9, `the server held ${peak.value} bytes`);
      const messages = errors.map((e) => `${(e as Error).message} (${(e as Error).cause})`);
      assert.equal(messages.length, 20, messages.join("\n"));
      for (const m of messages) {
        assert.match(
          m,
          /invalid message length (72057594037927940|1048577): exceeds the maximum message size 1048576/,
        );
      }
      await goodClient(port);
    },
  );
});

Deno.test("rpc hostile: half a message then silence is closed after idleTimeout", async () => {
  await withServer({ idleTimeout: 200 }, async (port) => {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    const msg = request("Arith.Multiply", Args, { A: 1, B: 2 });
    await c.write(msg.subarray(0, msg.length - 3));
    const idle = await Deno.connect({ hostname: "127.0.0.1", port }); // silent between messages
    const after = await closedWithin(c, 3000);
    assert.ok(after !== null && after >= 150, `closed after ${after} ms`);
    assert.equal(await closedWithin(idle, 300), null, "a connection idle between messages stays");
    c.close();
    idle.close();
    await goodClient(port);
  });
});

Deno.test("rpc hostile: clients that drop mid-call do not hurt the server", async () => {
  await withServer({}, async (port, server) => {
    for (let i = 0; i < 20; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      await c.write(request("Arith.Sleep", SleepArgs, { Ms: 50, Tag: "x" }));
      c.close();
    }
    await goodClient(port);
    await sleep(200);
    assert.equal(server.connections, 0);
  });
});

Deno.test("rpc hostile: 1,000 concurrent connections, bounded memory, still serving", async () => {
  await withServer({ idleTimeout: 5000 }, async (port, server) => {
    const before = Deno.memoryUsage();
    const conns: Deno.Conn[] = [];
    for (let i = 0; i < 1000; i += 100) {
      conns.push(
        ...await Promise.all(
          Array.from({ length: 100 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
        ),
      );
    }
    const half = request("Arith.Multiply", Args, { A: 1, B: 2 });
    // Every other connection sends a partial message; the rest stay silent.
    await Promise.all(conns.map((c, i) => i % 2 ? c.write(half.subarray(0, 20)) : 0));
    await sleep(100);
    assert.equal(server.connections, 1000);
    // The server holds what the half messages sent, and nothing per silent connection.
    for (let i = 0; i < 100 && server.bufferedBytes < 500 * 20; i++) await sleep(20);
    assert.equal(server.bufferedBytes, 500 * 20);
    await goodClient(port);
    const after = Deno.memoryUsage();
    const grew = (after.rss - before.rss) / (1 << 20);
    assert.ok(grew < 200, `rss grew by ${grew.toFixed(1)} MiB for 1,000 connections`);
    for (const c of conns) c.close();
    for (let i = 0; i < 50 && server.connections > 0; i++) await sleep(20);
    assert.equal(server.connections, 0);
    await goodClient(port);
  });
});

Deno.test("rpc hostile: at maxConnections a new connection replaces the least recently active idle one", async () => {
  await withServer({ maxConnections: 3 }, async (port, server) => {
    const conns: Deno.Conn[] = [];
    for (let i = 0; i < 3; i++) {
      conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      await sleep(30);
    }
    assert.equal(server.connections, 3);
    // The newcomer is served; the oldest idle connection is closed to make room.
    await goodClient(port);
    assert.notEqual(await closedWithin(conns[0], 2000), null);
    for (const c of conns) c.close();
  });
});

Deno.test("rpc hostile: at maxConnections with every connection busy, the newcomer is closed", async () => {
  await withServer({ maxConnections: 2 }, async (port, server) => {
    // Two clients each with a call running: neither is idle.
    const busy = await Promise.all(
      [0, 1].map(() => Client.connect({ hostname: "127.0.0.1", port })),
    );
    const calls = busy.map((c) =>
      c.call("Arith.Sleep", { Ms: 1500, Tag: "busy" }, SleepArgs, t.string)
    );
    await sleep(200);
    assert.equal(server.connections, 2);
    const extra = await Deno.connect({ hostname: "127.0.0.1", port });
    assert.notEqual(await closedWithin(extra, 1000), null);
    extra.close();
    assert.deepEqual(await Promise.all(calls), ["busy", "busy"]);
    for (const c of busy) await c.close();
  });
});

Deno.test("rpc hostile: a client that never reads its replies cannot grow the server's memory", async () => {
  const maxBacklog = 1 << 16;
  const maxInFlight = 16;
  await withServer({ maxBacklog, maxInFlight }, async (port, server) => {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    const enc = new Encoder();
    const big = "x".repeat(16 * 1024);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      parts.push(enc.marshal(RequestType, { ServiceMethod: "Arith.Sleep", Seq: i }));
      parts.push(enc.marshal(SleepArgs, { Ms: 0, Tag: big }));
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const all = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    // What the server buffers (requests being received, replies queued unsent), sampled
    // throughout: past maxBacklog it stops reading, so at most maxBacklog plus the replies of the
    // calls then running (maxInFlight, ~16 KiB each) plus a request being received, far below
    // the ~32 MiB of replies the client asks for (the kernel's buffers take a few MiB of them).
    const peak = watchPeak(() => server.bufferedBytes);
    // Write everything without reading: the kernel buffers fill, the server stops reading.
    const writing = (async () => {
      for (let off = 0; off < all.length;) off += await c.write(all.subarray(off));
    })().catch(() => 0);
    // Once the kernel's buffers are full, replies queue in the server past maxBacklog...
    for (const start = Date.now(); Date.now() - start < 10_000;) {
      if (server.bufferedBytes > maxBacklog) break;
      await sleep(20);
    }
    assert.ok(server.bufferedBytes > maxBacklog, `the server holds ${server.bufferedBytes} bytes`);
    // ...and it reads no more.
    await sleep(300);
    const bound = maxBacklog + (maxInFlight + 1) * 17 * 1024 + (64 << 10);
    assert.ok(peak.stop() < bound, `the server buffered ${peak.value} bytes (bound ${bound})`);
    assert.equal(server.connections, 1);
    await goodClient(port);
    c.close();
    await writing;
  });
});

/** Samples `read()` on every timer turn until `stop()`, which returns the largest value seen. */
function watchPeak(read: () => number): { value: number; stop(): number } {
  const peak = {
    value: read(),
    stop() {
      clearInterval(timer);
      peak.value = Math.max(peak.value, read());
      return peak.value;
    },
  };
  const timer = setInterval(() => (peak.value = Math.max(peak.value, read())), 1);
  return peak;
}
