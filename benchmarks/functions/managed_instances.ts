/**
 * The function of `benchmarks/managed_instances.ts` (its aws-lambda-go twin is
 * `tests/go/cmd/goconcurrent`). Event `{"op":"cpu","items":[…]}`: walk the items, transform
 * each, return the result (serialized by the runtime); `{"op":"io"}`: wait 20 ms.
 *
 * With `MI_CRASH_EVERY=N`, a worker isolate ends itself at every Nth invocation it serves (the
 * benchmark's `deaths` group): by an uncaught error thrown from a timer, or with
 * `MI_CRASH_HOW=exit` by `Deno.exit(1)` in the handler.
 *
 * @module
 */

import { start } from "../../runtime/mod.ts";

interface Item {
  id: number;
  name: string;
  tags: string[];
  values: number[];
  meta: Record<string, string>;
}

const crashEvery = Number(Deno.env.get("MI_CRASH_EVERY") ?? 0);
const crashByExit = Deno.env.get("MI_CRASH_HOW") === "exit";
const inWorker = typeof (globalThis as { name?: unknown }).name === "string" &&
  (globalThis as { name: string }).name !== "";
let served = 0;

start(async (event: { op: string; items?: Item[] }) => {
  if (crashEvery > 0 && inWorker && ++served % crashEvery === 0) {
    if (crashByExit) Deno.exit(1);
    setTimeout(() => {
      throw new Error(`crash at invocation ${served}`);
    });
  }
  if (event.op === "io") {
    await new Promise((r) => setTimeout(r, 20));
    return { ok: true };
  }
  const items = [];
  let checksum = 0;
  for (const it of event.items ?? []) {
    let total = 0;
    for (const v of it.values) total += v;
    const tags = [];
    for (const t of it.tags) if (t.length > 3) tags.push(t.toUpperCase() + "!");
    const score = (Math.trunc(total) * 31 + it.id) % 1000;
    checksum = (checksum + score) % 1000003;
    items.push({
      id: it.id,
      name: it.name.toUpperCase(),
      total,
      tags,
      owner: it.meta.owner,
      score,
    });
  }
  return { count: items.length, checksum, items };
});
