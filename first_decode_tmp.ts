const t0 = performance.now();
const { Encoder, PushDecoder, encode } = await import("./gob/mod.ts");
const { RequestType, ResponseType } = await import("./rpc/gob_codec.ts");
const { go1xMessages } = await import("./protocol/go1x.ts").then((m) => ({ go1xMessages: (m as any).MESSAGES ?? (m as any) }));
const t1 = performance.now();
console.log(Object.keys(go1xMessages));
