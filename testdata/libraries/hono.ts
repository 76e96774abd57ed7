// Hono's own Lambda adapter, as Hono documents it.
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";

export const app = new Hono();
app.get("/hello/:name", (c) => c.json({ hello: c.req.param("name") }));
app.post("/echo", async (c) => c.json({ echoed: await c.req.json() }, 201));

export const handler = handle(app);
