/**
 * Mutation fuzzer for the gob decoder.
 *
 * Takes valid gob streams (the committed Go vectors, the sample stream and
 * streams encoded here), mutates them, and decodes every mutant every way the
 * library can: without a descriptor, into descriptors, to JSON, and through
 * the stream decoder fed in small chunks. The only exception allowed out is
 * `GobError`; no input may take long to reject or grow memory without bound.
 *
 * ```sh
 * deno task fuzz:gob --seconds 60 --seed 42
 * ```
 *
 * @module
 */

import { decode, decodeAll, Decoder, encode, GobError, register, t } from "../gob/mod.ts";

/** A fuzzing failure: the input and what escaped. */
export interface FuzzFailure {
  /** The input, hex. */
  input: string;
  /** What went wrong. */
  problem: string;
}

/** Outcome of a fuzzing run. */
export interface FuzzResult {
  /** Inputs tried. */
  runs: number;
  /** Inputs the descriptor-less decoder rejected with a GobError. */
  rejected: number;
  /** Failures found. */
  failures: FuzzFailure[];
  /** Slowest single input, in milliseconds. */
  slowestMs: number;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) => new Uint8Array(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);

const Point = t.struct("Point", { X: t.int, Y: t.int });
const Node: t.Type<unknown> = t.struct("Node", () => ({ V: t.int, Next: t.ptr(Node) }));
const Rec = t.struct("Rec", {
  Name: t.string,
  N: t.int8,
  U: t.uint16,
  F: t.float32,
  C: t.complex64,
  B: t.bytes,
  S: t.slice(t.string),
  A: t.array(t.int, 3),
  M: t.map(t.string, t.int),
  I: t.any,
  P: t.ptr(Point),
  T: t.time,
  Big: t.bigInt,
  L: Node,
});
register(Point);
const TARGETS: t.Type[] = [
  Point,
  Node,
  Rec,
  t.int,
  t.string,
  t.slice(t.int),
  t.map(t.int, t.string),
];

async function seedCorpus(): Promise<Uint8Array[]> {
  const corpus: Uint8Array[] = [];
  const root = new URL("../testdata/", import.meta.url);
  try {
    corpus.push(await Deno.readFile(new URL("sample.gob", root)));
  } catch { /* optional */ }
  for (const f of ["gob/vectors.json", "gob/bad.json"]) {
    try {
      const list = JSON.parse(await Deno.readTextFile(new URL(f, root))) as { hex: string }[];
      for (const v of list) if (v.hex) corpus.push(unhex(v.hex.replace(/\s+/g, "")));
    } catch { /* optional */ }
  }
  corpus.push(encode(Point, { X: 22, Y: 33 }));
  corpus.push(encode(Node, { V: 1, Next: { V: 2, Next: null } }));
  corpus.push(encode(Rec, {
    Name: "fuzz",
    N: -3,
    U: 700,
    F: 1.5,
    C: { re: 1, im: -1 },
    B: new Uint8Array([1, 2, 3]),
    S: ["a", "b"],
    A: [1, 2, 3],
    M: new Map([["k", 1]]),
    I: { name: "main.Point", value: { X: 1, Y: 2 } },
    P: { X: 5, Y: 6 },
    T: t.time ? (await import("../gob/mod.ts")).GoTime.fromDate(new Date(0)) : undefined as never,
    Big: 123456789012345678901234567890n,
    L: { V: 1, Next: { V: 2, Next: null } },
  }));
  return corpus;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xf7, 0xf8, 0xfc, 0xff];

function mutate(src: Uint8Array, corpus: Uint8Array[], r: () => number): Uint8Array {
  const b = Array.from(src);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 8)) {
      case 0:
        if (b.length) b[at % b.length] ^= 1 << Math.floor(r() * 8);
        break;
      case 1:
        if (b.length) b[at % b.length] = INTERESTING[Math.floor(r() * INTERESTING.length)];
        break;
      case 2:
        b.splice(at, 0, Math.floor(r() * 256));
        break;
      case 3:
        b.splice(at, 1 + Math.floor(r() * 8));
        break;
      case 4:
        b.length = Math.min(b.length, at);
        break;
      case 5: {
        const len = Math.floor(r() * 16);
        b.splice(at, 0, ...b.slice(at, at + len));
        break;
      }
      case 6: {
        const other = corpus[Math.floor(r() * corpus.length)];
        const from = Math.floor(r() * other.length);
        b.splice(at, 0, ...other.slice(from, from + Math.floor(r() * 32)));
        break;
      }
      default:
        // A huge count: FC followed by large bytes.
        b.splice(at, 0, 0xfc, 0x7f, 0xff, 0xff, 0xff);
    }
  }
  return new Uint8Array(b);
}

function check(
  input: Uint8Array,
  attempt: () => unknown,
  what: string,
  failures: FuzzFailure[],
): boolean {
  try {
    attempt();
    return false;
  } catch (e) {
    if (e instanceof GobError) return true;
    failures.push({ input: hex(input), problem: `${what}: ${(e as Error)?.stack ?? e}` });
    return true;
  }
}

async function streamDecode(input: Uint8Array): Promise<void> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += 3) chunks.push(input.subarray(i, i + 3));
  const rs = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
  const dec = new Decoder(rs, { maxMessageSize: 1 << 20 });
  for (let i = 0; i < 64; i++) {
    try {
      await dec.decode();
    } catch (e) {
      if (e instanceof GobError) return;
      throw e;
    }
  }
}

/** Runs the fuzzer for `seconds`; returns what it found. */
export async function fuzz(seconds: number, seed = Date.now()): Promise<FuzzResult> {
  const corpus = await seedCorpus();
  const r = rng(seed);
  const failures: FuzzFailure[] = [];
  const deadline = performance.now() + seconds * 1000;
  const opts = { maxMessageSize: 1 << 20, maxDepth: 200 };
  let runs = 0, rejected = 0, slowestMs = 0;
  const rssStart = Deno.memoryUsage().rss;
  while (performance.now() < deadline && failures.length < 10) {
    const input = mutate(corpus[Math.floor(r() * corpus.length)], corpus, r);
    const started = performance.now();
    const bad = check(input, () => decodeAll(input, undefined, opts), "decodeAll", failures);
    for (const target of TARGETS) {
      check(input, () => decode(input, target, opts), `decode into ${target}`, failures);
    }
    try {
      const dec = new Decoder(input, opts);
      for (let i = 0; i < 64; i++) await dec.decodeJSON();
    } catch (e) {
      if (!(e instanceof GobError)) {
        failures.push({ input: hex(input), problem: `decodeJSON: ${e}` });
      }
    }
    try {
      await streamDecode(input);
    } catch (e) {
      failures.push({ input: hex(input), problem: `stream decode: ${(e as Error)?.stack ?? e}` });
    }
    const ms = performance.now() - started;
    if (ms > slowestMs) slowestMs = ms;
    if (ms > 2000) failures.push({ input: hex(input), problem: `took ${ms.toFixed(0)} ms` });
    runs++;
    if (bad) rejected++;
    if (runs % 500 === 0 && Deno.memoryUsage().rss - rssStart > 1 << 30) {
      failures.push({ input: hex(input), problem: "resident memory grew by more than 1 GiB" });
    }
  }
  return { runs, rejected, failures, slowestMs };
}

if (import.meta.main) {
  let seconds = 30;
  let seed = Date.now() % 1e9;
  for (let i = 0; i < Deno.args.length; i++) {
    if (Deno.args[i] === "--seconds") seconds = Number(Deno.args[++i]);
    else if (Deno.args[i] === "--seed") seed = Number(Deno.args[++i]);
  }
  console.error(`fuzzing the gob decoder for ${seconds}s (seed ${seed})`);
  const res = await fuzz(seconds, seed);
  console.log(
    `${res.runs} inputs, ${res.rejected} rejected with GobError, slowest ${
      res.slowestMs.toFixed(1)
    } ms, ${res.failures.length} failures`,
  );
  for (const f of res.failures) console.log(`FAIL ${f.problem}\n  input: ${f.input}`);
  Deno.exit(res.failures.length ? 1 : 0);
}
