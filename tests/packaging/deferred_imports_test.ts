import { deferChunkImports } from "../../packaging/deferred_imports.ts";
import { SourceMap } from "../../runtime/source_map.ts";
import { deepEqual as assertEquals } from "node:assert/strict";

function mapOf(mappings: string): SourceMap {
  return new SourceMap(JSON.stringify({ version: 3, sources: ["src.ts"], names: [], mappings }));
}

// `f();import("./c-1.js");g()`: f() from line 1, the import from line 2, g() (column 23) from
// line 3; the second line imports a module that is not a chunk of the bundle.
const CODE = 'f();import("./c-1.js");g()\nimport("./other.js");h()';
const MAPPINGS = "AAAA,IACA,mBACA;AACA,oBACA";

Deno.test("deferChunkImports wraps a chunk's specifier in parentheses, others stay literal", () => {
  const out = deferChunkImports(CODE, MAPPINGS, new Set(["c-1.js"]));
  assertEquals(out.code, 'f();import(("./c-1.js"));g()\nimport("./other.js");h()');
  assertEquals(out.count, 1);
});

Deno.test("deferChunkImports shifts the source map to the rewritten columns", () => {
  const before = mapOf(MAPPINGS);
  const after = mapOf(deferChunkImports(CODE, MAPPINGS, new Set(["c-1.js"])).mappings);
  const code = deferChunkImports(CODE, MAPPINGS, new Set(["c-1.js"])).code;
  // g() moved two columns right and still maps to line 3; f() and the import did not move.
  const gOld = CODE.indexOf("g()") + 1, gNew = code.indexOf("g()") + 1;
  assertEquals(gNew, gOld + 2);
  assertEquals(after.lookup(1, gNew)?.line, 3);
  assertEquals(before.lookup(1, gOld)?.line, 3);
  assertEquals(after.lookup(1, gNew - 1)?.line, 2, "the character before g() is the import's");
  assertEquals(after.lookup(1, 1)?.line, 1);
  assertEquals(after.lookup(1, 5)?.line, 2);
  // The untouched second line maps as before.
  const hCol = CODE.split("\n")[1].indexOf("h()") + 1;
  assertEquals(after.lookup(2, hCol), before.lookup(2, hCol));
});

Deno.test("deferChunkImports leaves code without chunk imports byte-identical", () => {
  const out = deferChunkImports(CODE, MAPPINGS, new Set());
  assertEquals(out, { code: CODE, mappings: MAPPINGS, count: 0 });
});
