/**
 * A Hono app (from npm) on Lambda: `http(app.fetch)` serves it behind API Gateway, ALB and
 * Function URLs. The Lambda context and raw event are Hono bindings (`c.env`).
 *
 * ```sh
 * deno run -A emulator/cli.ts serve --http examples/hono.ts   # then: curl localhost:9000/users/7
 * ```
 *
 * @module
 */

// Pinned here rather than in deno.json, so that only what imports Hono downloads it.
// deno-lint-ignore no-import-prefix
import { Hono } from "npm:hono@4.13.19";
import { start } from "../runtime/mod.ts";
import { http, type HttpContext } from "../http/mod.ts";

/** The app. */
export const app = new Hono<{ Bindings: HttpContext }>();

app.get("/", (c) => c.text("Hono on gopherless\n"));
app.get("/users/:id", (c) =>
  c.json({
    id: c.req.param("id"),
    fields: c.req.queries("field") ?? [],
    requestId: c.env.lambdaContext.awsRequestId,
    remainingMs: c.env.getRemainingTimeInMillis(),
  }));
app.post("/upload", async (c) => {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  return c.json({ received: bytes.length, type: c.req.header("content-type") ?? null });
});

if (import.meta.main) start(http(app.fetch));
