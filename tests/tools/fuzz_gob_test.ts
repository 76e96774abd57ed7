import assert from "node:assert/strict";
import { fuzz } from "../../tools/fuzz_gob.ts";

Deno.test("a short fuzzing run finds nothing but GobErrors", async () => {
  const res = await fuzz(4, 20261123);
  assert.deepEqual(res.failures, []);
  assert.ok(res.runs > 100, `only ${res.runs} inputs in 4 s`);
});
