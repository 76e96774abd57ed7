/**
 * Gob encode and decode of two checkouts in one process, turn by turn, so that
 * load from other processes hits both alike: the after/before time ratio of
 * each, the median of 41 alternating rounds (1000 records a batch, 20 batches a
 * turn). For refactors that must not move the hot paths.
 *
 *   deno run -A benchmarks/gob_ab.ts <before checkout> [<after checkout>]
 *
 * The after checkout defaults to this one. Comparing a checkout with a copy of
 * itself shows the noise.
 *
 * @module
 */

interface Harness {
  workloads(n: number): { gobEncode(): number; gobDecode(): number };
}

const [beforeDir, afterDir = new URL("..", import.meta.url).pathname] = Deno.args;
if (!beforeDir) {
  console.error("usage: deno run -A benchmarks/gob_ab.ts <before checkout> [<after checkout>]");
  Deno.exit(2);
}
const load = async (dir: string) =>
  ((await import(
    new URL("benchmarks/_harness.ts", `file://${dir.replace(/\/?$/, "/")}`).href
  )) as Harness).workloads(1000);
const before = await load(beforeDir), after = await load(afterDir);

function time(f: () => number, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

for (let i = 0; i < 30; i++) {
  before.gobEncode(), after.gobEncode(), before.gobDecode(), after.gobDecode();
}
const ratios = { encode: [] as number[], decode: [] as number[] };
for (let round = 0; round < 41; round++) {
  // Which side goes first alternates, so neither always runs on a warmer cache.
  for (const op of ["encode", "decode"] as const) {
    const f = op === "encode" ? "gobEncode" : "gobDecode";
    let b: number, a: number;
    if (round % 2 === 0) {
      b = time(before[f], 20);
      a = time(after[f], 20);
    } else {
      a = time(after[f], 20);
      b = time(before[f], 20);
    }
    ratios[op].push(a / b);
  }
}
const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1];
console.log(
  `after/before time, median of 41 alternating rounds: encode ${
    median(ratios.encode).toFixed(3)
  }, decode ${median(ratios.decode).toFixed(3)}`,
);
