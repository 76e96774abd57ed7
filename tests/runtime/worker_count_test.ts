/**
 * How many worker isolates a concurrent environment runs, how the heap is split over them: the cgroup CPU quota (v2 and v1), the available parallelism, the override.
 */

import assert from "node:assert/strict";
import {
  cgroupCpus,
  heapLimits,
  isolateHeap,
  WORKER_COUNT_VARIABLE,
  workerCount,
} from "../../runtime/worker_count.ts";

const files = (map: Record<string, string>) => (path: string) => map[path];

Deno.test("worker count: cgroup v2 cpu.max, rounded up; no quota is none", () => {
  const root = "/sys/fs/cgroup";
  assert.equal(cgroupCpus(files({ [`${root}/cpu.max`]: "200000 100000\n" })), 2);
  assert.equal(cgroupCpus(files({ [`${root}/cpu.max`]: "150000 100000\n" })), 2);
  assert.equal(cgroupCpus(files({ [`${root}/cpu.max`]: "50000 100000\n" })), 1);
  assert.equal(cgroupCpus(files({ [`${root}/cpu.max`]: "max 100000\n" })), undefined);
  assert.equal(cgroupCpus(files({})), undefined);
});

Deno.test("worker count: cgroup v1 cfs quota and period; -1 is no quota", () => {
  const dir = "/sys/fs/cgroup/cpu,cpuacct";
  assert.equal(
    cgroupCpus(files({
      [`${dir}/cpu.cfs_quota_us`]: "400000\n",
      [`${dir}/cpu.cfs_period_us`]: "100000\n",
    })),
    4,
  );
  assert.equal(
    cgroupCpus(files({
      ["/sys/fs/cgroup/cpu/cpu.cfs_quota_us"]: "-1\n",
      ["/sys/fs/cgroup/cpu/cpu.cfs_period_us"]: "100000\n",
    })),
    undefined,
  );
});

Deno.test("worker count: the quota, else the parallelism, never above either or the concurrency", () => {
  const none = () => undefined;
  assert.equal(workerCount(1, { env: none, cgroupCpus: () => 8, parallelism: () => 8 }), 1);
  assert.equal(workerCount(64, { env: none, cgroupCpus: () => 4, parallelism: () => 16 }), 4);
  assert.equal(workerCount(64, { env: none, cgroupCpus: none, parallelism: () => 2 }), 2);
  // A quota above what the process may run on does not add isolates.
  assert.equal(workerCount(64, { env: none, cgroupCpus: () => 8, parallelism: () => 2 }), 2);
  assert.equal(workerCount(3, { env: none, cgroupCpus: () => 8, parallelism: () => 8 }), 3);
});

Deno.test("worker count: GOPHERLESS_WORKER_COUNT overrides, capped at the concurrency", () => {
  const env = (v: string) => (name: string) => name === WORKER_COUNT_VARIABLE ? v : undefined;
  const machine = { cgroupCpus: () => 2, parallelism: () => 2 };
  assert.equal(workerCount(64, { env: env("6"), ...machine }), 6);
  assert.equal(workerCount(4, { env: env("6"), ...machine }), 4);
  assert.equal(workerCount(64, { env: env("1"), ...machine }), 1);
  // Not a positive integer: ignored.
  for (const bad of ["0", "-2", "two", ""]) {
    assert.equal(workerCount(64, { env: env(bad), ...machine }), 2, bad);
  }
});

Deno.test("worker count: each isolate's heap is its share of Lambda's limits for the memory", () => {
  // One isolate: Lambda's Node.js formula, as the launcher has always passed it.
  assert.deepEqual(isolateHeap(2048, 1), { semiSpaceMb: 102, oldSpaceMb: 1844 });
  assert.deepEqual(isolateHeap(128, 1), { semiSpaceMb: 6, oldSpaceMb: 116 });
  assert.deepEqual(isolateHeap(10, 1), { semiSpaceMb: 1, oldSpaceMb: 9 });
  // 2048 MB: 204 MB young, 1844 MB old in all (Node's split), over 2 isolates.
  assert.deepEqual(isolateHeap(2048, 2), { semiSpaceMb: 51, oldSpaceMb: 922 });
  assert.deepEqual(isolateHeap(2048, 16), { semiSpaceMb: 6, oldSpaceMb: 115 });
  assert.deepEqual(isolateHeap(512, 2), { semiSpaceMb: 12, oldSpaceMb: 230 });
  assert.deepEqual(isolateHeap(128, 64), { semiSpaceMb: 1, oldSpaceMb: 16 });
  // Together within the formula's budget: a tenth young (two semi-spaces), the rest old.
  for (const memory of [2048, 4096, 8192, 10240]) {
    for (const isolates of [2, 3, 4, 8, 16]) {
      const h = isolateHeap(memory, isolates)!;
      assert.ok(isolates * (h.oldSpaceMb + 2 * h.semiSpaceMb) <= memory, `${memory}/${isolates}`);
    }
  }
  // A worker's resourceLimits: the same share.
  assert.deepEqual(heapLimits(2048, 2), {
    maxOldGenerationSizeMb: 922,
    maxYoungGenerationSizeMb: 153,
  });
  for (const bad of [[0, 2], [Number.NaN, 2], [2048, 0], [2048, 1.5]]) {
    assert.equal(isolateHeap(bad[0], bad[1]), undefined);
    assert.equal(heapLimits(bad[0], bad[1]), undefined);
  }
});
