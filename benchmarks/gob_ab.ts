/**
 * Gob encode and decode of two checkouts in one process, turn by turn, so that
 * load from other processes hits both alike: the after/before time ratio of
 * each, the median of 41 alternating rounds (1000 records a batch, 20 batches a
 * turn). For refactors that must not move the hot paths: encode, decode into a
 * descriptor, and the schemaless decodes (plain JavaScript values, JSON text) of
 * the same stream.
 *
 *   deno run -A benchmarks/gob_ab.ts <before checkout> [<after checkout>]
 *
 * The after checkout defaults to this one. Comparing a checkout with a copy of
 * itself shows the noise.
 *
 * @module
 */

interface Harness {
  workloads(n: number): { gobEncode(): number; gobDecode(): number; stream: Uint8Array };
}
interface Core {
  mark(): unknown;
  typeSequence(inValue: boolean): number;
  feed(bytes: Uint8Array): void;
  pos: number;
  msgEnd: number;
}
type Reader = (core: Core, id: number) => unknown;

const [beforeDir, afterDir = new URL("..", import.meta.url).pathname] = Deno.args;
if (!beforeDir) {
  console.error("usage: deno run -A benchmarks/gob_ab.ts <before checkout> [<after checkout>]");
  Deno.exit(2);
}
const OPS = ["encode", "decode", "plain", "json"] as const;
type Op = typeof OPS[number];

async function load(dir: string): Promise<Record<Op, () => number>> {
  const url = (path: string) => new URL(path, `file://${dir.replace(/\/?$/, "/")}`).href;
  const w = ((await import(url("benchmarks/_harness.ts"))) as Harness).workloads(1000);
  const { DecoderCore } = await import(url("gob/_decode_core.ts"));
  const { plainValue } = await import(url("gob/_decode_plain.ts"));
  const { valueJSON } = await import(url("gob/_decode_json.ts"));
  // The whole stream (definitions, then 1001 values) through one reader, from a fresh core.
  const schemaless = (read: Reader) => () => {
    const core: Core = new DecoderCore({ maxZeroFill: 1 << 30 });
    core.feed(w.stream);
    let sum = 0;
    for (let i = 0; i <= 1000; i++) {
      core.mark();
      if (read(core, core.typeSequence(false)) !== undefined) sum++;
      core.pos = core.msgEnd;
    }
    return sum;
  };
  return {
    encode: w.gobEncode,
    decode: w.gobDecode,
    plain: schemaless(plainValue),
    json: schemaless(valueJSON),
  };
}
const before = await load(beforeDir), after = await load(afterDir);

function time(f: () => number, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

for (let i = 0; i < 30; i++) for (const op of OPS) before[op](), after[op]();
const ratios = Object.fromEntries(OPS.map((op) => [op, [] as number[]])) as Record<Op, number[]>;
for (let round = 0; round < 41; round++) {
  // Which side goes first alternates, so neither always runs on a warmer cache.
  for (const op of OPS) {
    const reps = op === "encode" || op === "decode" ? 20 : 5;
    let b: number, a: number;
    if (round % 2 === 0) {
      b = time(before[op], reps);
      a = time(after[op], reps);
    } else {
      a = time(after[op], reps);
      b = time(before[op], reps);
    }
    ratios[op].push(a / b);
  }
}
const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1];
console.log(
  `after/before time, median of 41 alternating rounds: ${
    OPS.map((op) => `${op} ${median(ratios[op]).toFixed(3)}`).join(", ")
  }`,
);
