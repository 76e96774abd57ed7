/**
 * Lambda runtime benchmarks, go1.x protocol, driven by a Go host
 * (`tests/go/cmd/go1xhost`, Go's net/rpc with aws-lambda-go's messages):
 *
 * - per-invoke latency, sequential, 1 KB event: `examples/echo.ts` against
 *   the same echo function written in Go with aws-lambda-go;
 * - start-up (exec until `Function.Ping` is answered) against bare
 *   `deno run` of an empty script (exec until exit);
 * - resident memory before and after 100k invokes.
 *
 * ```sh
 * deno run -A benchmarks/runtime_vs_go.ts [--rounds 5] [--invokes 5000] [--memory-invokes 100000]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { bundle } from "../packaging/bundle.ts";
import { goBuild } from "./_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "5" },
    invokes: { type: "string", default: "5000" },
    "memory-invokes": { type: "string", default: "100000" },
  },
});
const rounds = Number(values.rounds);
const invokes = Number(values.invokes);
const memoryInvokes = Number(values["memory-invokes"]);

interface HostReport {
  startupMs: number;
  p50Us: number;
  rssBeforeKb: number;
  rssAfterKb: number;
}

async function host(args: string[], cmd: string[]): Promise<HostReport> {
  const r = await new Deno.Command(hostBin, {
    args: [...args, "--", ...cmd],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!r.success) throw new Error("go1xhost failed");
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const bin = await Deno.makeTempDir({ prefix: "gopherless-runtime-vs-go-" });
const hostBin = await goBuild("cmd/go1xhost", bin);
const goEcho = await goBuild("cmd/goecho", bin);
const tsEcho = [Deno.execPath(), "run", "-A", `${ROOT}examples/echo.ts`];
const empty = await Deno.makeTempFile({ suffix: ".ts" });
// What `deno task build` ships: the handler bundled into one module (`deno bundle`), run without a
// config file, as the packaged bootstrap runs it.
const bundled = await Deno.makeTempFile({ suffix: ".js" });
await Deno.writeFile(bundled, (await bundle(`${ROOT}examples/echo.ts`)).code);
const tsBundled = [Deno.execPath(), "run", "-A", "--no-config", "--no-lock", bundled];

const lat = { go: [] as number[], ts: [] as number[] };
const start = {
  go: [] as number[],
  ts: [] as number[],
  bundled: [] as number[],
  bare: [] as number[],
};
for (let i = 0; i < rounds; i++) {
  const g = await host(["-scenario", "bench", "-n", String(invokes)], [goEcho]);
  const t = await host(["-scenario", "bench", "-n", String(invokes)], tsEcho);
  lat.go.push(g.p50Us);
  lat.ts.push(t.p50Us);
  start.go.push(g.startupMs);
  start.ts.push(t.startupMs);
  start.bundled.push((await host(["-scenario", "bench", "-n", "1"], tsBundled)).startupMs);
  const t0 = performance.now();
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", "--no-lock", empty],
  })
    .output();
  start.bare.push(performance.now() - t0);
}
const mem = await host(["-scenario", "bench", "-n", String(memoryInvokes)], tsEcho) as
  & HostReport
  & {
    rssSamplesKb: number[];
  };
const heap = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        `${ROOT}benchmarks/_runtime_heap.ts`,
        String(memoryInvokes),
      ],
      stdout: "piped",
    }).output()).stdout,
  ),
) as { heapMb: number[] };

const f = (x: number) => x.toFixed(1);
console.log(`### Lambda runtime (go1.x protocol, Go host)

\`deno run -A benchmarks/runtime_vs_go.ts --rounds ${rounds} --invokes ${invokes} --memory-invokes ${memoryInvokes}\`
(${Deno.build.os}/${Deno.build.arch}, deno ${Deno.version.deno}; medians of ${rounds} rounds)

| measure | gopherless (examples/echo.ts) | reference | ratio |
|---|---:|---:|---:|
| per-invoke p50, sequential, 1 KB event | ${f(median(lat.ts))} µs | ${
  f(median(lat.go))
} µs (aws-lambda-go) | ${(median(lat.ts) / median(lat.go)).toFixed(2)}× |
| start-up: exec → Function.Ping answered | ${f(median(start.ts))} ms | ${
  f(median(start.bare))
} ms (bare \`deno run\` of an empty script, to exit) | +${
  f(median(start.ts) - median(start.bare))
} ms |
| start-up, bundled handler (what \`deno task build\` ships) | ${f(median(start.bundled))} ms | ${
  f(median(start.bare))
} ms (bare \`deno run\`) | +${f(median(start.bundled) - median(start.bare))} ms |
| start-up, Go function | | ${f(median(start.go))} ms (aws-lambda-go) | |
| resident memory, after warm-up → after ${memoryInvokes} invokes | ${
  (mem.rssBeforeKb / 1024).toFixed(1)
} MiB → ${(mem.rssAfterKb / 1024).toFixed(1)} MiB | | ${
  (mem.rssAfterKb / mem.rssBeforeKb).toFixed(2)
}× |
| resident memory samples every ${memoryInvokes / 10} invokes | ${
  mem.rssSamplesKb.map((k) => (k / 1024).toFixed(0)).join(", ")
} MiB | | |
| V8 heap after full GC, every ${memoryInvokes / 5} invokes (in-process rpc client) | ${
  heap.heapMb.join(", ")
} MiB | | ${(heap.heapMb.at(-1)! / heap.heapMb[0]).toFixed(2)}× |
`);
