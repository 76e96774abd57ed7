import assert from "node:assert/strict";
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
