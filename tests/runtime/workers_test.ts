/**
 * `runtime/workers.ts`'s arithmetic: how a concurrent environment's Runtime API loops are shared
 * out between its isolates (the behaviour under load is in `tests/emulator/managed_instances_test.ts`
 * and `rie_managed_test.ts`).
 */
import assert from "node:assert/strict";
import { loopShares } from "../../runtime/workers.ts";

Deno.test("loopShares: as even as they go, the main isolate taking the remainder, all of them", () => {
  assert.deepEqual(loopShares(64, 2), [32, 32]);
  assert.deepEqual(loopShares(8, 3), [4, 2, 2]);
  assert.deepEqual(loopShares(1600, 7), [232, 228, 228, 228, 228, 228, 228]);
  assert.deepEqual(loopShares(2, 2), [1, 1]);
  for (const [c, w] of [[64, 2], [65, 4], [9, 8], [1600, 3]]) {
    const shares = loopShares(c, w);
    assert.equal(shares.length, w);
    assert.equal(shares.reduce((a, b) => a + b, 0), c, `${c} over ${w}`);
    assert.ok(shares.every((n) => n >= 1));
  }
});
