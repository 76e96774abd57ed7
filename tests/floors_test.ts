/**
 * The floors of ARCHITECTURE.md, held: every module of the product imports only its own folder
 * and the floors below (static, dynamic and type-only imports alike), and no import chain comes
 * back to where it started. The import graph is Deno's own (`deno info --json`), so what is
 * checked is what Deno loads.
 *
 * @module
 */

import assert from "node:assert/strict";

/** Each folder's floor (ARCHITECTURE.md): a folder may import only folders on lower floors. */
const FLOORS: Readonly<Record<string, number>> = {
  ground: 0,
  gob: 1,
  // Siblings over gob/: the contracts (only protocol/go1x.ts needs gob) and Go's net/rpc.
  protocol: 2,
  rpc: 2,
  runtime: 3,
  http: 4,
  emulator: 5,
  packaging: 5,
  // The command-line tools: deploy builds its package with packaging/.
  tools: 6,
};

/** The product's root module re-exports the floors; nothing imports it. */
const ROOT = "mod.ts";

const repo = new URL("../", import.meta.url);

/** Imports between the product's modules, by path from the repository root. */
type Graph = Map<string, Set<string>>;

/** The import graph of every module of the product, from `deno info --json`. */
async function productGraph(): Promise<Graph> {
  const files: string[] = [ROOT];
  for (const folder of Object.keys(FLOORS)) await collect(folder, files);
  const dir = await Deno.makeTempDir({ prefix: "gopherless-floors-" });
  try {
    const root = `${dir}/all.ts`;
    await Deno.writeTextFile(
      root,
      files.map((f) => `import ${JSON.stringify(new URL(f, repo).href)};\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "info",
        "--json",
        "--config",
        new URL("deno.json", repo).pathname,
        `--lock=${new URL("tests/deno.lock", repo).pathname}`,
        root,
      ],
      cwd: new URL(".", repo).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
      }[];
    };
    const local = (s: string | undefined) =>
      s?.startsWith(repo.href) ? s.slice(repo.href.length) : null;
    const graph: Graph = new Map();
    for (const m of info.modules) {
      const from = local(m.specifier);
      if (from === null) continue;
      const to = new Set<string>();
      for (const d of m.dependencies ?? []) {
        for (const s of [d.code?.specifier, d.type?.specifier]) {
          const p = local(s);
          if (p !== null) to.add(p);
        }
      }
      graph.set(from, to);
    }
    for (const f of files) assert.ok(graph.has(f), `deno info did not reach ${f}`);
    return graph;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function collect(path: string, out: string[]): Promise<void> {
  for await (const e of Deno.readDir(new URL(path, repo))) {
    const p = `${path}/${e.name}`;
    if (e.isDirectory) await collect(p, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
}

/** The folder (floor) of a module; the root module is above every floor. */
function folderOf(path: string): string {
  return path === ROOT ? ROOT : path.slice(0, path.indexOf("/"));
}

/** Imports that run up a floor or across to a sibling folder on the same floor. */
function upImports(graph: Graph): string[] {
  const bad: string[] = [];
  for (const [from, tos] of graph) {
    const a = folderOf(from);
    for (const to of tos) {
      const b = folderOf(to);
      if (a === b || a === ROOT && b !== ROOT) continue;
      const fa = FLOORS[a], fb = FLOORS[b];
      if (fa === undefined || fb === undefined || fb >= fa) bad.push(`${from} -> ${to}`);
    }
  }
  return bad.sort();
}

/** Every import circle, as the chain of modules that closes it (found by depth-first search). */
function circles(graph: Graph): string[][] {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  const found: string[][] = [];
  for (const start of [...graph.keys()].sort()) {
    if (state.has(start)) continue;
    // Iterative, so a long chain of imports is no risk to the stack.
    const path: string[] = [start];
    const pending: string[][] = [[...(graph.get(start) ?? [])].sort()];
    state.set(start, 1);
    while (path.length > 0) {
      const next = pending[pending.length - 1].shift();
      if (next === undefined) {
        state.set(path.pop()!, 2);
        pending.pop();
        continue;
      }
      const s = state.get(next);
      if (s === 1) found.push([...path.slice(path.indexOf(next)), next]);
      else if (s === undefined) {
        state.set(next, 1);
        path.push(next);
        pending.push([...(graph.get(next) ?? [])].sort());
      }
    }
  }
  return found;
}

Deno.test("floors: no module imports a floor above its own or a sibling folder", async () => {
  const graph = await productGraph();
  assert.ok(graph.size > 100, `only ${graph.size} modules found`);
  assert.deepEqual(upImports(graph), []);
});

Deno.test("floors: no import circles", async () => {
  assert.deepEqual(circles(await productGraph()), []);
});

Deno.test("floors: the checks see an import up a floor, across siblings and a circle", () => {
  const graph: Graph = new Map([
    ["gob/a.ts", new Set(["ground/b.ts", "rpc/c.ts"])],
    ["rpc/c.ts", new Set(["protocol/d.ts", "gob/a.ts"])],
    ["protocol/d.ts", new Set(["gob/a.ts"])],
    ["ground/b.ts", new Set<string>()],
    ["mod.ts", new Set(["rpc/c.ts"])],
  ]);
  assert.deepEqual(upImports(graph), ["gob/a.ts -> rpc/c.ts", "rpc/c.ts -> protocol/d.ts"]);
  assert.deepEqual(circles(graph), [
    ["gob/a.ts", "rpc/c.ts", "gob/a.ts"],
    ["gob/a.ts", "rpc/c.ts", "protocol/d.ts", "gob/a.ts"],
  ]);
});
