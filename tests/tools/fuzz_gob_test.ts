import assert from "node:assert/strict";
import { fuzz } from "../../tools/fuzz_gob.ts";

Deno.test("a short fuzzing run finds nothing but GobErrors, with every mutator", async () => {
  const res = await fuzz(4, 20261123);
  assert.deepEqual(res.failures, []);
  assert.ok(res.runs > 100, `only ${res.runs} inputs in 4 s`);
  for (const m of ["bytes", "types", "rpc"] as const) {
    assert.ok(res.byMutator[m] >= res.runs / 5, `${m}: ${res.byMutator[m]} of ${res.runs} inputs`);
  }
  // The type-definition and rpc header mutators make streams that decode, not only noise.
  assert.ok(res.acceptedByMutator.types > 0, "no random type definition decoded");
  assert.ok(res.acceptedByMutator.rpc > 0, "no rpc header stream decoded");
});
