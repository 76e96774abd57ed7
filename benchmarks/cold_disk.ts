/**
 * A cold disk: the start of a new microVM, which has read nothing of the package yet. Drops the
 * kernel's page cache before every start (`echo 3 > /proc/sys/vm/drop_caches`, as root) and times
 * exec → the first `GET /2018-06-01/runtime/invocation/next` with `tests/go/cmd/runtimeapihost`
 * (Go's net/http), which also reports what the started process tree had read from the disk by
 * then (`read_bytes` of `/proc/PID/io`: page faults on the mapped binary and read-ahead included).
 * Subjects, alternating within each round, each started in a mount namespace of its own where
 * `/var/task` and `/opt` are read-only bind mounts, as on Lambda:
 *
 * - `examples/echo.ts` built with `deno task build --runtime deno` (one zip, in `/var/task`);
 * - the same built with `--layer` (the layer in `/opt`, the function zip in `/var/task`);
 * - the least a Deno program does to reach `/next`: one raw HTTP/1.1 GET over `Deno.connect`
 *   (the same `deno` binary, an empty `DENO_DIR`), and a one-line `fetch`;
 * - a one-`fetch` program compiled with `bun build --compile` (Bun 1.4.4, from the npm registry:
 *   `npm pack @oven/bun-linux-x64@1.4.4`), when it can be fetched;
 * - the same one-`fetch` program run by Node.js (the `node` on PATH);
 * - the echo function written with aws-lambda-go (`tests/go/cmd/goecho`).
 *
 * Every start has an empty `DENO_DIR` and `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128`. The block
 * device's read-ahead is set to Lambda-like 128 KB for the run (`--readahead-kb`; restored at the
 * end), since a disk that reads ahead megabytes reads the whole binary whatever a start touches.
 * `--variant NAME=FILE` adds the one-zip package started by another launcher (FILE, copied beside
 * its `bootstrap`), to try a change to the start path against the launcher as built. `--prefetch`
 * records which pages of `deno` one cold start of the one-zip package reads (`mincore(2)` after
 * it, through Deno's FFI) and adds two such launchers: `prefetch-head` reads the first recorded
 * range (the relocation tables the dynamic loader walks before `main`) with one `dd` before it
 * starts Deno, `prefetch-ranges` reads every recorded range (merged over gaps up to 256 KB) with
 * a `dd` of 4 MB blocks each, in order, in the background while Deno starts (its reads are not in
 * the started process's count: it is not waited for). After the rounds, one more cold start of
 * the one-zip package, and `fincore` of the files it read. `--package NAME=ZIP` adds another
 * one-zip package of `examples/echo.ts` built for `/var/task` (at another commit, say).
 * `--keep-page-cache` drops nothing: every start still has an empty `DENO_DIR` (a cold start as the
 * other benchmarks count it), on a warm disk.
 *
 * ```sh
 * deno run -A benchmarks/cold_disk.ts [--rounds 11] [--readahead-kb 128] [--no-bun] \
 *   [--no-node] [--no-layer] [--prefetch] [--variant NAME=FILE]… [--package NAME=ZIP]… \
 *   [--keep-page-cache]
 * ```
 *
 * Needs root (drop_caches, `unshare`, `mount`, the device's `read_ahead_kb`), Go, `unzip`, `npm`
 * and `node` for those subjects, `fincore` (util-linux). It slows every process on the machine
 * for a moment each time it drops the caches.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DENO_FETCH_FLOOR, DENO_RAW_GET_FLOOR, NODE_FETCH_FLOOR } from "./_floors.ts";
import { medianOf, parseStart, runAsLambda, type Start, unzipInto } from "./_package.ts";
import { run } from "./_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "11" },
    "readahead-kb": { type: "string", default: "128" },
    memory: { type: "string", default: "128" },
    "no-bun": { type: "boolean", default: false },
    "no-layer": { type: "boolean", default: false },
    "no-node": { type: "boolean", default: false },
    prefetch: { type: "boolean", default: false },
    variant: { type: "string", multiple: true, default: [] },
    package: { type: "string", multiple: true, default: [] },
    "keep-page-cache": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const readaheadKb = Number(values["readahead-kb"]);
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error("--rounds: a positive integer");
if (!Number.isSafeInteger(readaheadKb) || readaheadKb < 0) {
  throw new Error("--readahead-kb: a non-negative integer");
}
const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-cold-disk-" }));

/** The `read_ahead_kb` file of the block device holding `path` (the disk, for a partition). */
async function readaheadFile(path: string): Promise<string | undefined> {
  const dev = (await Deno.stat(path)).dev;
  const id = `${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`;
  for (const f of [`/sys/dev/block/${id}/queue`, `/sys/dev/block/${id}/../queue`]) {
    const file = `${f}/read_ahead_kb`;
    if (await Deno.stat(file).then(() => true, () => false)) return file;
  }
  return undefined;
}

async function dropCaches(): Promise<void> {
  await run("sync", []);
  await Deno.writeTextFile("/proc/sys/vm/drop_caches", "3\n");
}

// ---- the subjects ------------------------------------------------------------------------------

async function build(out: string, extra: string[]): Promise<void> {
  await run(Deno.execPath(), [
    "task",
    "build",
    "examples/echo.ts",
    "--no-check",
    "--out",
    out,
    ...extra,
  ], { cwd: ROOT });
}

/** `<root>/var/task` and `<root>/opt`, bound read-only onto `/var` and `/opt` for each start. */
interface Tree {
  root: string;
}

async function tree(name: string): Promise<Tree> {
  const root = `${work}/${name}`;
  await Deno.mkdir(`${root}/var/task`, { recursive: true });
  await Deno.mkdir(`${root}/var/tmp`, { recursive: true });
  await Deno.mkdir(`${root}/opt`, { recursive: true });
  return { root };
}

console.error(`building examples/echo.ts (one zip${values["no-layer"] ? "" : ", and --layer"}) …`);
const one = await tree("one");
await build(`${work}/one-dist`, ["--runtime", "deno"]);
await unzipInto(`${work}/one-dist/x86_64/bootstrap.zip`, `${one.root}/var/task`);
const variants: { name: string; file: string }[] = [];
for (const v of values.variant) {
  const m = /^([a-z0-9-]+)=(.+)$/.exec(v);
  if (!m) throw new Error(`--variant ${v}: NAME=FILE, NAME of [a-z0-9-]`);
  const file = `bootstrap-${m[1]}`;
  await Deno.copyFile(m[2], `${one.root}/var/task/${file}`);
  await Deno.chmod(`${one.root}/var/task/${file}`, 0o755);
  variants.push({ name: m[1], file });
}
let layer: Tree | undefined;
// Other one-zip packages of examples/echo.ts (built for /var/task, at another commit, say).
const packages: { name: string; tree: Tree }[] = [];
for (const p of values.package) {
  const m = /^([a-z0-9-]+)=(.+)$/.exec(p);
  if (!m) throw new Error(`--package ${p}: NAME=ZIP, NAME of [a-z0-9-]`);
  const t = await tree(`package-${m[1]}`);
  await run("unzip", ["-q", m[2], "-d", `${t.root}/var/task`]);
  packages.push({ name: m[1], tree: t });
}
if (!values["no-layer"]) {
  layer = await tree("layer");
  await build(`${work}/layer-dist`, ["--layer"]);
  await unzipInto(`${work}/layer-dist/x86_64/layer.zip`, `${layer.root}/opt`);
  await unzipInto(`${work}/layer-dist/x86_64/function.zip`, `${layer.root}/var/task`);
}

// The references' programs live in the one-zip tree's /var/task, beside its `deno`.
const task = `${one.root}/var/task`;
await Deno.writeTextFile(`${task}/floor-fetch.js`, DENO_FETCH_FLOOR);
await Deno.writeTextFile(`${task}/floor-raw.js`, DENO_RAW_GET_FLOOR);
await Deno.writeTextFile(`${task}/fetch.mjs`, NODE_FETCH_FLOOR);

async function goBuild(pkg: string, out: string): Promise<string> {
  await run("go", ["build", "-o", out, `./${pkg}`], { cwd: `${ROOT}tests/go` });
  return out;
}
const host = await goBuild("cmd/runtimeapihost", `${work}/runtimeapihost`);
await goBuild("cmd/goecho", `${task}/goecho`);

let bun: string | undefined;
if (!values["no-bun"]) {
  try {
    const dir = `${work}/bun`;
    await Deno.mkdir(dir);
    const tgz = (await run("npm", ["pack", "--silent", "@oven/bun-linux-x64@1.4.4"], { cwd: dir }))
      .trim().split("\n").pop()!;
    await run("tar", ["xzf", tgz], { cwd: dir });
    await Deno.writeTextFile(`${dir}/fetch.ts`, NODE_FETCH_FLOOR);
    await run(`${dir}/package/bin/bun`, [
      "build",
      "--compile",
      "fetch.ts",
      "--outfile",
      `${task}/fetch-bun`,
    ], { cwd: dir });
    bun = "/var/task/fetch-bun";
  } catch (e) {
    console.error(`Bun left out: ${(e as Error).message.split("\n")[0]}`);
  }
}
interface Subject {
  name: string;
  tree: Tree;
  cmd: string[];
}

let dirs = 0;
/** One start of `s` in its namespace, after dropping the page cache when `cold`. */
async function start(s: Subject, cold: boolean): Promise<Start> {
  const denoDir = `${work}/deno-dir-${dirs++}`;
  if (cold && !values["keep-page-cache"]) await dropCaches();
  const out = await runAsLambda(s.tree.root, [host, "-n", "0", "--", ...s.cmd], {
    DENO_DIR: denoDir,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: values.memory!,
  });
  await Deno.remove(denoDir, { recursive: true }).catch(() => {});
  return parseStart(out);
}

// ---- the read-ahead, and a prefetch recorded from one cold start -------------------------------

const raFile = await readaheadFile(work);
const raBefore = raFile ? (await Deno.readTextFile(raFile)).trim() : undefined;
if (raFile) await Deno.writeTextFile(raFile, `${readaheadKb}\n`);
try {
  await measure();
} finally {
  if (raFile && raBefore !== undefined) await Deno.writeTextFile(raFile, `${raBefore}\n`);
}
await Deno.remove(work, { recursive: true });

/** The pages of `path` in the page cache, as byte ranges `[start, end)` (`mincore(2)`). */
function residentRanges(path: string): [number, number][] {
  const libc = Deno.dlopen("libc.so.6", {
    open: { parameters: ["buffer", "i32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
    mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
    munmap: { parameters: ["pointer", "usize"], result: "i32" },
    mincore: { parameters: ["pointer", "usize", "buffer"], result: "i32" },
  });
  try {
    const size = Deno.statSync(path).size;
    const fd = libc.symbols.open(new TextEncoder().encode(path + "\0"), 0);
    if (fd < 0) throw new Error(`open ${path} failed`);
    const PROT_READ = 1, MAP_SHARED = 1;
    const addr = libc.symbols.mmap(null, BigInt(size), PROT_READ, MAP_SHARED, fd, 0n);
    libc.symbols.close(fd);
    const pages = new Uint8Array(Math.ceil(size / 4096));
    if (libc.symbols.mincore(addr, BigInt(size), pages) !== 0) throw new Error("mincore failed");
    libc.symbols.munmap(addr, BigInt(size));
    const ranges: [number, number][] = [];
    pages.forEach((v, i) => {
      if ((v & 1) === 0) return;
      const last = ranges.at(-1);
      if (last && last[1] === i * 4096) last[1] = Math.min(size, (i + 1) * 4096);
      else ranges.push([i * 4096, Math.min(size, (i + 1) * 4096)]);
    });
    return ranges;
  } finally {
    libc.close();
  }
}

/** `ranges` with the gaps up to `gap` bytes between them filled. */
function merge(ranges: [number, number][], gap: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of ranges) {
    const last = out.at(-1);
    if (last && a - last[1] <= gap) last[1] = b;
    else out.push([a, b]);
  }
  return out;
}

/** The one-zip launcher with `lines` run just before it starts Deno. */
async function launcherWith(name: string, lines: string): Promise<void> {
  const text = await Deno.readTextFile(`${task}/bootstrap`);
  const at = text.lastIndexOf("\nexec ") + 1;
  if (at === 0) throw new Error("the launcher has no exec line");
  const file = `bootstrap-${name}`;
  await Deno.writeTextFile(`${task}/${file}`, text.slice(0, at) + lines + text.slice(at), {
    mode: 0o755,
  });
  variants.push({ name, file });
}

async function measure(): Promise<void> {
  const recordStart: Subject = { name: "record", tree: one, cmd: ["/var/task/bootstrap"] };
  if (values.prefetch) {
    await start(recordStart, true);
    const ranges = residentRanges(`${task}/deno`);
    const total = ranges.reduce((n, [a, b]) => n + b - a, 0);
    const spread = merge(ranges, 256 * 1024);
    console.error(
      `prefetch: a cold start read ${(total / 1e6).toFixed(1)} MB of deno in ${ranges.length} ` +
        `ranges (${spread.length} with gaps up to 256 KB filled)`,
    );
    const dd = (a: number, b: number, bs: string) =>
      `dd if="$here/deno" of=/dev/null bs=${bs} iflag=skip_bytes,count_bytes skip=${a} count=${
        b - a
      } 2>/dev/null`;
    await launcherWith(
      "prefetch-head",
      `# A prefetch of the relocation tables (recorded at build time).\n${
        dd(...ranges[0], "4M")
      }\n`,
    );
    await launcherWith(
      "prefetch-ranges",
      `# A prefetch of what a start reads of deno (recorded at build time), in the background.\n(\n${
        spread.map(([a, b]) => `  ${dd(a, b, "4M")}\n`).join("")
      }) &\n`,
    );
  }
  const nodeVersion = values["no-node"]
    ? undefined
    : await run("node", ["--version"]).then((v) => v.trim(), () => undefined);

  const deno = ["/var/task/deno", "run", "-A", "--no-config", "--no-lock"];
  const subjects: Subject[] = [
    { name: "function, one zip", tree: one, cmd: ["/var/task/bootstrap"] },
    ...packages.map((p) => ({
      name: `function, one zip, ${p.name}`,
      tree: p.tree,
      cmd: ["/var/task/bootstrap"],
    })),
    ...variants.map((v) => ({
      name: `function, one zip, ${v.name}`,
      tree: one,
      cmd: [`/var/task/${v.file}`],
    })),
    ...(layer ? [{ name: "function, layer pair", tree: layer, cmd: ["/opt/bootstrap"] }] : []),
    { name: "Deno floor: raw GET", tree: one, cmd: [...deno, "/var/task/floor-raw.js"] },
    { name: "Deno floor: one fetch", tree: one, cmd: [...deno, "/var/task/floor-fetch.js"] },
    ...(bun ? [{ name: "Bun 1.4.4 --compile, one fetch", tree: one, cmd: [bun] }] : []),
    ...(nodeVersion
      ? [{
        name: `Node.js ${nodeVersion}, one fetch`,
        tree: one,
        cmd: ["node", "/var/task/fetch.mjs"],
      }]
      : []),
    { name: "aws-lambda-go", tree: one, cmd: ["/var/task/goecho"] },
  ];

  // ---- the run -----------------------------------------------------------------------------------

  const samples = new Map<string, Start[]>(subjects.map((s) => [s.name, []]));
  let resident = "";
  {
    for (const s of subjects) await start(s, false); // each works, before any timing
    console.error(
      `${rounds} rounds of ${subjects.length} cold starts (read-ahead ${
        raFile ? `${readaheadKb} KB, was ${raBefore} KB` : "unchanged: no device file found"
      }) …`,
    );
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? subjects : [...subjects].reverse();
      for (const s of order) samples.get(s.name)!.push(await start(s, true));
    }
    // What one cold start of the one-zip package leaves in the page cache: what it read.
    await start(subjects[0], true);
    const files = [
      `${task}/deno`,
      ...[...Deno.readDirSync(task)].filter((e) => e.isFile && e.name.endsWith(".js"))
        .map((e) => `${task}/${e.name}`),
      ...[...Deno.readDirSync(`${task}/.deno-cache`)].map((e) => `${task}/.deno-cache/${e.name}`),
    ];
    resident = await run("fincore", [
      "--bytes",
      "--noheadings",
      "--raw",
      "--output",
      "RES,SIZE,FILE",
      ...files,
    ])
      .catch((e) => `fincore failed: ${(e as Error).message}`);
  }

  const bunName = subjects.find((s) => s.name.startsWith("Bun"))?.name;
  const rawName = "Deno floor: raw GET";
  const bunWall = bunName ? medianOf(samples.get(bunName)!.map((x) => x.wall)) : NaN;
  const rawWall = medianOf(samples.get(rawName)!.map((x) => x.wall));
  const rawCpu = medianOf(samples.get(rawName)!.map((x) => x.cpu));
  console.log(
    `${
      values["keep-page-cache"]
        ? "warm disk (page cache kept), empty DENO_DIR"
        : "cold disk (page cache dropped before each start)"
    }; read-ahead ${readaheadKb} KB; ` +
      `memory ${values.memory} MB; medians of ${rounds} alternating rounds; load ${
        (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")
      } at the end)\n`,
  );
  console.log(
    "| subject | exec → /next | CPU | read from disk | vs Bun (wall) | vs raw-GET floor (wall / CPU) |\n" +
      "| --- | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const s of subjects) {
    const xs = samples.get(s.name)!;
    const wall = medianOf(xs.map((x) => x.wall));
    const cpu = medianOf(xs.map((x) => x.cpu));
    const mb = medianOf(xs.map((x) => x.readBytes)) / 1e6;
    const vsBun = Number.isNaN(bunWall) ? "" : `${(wall / bunWall).toFixed(2)}×`;
    const vsRaw = s.name === rawName
      ? ""
      : `${(wall - rawWall) >= 0 ? "+" : ""}${(wall - rawWall).toFixed(1)} / ${
        (cpu - rawCpu) >= 0 ? "+" : ""
      }${(cpu - rawCpu).toFixed(1)} ms`;
    console.log(
      `| ${s.name} | ${wall.toFixed(1)} ms | ${cpu.toFixed(1)} ms | ${
        mb.toFixed(1)
      } MB | ${vsBun} | ${vsRaw} |`,
    );
  }
  console.log(
    "\nresident after one cold start of the one-zip package (fincore: bytes, size, file):",
  );
  console.log(resident.replaceAll(`${one.root}`, ""));
}
