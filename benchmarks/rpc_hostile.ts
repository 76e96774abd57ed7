/**
 * What hostile rpc peers cost the server (`deno run -A benchmarks/rpc_hostile.ts [--conns 2000]`):
 *
 * - memory per idle connection on the server's side: `--conns` connections held open by a child
 *   process, the server's resident set and external (ArrayBuffer) memory before and after;
 * - the time a server spends on a request whose argument has a 2 MB type definition, its value
 *   then arriving in 200 chunks of 100 bytes (before the fix, every chunk decoded the definition
 *   again).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Encoder, PushDecoder, t } from "../gob/mod.ts";
import { listen, listenerAddress, method, Server } from "../rpc/mod.ts";

const args = parseArgs({ args: Deno.args, options: { conns: { type: "string" } } });
const N = Number(args.values.conns ?? 2000);

async function idleCost(): Promise<{ rssKB: number; externalKB: number }> {
  const server = new Server();
  server.register("A", { M: method(t.int, t.int, (x) => x) });
  const listener = listen({ port: 0 });
  const serving = server.serve(listener);
  const { port } = listenerAddress(listener) as { port: number };
  await new Promise((r) => setTimeout(r, 200));
  const before = Deno.memoryUsage();
  const code = `const cs = []; for (let i = 0; i < ${N}; i++) cs.push(await Deno.connect(
    { hostname: "127.0.0.1", port: ${port} })); console.log("ready"); setInterval(() => {}, 1e9);`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stdout: "piped",
  }).spawn();
  await child.stdout.getReader().read();
  while (server.connections < N) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const after = Deno.memoryUsage();
  child.kill();
  await child.status;
  await server.close({ timeout: 200 });
  await serving;
  return {
    rssKB: (after.rss - before.rss) / N / 1024,
    externalKB: (after.external - before.external) / N / 1024,
  };
}

function trickledValueMs(): number {
  const name = "F" + "x".repeat(2_000_000);
  const Big = t.struct("Big", { [name]: t.string });
  const bytes = new Encoder().marshal(Big, { [name]: "v".repeat(20_000) });
  const k = 256 - bytes[0];
  let n = 0;
  for (let i = 1; i <= k; i++) n = n * 256 + bytes[i];
  const definitionEnd = 1 + k + n;
  const dec = new PushDecoder({ maxMessageSize: 64 << 20 });
  const t0 = performance.now();
  dec.push(bytes.subarray(0, definitionEnd));
  let r = dec.next(Big);
  for (let i = definitionEnd; i < bytes.length && r === null; i += 100) {
    dec.push(bytes.subarray(i, i + 100));
    r = dec.next(Big);
  }
  if (r === null) throw new Error("the value did not decode");
  return performance.now() - t0;
}

const idle = await idleCost();
const ms = [trickledValueMs(), trickledValueMs(), trickledValueMs()].sort((a, b) => a - b)[1];
console.log(
  `idle connections (${N}), server side, per connection: ` +
    `RSS ${idle.rssKB.toFixed(1)} KB, external ${idle.externalKB.toFixed(1)} KB`,
);
console.log(`2 MB definition, value in 200 chunks of 100 bytes: ${ms.toFixed(1)} ms (median of 3)`);
