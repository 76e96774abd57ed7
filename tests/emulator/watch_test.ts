/**
 * `serve --watch`: a change to the function's source replaces its
 * environments, so the next invocation runs the new code.
 */
import assert from "node:assert/strict";
import { FunctionPool } from "../../emulator/pool.ts";

const RUNTIME = new URL("../../runtime/mod.ts", import.meta.url).href;
const CLI = new URL("../../emulator/cli.ts", import.meta.url).pathname;

async function writeFunction(path: string, version: number): Promise<void> {
  await Deno.writeTextFile(
    path,
    `import { start } from ${JSON.stringify(RUNTIME)};\nstart(() => ({ version: ${version} }));\n`,
  );
}

const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

Deno.test("pool.recycle: the next invocation runs in a fresh process with the new code", async () => {
  const dir = await Deno.makeTempDir();
  const entry = `${dir}/fn.ts`;
  await writeFunction(entry, 1);
  const pool = new FunctionPool({
    entry,
    protocol: "runtime-api",
    stderr: "piped",
    maxConcurrency: 2,
  });
  try {
    const first = await pool.invoke({});
    assert.ok(first.ok);
    assert.deepEqual(decode(first.payload), { version: 1 });
    await writeFunction(entry, 2);
    pool.recycle();
    const second = await pool.invoke({});
    assert.ok(second.ok);
    assert.deepEqual(decode(second.payload), { version: 2 });
    assert.ok(pool.size <= 2);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --watch restarts the function when its file changes", async () => {
  const dir = await Deno.makeTempDir();
  const entry = `${dir}/fn.ts`;
  await writeFunction(entry, 1);
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "--watch", entry, "--port", String(port)],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`;
  const invoke = async () => {
    for (let i = 0; i < 100; i++) {
      try {
        const r = await fetch(url, { method: "POST", body: "{}" });
        return await r.json();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error("serve never answered");
  };
  try {
    assert.deepEqual(await invoke(), { version: 1 });
    await writeFunction(entry, 2);
    let answer: unknown = null;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await invoke();
      if ((answer as { version: number }).version === 2) break;
    }
    assert.deepEqual(answer, { version: 2 });
  } finally {
    server.kill("SIGTERM");
    await server.stderr.cancel();
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
});
