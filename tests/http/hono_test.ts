// Hono is pinned here rather than in deno.json: a test-only package stays out of what
// `deno task demo` downloads.
// deno-lint-ignore-file no-import-prefix
/**
 * Hono from npm behind the adapter: `http(app.fetch)` on every front door, and Hono's own
 * `streamHandle` (written for Lambda's Node.js runtime) running unchanged on our `awslambda`.
 */

import assert from "node:assert/strict";
import { Hono } from "npm:hono@4.13.19";
import { streamHandle } from "npm:hono@4.13.19/aws-lambda";
import { stream as honoStream } from "npm:hono@4.13.19/streaming";
import { setCookie } from "npm:hono@4.13.19/cookie";
import { http, type HttpContext } from "../../http/mod.ts";
import type { LambdaHandler } from "../../runtime/types.ts";
import { fixture, fromBase64, invokeHttpStream, invokeJson, toBase64 } from "./_helpers.ts";

function app() {
  const app = new Hono<{ Bindings: HttpContext }>();
  app.get("/my/path", (c) => {
    setCookie(c, "session", "abc", { httpOnly: true, path: "/" });
    setCookie(c, "theme", "dark");
    return c.json({
      p1: c.req.queries("parameter1"),
      cookie: c.req.header("cookie"),
      kind: c.env.kind,
      ip: c.env.sourceIp,
      // streamHandle binds the Lambda context as `context`, handle() as `lambdaContext`;
      // HttpContext has both.
      requestId: (c.env.lambdaContext ?? c.env.context).awsRequestId,
      stage: (c.env.event.requestContext as { stage?: string }).stage ?? null,
    });
  });
  app.post("/echo", async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.body(bytes, 200, { "content-type": "application/octet-stream" });
  });
  app.get("/stream", (c) =>
    honoStream(c, async (s) => {
      await s.write("one ");
      await s.sleep(10);
      await s.write("two");
    }));
  app.get("/gone", (c) => c.body(null, 204));
  return app;
}

Deno.test("hono: routing, query keys, cookies both ways, env bindings", async () => {
  const handler = http(app().fetch) as LambdaHandler<never, unknown>;
  const v2 = await invokeJson<{ body: string; cookies: string[] }>(
    handler,
    fixture("apigw-v2-http"),
  );
  assert.deepEqual(JSON.parse(v2.body), {
    p1: ["value1", "value2"],
    cookie: "cookie1; cookie2",
    kind: "apigw-v2",
    ip: "IP",
    requestId: JSON.parse(v2.body).requestId,
    stage: "$default",
  });
  assert.match(JSON.parse(v2.body).requestId, /^req-/);
  assert.deepEqual(v2.cookies, ["session=abc; Path=/; HttpOnly", "theme=dark; Path=/"]);

  const v1 = fixture("apigw-v1-rest");
  v1.httpMethod = "GET";
  v1.path = "/my/path";
  v1.multiValueQueryStringParameters = { parameter1: ["a", "b"] };
  const r1 = await invokeJson<{ body: string; multiValueHeaders: Record<string, string[]> }>(
    handler,
    v1,
  );
  assert.deepEqual(JSON.parse(r1.body).p1, ["a", "b"]);
  assert.deepEqual(r1.multiValueHeaders["set-cookie"], [
    "session=abc; Path=/; HttpOnly",
    "theme=dark; Path=/",
  ]);

  const alb = fixture("alb-multivalue-headers");
  alb.path = "/my/path";
  const ra = await invokeJson<{ multiValueHeaders: Record<string, string[]> }>(handler, alb);
  assert.equal(ra.multiValueHeaders["set-cookie"].length, 2);
});

Deno.test("hono: binary echo, streamed body buffered, 204", async () => {
  const handler = http(app().fetch) as LambdaHandler<never, unknown>;
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
  const ev = fixture("function-url");
  ev.rawPath = "/echo";
  ev.body = toBase64(bytes);
  ev.isBase64Encoded = true;
  const r = await invokeJson<{ body: string; isBase64Encoded: boolean }>(handler, ev);
  assert.equal(r.isBase64Encoded, true);
  assert.deepEqual(fromBase64(r.body), bytes);

  const s = fixture("function-url");
  s.rawPath = "/stream";
  (s.requestContext as { http: { method: string } }).http.method = "GET";
  const rs = await invokeJson<{ body: string }>(handler, s);
  assert.equal(rs.body, "one two");

  const g = fixture("function-url");
  g.rawPath = "/gone";
  (g.requestContext as { http: { method: string } }).http.method = "GET";
  const rg = await invokeJson(handler, g);
  assert.deepEqual([rg.statusCode, rg.body], [204, ""]);
});

Deno.test("hono: http() in RESPONSE_STREAM mode streams the Response body", async () => {
  const handler = http(app().fetch, { invokeMode: "RESPONSE_STREAM" }) as LambdaHandler<
    never,
    unknown
  >;
  const s = fixture("function-url");
  s.rawPath = "/stream";
  (s.requestContext as { http: { method: string } }).http.method = "GET";
  const out = await invokeHttpStream(handler, s);
  assert.equal(out.contentType, "application/vnd.awslambda.http-integration-response");
  assert.equal(out.metadata.statusCode, 200);
  assert.equal(out.body, "one two");
});

/**
 * The Function URL sample made a GET with a real host name: Hono's own request building (used by
 * `streamHandle`) throws on the sample's placeholder host and on a GET that carries a body, two
 * cases `http()` handles (see the other tests).
 */
function urlEvent() {
  const ev = fixture("function-url");
  delete ev.body;
  (ev.requestContext as Record<string, unknown>).domainName = "abc.lambda-url.us-west-2.on.aws";
  return ev;
}

Deno.test("hono: streamHandle (written for Node's runtime) runs unchanged", async () => {
  // streamHandle calls the global awslambda.streamifyResponse: importing http/mod.ts set it up.
  const handler = streamHandle(app()) as unknown as LambdaHandler<never, unknown>;
  const ev = urlEvent();
  ev.rawPath = "/my/path";
  (ev.requestContext as { http: { method: string } }).http.method = "GET";
  const out = await invokeHttpStream(handler, ev);
  assert.equal(out.contentType, "application/vnd.awslambda.http-integration-response");
  assert.equal(out.metadata.statusCode, 200);
  assert.deepEqual(out.metadata.cookies, ["session=abc; Path=/; HttpOnly", "theme=dark; Path=/"]);
  assert.equal(
    (out.metadata.headers as Record<string, string>)["content-type"],
    "application/json",
  );
  assert.equal(JSON.parse(out.body).cookie, "cookie1; cookie2");

  const s = urlEvent();
  s.rawPath = "/stream";
  (s.requestContext as { http: { method: string } }).http.method = "GET";
  assert.equal((await invokeHttpStream(handler, s)).body, "one two");
});
