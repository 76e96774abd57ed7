import assert from "node:assert/strict";
import { Encoder, t } from "../../gob/mod.ts";
import { Channel } from "../../rpc/channel.ts";
import { GobServerCodec, RequestType } from "../../rpc/gob_codec.ts";

const Args = t.struct("Args", { Payload: t.bytes, Name: t.string });

Deno.test("GobServerCodec: a large request is read straight into one buffer of its size, every byte counted", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  listener.close();
  try {
    let counted = 0;
    const channel = new Channel(server, { stallTimeout: 5_000, unitTimeout: 10_000 }, {
      onRead: (n) => counted += n,
    });
    const codec = new GobServerCodec(channel, { maxMessageSize: 32 << 20, stallTimeout: 5_000 });
    const enc = new Encoder();
    const big = new Uint8Array(3_000_000).map((_, i) => (i * 7) & 0xff);
    const header = enc.marshal(RequestType, { ServiceMethod: "Svc.Put", Seq: 1 });
    const body = enc.marshal(Args, { Payload: big, Name: "big" });
    const sent = (async () => {
      for (const part of [header, body]) {
        for (let at = 0; at < part.length;) at += await client.write(part.subarray(at));
      }
    })();
    assert.deepEqual(await codec.readRequestHeader(), { serviceMethod: "Svc.Put", seq: 1 });
    const args = (await codec.readRequestBody(Args))!;
    await sent;
    assert.equal(args.Name, "big");
    assert.deepEqual(args.Payload, big);
    // Read into a buffer of the message's size (and the payload a view of it), not into chunks
    // joined in a buffer that doubles.
    assert.ok(args.Payload.byteOffset > 0, "a view of the received message");
    assert.ok(
      args.Payload.buffer.byteLength < body.length + 1024,
      `${args.Payload.buffer.byteLength}`,
    );
    assert.equal(counted, header.length + body.length, "the memory budget saw every byte");
  } finally {
    client.close();
    server.close();
  }
});
