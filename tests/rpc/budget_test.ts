import assert from "node:assert/strict";
import { MemoryBudget } from "../../rpc/budget.ts";

Deno.test("MemoryBudget: past the limit the largest holders are closed until the total fits", () => {
  const budget = new MemoryBudget(100);
  const closed: string[] = [];
  const a = budget.open(() => closed.push("a"));
  const b = budget.open(() => closed.push("b"));
  const c = budget.open(() => closed.push("c"));
  a.charge(30);
  b.charge(50);
  c.charge(10);
  assert.equal(budget.used, 90);
  assert.deepEqual(closed, []);
  c.charge(15); // 105: b holds the most
  assert.deepEqual(closed, ["b"]);
  assert.equal(budget.used, 55);
  assert.equal(b.evicted, true);
  b.charge(10); // a closed account no longer counts
  assert.equal(budget.used, 55);
  a.release(20);
  assert.equal(a.used, 10);
  a.release(1000); // never below zero
  assert.equal(budget.used, 25);
  c.close();
  assert.equal(budget.used, 0);
});

Deno.test("MemoryBudget: a single holder over the limit closes itself", () => {
  const budget = new MemoryBudget(10);
  let closed = 0;
  const a = budget.open(() => closed++);
  a.charge(11);
  assert.equal(closed, 1);
  assert.equal(budget.used, 0);
});
