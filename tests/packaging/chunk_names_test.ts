/** Chunk names from the chunks' code, whatever names the bundler gave them. */
import assert from "node:assert/strict";
import { contentChunkNames, renameChunkReferences } from "../../packaging/chunk_names.ts";

/** A split bundle as esbuild names it, with `a` and `b` for the two chunks' hashes. */
function bundleNamed(a: string, b: string): Map<string, string> {
  return new Map([
    ["hello.js", `import{x}from"./chunk-${a}.js";await import(("./go1x-${b}.js"));`],
    [`chunk-${a}.js`, `export const x=1;`],
    [`go1x-${b}.js`, `import{x}from"./chunk-${a}.js";export const y=x;`],
  ]);
}

Deno.test("contentChunkNames: the same code gets the same names, of the same length", async () => {
  const one = bundleNamed("22MFGR3S", "L5CPRE6Z");
  const two = bundleNamed("2COVMTQ3", "YBN4CS52");
  const chunks = (m: Map<string, string>) => new Set([...m.keys()].filter((n) => n !== "hello.js"));
  const n1 = await contentChunkNames(one, chunks(one));
  const n2 = await contentChunkNames(two, chunks(two));
  assert.deepEqual([...n1.values()].sort(), [...n2.values()].sort());
  for (const [from, to] of n1) {
    assert.equal(to.length, from.length, "no column of a source map moves");
    assert.match(to, /^(chunk|go1x)-[A-Z2-7]{8}\.js$/);
  }
  const entry = (m: Map<string, string>, n: Map<string, string>) =>
    renameChunkReferences(m.get("hello.js")!, n);
  assert.equal(entry(one, n1), entry(two, n2));
  assert.ok(entry(one, n1).includes(n1.get("go1x-L5CPRE6Z.js")!));
});

Deno.test("contentChunkNames: other code, other name; names not esbuild's are kept", async () => {
  const code = new Map([
    ["chunk-AAAAAAAA.js", "export const x=1;"],
    ["chunk-BBBBBBBB.js", "export const x=2;"],
    ["extra.js", "export {};"],
  ]);
  const names = await contentChunkNames(code, new Set(code.keys()));
  assert.notEqual(names.get("chunk-AAAAAAAA.js"), names.get("chunk-BBBBBBBB.js"));
  assert.equal(names.has("extra.js"), false);
});
