/**
 * Steady-state workloads shared by `gob_bench.ts` (Deno.bench) and
 * `gob_vs_go.ts` (plain timing loop, compared with Go): each function runs
 * over one batch of records and returns a checksum so no work can be elided.
 *
 * Steady state means one encoder for the whole run (type definitions sent
 * once, before the timed batches) and one decoder core reading an unbounded
 * stream (its type definitions received once, before the timed batches).
 *
 * @module
 */

import { Encoder } from "../gob/mod.ts";
import { DecoderCore, typedValue } from "../gob/decode.ts";
import { Order, orderJSON, orders } from "./_record.ts";

/** The workloads over one batch of `n` records. */
export interface Workloads {
  /** Records per batch. */
  n: number;
  /** The records. */
  records: Order[];
  /** Bytes of one batch as gob value messages (type definitions excluded). */
  gobBytes: number;
  /** A complete stream: the type definitions with record 0, then the batch. */
  stream: Uint8Array;
  /** Bytes of one batch as JSON text (UTF-8). */
  jsonBytes: number;
  gobEncode(): number;
  gobDecode(): number;
  jsonStringify(): number;
  jsonParse(): number;
  jsonEncodeBytes(): number;
  jsonDecodeBytes(): number;
}

/** Builds the workloads over records `0 .. n-1`. */
export function workloads(n: number): Workloads {
  const records = orders(n);
  const plain = records.map(orderJSON);

  // gob encode: one Encoder; the first value (with the type definitions) is sent before timing.
  const enc = new Encoder();
  enc.marshal(Order, records[0]);

  // gob decode: one core; the type definitions arrive once, then batches of value messages.
  const src = new Encoder();
  const head = src.marshal(Order, records[0]);
  const msgs = records.map((r) => src.marshal(Order, r));
  const gobBytes = msgs.reduce((a, m) => a + m.length, 0);
  const body = new Uint8Array(gobBytes);
  let off = 0;
  for (const m of msgs) {
    body.set(m, off);
    off += m.length;
  }
  const stream = new Uint8Array(head.length + body.length);
  stream.set(head);
  stream.set(body, head.length);
  const core = new DecoderCore();
  core.feed(head);
  core.mark();
  typedValue(core, core.typeSequence(false), Order);
  core.pos = core.msgEnd;

  const strings = plain.map((p) => JSON.stringify(p));
  const te = new TextEncoder();
  const td = new TextDecoder();
  const utf8 = strings.map((s) => te.encode(s));
  const jsonBytes = utf8.reduce((a, b) => a + b.length, 0);

  return {
    n,
    records,
    gobBytes,
    stream,
    jsonBytes,
    gobEncode() {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += enc.marshal(Order, records[i]).length;
      return sum;
    },
    gobDecode() {
      core.feed(body);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        core.mark();
        const v = typedValue(core, core.typeSequence(false), Order) as Order;
        core.pos = core.msgEnd;
        sum += v.Items.length;
      }
      return sum;
    },
    jsonStringify() {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += JSON.stringify(plain[i]).length;
      return sum;
    },
    jsonParse() {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += JSON.parse(strings[i]).Items.length;
      return sum;
    },
    jsonEncodeBytes() {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += te.encode(JSON.stringify(plain[i])).length;
      return sum;
    },
    jsonDecodeBytes() {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += JSON.parse(td.decode(utf8[i])).Items.length;
      return sum;
    },
  };
}

/** Runs `fn` `runs` times after `warmup` runs; returns each run's milliseconds, sorted. */
export function timeRuns(fn: () => number, runs: number, warmup = 3): number[] {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink += fn();
    times.push(performance.now() - t0);
  }
  if (sink === -1) console.log(sink);
  return times.sort((a, b) => a - b);
}

/**
 * Times several workloads in rounds (one batch of each per round, in turn),
 * so that on a shared machine a burst of load hits all of them alike; returns
 * each workload's milliseconds per batch, sorted.
 */
export function timeInterleaved(fns: (() => number)[], runs: number, warmup = 3): number[][] {
  let sink = 0;
  for (let i = 0; i < warmup; i++) for (const fn of fns) sink += fn();
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < fns.length; k++) {
      const t0 = performance.now();
      sink += fns[k]();
      times[k].push(performance.now() - t0);
    }
  }
  if (sink === -1) console.log(sink);
  return times.map((t) => t.sort((a, b) => a - b));
}

/** The median of sorted numbers. */
export function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}
