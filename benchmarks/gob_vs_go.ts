/**
 * gopherless gob vs JSON vs Go's encoding/gob on the same records, with the
 * same method on both sides: batches of N records through one encoder and one
 * decoder (steady state: type definitions exchanged before timing), a number
 * of untimed warm-up batches, then the median time of R timed batches. The
 * TypeScript workloads are timed in rounds, one batch of each in turn, so that
 * load from other processes hits gob and JSON alike (`--sequential` times each
 * workload in one block instead, exactly as the Go program does; it is faster
 * for every workload but easily skewed by other load). Go runs afterwards in
 * its own process.
 *
 *   deno run -A benchmarks/gob_vs_go.ts [--n 1000] [--runs 15] [--warmup 20] [--sequential]
 *
 * Builds and runs `tests/go/cmd/gobbench` (needs `go`), checks that Go's stream
 * decodes to exactly the records measured here, and prints a markdown table.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { decodeAll, Decoder } from "../gob/mod.ts";
import { Order, orders } from "./_record.ts";
import { median, timeInterleaved, timeRuns, workloads } from "./_harness.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "1000" },
    runs: { type: "string", default: "15" },
    warmup: { type: "string", default: "20" },
    sequential: { type: "boolean", default: false },
  },
});
const N = Number(args.n), RUNS = Number(args.runs), WARMUP = Number(args.warmup);

// ---- TypeScript (first: a Go run just before skews the timings of this process) ----

const w = workloads(N);
const fns = [
  w.gobEncode,
  w.jsonStringify,
  w.jsonEncodeBytes,
  w.gobDecode,
  w.jsonParse,
  w.jsonDecodeBytes,
];
const times = args.sequential
  ? fns.map((fn) => timeRuns(fn, RUNS, WARMUP))
  : timeInterleaved(fns, RUNS, WARMUP);
const [gobEnc, jsonEnc, jsonEncBytes, gobDec, jsonDec, jsonDecBytes] = times.map((t) =>
  (median(t) * 1e6) / N
);
const ts = { gobEnc, gobDec, jsonEnc, jsonDec, jsonEncBytes, jsonDecBytes };
// The public async stream API (one promise per value), for reference.
let asyncSink = 0;
const asyncTimes: number[] = [];
for (let r = 0; r < WARMUP + RUNS; r++) {
  const dec = new Decoder(w.stream);
  const t0 = performance.now();
  for (let i = 0; i <= N; i++) asyncSink += (await dec.decode(Order)).Items.length;
  if (r >= WARMUP) asyncTimes.push(performance.now() - t0);
}
asyncTimes.sort((a, b) => a - b);
const asyncDec = (median(asyncTimes) * 1e6) / (N + 1);

// ---- Go, same method ----

const goDir = new URL("../tests/go/", import.meta.url).pathname;
const tmp = await Deno.makeTempDir({ prefix: "gobbench-" });
const bin = `${tmp}/gobbench`;
const build = await new Deno.Command("go", {
  args: ["build", "-o", bin, "./cmd/gobbench"],
  cwd: goDir,
}).output();
if (!build.success) throw new Error(new TextDecoder().decode(build.stderr));
const goOut = await new Deno.Command(bin, {
  args: ["-n", `${N}`, "-runs", `${RUNS}`, "-warmup", `${WARMUP}`, "-dump", `${tmp}/stream.gob`],
}).output();
if (!goOut.success) throw new Error(new TextDecoder().decode(goOut.stderr));
const go = JSON.parse(new TextDecoder().decode(goOut.stdout)) as {
  go: string;
  encodeNsPerRecord: number;
  decodeNsPerRecord: number;
  bytesPerRecord: number;
};

// Same records: Go's stream (record 0 with the type definitions, then records 0..N-1)
// decodes, with the descriptor and without, to the TS records.
const goStream = await Deno.readFile(`${tmp}/stream.gob`);
const recs = orders(N);
assert.deepStrictEqual(
  decodeAll(goStream),
  [recs[0], ...recs],
  "Go's records differ from the TS ones",
);
await Deno.remove(tmp, { recursive: true });
assert.equal(w.gobBytes / N, go.bytesPerRecord, "gob bytes per record differ from Go's");

// ---- report ----

const rate = (nsPerRec: number) => Math.round(1e9 / nsPerRec).toLocaleString("en-US");
const fmt = (x: number) => x.toFixed(0);
const ratio = (a: number, b: number) => `${(b / a).toFixed(2)}×`;
const row = (name: string, enc: number | null, dec: number | null, bytes: number) =>
  `| ${name} | ${enc === null ? "—" : `${rate(enc)} (${fmt(enc)} ns)`} | ${
    dec === null ? "—" : `${rate(dec)} (${fmt(dec)} ns)`
  } | ${bytes.toFixed(1)} |`;

console.log(
  `N = ${N} records per batch, median of ${RUNS} batches after ${WARMUP} warm-up batches ` +
    `(TypeScript ${args.sequential ? "sequential" : "interleaved"}); ` +
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), ${go.go}\n`,
);
console.log(
  "| codec | encode records/s (ns/record) | decode records/s (ns/record) | bytes/record |",
);
console.log("|---|---|---|---|");
console.log(
  row("gopherless gob (one Encoder / one decoder core)", ts.gobEnc, ts.gobDec, w.gobBytes / N),
);
console.log(row("JSON.stringify / JSON.parse (strings)", ts.jsonEnc, ts.jsonDec, w.jsonBytes / N));
console.log(
  row(
    "JSON + TextEncoder / TextDecoder (bytes)",
    ts.jsonEncBytes,
    ts.jsonDecBytes,
    w.jsonBytes / N,
  ),
);
console.log(
  row(`Go encoding/gob (${go.go})`, go.encodeNsPerRecord, go.decodeNsPerRecord, go.bytesPerRecord),
);
console.log(row("gopherless `await Decoder.decode` (async API)", null, asyncDec, w.gobBytes / N));
console.log("\n| gopherless gob vs | encode | decode |\n|---|---|---|");
console.log(
  `| JSON (strings) | ${ratio(ts.gobEnc, ts.jsonEnc)} | ${ratio(ts.gobDec, ts.jsonDec)} |`,
);
console.log(
  `| JSON (bytes) | ${ratio(ts.gobEnc, ts.jsonEncBytes)} | ${ratio(ts.gobDec, ts.jsonDecBytes)} |`,
);
console.log(
  `| Go encoding/gob | ${ratio(ts.gobEnc, go.encodeNsPerRecord)} | ${
    ratio(ts.gobDec, go.decodeNsPerRecord)
  } |`,
);
console.log("\n(ratios are speed: above 1× means gopherless is faster)");
if (asyncSink === -1) console.log(asyncSink);
