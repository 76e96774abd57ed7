/**
 * The costly gob inputs of the hostile-input suite, measured against Go:
 * a 30 MB `*big.Int`, 10 MB of empty structs decoded without a descriptor,
 * and the zero-value amplifiers decoded into `Point`. Go's figures come from
 * `tests/go/cmd/gobhostile` decoding the same bytes in its own process.
 *
 *   deno run -A --v8-flags=--expose-gc benchmarks/gob_hostile.ts [--runs 3]
 *     [--cases bigint,empties,structs,arrays] [--bigint-bytes 30000000] [--gob path/to/gob/mod.ts]
 *
 * `--gob` measures another copy of the library (an older checkout) with the
 * same streams (leave out the amplifier cases for a library that has no
 * defence against them: they exhaust its memory). Heap growth is measured
 * after a forced collection, holding the decoded value. Prints a markdown
 * table.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { median } from "./_harness.ts";
import { arrayAmplifier, structAmplifier } from "../tests/gob/_hostile.ts";
import type * as Gob from "../gob/mod.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "3" },
    cases: { type: "string", default: "bigint,empties,structs,arrays" },
    "bigint-bytes": { type: "string", default: "30000000" },
    gob: { type: "string", default: new URL("../gob/mod.ts", import.meta.url).href },
  },
});
const RUNS = Number(args.runs);
const CASES = new Set(args.cases!.split(","));
const BIGINT_BYTES = Number(args["bigint-bytes"]);
const gobUrl = args.gob!.includes("://")
  ? args.gob!
  : new URL(args.gob!, `file://${Deno.cwd()}/`).href;
const gob = (await import(gobUrl)) as typeof Gob;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.error("run with --v8-flags=--expose-gc for heap figures");

// ---- Go ----

const goDir = new URL("../tests/go/", import.meta.url).pathname;
const tmp = await Deno.makeTempDir({ prefix: "gobhostile-" });
const bin = `${tmp}/gobhostile`;
const build = await new Deno.Command("go", {
  args: ["build", "-o", bin, "./cmd/gobhostile"],
  cwd: goDir,
}).output();
if (!build.success) throw new Error(new TextDecoder().decode(build.stderr));

async function goRun(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(bin, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (!out.success) throw new Error(`gobhostile ${args.join(" ")} failed`);
  return out.stdout;
}

interface GoFigures {
  ms: number;
  allocMiB: number;
}

async function goDecode(target: string, bytes: Uint8Array): Promise<GoFigures> {
  const runs: GoFigures[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(JSON.parse(new TextDecoder().decode(await goRun(["decode", target], bytes))));
  }
  return { ms: median(runs.map((r) => r.ms)), allocMiB: median(runs.map((r) => r.allocMiB)) };
}

// ---- TypeScript ----

interface Figures {
  ms: number;
  heapMiB: number;
  result: string;
}

function measure(f: () => unknown): Figures {
  const times: number[] = [];
  let heap = 0;
  let result = "";
  for (let i = 0; i < RUNS; i++) {
    gc?.();
    const before = Deno.memoryUsage().heapUsed;
    const t0 = performance.now();
    let v: unknown;
    try {
      v = f();
      result = "ok";
    } catch (e) {
      result = e instanceof Error ? e.message.slice(0, 60) : String(e);
    }
    times.push(performance.now() - t0);
    gc?.();
    heap = Math.max(heap, (Deno.memoryUsage().heapUsed - before) / (1 << 20));
    void v;
  }
  return { ms: median(times), heapMiB: heap, result };
}

const Point = gob.t.struct("Point", { X: gob.t.int, Y: gob.t.int });
const rows: string[] = [];
const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);

async function row(name: string, bytes: Uint8Array, goTarget: string, f: () => unknown) {
  const ts = measure(f);
  const go = await goDecode(goTarget, bytes);
  rows.push(
    `| ${name} | ${fmt(ts.ms)} ms, +${fmt(ts.heapMiB)} MiB heap (${ts.result}) | ${
      fmt(go.ms)
    } ms, ${fmt(go.allocMiB)} MiB allocated | ${(go.ms / ts.ms).toFixed(2)}× |`,
  );
}

if (CASES.has("bigint")) {
  const big = await goRun(["gen", "bigint", String(BIGINT_BYTES)]);
  await row(
    `${BIGINT_BYTES / 1e6} MB \`*big.Int\` into \`t.bigInt\``,
    big,
    "bigint",
    () => gob.decode(big, gob.t.bigInt, { maxMessageSize: 1 << 30 }),
  );
}
if (CASES.has("empties")) {
  const empties = await goRun(["gen", "empties", "10000000"]);
  await row("10 MB of empty structs, no descriptor", empties, "empties", () => gob.decode(empties));
}
if (CASES.has("structs")) {
  const structs = structAmplifier(40);
  await row(
    "2^40 zero structs left out, into `Point`",
    structs,
    "point",
    () => gob.decode(structs, Point),
  );
}
if (CASES.has("arrays")) {
  const arrays = arrayAmplifier(1 << 24);
  await row(
    "[2^24]^3 zero array left out, into `Point`",
    arrays,
    "point",
    () => gob.decode(arrays, Point),
  );
}

console.log(`library: ${gobUrl}; median of ${RUNS}; Deno ${Deno.version.deno}\n`);
console.log("| input | gopherless | Go encoding/gob | speed vs Go |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(r);
await Deno.remove(tmp, { recursive: true });
