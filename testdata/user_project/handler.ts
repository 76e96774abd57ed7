// A Hono app, as its user writes it, served with gopherless.
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { start } from "../../mod.ts";

const app = new Hono();
app.get("/hi/:name", (c) => c.json({ hi: c.req.param("name"), from: "user project" }));

const web = handle(app);

function checkOrder(order: { qty: number }): void {
  if (order.qty < 1) throw new RangeError(`quantity must be at least 1, got ${order.qty}`);
}

start(async (event: { order?: { qty: number } }, context) => {
  if (event.order) {
    checkOrder(event.order);
    return { accepted: event.order.qty };
  }
  return await web(event as Parameters<typeof web>[0], context);
});
