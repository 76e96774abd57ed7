/**
 * The function of `benchmarks/managed_instances.ts` (its aws-lambda-go twin is
 * `tests/go/cmd/goconcurrent`). Event `{"op":"cpu","items":[…]}`: walk the items, transform
 * each, return the result (serialized by the runtime); `{"op":"io"}`: wait 20 ms.
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

start(async (event: { op: string; items?: Item[] }) => {
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
