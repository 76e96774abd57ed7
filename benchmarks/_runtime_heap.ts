/**
 * Heap after garbage collection across many go1.x invokes, in one process:
 * a net/rpc client calls `Function.Invoke` on the go1.x server of
 * `runtime/go1x.ts` (echo handler, 1 KB event) over loopback, and the heap is
 * measured after a full GC every `n / 5` invokes. Run with
 * `--v8-flags=--expose-gc`; prints one JSON line.
 *
 * @module
 */

import { createInvoker } from "../runtime/invoke.ts";
import { fromInvokeRequest, messages, toInvokeResponse } from "../protocol/go1x.ts";
import { Client, listen, method, Server } from "../rpc/mod.ts";

const n = Number(Deno.args[0] ?? 100000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const invoker = createInvoker((event: unknown) => event, {});
const server = new Server();
server.register("Function", {
  Invoke: method(
    messages.InvokeRequest,
    messages.InvokeResponse,
    async (req) => toInvokeResponse(await invoker.invoke(fromInvokeRequest(req))),
  ),
});
const listener = listen({ hostname: "127.0.0.1", port: 0 });
server.serve(listener);
const client = await Client.connect({
  hostname: "127.0.0.1",
  port: (listener.addr as Deno.NetAddr).port,
});
const Payload = new TextEncoder().encode(JSON.stringify({ value: "a".repeat(1000) }));
const request = () => ({
  Payload,
  RequestId: "bench",
  XAmznTraceId: "",
  Deadline: { Seconds: Math.floor(Date.now() / 1000) + 30, Nanos: 0 },
  InvokedFunctionArn: "",
  CognitoIdentityId: "",
  CognitoIdentityPoolId: "",
  ClientContext: new Uint8Array(0),
});
const heapMb = () => {
  gc();
  gc();
  return Number((Deno.memoryUsage().heapUsed / 1048576).toFixed(2));
};
for (let i = 0; i < 2000; i++) {
  await client.call("Function.Invoke", request(), messages.InvokeRequest, messages.InvokeResponse);
}
const samples = [heapMb()];
for (let i = 1; i <= n; i++) {
  await client.call("Function.Invoke", request(), messages.InvokeRequest, messages.InvokeResponse);
  if (i % Math.ceil(n / 5) === 0) samples.push(heapMb());
}
console.log(JSON.stringify({ invokes: n, heapMb: samples }));
await client.close();
await server.close();
