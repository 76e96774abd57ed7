/**
 * The gob suite once more with code generation off: the codec compiles its encode and decode
 * plans with `new Function` where it may, and falls back to closures where it may not (under a
 * content security policy). V8's `--disallow-code-generation-from-strings` is exactly that
 * condition, so this runs every other test file of `tests/gob/` in a child `deno test` with the
 * flag, after checking that the flag really turns generation off.
 *
 * @module
 */

import assert from "node:assert/strict";

const FLAG = "--v8-flags=--disallow-code-generation-from-strings";
const here = new URL("./", import.meta.url);
const self = new URL(import.meta.url).pathname.split("/").pop();

async function run(args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("gob without code generation: the flag turns generation off", async () => {
  const url = new URL("../../gob/codegen.ts", import.meta.url).href;
  const r = await run([
    "eval",
    FLAG,
    `const { canGenerate } = await import(${JSON.stringify(url)}); console.log(canGenerate);`,
  ]);
  assert.ok(r.ok, r.out);
  assert.equal(r.out.trim(), "false");
});

Deno.test("gob without code generation: the whole gob suite passes on the fallback plans", async () => {
  const files = [...Deno.readDirSync(here)]
    .map((e) => e.name)
    .filter((n) => n.endsWith("_test.ts") && n !== self)
    .sort()
    .map((n) => `tests/gob/${n}`);
  assert.ok(files.length >= 4, `found ${files}`);
  const r = await run(["test", "-A", FLAG, ...files]);
  assert.ok(r.ok, r.out.slice(-4000));
  assert.match(r.out, /ok \| \d+ passed/);
});
