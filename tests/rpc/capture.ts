/**
 * Regenerates the golden net/rpc captures in testdata/rpc/ from real Go
 * processes: Go's rpcserver ← rpccapture (recording proxy) ← Go's rpcclient
 * running the lock-step "golden" scenario. Needs Go.
 *
 *     deno run -A tests/rpc/capture.ts
 */

import { buildGo } from "../_support/go.ts";
import { startGoServer } from "./_services.ts";

const OUT = new URL("../../testdata/rpc/", import.meta.url).pathname;

async function capture(name: string, note: string, serverArgs: string[], clientArgs: string[]) {
  const server = await startGoServer(serverArgs);
  const proxyBin = await buildGo("cmd/rpccapture");
  const proxy = new Deno.Command(proxyBin, {
    args: ["-target", server.addr, "-out", `${OUT}${name}.json`, "-note", note],
    stdout: "piped",
  }).spawn();
  const reader = proxy.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const r = await reader.read();
    if (r.done) throw new Error("rpccapture exited");
    line += r.value;
  }
  const addr = line.trim().split(" ")[1];
  const clientBin = await buildGo("cmd/rpcclient");
  const out = await new Deno.Command(clientBin, {
    args: ["-addr", addr, "-scenario", "golden", ...clientArgs],
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  await proxy.status;
  await reader.cancel();
  await server.stop();
  console.log(`wrote ${OUT}${name}.json`);
}

await capture(
  "gob",
  "Go net/rpc gob: rpcclient -scenario golden against rpcserver, separate processes",
  [],
  [],
);
await capture(
  "jsonrpc",
  "Go net/rpc/jsonrpc: rpcclient -scenario golden against rpcserver",
  ["-codec", "jsonrpc"],
  ["-codec", "jsonrpc"],
);
await capture(
  "http",
  "Go net/rpc over HTTP CONNECT (DialHTTP / HandleHTTP), gob",
  ["-http"],
  ["-http"],
);
