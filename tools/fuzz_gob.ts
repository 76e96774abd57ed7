/**
 * Mutation fuzzer for the gob decoder.
 *
 * Three mutators make the inputs:
 * - `bytes`: valid gob streams (the committed Go vectors, the sample stream
 *   and streams encoded here) with bytes flipped, inserted, cut or spliced;
 * - `types`: streams with random type definitions (any kinds, two kinds at
 *   once, huge arrays, undefined or self-referring ids, odd field names) and a
 *   value shaped loosely after them, fields left out or extra;
 * - `rpc`: net/rpc request and response header streams (Go's
 *   `Request`/`Response`, or header types with fields missing, mistyped or
 *   extra), followed by bodies, sometimes byte-mutated too.
 *
 * Every input is decoded every way the library can: without a descriptor,
 * into descriptors, to JSON, through the stream decoder fed in small chunks,
 * and as an rpc server and client read headers and skip bodies. The only
 * exception allowed out is `GobError`; no input may take long to reject or
 * grow memory without bound.
 *
 * ```sh
 * deno task fuzz:gob --seconds 60 --seed 42
 * ```
 *
 * @module
 */

import {
  decode,
  decodeAll,
  Decoder,
  encode,
  Encoder,
  GobError,
  GoTime,
  PushDecoder,
  register,
  t,
} from "../gob/mod.ts";
import { InvalidRequestType, RequestType, ResponseType } from "../rpc/gob_codec.ts";
import {
  BOOL,
  BYTES,
  COMPLEX,
  concat,
  FLOAT,
  INT,
  INTERFACE,
  type KindDef,
  message,
  Payload,
  STRING,
  typeDef,
  UINT,
} from "./gob_craft.ts";

/** A fuzzing failure: the input and what escaped. */
export interface FuzzFailure {
  /** The input, hex. */
  input: string;
  /** What went wrong. */
  problem: string;
}

/** The generators of inputs (see the module documentation). */
export type Mutator = "bytes" | "types" | "rpc";

/** Outcome of a fuzzing run. */
export interface FuzzResult {
  /** Inputs tried. */
  runs: number;
  /** Inputs tried, by the mutator that made them. */
  byMutator: Record<Mutator, number>;
  /** Inputs the descriptor-less decoder accepted whole, by mutator. */
  acceptedByMutator: Record<Mutator, number>;
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
    T: GoTime.fromDate(new Date(0)),
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

// ---- the types mutator: random type definitions and values loosely after them ----

const BUILTIN_IDS = [BOOL, INT, UINT, FLOAT, BYTES, STRING, COMPLEX, INTERFACE];
const FIELD_NAMES = [
  "X",
  "Y",
  "A",
  "B",
  "Next",
  "__proto__",
  "constructor",
  "",
  "É",
  "ServiceMethod",
];
const ARRAY_LENGTHS = [0, 1, 2, 3, 7, 1 << 20, 2 ** 31, 2 ** 40];
const KIND_NAMES = ["array", "slice", "struct", "map", "gob", "binary", "text"] as const;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Definitions of types `first`..`first+n-1`, referring to each other, builtins and undefined ids. */
function randomDefinitions(r: () => number, first: number, n: number): Map<number, KindDef[]> {
  const ids = Array.from({ length: n }, (_, i) => first + i);
  const anyId = () => {
    const x = r();
    if (x < 0.45) return pick(r, BUILTIN_IDS);
    if (x < 0.95) return pick(r, ids);
    return pick(r, [0, 9, 16, first + n + 3]); // reserved, wireType, undefined
  };
  const defs = new Map<number, KindDef[]>();
  for (const id of ids) {
    const count = r() < 0.1 ? 2 : r() < 0.02 ? 0 : 1;
    const kinds: KindDef[] = [];
    const used = new Set<string>();
    while (kinds.length < count) {
      const kind = pick(r, KIND_NAMES);
      if (used.has(kind)) continue;
      used.add(kind);
      const name = r() < 0.5 ? "" : `T${id}`;
      switch (kind) {
        case "array":
          kinds.push({ array: { elem: anyId(), len: pick(r, ARRAY_LENGTHS), name } });
          break;
        case "slice":
          kinds.push({ slice: { elem: anyId(), name } });
          break;
        case "struct": {
          const fields: [string, number][] = [];
          const nf = Math.floor(r() * 5);
          for (let i = 0; i < nf; i++) fields.push([pick(r, FIELD_NAMES), anyId()]);
          kinds.push({ struct: { fields, name } });
          break;
        }
        case "map":
          kinds.push({ map: { key: anyId(), elem: anyId(), name } });
          break;
        default:
          kinds.push({ [kind]: { name } } as KindDef);
      }
    }
    defs.set(id, kinds);
  }
  return defs;
}

/** Writes a value of type `id` as the first kind of its definition says, with liberties. */
function randomValue(
  r: () => number,
  p: Payload,
  id: number,
  defs: Map<number, KindDef[]>,
  depth: number,
): void {
  if (depth > 6 || r() < 0.03) {
    p.uint(Math.floor(r() * 256) & 0x7f); // anything
    return;
  }
  switch (id) {
    case BOOL:
    case UINT:
    case FLOAT:
      p.uint(Math.floor(r() * 1e6));
      return;
    case INT:
      p.int(Math.floor((r() - 0.5) * 1e6));
      return;
    case COMPLEX:
      p.uint(Math.floor(r() * 1e6)).uint(Math.floor(r() * 1e6));
      return;
    case STRING:
    case BYTES:
      p.string(pick(r, ["", "a", "Arith.Multiply", "\u00ff\u0000"]));
      return;
    case INTERFACE:
      p.uint(0); // nil
      return;
  }
  const kinds = defs.get(id);
  if (!kinds || kinds.length === 0) {
    p.uint(0);
    return;
  }
  const k = kinds[0];
  if ("struct" in k) {
    let last = -1;
    k.struct.fields.forEach(([, fid], i) => {
      if (r() < 0.4) return; // left out: its zero value is filled in, or it is skipped
      p.uint(i - last);
      last = i;
      randomValue(r, p, fid, defs, depth + 1);
    });
    if (r() < 0.05) p.uint(1 + Math.floor(r() * 4)); // a field that does not exist
    p.uint(0);
  } else if ("array" in k) {
    const n = k.array.len <= 8 ? k.array.len : Math.floor(r() * 4);
    p.uint(r() < 0.9 ? n : k.array.len);
    for (let i = 0; i < Math.min(n, 8); i++) randomValue(r, p, k.array.elem, defs, depth + 1);
  } else if ("slice" in k) {
    const n = Math.floor(r() * 4);
    p.uint(n);
    for (let i = 0; i < n; i++) randomValue(r, p, k.slice.elem, defs, depth + 1);
  } else if ("map" in k) {
    const n = Math.floor(r() * 4);
    p.uint(n);
    for (let i = 0; i < n; i++) {
      randomValue(r, p, k.map.key, defs, depth + 1);
      randomValue(r, p, k.map.elem, defs, depth + 1);
    }
  } else {
    p.string("\u0001\u0002");
  }
}

function isStructDef(defs: Map<number, KindDef[]>, id: number): boolean {
  return defs.get(id)?.some((k) => "struct" in k) ?? false;
}

/** A stream of random type definitions (in a random order) and one or two values of them. */
function randomTypeStream(r: () => number): Uint8Array {
  const defs = randomDefinitions(r, 65, 1 + Math.floor(r() * 6));
  const ids = [...defs.keys()];
  const order = r() < 0.8 ? ids : [...ids].reverse();
  const parts = order.map((id) => typeDef(id, ...defs.get(id)!));
  for (let v = 0; v < 1 + Math.floor(r() * 2); v++) {
    const top = r() < 0.8 ? ids[0] : pick(r, [...ids, ...BUILTIN_IDS]);
    const p = new Payload().int(top);
    if (!isStructDef(defs, top)) p.uint(0); // the singleton delta
    randomValue(r, p, top, defs, 0);
    parts.push(message(p));
  }
  return concat(...parts);
}

// ---- the rpc mutator: net/rpc headers and bodies ----

const METHODS = ["Arith.Multiply", "", ".", "A.B.C", "Arith.", "x".repeat(300), "\u0000.\u00ff"];
const SEQS = [0, 1, 2 ** 32, 2 ** 53 - 1];

/** A header type as a peer might define it: Go's fields, some missing, mistyped or extra. */
function headerDefinition(r: () => number, response: boolean): Uint8Array[] {
  const fields: [string, number][] = [["ServiceMethod", STRING], ["Seq", UINT]];
  if (response) fields.push(["Error", STRING]);
  if (r() < 0.3) fields.splice(Math.floor(r() * fields.length), 1);
  if (r() < 0.3) fields[Math.floor(r() * fields.length)][1] = pick(r, BUILTIN_IDS);
  const extra = randomDefinitions(r, 66, 1 + Math.floor(r() * 3));
  if (r() < 0.6) fields.splice(Math.floor(r() * (fields.length + 1)), 0, ["E", 66]);
  return [
    typeDef(65, { struct: { name: response ? "Response" : "Request", fields } }),
    ...[...extra].map(([id, kinds]) => typeDef(id, ...kinds)),
    (() => {
      const p = new Payload().int(65);
      randomValue(r, p, 65, new Map([[65, [{ struct: { fields } }]], ...extra]), 0);
      return message(p);
    })(),
  ];
}

/** A request or response stream: headers (Go's, or crafted) each followed by a body. */
function rpcStream(r: () => number): Uint8Array {
  const response = r() < 0.4;
  const enc = new Encoder();
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 1 + Math.floor(r() * 3); i++) {
    if (r() < 0.3) parts.push(...headerDefinition(r, response));
    else if (response) {
      const error = r() < 0.3 ? "rpc: can't find service X" : "";
      parts.push(enc.marshal(ResponseType, {
        ServiceMethod: pick(r, METHODS),
        Seq: pick(r, SEQS),
        Error: error,
      }));
    } else {
      parts.push(enc.marshal(RequestType, { ServiceMethod: pick(r, METHODS), Seq: pick(r, SEQS) }));
    }
    const body = r();
    if (body < 0.4) parts.push(enc.marshal(Point, { X: i, Y: -i }));
    else if (body < 0.6) parts.push(enc.marshal(InvalidRequestType, {}));
    else if (body < 0.8) parts.push(enc.marshal(t.string, "reply"));
    else parts.push(randomTypeStream(r));
  }
  return concat(...parts);
}

/** Reads the stream as an rpc server (request headers) or client (response headers) does. */
function readAsRpc(input: Uint8Array, header: t.Type): void {
  const dec = new PushDecoder({ maxMessageSize: 1 << 20 });
  dec.push(input);
  dec.end();
  for (let i = 0; i < 16; i++) {
    dec.next(header);
    dec.skip();
  }
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
  // Three-byte chunks split every field somewhere; big inputs get bigger chunks (at most 512).
  const size = Math.max(3, Math.ceil(input.length / 512));
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
  let at = 0;
  const rs = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks[at++];
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
  const byMutator: Record<Mutator, number> = { bytes: 0, types: 0, rpc: 0 };
  const acceptedByMutator: Record<Mutator, number> = { bytes: 0, types: 0, rpc: 0 };
  const rssStart = Deno.memoryUsage().rss;
  while (performance.now() < deadline && failures.length < 10) {
    const which: Mutator = runs % 4 < 2 ? "bytes" : runs % 4 === 2 ? "types" : "rpc";
    byMutator[which]++;
    let input: Uint8Array;
    if (which === "bytes") input = mutate(corpus[Math.floor(r() * corpus.length)], corpus, r);
    else if (which === "types") {
      input = randomTypeStream(r);
      if (r() < 0.3) input = mutate(input, corpus, r);
    } else {
      input = rpcStream(r);
      if (r() < 0.5) input = mutate(input, corpus, r);
    }
    const started = performance.now();
    const bad = check(input, () => decodeAll(input, undefined, opts), "decodeAll", failures);
    for (const target of TARGETS) {
      check(input, () => decode(input, target, opts), `decode into ${target}`, failures);
    }
    check(input, () => readAsRpc(input, RequestType), "rpc server read", failures);
    check(input, () => readAsRpc(input, ResponseType), "rpc client read", failures);
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
    else acceptedByMutator[which]++;
    if (runs % 500 === 0 && Deno.memoryUsage().rss - rssStart > 1 << 30) {
      failures.push({ input: hex(input), problem: "resident memory grew by more than 1 GiB" });
    }
  }
  return { runs, byMutator, acceptedByMutator, rejected, failures, slowestMs };
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
    `${res.runs} inputs (${
      (["bytes", "types", "rpc"] as const).map((m) =>
        `${res.byMutator[m]} ${m}, ${res.acceptedByMutator[m]} accepted`
      ).join("; ")
    }), ${res.rejected} rejected with GobError, slowest ${
      res.slowestMs.toFixed(1)
    } ms, ${res.failures.length} failures`,
  );
  for (const f of res.failures) {
    const input = f.input.length > 2000
      ? `${f.input.slice(0, 2000)}... (${f.input.length / 2} bytes)`
      : f.input;
    console.log(`FAIL ${f.problem}\n  input: ${input}`);
  }
  Deno.exit(res.failures.length ? 1 : 0);
}
