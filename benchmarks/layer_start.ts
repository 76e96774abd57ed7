/**
 * The runtime layer against the one-zip package: sizes, and cold and warm start in Lambda's own
 * layout. Builds `examples/hello.ts` both ways (`deno task build --runtime deno` and `--layer`,
 * both for `/var/task`), unzips each where Lambda puts it (`/var/task`; the layer on `/opt`), and
 * starts it in a mount namespace of its own where those folders are read-only bind mounts (`unshare
 * --mount`, as root), driven by the Go hosts of the test suite from inside the namespace (so the
 * namespace's set-up is not timed):
 *
 * - `tests/go/cmd/runtimeapihost`: exec → the first `GET /next` (wall and CPU time);
 * - `tests/go/cmd/go1xhost`: exec → `Function.Ping` answered.
 *
 * Cold: an empty `DENO_DIR` each time (a new sandbox's `/tmp`); warm: the `DENO_DIR` an earlier
 * start of the same layout left. The layouts alternate within each round. Also the function zips
 * of `examples/hello.ts` and of `testdata/libraries/s3.main.ts` (the AWS SDK's S3 client) with
 * `--layer`.
 *
 * ```sh
 * deno run -A benchmarks/layer_start.ts [--rounds 15] [--memory 128]
 * ```
 *
 * Needs root (`unshare`, `mount`), Go and `unzip`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { medianOf, parseStart, runAsLambda, type Start, unzipInto } from "./_package.ts";
import { goBuild, run } from "./_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "15" },
    memory: { type: "string", default: "128" },
  },
});
const rounds = Number(values.rounds);
const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-layer-bench-" }));

async function build(entry: string, out: string, extra: string[]): Promise<void> {
  await run(Deno.execPath(), ["task", "build", entry, "--no-check", "--out", out, ...extra], {
    cwd: ROOT,
  });
}

console.error("building examples/hello.ts (one zip, and --layer), and the S3 function …");
await build("examples/hello.ts", `${work}/one-dist`, ["--runtime", "deno"]);
await build("examples/hello.ts", `${work}/layer-dist`, ["--layer"]);
await build("testdata/libraries/s3.main.ts", `${work}/s3-dist`, ["--layer"]);
const size = async (p: string) => (await Deno.stat(p)).size;
const sizes = {
  "hello, one zip": await size(`${work}/one-dist/x86_64/bootstrap.zip`),
  "hello, function zip (--layer)": await size(`${work}/layer-dist/x86_64/function.zip`),
  "S3 SDK function, function zip (--layer)": await size(`${work}/s3-dist/x86_64/function.zip`),
  "the layer": await size(`${work}/layer-dist/x86_64/layer.zip`),
};

// <root>/var/task (and <root>/opt) as Lambda holds them.
const oneRoot = `${work}/one`;
const layerRoot = `${work}/layer`;
await Deno.mkdir(`${oneRoot}/opt`, { recursive: true });
await unzipInto(`${work}/one-dist/x86_64/bootstrap.zip`, `${oneRoot}/var/task`);
await unzipInto(`${work}/layer-dist/x86_64/layer.zip`, `${layerRoot}/opt`);
await unzipInto(`${work}/layer-dist/x86_64/function.zip`, `${layerRoot}/var/task`);

const hosts = {
  rapi: await goBuild("cmd/runtimeapihost", `${work}/bin`),
  go1x: await goBuild("cmd/go1xhost", `${work}/bin`),
};
const hostFlags = { rapi: ["-n", "0"], go1x: ["-scenario", "start"] };

type Layout = "one zip" | "layer";
const layouts: { name: Layout; root: string; bootstrap: string }[] = [
  { name: "one zip", root: oneRoot, bootstrap: "/var/task/bootstrap" },
  { name: "layer", root: layerRoot, bootstrap: "/opt/bootstrap" },
];

/** One start of a layout in its namespace; `{ wall, cpu }` in ms. */
async function start(
  layout: (typeof layouts)[number],
  protocol: "rapi" | "go1x",
  denoDir: string,
): Promise<Start> {
  const out = await runAsLambda(
    layout.root,
    [hosts[protocol], ...hostFlags[protocol], "--", layout.bootstrap],
    { DENO_DIR: denoDir, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: values.memory! },
  );
  return parseStart(out);
}

let dirs = 0;
const key = (l: Layout, p: string, kind: string) => `${kind} start, ${p}, ${l}`;
const samples: Record<string, { wall: number[]; cpu: number[] }> = {};
const warmDirs = new Map<string, string>();
for (const l of layouts) {
  for (const p of ["rapi", "go1x"] as const) {
    const d = `${work}/deno-warm-${l.name.replace(" ", "-")}-${p}`;
    await start(l, p, d);
    warmDirs.set(`${l.name}/${p}`, d);
  }
}
console.error(`start-up: ${rounds} rounds, layouts alternating …`);
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? layouts : [...layouts].reverse();
  for (const p of ["rapi", "go1x"] as const) {
    for (const l of order) {
      const d = `${work}/deno-cold-${dirs++}`;
      const c = await start(l, p, d);
      await Deno.remove(d, { recursive: true });
      const w = await start(l, p, warmDirs.get(`${l.name}/${p}`)!);
      for (const [kind, s] of [["cold", c], ["warm", w]] as const) {
        const k = key(l.name, p === "rapi" ? "Runtime API" : "go1.x", kind);
        samples[k] ??= { wall: [], cpu: [] };
        samples[k].wall.push(s.wall);
        samples[k].cpu.push(s.cpu);
      }
    }
  }
}

console.log("| package | zip bytes |\n| --- | ---: |");
for (const [k, v] of Object.entries(sizes)) console.log(`| ${k} | ${v.toLocaleString("en")} |`);
console.log(
  `\n| start (median of ${rounds}, ms) | wall | CPU | layer − one zip (wall) | (CPU) |\n` +
    "| --- | ---: | ---: | ---: | ---: |",
);
for (const kind of ["cold", "warm"]) {
  for (const p of ["Runtime API", "go1.x"]) {
    const one = samples[key("one zip", p, kind)];
    const lay = samples[key("layer", p, kind)];
    for (const [name, s] of [["one zip", one], ["layer", lay]] as const) {
      const dw = name === "layer" ? (medianOf(lay.wall) - medianOf(one.wall)).toFixed(1) : "";
      const dc = name === "layer" ? (medianOf(lay.cpu) - medianOf(one.cpu)).toFixed(1) : "";
      console.log(
        `| ${kind}, ${p}, ${name} | ${medianOf(s.wall).toFixed(1)} | ${
          medianOf(s.cpu).toFixed(1)
        } | ${dw} | ${dc} |`,
      );
    }
  }
}
await Deno.remove(work, { recursive: true });
