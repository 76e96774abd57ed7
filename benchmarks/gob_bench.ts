/**
 * Steady-state gob stream encode and decode of a realistic record
 * (`_record.ts`) against JSON in the same process:
 *
 *   deno task bench            # = deno bench -A benchmarks/
 *
 * Each bench handles one batch of 1,000 records. gob's side produces and
 * consumes bytes, so JSON is measured twice: on strings (`JSON.stringify`,
 * `JSON.parse`) and on bytes (with `TextEncoder`/`TextDecoder`). The
 * comparison with Go's encoding/gob is `benchmarks/gob_vs_go.ts`.
 *
 * @module
 */

import { Decoder } from "../gob/mod.ts";
import { Order } from "./_record.ts";
import { workloads } from "./_harness.ts";

const N = 1000;
const w = workloads(N);
let sink = 0;

Deno.bench({
  name: "gob encode (one Encoder, marshal)",
  group: "encode 1000 records",
  baseline: true,
  fn: () => {
    sink += w.gobEncode();
  },
});
Deno.bench({
  name: "JSON.stringify (string)",
  group: "encode 1000 records",
  fn: () => {
    sink += w.jsonStringify();
  },
});
Deno.bench({
  name: "JSON.stringify + TextEncoder (bytes)",
  group: "encode 1000 records",
  fn: () => {
    sink += w.jsonEncodeBytes();
  },
});

Deno.bench({
  name: "gob decode (one decoder core)",
  group: "decode 1000 records",
  baseline: true,
  fn: () => {
    sink += w.gobDecode();
  },
});
Deno.bench({
  name: "JSON.parse (string)",
  group: "decode 1000 records",
  fn: () => {
    sink += w.jsonParse();
  },
});
Deno.bench({
  name: "TextDecoder + JSON.parse (bytes)",
  group: "decode 1000 records",
  fn: () => {
    sink += w.jsonDecodeBytes();
  },
});

// The public stream API: one promise per value.
const stream = w.stream;
Deno.bench({
  name: "gob Decoder.decode (async API, over a byte array)",
  group: "decode 1000 records",
  fn: async () => {
    const dec = new Decoder(stream);
    for (let i = 0; i <= N; i++) sink += (await dec.decode(Order)).Items.length;
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
