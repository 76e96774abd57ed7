/**
 * What the runtime loads and keeps: the Runtime API path's module graph holds no gob, no rpc and
 * no `node:` module; Node.js built-ins load only when a handler needs them; the invocation scope
 * (request ids in log lines) is right with and without overlapping invocations.
 */

import assert from "node:assert/strict";
import { currentRequestId, invokeScope } from "../../runtime/context.ts";
import { format } from "../../runtime/lazy_node.ts";
import { format as utilFormat } from "node:util";

const ROOT = new URL("../../", import.meta.url);

interface InfoModule {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier: string }; isDynamic?: boolean }[];
}

/** The modules `entry` loads before any dynamic import, as `deno info --json` resolves them. */
async function staticGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, ROOT).href],
    stdout: "piped",
  }).output();
  assert.ok(out.success);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: InfoModule[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      // type-only imports (no `code`) vanish with the types; dynamic ones load later
      if (d.isDynamic || !d.code) continue;
      visit(d.code.specifier);
    }
  };
  info.roots.forEach(visit);
  return [...seen].map((s) => s.startsWith(ROOT.href) ? s.slice(ROOT.href.length) : s);
}

Deno.test("footprint: the Runtime API path loads no gob, no rpc, no node: module", async () => {
  const graph = await staticGraph("examples/echo.ts");
  assert.ok(graph.includes("runtime/start.ts"));
  assert.deepEqual(graph.filter((m) => m.startsWith("node:")), []);
  assert.deepEqual(graph.filter((m) => m.startsWith("gob/")), []);
  assert.deepEqual(graph.filter((m) => m.startsWith("rpc/")), []);
  // Each protocol's transport is loaded only in its mode: go1.x's server, and the Runtime API's
  // HTTP client (runtime/mod.ts does not re-export it, or every go1.x start would load it).
  assert.ok(!graph.includes("runtime/go1x.ts"));
  for (const m of ["runtime/runtime_api.ts", "runtime/runtime_api_client.ts", "ground/http1.ts"]) {
    assert.ok(!graph.includes(m), `${m} is loaded at start`);
  }
  // OpenTelemetry's module is loaded only with OTEL_DENO=true.
  assert.ok(!graph.includes("runtime/telemetry.ts"), "runtime/telemetry.ts is loaded at start");
  // The worker isolates of a concurrent environment are set up by modules a sequential start
  // never loads, and they load node:worker_threads only when they run (a static import would be
  // hoisted into every bundle).
  for (const m of ["runtime/workers.ts", "runtime/worker_count.ts"]) {
    assert.ok(!graph.includes(m), `${m} is loaded at start`);
  }
  assert.deepEqual(
    (await staticGraph("runtime/workers.ts")).filter((m) => m.startsWith("node:")),
    [],
  );
  // A function importing the package root or the HTTP adapter (every HTTP function) loads no
  // node: module either (the awslambda global's Writable comes from node:stream on first use),
  // nor the go1.x server's gob and rpc.
  for (const entry of ["mod.ts", "http/mod.ts"]) {
    const g = await staticGraph(entry);
    assert.deepEqual(g.filter((m) => m.startsWith("node:")), [], entry);
  }
  assert.deepEqual((await staticGraph("http/mod.ts")).filter((m) => /^(gob|rpc)\//.test(m)), []);
  const runtimeApi = await staticGraph("runtime/runtime_api.ts");
  assert.ok(runtimeApi.includes("runtime/runtime_api_client.ts"));
  assert.deepEqual(runtimeApi.filter((m) => /^(gob|rpc)\/|^node:/.test(m)), []);
});

Deno.test("footprint: the go1.x path loads no node: module either", async () => {
  // A bundler hoists a lazily loaded module's `node:` imports to the top of the bundle, so one
  // here would be paid by every function, whichever protocol it serves.
  const graph = await staticGraph("runtime/go1x.ts");
  assert.ok(graph.includes("rpc/server.ts"));
  assert.deepEqual(graph.filter((m) => m.startsWith("node:")), []);
});

Deno.test("footprint: the go1.x server loads no JSON-RPC codec, no HTTP, no Runtime API client", async () => {
  // A go1.x start pays for every byte its server loads; the rpc server loads the JSON-RPC codec
  // and the HTTP CONNECT handshake only when a connection asks for them.
  const graph = await staticGraph("runtime/go1x.ts");
  assert.ok(graph.includes("rpc/gob_codec.ts"));
  for (const m of ["rpc/jsonrpc.ts", "rpc/typed_json.ts", "rpc/http.ts", "ground/http1.ts"]) {
    assert.ok(!graph.includes(m), `${m} is loaded by the go1.x server`);
  }
  assert.ok(!graph.includes("runtime/runtime_api.ts"));
});

Deno.test("footprint: format needs node:util only for what util.format alone can do", async () => {
  // Plain calls (all strings, no `%` in the first) are joined without node:util; the rest go to
  // util.format. Each case gets a fresh instance of the module (node:util is cached once loaded)
  // and the built-ins it asks `process.getBuiltinModule` for are recorded.
  const plain: unknown[][] = [["plain"], ["a", "b", "c"], [], ["100 percent", "done"]];
  const needsUtil: unknown[][] = [
    ["%s=%d", "x", 3],
    ["100%", "done"],
    [{ a: 1 }, "b"],
    ["a", { b: [1, 2] }],
    [new Error("boom")],
    [1, 2n, null, undefined],
  ];
  const proc = (globalThis as unknown as {
    process: { getBuiltinModule(id: string): unknown };
  }).process;
  const original = proc.getBuiltinModule;
  const loaded: string[] = [];
  proc.getBuiltinModule = (id: string) => {
    loaded.push(id);
    return original.call(proc, id);
  };
  try {
    let instance = 0;
    for (
      const [args, wanted] of [
        ...plain.map((a) => [a, []] as const),
        ...needsUtil.map((a) => [a, ["node:util"]] as const),
      ]
    ) {
      const specifier = `../../runtime/lazy_node.ts?instance=${instance++}`;
      const fresh = await import(specifier) as { format: typeof format };
      loaded.length = 0;
      assert.equal(fresh.format(...args), utilFormat(...args));
      assert.deepEqual(loaded, wanted, `built-ins loaded by format(${Deno.inspect(args)})`);
    }
  } finally {
    proc.getBuiltinModule = original;
  }
  // The shared instance agrees with util.format on every case.
  for (const args of [...plain, ...needsUtil]) assert.equal(format(...args), utilFormat(...args));
});

Deno.test("footprint: request ids follow invocations, one at a time and overlapping", async () => {
  const tick = () => new Promise((r) => setTimeout(r, 1));
  // one at a time
  for (const id of ["a", "b"]) {
    const seen = await invokeScope.run({ requestId: id }, async () => {
      const before = currentRequestId();
      await tick();
      return [before, currentRequestId()];
    });
    assert.deepEqual(seen, [id, id]);
  }
  assert.equal(currentRequestId(), undefined);

  // overlapping: the first runs when the others start
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const first = invokeScope.run({ requestId: "first" }, async () => {
    await gate;
    await tick();
    return currentRequestId();
  });
  const others = ["x", "y", "z"].map((id) =>
    invokeScope.run({ requestId: id }, async () => {
      await tick();
      const mid = currentRequestId();
      await tick();
      return [mid, currentRequestId()];
    })
  );
  const rest = await Promise.all(others);
  release();
  assert.equal(await first, "first");
  assert.deepEqual(rest, [["x", "x"], ["y", "y"], ["z", "z"]]);
  assert.equal(currentRequestId(), undefined);
});
