/**
 * What the launcher's code-changing V8 flags (`CODE_FLAGS` in `packaging/launcher.ts`) do, with
 * this machine's `deno`:
 *
 * 1. which flags enter V8's flag hash (the header word V8 checks a code cache against before it
 *    takes it): a one-line module primed under each flag set (`primeStartCache`), its hash
 *    printed. Sets with one hash can share one start-up cache.
 * 2. what a function above 512 MB would give up if it ran under the small profile's flags (as
 *    every size did for one cache at all sizes, before the build made the cache of the size it is
 *    built for): a CPU-bound loop (objects, JSON, integer arithmetic, recursion) under a 1024 MB
 *    function's flags as the launcher passes them (`v8Flags(1024)`: Node's heap limits alone,
 *    Turbofan, V8's worker threads) against the same with `CODE_FLAGS.small` (Maglev as the top
 *    tier), in alternating runs; the child's own CPU time (user + system,
 *    every thread) and wall time, medians.
 *
 * ```sh
 * deno run -A benchmarks/code_flags.ts [--rounds 9]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { CODE_FLAGS, heapFlags, v8Flags } from "../packaging/launcher.ts";
import { primeStartCache } from "../packaging/start_cache.ts";
import { flagHashOf } from "../packaging/v8_code_cache.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "9" } } });
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error("--rounds: a positive integer");

const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-code-flags-" }));

/** The flag hash of a one-line module's code cache made under `flags`. */
async function flagHash(flags: string[]): Promise<string> {
  await Deno.writeTextFile(`${dir}/handler.js`, "export const answer = () => 42;\n");
  const made = await primeStartCache({
    deno: Deno.execPath(),
    dir,
    modules: ["handler.js"],
    taskRoot: dir,
    v8Flags: flags,
  });
  const file = made.files.find((f) => f.name === "v8_code_cache_v2");
  if (!file) return "(no code cache)";
  await Deno.writeFile(`${dir}/v8.db`, file.data);
  const db = new DatabaseSync(`${dir}/v8.db`, { readOnly: true });
  try {
    const row = db.prepare("SELECT data FROM codecache WHERE specifier = ?")
      .get(`file://${dir}/handler.js`) as { data: Uint8Array } | undefined;
    const hash = row ? flagHashOf(new Uint8Array(row.data)) : undefined;
    return hash === undefined ? "(unknown header)" : hash.toString(16).padStart(8, "0");
  } finally {
    db.close();
  }
}

const BACKGROUND = [
  "--single-threaded-gc",
  "--no-concurrent-recompilation",
  "--no-concurrent-sparkplug",
  "--no-maglev-build-code-on-background",
];
const sets: [string, string[]][] = [
  ["none", []],
  ["heap sizes (128 MB)", heapFlags(128)],
  ["heap sizes (1024 MB)", heapFlags(1024)],
  [BACKGROUND.join(" "), BACKGROUND],
  ["--predictable", ["--predictable"]],
  ["--max-opt=2", ["--max-opt=2"]],
  ["--max-opt=3", ["--max-opt=3"]],
  ["--single-threaded", ["--single-threaded"]],
  ["--no-lazy", ["--no-lazy"]],
  [`CODE_FLAGS.small (${CODE_FLAGS.small.join(" ")})`, [...CODE_FLAGS.small]],
  ["CODE_FLAGS.default (none)", [...CODE_FLAGS.default]],
  ["v8Flags(128)", v8Flags(128)],
  ["v8Flags(1024)", v8Flags(1024)],
];
console.log("| V8 flags | flag hash |\n| --- | --- |");
for (const [name, flags] of sets) console.log(`| ${name} | \`${await flagHash(flags)}\` |`);

const WORK = `
import process from "node:process";
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function work() {
  const items = [];
  for (let i = 0; i < 2000; i++) items.push({ id: i, name: "item" + i, tags: ["a", "b"], v: i * 1.5 });
  let total = 0;
  for (const x of JSON.parse(JSON.stringify(items))) total += x.v;
  let h = 0;
  for (let i = 0; i < 200000; i++) h = (h * 31 + i) | 0;
  return total + h + fib(20);
}
const t0 = performance.now();
let sink = 0;
for (let i = 0; i < 300; i++) sink += work();
const wall = performance.now() - t0;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000, sink: sink > 0 }));
`;
await Deno.writeTextFile(`${dir}/work.js`, WORK);

/** One run of the loop under `flags`: its wall and CPU milliseconds. */
async function run(flags: string[]): Promise<{ wall: number; cpu: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--no-lock", `--v8-flags=${flags.join(",")}`, `${dir}/work.js`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`the loop failed under ${flags.join(" ")}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const variants: [string, string[]][] = [
  ["v8Flags(1024): the launcher's, heap limits only (Turbofan, V8 worker threads)", v8Flags(1024)],
  ["with the small profile's code flags (Maglev at most)", [
    ...heapFlags(1024),
    ...CODE_FLAGS.small,
  ]],
];
const results = variants.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
for (let r = 0; r < rounds; r++) {
  for (const [i, [, flags]] of variants.entries()) {
    const m = await run(flags);
    results[i].wall.push(m.wall);
    results[i].cpu.push(m.cpu);
  }
}
console.log(
  `\nCPU-bound loop, 1024 MB flags, medians of ${rounds} alternating runs:\n\n` +
    "| flags | wall | CPU | CPU vs the launcher's |\n| --- | ---: | ---: | ---: |",
);
const base = median(results[0].cpu);
for (const [i, [name]] of variants.entries()) {
  const cpu = median(results[i].cpu);
  console.log(
    `| ${name} | ${median(results[i].wall).toFixed(0)} ms | ${cpu.toFixed(0)} ms | ` +
      `${(cpu / base).toFixed(2)}× |`,
  );
}
await Deno.remove(dir, { recursive: true });
