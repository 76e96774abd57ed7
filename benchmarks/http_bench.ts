/**
 * Overhead of the HTTP adapter per request: event → `Request` → handler → `Response` → result,
 * against the same handler called directly with a ready-made `Request` (the baseline). JSON
 * parsing/encoding of the invoke itself is excluded from both: it is the same with or without the
 * adapter.
 *
 * ```sh
 * deno bench -A benchmarks/http_bench.ts
 * ```
 *
 * @module
 */

import { InvokeContext } from "../runtime/context.ts";
import { http, type HttpContext } from "../http/mod.ts";

const fixture = (name: string) =>
  JSON.parse(
    Deno.readTextFileSync(new URL(`../tests/http/fixtures/${name}.json`, import.meta.url)),
  );

/** A fresh context per request, as the runtime makes one per invocation. */
const ctx = () =>
  new InvokeContext({
    requestId: "bench",
    deadlineMs: Number.MAX_SAFE_INTEGER, // no deadline timer
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
  });

/** A typical small JSON handler: reads the URL and a header, answers JSON. */
function app(req: Request, _ctx?: HttpContext): Response {
  const url = new URL(req.url);
  return Response.json({
    path: url.pathname,
    q: url.searchParams.getAll("parameter1"),
    ua: req.headers.get("user-agent"),
  });
}

const handler = http(app);
const v1 = fixture("apigw-v1-rest");
v1.httpMethod = "GET";
const v2 = fixture("apigw-v2-http");
const url = fixture("function-url");
url.requestContext.http.method = "GET";
const alb = fixture("alb-multivalue-headers");

const binary = http(() =>
  new Response(new Uint8Array(4096).fill(7), {
    headers: { "content-type": "application/octet-stream" },
  })
);
const post = fixture("function-url");
post.body = btoa("x".repeat(4096));
post.isBase64Encoded = true;

const direct = new Request(
  "https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2",
  { headers: { "user-agent": "agent", header1: "value1" } },
);

Deno.bench("handler called directly (baseline)", { group: "http", baseline: true }, async () => {
  const res = app(direct);
  await res.text();
});

Deno.bench("http(): API Gateway REST (v1) event", { group: "http" }, async () => {
  await handler(v1, ctx());
});

Deno.bench("http(): HTTP API (v2) event", { group: "http" }, async () => {
  await handler(v2, ctx());
});

Deno.bench("http(): Function URL event", { group: "http" }, async () => {
  await handler(url, ctx());
});

Deno.bench("http(): ALB multi-value event", { group: "http" }, async () => {
  await handler(alb, ctx());
});

Deno.bench("http(): 4 KiB base64 body in, 4 KiB binary out", { group: "binary" }, async () => {
  await binary(post, ctx());
});
