// Powertools Parser with a zod schema.
import { parse } from "@aws-lambda-powertools/parser";
import { z } from "zod";

const Order = z.object({ id: z.number().int().positive(), items: z.array(z.string()).min(1) });

export const handler = (event: unknown): Promise<{ id: number; count: number }> => {
  const order = parse(event, undefined, Order);
  return Promise.resolve({ id: order.id, count: order.items.length });
};
