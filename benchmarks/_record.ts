/**
 * The benchmark record: an order event with the field mix of a typical
 * service payload (integers, a float, short strings including a timestamp, a
 * bool, a nested struct, a `[]string`, a small `map[string]string` and a
 * slice of structs). `tests/go/cmd/gobbench` builds the same records in Go,
 * value for value.
 *
 * @module
 */

import { t } from "../gob/mod.ts";
import type { Infer } from "../gob/mod.ts";

/** Go: `type Address struct { Street, City, Zip, Country string }`. */
export const Address = t.struct("Address", {
  Street: t.string,
  City: t.string,
  Zip: t.string,
  Country: t.string,
});

/** Go: `type Item struct { SKU string; Qty int; Price float64 }`. */
export const Item = t.struct("Item", { SKU: t.string, Qty: t.int, Price: t.float64 });

/** Go: see `tests/go/cmd/gobbench/main.go`. */
export const Order = t.struct("Order", {
  ID: t.int64,
  Customer: t.int,
  Status: t.string,
  Created: t.string,
  Total: t.float64,
  Paid: t.bool,
  Priority: t.int,
  Ship: Address,
  Tags: t.slice(t.string),
  Attrs: t.map(t.string, t.string),
  Items: t.slice(Item),
  Note: t.string,
  Version: t.uint,
});

/** A decoded or encodable order. */
export type Order = Infer<typeof Order>;

const STATUS = ["pending", "paid", "shipped", "delivered"];
const CITIES = ["Springfield", "Riverside", "Fairview", "Madison", "Georgetown"];
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** Record `i` of the benchmark set (identical to `order(i)` in the Go program). */
export function order(i: number): Order {
  const items: { SKU: string; Qty: number; Price: number }[] = [];
  for (let k = 0; k < 1 + (i % 3); k++) {
    items.push({
      SKU: `SKU-${(i * 31 + k) % 10000}`,
      Qty: 1 + k,
      Price: 9.99 + k * 5 + (i % 10) * 0.5,
    });
  }
  return {
    ID: 1_000_000 + i,
    Customer: 40_000 + ((i * 7919) % 10000),
    Status: STATUS[i % 4],
    Created: `2024-03-${pad2(1 + (i % 28))}T${pad2(i % 24)}:${pad2(i % 60)}:${pad2((i * 7) % 60)}Z`,
    Total: (i % 1000) * 1.25 + 0.99,
    Paid: i % 3 !== 0,
    Priority: i % 5,
    Ship: {
      Street: `${100 + (i % 900)} Main St`,
      City: CITIES[i % 5],
      Zip: `${10000 + (i % 90000)}`,
      Country: "US",
    },
    Tags: i % 2 === 0 ? ["gift", "express"] : ["standard"],
    Attrs: new Map([["channel", i % 2 === 0 ? "web" : "app"], ["campaign", `spring-${i % 10}`]]),
    Items: items,
    Note: i % 10 === 0 ? "leave at door" : "",
    Version: 1 + (i % 3),
  };
}

/** The same record as plain JSON data (the map as an object). */
export function orderJSON(o: Order): Record<string, unknown> {
  return { ...o, Attrs: Object.fromEntries(o.Attrs ?? []) };
}

/** Records `0 .. n-1`. */
export function orders(n: number): Order[] {
  return Array.from({ length: n }, (_, i) => order(i));
}
