/**
 * A web-standard HTTP handler behind API Gateway (REST or HTTP API), an ALB or a Function URL:
 * the same code answers all of them.
 *
 * ```sh
 * deno run -A emulator/cli.ts serve --http examples/http.ts   # then: curl localhost:9000/hello
 * ```
 *
 * @module
 */

import { start } from "../runtime/mod.ts";
import { http, type HttpContext } from "../http/mod.ts";

/** Answers `/hello?name=…`, echoes `/echo` bodies byte for byte, sets cookies on `/login`. */
export async function app(req: Request, ctx: HttpContext): Promise<Response> {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/hello":
      return Response.json({
        message: `Hello, ${url.searchParams.get("name") ?? "world"}!`,
        tags: url.searchParams.getAll("tag"),
        from: ctx.sourceIp,
        via: ctx.kind,
        requestId: ctx.awsRequestId,
      });
    case "/echo":
      return new Response(await req.arrayBuffer(), {
        headers: { "content-type": req.headers.get("content-type") ?? "application/octet-stream" },
      });
    case "/login": {
      const headers = new Headers({ location: "/hello" });
      headers.append("set-cookie", "session=s3cr3t; HttpOnly; Path=/");
      headers.append("set-cookie", "theme=dark; Path=/");
      return new Response(null, { status: 303, headers });
    }
    default:
      return new Response("not found\n", { status: 404 });
  }
}

/** The Lambda handler. */
export const handler = http(app);

if (import.meta.main) start(handler);
