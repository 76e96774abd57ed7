/**
 * net/rpc benchmarks.
 *
 * The comparison the project reports (BENCHMARKS.md) needs Go clients, so it
 * is a script; run it with Go on PATH:
 *
 *     deno run -A benchmarks/rpc_bench.ts [--rounds 7] [--seq 5000] [--dur 1]
 *
 * It measures, in one run and one after another (never overlapping), the
 * sequential round-trip latency and the throughput with 64 calls in flight on
 * one connection, for `Arith.Multiply` with the gob codec over TCP on
 * 127.0.0.1, each server in its own process:
 * - Go client (tests/go/cmd/rpcbench) → gopherless server (examples/rpc_arith_server.ts)
 * - Go client → Go server (tests/go/cmd/rpcserver)
 * - gopherless client (this process) → gopherless server
 * - gopherless client → Go server
 *
 * Under `deno bench` (`deno task bench`) this module instead registers
 * in-process micro-benchmarks of gopherless client ↔ server.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client, listen, listenerAddress, method, Server, t } from "../rpc/mod.ts";
import { goBuild } from "./_run.ts";

const Args = t.struct("Args", { A: t.int, B: t.int });
const ROOT = new URL("../", import.meta.url).pathname;

interface Figures {
  seqMeanUs: number;
  seqP50Us: number;
  seqP99Us: number;
  parCallsPerS: number;
}

/** Starts a server process and waits for the first line matching `re` (whose group 1 is host:port). */
async function startServer(cmd: string, args: string[], re: RegExp) {
  const child = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped", stderr: "inherit" })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let m: RegExpExecArray | null = null;
  while (!(m = re.exec(text))) {
    const r = await reader.read();
    if (r.done) throw new Error(`${cmd} exited early`);
    text += r.value;
  }
  reader.releaseLock();
  const addr = m[1];
  return {
    addr,
    port: Number(addr.slice(addr.lastIndexOf(":") + 1)),
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await child.stdin.close().catch(() => {});
    },
  };
}

async function goClient(bin: string, addr: string, seq: number, dur: number): Promise<Figures> {
  const out = await new Deno.Command(bin, {
    args: ["-addr", addr, "-seq", String(seq), "-dur", `${dur}s`],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("rpcbench failed");
  const j = JSON.parse(new TextDecoder().decode(out.stdout));
  return {
    seqMeanUs: j.seq_mean_us,
    seqP50Us: j.seq_p50_us,
    seqP99Us: j.seq_p99_us,
    parCallsPerS: j.par_calls_per_s,
  };
}

async function tsClient(port: number, seq: number, dur: number): Promise<Figures> {
  const client = await Client.connect({ hostname: "127.0.0.1", port });
  const call = async (i: number) => {
    const r = await client.call("Arith.Multiply", { A: i, B: 3 }, Args, t.int);
    if (r !== i * 3) throw new Error(`bad reply ${r}`);
  };
  for (let i = 0; i < 2000; i++) await call(i);
  const lat = new Float64Array(seq);
  const start = performance.now();
  for (let i = 0; i < seq; i++) {
    const t0 = performance.now();
    await call(i);
    lat[i] = performance.now() - t0;
  }
  const seqTotal = performance.now() - start;
  lat.sort();
  let done = 0;
  const stop = performance.now() + dur * 1000;
  const parStart = performance.now();
  await Promise.all(Array.from({ length: 64 }, async (_, w) => {
    for (let i = w; performance.now() < stop; i += 64) {
      await call(i % 1_000_000);
      done++;
    }
  }));
  const parTotal = (performance.now() - parStart) / 1000;
  await client.close();
  return {
    seqMeanUs: (seqTotal * 1000) / seq,
    seqP50Us: lat[Math.floor(seq / 2)] * 1000,
    seqP99Us: lat[Math.floor(seq * 0.99)] * 1000,
    parCallsPerS: done / parTotal,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The per-figure median over rounds: robust to a noisy, shared machine. */
function medianOf(fs: Figures[]): Figures {
  return {
    seqMeanUs: median(fs.map((f) => f.seqMeanUs)),
    seqP50Us: median(fs.map((f) => f.seqP50Us)),
    seqP99Us: median(fs.map((f) => f.seqP99Us)),
    parCallsPerS: median(fs.map((f) => f.parCallsPerS)),
  };
}

async function compare(rounds: number, seq: number, dur: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-bench-" });
  const goServerBin = await goBuild("cmd/rpcserver", dir);
  const goBenchBin = await goBuild("cmd/rpcbench", dir);
  const gl = await startServer(
    Deno.execPath(),
    ["run", "-A", `${ROOT}examples/rpc_arith_server.ts`, "--port", "0"],
    /listening on (\S+)/,
  );
  const go = await startServer(goServerBin, ["-addr", "127.0.0.1:0"], /LISTEN (\S+)/);
  try {
    // Short rounds, the four cases interleaved, medians reported: on a shared
    // machine a single long run of one case mostly measures its neighbours.
    const runs: Figures[][] = [[], [], [], []];
    for (let round = 0; round < rounds; round++) {
      runs[0].push(await goClient(goBenchBin, gl.addr, seq, dur));
      runs[1].push(await goClient(goBenchBin, go.addr, seq, dur));
      runs[2].push(await tsClient(gl.port, seq, dur));
      runs[3].push(await tsClient(go.port, seq, dur));
    }
    const [goGl, goGo, tsGl, tsGo] = runs.map(medianOf);
    const rows: [string, Figures][] = [
      ["Go client → gopherless server", goGl],
      ["Go client → Go server", goGo],
      ["gopherless client → gopherless server", tsGl],
      ["gopherless client → Go server", tsGo],
    ];
    console.log(
      `\nnet/rpc, gob, Arith.Multiply over TCP 127.0.0.1 (${Deno.build.os}/${Deno.build.arch}, ` +
        `${navigator.hardwareConcurrency} cores; deno ${Deno.version.deno}; ` +
        `${
          new TextDecoder().decode(
            (await new Deno.Command("go", { args: ["version"] }).output()).stdout,
          ).trim()
        })`,
    );
    console.log(
      `${rounds} rounds, each: ${seq} sequential calls, then 64 calls in flight on one connection for ${dur}s; medians over rounds\n`,
    );
    console.log(
      "| client → server | round trip mean (µs) | p50 (µs) | p99 (µs) | 64 in flight (calls/s) |",
    );
    console.log("|---|---:|---:|---:|---:|");
    for (const [name, f] of rows) {
      console.log(
        `| ${name} | ${f.seqMeanUs.toFixed(1)} | ${f.seqP50Us.toFixed(1)} | ${
          f.seqP99Us.toFixed(1)
        } | ${Math.round(f.parCallsPerS).toLocaleString("en-US")} |`,
      );
    }
    const thr = goGl.parCallsPerS / goGo.parCallsPerS;
    const rt = goGl.seqMeanUs / goGo.seqMeanUs;
    console.log(
      `\nUnder the same Go client, gopherless server vs Go server: throughput ${thr.toFixed(2)}× ` +
        `(target ≥ 0.7×), round trip ${rt.toFixed(2)}× (target ≤ 1.5×).`,
    );
  } finally {
    await gl.stop();
    await go.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "7" },
      seq: { type: "string", default: "5000" },
      dur: { type: "string", default: "1" },
    },
  });
  await compare(Number(values.rounds), Number(values.seq), Number(values.dur));
} else {
  // `deno bench`: in-process gopherless client ↔ server over TCP.
  const server = new Server();
  server.register("Arith", { Multiply: method(Args, t.int, (a) => a.A * a.B) });
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  server.serve(listener);
  const client = await Client.connect(listenerAddress(listener));
  const jsonServer = new Server({ codec: "jsonrpc" });
  jsonServer.register("Arith", { Multiply: method(Args, t.int, (a) => a.A * a.B) });
  const jsonListener = listen({ hostname: "127.0.0.1", port: 0 });
  jsonServer.serve(jsonListener);
  const jsonClient = await Client.connect(listenerAddress(jsonListener), { codec: "jsonrpc" });
  let i = 0;
  Deno.bench("rpc gob: one call, round trip (in-process, TCP)", { group: "rpc-seq" }, async () => {
    await client.call("Arith.Multiply", { A: i++, B: 3 }, Args, t.int);
  });
  Deno.bench(
    "rpc jsonrpc: one call, round trip (in-process, TCP)",
    { group: "rpc-seq" },
    async () => {
      await jsonClient.call("Arith.Multiply", { A: i++, B: 3 }, Args, t.int);
    },
  );
  Deno.bench("rpc gob: 64 calls in flight (in-process, TCP)", async () => {
    await Promise.all(
      Array.from(
        { length: 64 },
        (_, k) => client.call("Arith.Multiply", { A: k, B: 3 }, Args, t.int),
      ),
    );
  });
}
