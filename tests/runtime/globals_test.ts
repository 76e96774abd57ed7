/**
 * Importing the library installs nothing on `globalThis` for a library user: `gob`, `rpc` and the
 * package root outside a Lambda environment leave no `awslambda` global and no listeners. The
 * runtime's entry points install them for a function, before its module body runs: `runtime/mod.ts`
 * and `http/mod.ts` always, the root when a protocol's variable is set. Each import runs in a
 * process of its own, as a user's program would.
 */
import assert from "node:assert/strict";
import { goTest } from "../_support/go.ts";
import { denoFunction, header, op, postFor, runPlatform } from "./_platform.ts";

const FIXTURE = new URL("./fixtures/globals_after_import.ts", import.meta.url).pathname;
const ROOT = "../../../";

async function globalsAfter(
  module: string,
  env: Record<string, string> = {},
): Promise<{ awslambda: string[] | null; listeners: string[] }> {
  const keep = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", FIXTURE, ROOT + module],
    clearEnv: true,
    env: {
      ...Object.fromEntries(keep.flatMap((k) => {
        const v = Deno.env.get(k);
        return v === undefined ? [] : [[k, v]];
      })),
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

const NONE = { awslambda: null, listeners: [] };
const ALL = {
  awslambda: ["HttpResponseStream", "InvokeStore", "streamifyResponse"],
  listeners: ["unhandledrejection", "error"],
};

Deno.test("import: gob, rpc and the package root install nothing for a library user", async () => {
  assert.deepEqual(await globalsAfter("gob/mod.ts"), NONE);
  assert.deepEqual(await globalsAfter("rpc/mod.ts"), NONE);
  assert.deepEqual(await globalsAfter("mod.ts"), NONE);
});

Deno.test("import: the runtime's entry points install the function's globals", async () => {
  assert.deepEqual(await globalsAfter("http/mod.ts"), ALL);
  assert.deepEqual(await globalsAfter("runtime/mod.ts"), {
    awslambda: ["InvokeStore"],
    listeners: ["unhandledrejection", "error"],
  });
  // A function importing `start` from the root, as `deno task new` writes it.
  assert.deepEqual(await globalsAfter("mod.ts", { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9" }), ALL);
  assert.deepEqual(await globalsAfter("mod.ts", { _LAMBDA_SERVER_PORT: "9" }), ALL);
});

goTest(
  "import: a function importing only the root calls awslambda.streamifyResponse at its top level",
  async () => {
    const report = await runPlatform(
      { invokes: [op("s-1", { op: "any" })] },
      denoFunction("tests/runtime/fixtures/root_streamify.ts"),
    );
    const post = postFor(report, "s-1");
    assert.equal(post.body, "top-level streamify", report.stderr);
    assert.equal(header(post, "Lambda-Runtime-Function-Response-Mode"), "streaming");
  },
);
