import assert from "node:assert/strict";
import { acceptLoop } from "../../ground/accept.ts";
import { connect, listen, listenerAddress, transport } from "../../ground/transport.ts";

async function echoOnce(addr: Parameters<typeof connect>[0], listener: ReturnType<typeof listen>) {
  const served = (async () => {
    for await (const conn of listener) {
      const got = await conn.readable.getReader().read();
      const w = conn.writable.getWriter();
      await w.write(got.value!);
      conn.close?.();
      break;
    }
  })();
  const c = await connect(addr);
  await c.writable.getWriter().write(new TextEncoder().encode("ping"));
  const got = await c.readable.getReader().read();
  await served;
  c.close?.();
  return new TextDecoder().decode(got.value);
}

Deno.test("transport: TCP on 127.0.0.1 port 0, read back with listenerAddress", async () => {
  const listener = listen({ port: 0 });
  const addr = listenerAddress(listener);
  assert.ok("port" in addr && addr.port > 0 && addr.hostname === "127.0.0.1");
  // Leaving the for-await loop closes a Deno listener.
  assert.equal(await echoOnce(addr, listener), "ping");
});

Deno.test("transport: Unix sockets", async () => {
  const dir = await Deno.makeTempDir();
  const listener = listen({ path: `${dir}/s` });
  assert.deepEqual(listenerAddress(listener), { path: `${dir}/s` });
  assert.equal(await echoOnce({ path: `${dir}/s` }, listener), "ping");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("transport: the module's functions are its Transport value", () => {
  assert.equal(transport.connect, connect);
  assert.equal(transport.listen, listen);
  assert.equal(transport.listenerAddress, listenerAddress);
});

/** A listener whose accepts fail as scripted (an Error's name), then yield connections. */
function scripted(script: (string | number)[]) {
  let closed = false;
  return {
    close() {
      closed = true;
    },
    [Symbol.asyncIterator]() {
      return {
        next(): Promise<IteratorResult<number>> {
          if (closed) return Promise.resolve({ value: undefined, done: true });
          const step = script.shift();
          if (step === undefined) return Promise.resolve({ value: undefined, done: true });
          if (typeof step === "number") return Promise.resolve({ value: step, done: false });
          const e = new Error(step);
          e.name = step;
          return Promise.reject(e);
        },
      };
    },
  };
}

Deno.test("acceptLoop: a failed accept never ends the loop; resets are skipped at once", async () => {
  const got: number[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  await acceptLoop(
    scripted(["NotConnected", 1, "ConnectionReset", "ConnectionAborted", 2, "NotConnected", 3]),
    (c) => got.push(c),
    { onError: (e) => errors.push((e as Error).name) },
  );
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(errors.length, 4);
  assert.ok(performance.now() - t0 < 1000, "no back-off for connections reset by their peer");
});

Deno.test("acceptLoop: other failures back off 5 ms doubling, reset by a success", async () => {
  const got: number[] = [];
  const t0 = performance.now();
  // 5 + 10 + 20 ms, then a success, then 5 ms again.
  await acceptLoop(scripted(["EMFILE", "EMFILE", "EMFILE", 1, "EMFILE", 2]), (c) => got.push(c));
  const ms = performance.now() - t0;
  assert.deepEqual(got, [1, 2]);
  assert.ok(ms >= 38, `backed off ${ms.toFixed(0)} ms`);
});

Deno.test("acceptLoop: closing the listener ends it, even during a back-off", async () => {
  const l = scripted(["EMFILE", "EMFILE", "EMFILE", "EMFILE", "EMFILE", "EMFILE", "EMFILE", 9]);
  let closed = false;
  const done = acceptLoop(l, () => {}, { closed: () => closed });
  await new Promise((r) => setTimeout(r, 20));
  closed = true;
  l.close();
  await done;
});
