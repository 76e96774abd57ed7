/**
 * The interface registry starts as Go's does after `registerBasics`: the basic types and slices
 * of them under their Go names, however the registry is first used (each case runs in a fresh
 * process, where nothing has touched it yet).
 */

import assert from "node:assert/strict";

const GOB = new URL("../../gob/mod.ts", import.meta.url).href;

/** Runs `body` (a module with `gob` imported) in a fresh process; returns its stdout. */
async function fresh(body: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import * as gob from ${JSON.stringify(GOB)};\n${body}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, err);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("registry: a basic type's Go name is taken before the first registration", async () => {
  const out = await fresh(`
    try {
      gob.registerName("int", gob.t.string);
      console.log("registered");
    } catch (e) {
      console.log(e.message);
    }
  `);
  assert.match(out, /registering duplicate types for "int"/);
});

Deno.test("registry: basic types travel in interface values with nothing registered", async () => {
  const out = await fresh(`
    const values = [
      { name: "int", value: -7 },
      { name: "[]string", value: ["a", "b"] },
      { name: "[]uint8", value: new Uint8Array([1, 2]) },
    ];
    for (const v of values) {
      const back = gob.decode(gob.encode(gob.t.any, v), gob.t.any);
      console.log(JSON.stringify([back.name, back.value instanceof Uint8Array ? [...back.value] : back.value]));
    }
  `);
  assert.deepEqual(out.split("\n"), [
    `["int",-7]`,
    `["[]string",["a","b"]]`,
    `["[]uint8",[1,2]]`,
  ]);
});
