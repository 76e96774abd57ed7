/**
 * The HTTP adapter on the published sample events of every front door, and round trips of the
 * cases other adapters have got wrong (peers.md §5): binary bodies, several cookies, repeated
 * headers and query keys, empty bodies, 204/304, gzip, non-UTF-8 paths.
 */

import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { detectEventKind, http, type HttpContext, type HttpOptions } from "../../http/mod.ts";
import type { LambdaHandler } from "../../runtime/types.ts";
import { fixture, fromBase64, invokeJson, invokeRaw, toBase64 } from "./_helpers.ts";

interface Seen {
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
  bodyBytes: number[];
  sourceIp: string;
  kind: string;
  requestId: string;
  eventIsRaw: boolean;
  remote: string;
}

/** A handler recording what it saw, answering it as JSON. */
function recorder(options?: HttpOptions) {
  return http(async (req: Request, ctx: HttpContext) => {
    const bytes = new Uint8Array(await req.arrayBuffer());
    const seen: Seen = {
      method: req.method,
      url: req.url,
      headers: [...req.headers],
      body: new TextDecoder().decode(bytes),
      bodyBytes: [...bytes],
      sourceIp: ctx.sourceIp,
      kind: ctx.kind,
      requestId: ctx.awsRequestId,
      eventIsRaw: typeof ctx.event === "object" &&
        ctx.lambdaContext.awsRequestId === ctx.awsRequestId,
      remote: ctx.remoteAddr.hostname,
    };
    return Response.json(seen);
  }, options) as LambdaHandler<never, unknown>;
}

async function see(event: unknown, options?: HttpOptions): Promise<Seen> {
  const result = await invokeJson<{ body: string }>(recorder(options), event);
  return JSON.parse(result.body) as Seen;
}

function header(seen: Seen, name: string): string | undefined {
  return seen.headers.find(([k]) => k === name)?.[1];
}

/** A handler answering `make()`'s response. */
function answering(make: (req: Request) => Response | Promise<Response>, options?: HttpOptions) {
  return http(make, options) as LambdaHandler<never, unknown>;
}

// ---- the sample events ---------------------------------------------------------------------

Deno.test("detects every sample event's kind, and rejects other events", () => {
  assert.equal(detectEventKind(fixture("apigw-v1-rest")), "apigw-v1");
  assert.equal(detectEventKind(fixture("apigw-v2-http")), "apigw-v2");
  assert.equal(detectEventKind(fixture("apigw-v2-http-no-authorizer")), "apigw-v2");
  assert.equal(detectEventKind(fixture("function-url")), "function-url");
  assert.equal(detectEventKind(fixture("alb-headers-only")), "alb");
  assert.equal(detectEventKind(fixture("alb-multivalue-headers")), "alb");
  assert.equal(detectEventKind({ Records: [] }), null);
  assert.equal(detectEventKind(null), null);
});

Deno.test("API Gateway REST (v1): request from the sample event", async () => {
  const s = await see(fixture("apigw-v1-rest"));
  assert.equal(s.kind, "apigw-v1");
  assert.equal(s.method, "POST");
  assert.equal(s.url, "https://gy415nuibc.execute-api.us-east-1.amazonaws.com/hello/world?name=me");
  assert.equal(s.body, '{\r\n\t"a": 1\r\n}');
  assert.equal(header(s, "headername"), "headerValue");
  assert.equal(header(s, "x-forwarded-for"), "54.240.196.186, 54.182.214.83");
  assert.equal(s.sourceIp, "192.168.196.186");
  assert.equal(s.remote, "192.168.196.186");
  assert.equal(s.eventIsRaw, true);
  assert.match(s.requestId, /^req-/);
});

Deno.test("API Gateway HTTP API (v2): request from the sample event", async () => {
  const s = await see(fixture("apigw-v2-http"));
  assert.equal(s.kind, "apigw-v2");
  assert.equal(s.method, "GET");
  assert.equal(
    s.url,
    "https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value",
  );
  assert.deepEqual(new URL(s.url).searchParams.getAll("parameter1"), ["value1", "value2"]);
  assert.equal(header(s, "cookie"), "cookie1; cookie2");
  assert.equal(header(s, "header1"), "value1");
  assert.equal(s.body, "", "a GET has no body");
  assert.equal(s.sourceIp, "IP");

  const bare = await see(fixture("apigw-v2-http-no-authorizer"));
  assert.equal(bare.url, "https://aaaaaaaaaa.execute-api.us-west-2.amazonaws.com/");
  assert.equal(bare.sourceIp, "1.2.3.4");
});

Deno.test("Function URL: request from the sample event", async () => {
  const s = await see(fixture("function-url"));
  assert.equal(s.kind, "function-url");
  assert.equal(s.method, "POST");
  // The sample's domain is a placeholder ("<url-id>.lambda-url..."), not a host name.
  assert.equal(
    s.url,
    "https://localhost/my/path?parameter1=value1&parameter1=value2&parameter2=value",
  );
  assert.equal(header(s, "cookie"), "cookie1; cookie2");
  assert.equal(header(s, "header2"), "value1,value2");
  assert.equal(s.body, "Hello from client!");
  assert.equal(s.sourceIp, "123.123.123.123");

  const real = fixture("function-url");
  (real.requestContext as Record<string, unknown>).domainName =
    "abcdefg.lambda-url.us-west-2.on.aws";
  assert.match(
    (await see(real)).url,
    /^https:\/\/abcdefg\.lambda-url\.us-west-2\.on\.aws\/my\/path/,
  );
});

Deno.test("ALB: request from both sample events", async () => {
  const single = await see(fixture("alb-headers-only"));
  assert.equal(single.kind, "alb");
  assert.equal(
    single.url,
    "http://lambda-test-alb-1334523864.us-east-1.elb.amazonaws.com/?key=hello",
  );
  assert.equal(header(single, "x-myheader"), "123");
  assert.equal(single.sourceIp, "25.12.198.67");

  const multi = await see(fixture("alb-multivalue-headers"));
  assert.equal(multi.url, "http://lambda-test-alb-1234567.us-east-1.elb.amazonaws.com/?key=hello");
  assert.equal(multi.sourceIp, "72.21.198.67");
});

// ---- response shapes per kind ---------------------------------------------------------------

function cookiesAndRepeats(): Response {
  const h = new Headers({ "content-type": "text/plain; charset=utf-8" });
  h.append("x-repeat", "one");
  h.append("x-repeat", "two");
  h.append("set-cookie", "a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT");
  h.append("set-cookie", "b=2; HttpOnly");
  h.append("set-cookie", "c=3");
  return new Response("héllo", { status: 201, headers: h });
}

Deno.test("response: v1 gets multiValueHeaders, each cookie apart", async () => {
  const r = await invokeJson(answering(cookiesAndRepeats), fixture("apigw-v1-rest"));
  assert.deepEqual(r, {
    statusCode: 201,
    multiValueHeaders: {
      "content-type": ["text/plain; charset=utf-8"],
      "x-repeat": ["one, two"],
      "set-cookie": [
        "a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
        "b=2; HttpOnly",
        "c=3",
      ],
    },
    body: "héllo",
    isBase64Encoded: false,
  });
});

Deno.test("response: v2 and Function URLs get cookies[]", async () => {
  for (const name of ["apigw-v2-http", "function-url"]) {
    const r = await invokeJson(answering(cookiesAndRepeats), fixture(name));
    assert.deepEqual(r, {
      statusCode: 201,
      headers: { "content-type": "text/plain; charset=utf-8", "x-repeat": "one, two" },
      cookies: ["a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT", "b=2; HttpOnly", "c=3"],
      body: "héllo",
      isBase64Encoded: false,
    }, name);
  }
  const plain = await invokeJson(answering(() => new Response("x")), fixture("function-url"));
  assert.equal("cookies" in plain, false, "no cookies[] when there are none");
});

Deno.test("response: ALB answers in the form it was asked in", async () => {
  const multi = await invokeJson(answering(cookiesAndRepeats), fixture("alb-multivalue-headers"));
  assert.deepEqual(multi, {
    statusCode: 201,
    statusDescription: "201 Created",
    multiValueHeaders: {
      "content-type": ["text/plain; charset=utf-8"],
      "x-repeat": ["one, two"],
      "set-cookie": [
        "a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
        "b=2; HttpOnly",
        "c=3",
      ],
    },
    body: "héllo",
    isBase64Encoded: false,
  });
  const single = await invokeJson<{ headers: Record<string, string> }>(
    answering(cookiesAndRepeats),
    fixture("alb-headers-only"),
  );
  assert.equal(single.headers["x-repeat"], "one, two");
  // One value per name: the cookies go out under spellings differing in case.
  const cookieHeaders = Object.entries(single.headers).filter(([k]) =>
    k.toLowerCase() === "set-cookie"
  );
  assert.deepEqual(cookieHeaders.map(([, v]) => v), [
    "a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
    "b=2; HttpOnly",
    "c=3",
  ]);
  assert.equal(new Set(cookieHeaders.map(([k]) => k)).size, 3);
  assert.equal("multiValueHeaders" in single, false);
});

// ---- round trips ----------------------------------------------------------------------------

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("binary bodies round-trip byte for byte on every kind", async () => {
  const echo = answering(async (req) =>
    new Response(await req.arrayBuffer(), {
      headers: { "content-type": "application/octet-stream" },
    })
  );
  for (const name of ["apigw-v1-rest", "function-url", "alb-multivalue-headers"]) {
    const event = fixture(name);
    if (name === "alb-multivalue-headers") event.httpMethod = "PUT";
    event.body = toBase64(ALL_BYTES);
    event.isBase64Encoded = true;
    const r = await invokeJson<{ body: string; isBase64Encoded: boolean }>(echo, event);
    assert.equal(r.isBase64Encoded, true, name);
    assert.deepEqual(fromBase64(r.body), ALL_BYTES, name);
  }
});

Deno.test("text bodies: text types as text, other bytes as base64, override both ways", async () => {
  const ev = fixture("function-url");
  // [response, sent as base64, what the client gets: the text, or the bytes base64 stands for]
  const cases: [Response, boolean, string | Uint8Array][] = [
    [Response.json({ a: "é" }), false, '{"a":"é"}'],
    [new Response("<svg/>", { headers: { "content-type": "image/svg+xml" } }), false, "<svg/>"],
    [new Response("x", { headers: { "content-type": "application/problem+json" } }), false, "x"],
    [
      new Response("PNG", { headers: { "content-type": "image/png" } }),
      true,
      new TextEncoder().encode("PNG"),
    ],
    // Declared as text but not UTF-8 (latin-1 "é"): base64, never mangled.
    [
      new Response(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), {
        headers: { "content-type": "text/plain; charset=iso-8859-1" },
      }),
      true,
      new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
    ],
  ];
  for (const [res, b64, body] of cases) {
    const type = res.headers.get("content-type") ?? "";
    const r = await invokeJson<{ body: string; isBase64Encoded: boolean }>(
      answering(() => res),
      ev,
    );
    assert.equal(r.isBase64Encoded, b64, type);
    if (typeof body === "string") assert.equal(r.body, body, type);
    else assert.deepEqual(fromBase64(r.body), body, type);
  }
  const forced = await invokeJson<{ body: string; isBase64Encoded: boolean }>(
    answering(() => Response.json({ a: 1 }), { isBase64Encoded: () => true }),
    ev,
  );
  assert.equal(forced.isBase64Encoded, true);
  assert.equal(new TextDecoder().decode(fromBase64(forced.body)), '{"a":1}');
  const asText = await invokeJson<{ body: string; isBase64Encoded: boolean }>(
    answering(() => new Response("PNG", { headers: { "content-type": "image/png" } }), {
      isBase64Encoded: (res) => res.headers.get("content-type") === "image/png" ? false : undefined,
    }),
    ev,
  );
  assert.deepEqual([asText.body, asText.isBase64Encoded], ["PNG", false]);
});

Deno.test("gzip bodies go out base64 and decompress to the original", async () => {
  const original = JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => `item ${i}`) });
  const gz = answering(() =>
    new Response(new Uint8Array(gzipSync(original)), {
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    })
  );
  for (const name of ["apigw-v1-rest", "apigw-v2-http", "function-url", "alb-headers-only"]) {
    const r = await invokeJson<{ body: string; isBase64Encoded: boolean }>(gz, fixture(name));
    assert.equal(r.isBase64Encoded, true, name);
    assert.equal(new TextDecoder().decode(gunzipSync(fromBase64(r.body))), original, name);
  }
  // A gzip request body (isBase64Encoded) reaches the handler as the same bytes.
  const event = fixture("function-url");
  event.body = toBase64(gzipSync(original));
  event.isBase64Encoded = true;
  const r = await invokeJson<{ body: string }>(
    answering(async (req) =>
      new Response(new Uint8Array(gunzipSync(new Uint8Array(await req.arrayBuffer()))))
    ),
    event,
  );
  assert.equal(r.body, original);
});

Deno.test("several cookies in, several cookies out (v2 cookies[], ALB multi-value)", async () => {
  const v2 = fixture("apigw-v2-http");
  v2.cookies = ["a=1", "b=2", "c=3"];
  assert.equal(header(await see(v2), "cookie"), "a=1; b=2; c=3");
  const alb = fixture("alb-multivalue-headers");
  (alb.multiValueHeaders as Record<string, string[]>).cookie = ["a=1", "b=2"];
  assert.equal(header(await see(alb), "cookie"), "a=1; b=2");
  const v1 = fixture("apigw-v1-rest");
  (v1.multiValueHeaders as Record<string, string[]>).Cookie = ["a=1", "b=2"];
  (v1.headers as Record<string, string>).Cookie = "b=2";
  assert.equal(header(await see(v1), "cookie"), "a=1; b=2");
});

Deno.test("repeated headers reach the handler as every value", async () => {
  const v1 = fixture("apigw-v1-rest");
  (v1.multiValueHeaders as Record<string, string[]>)["X-Multi"] = ["a", "b"];
  (v1.headers as Record<string, string>)["X-Multi"] = "b";
  assert.equal(header(await see(v1), "x-multi"), "a, b");
  const alb = fixture("alb-multivalue-headers");
  (alb.multiValueHeaders as Record<string, string[]>)["x-multi"] = ["a", "b"];
  assert.equal(header(await see(alb), "x-multi"), "a, b");
  // Non-Latin-1 header values arrive as their UTF-8 bytes, not as an error.
  const v2 = fixture("apigw-v2-http");
  (v2.headers as Record<string, string>)["x-name"] = "Zoë ☃";
  const got = header(await see(v2), "x-name") ?? "";
  assert.equal(new TextDecoder().decode(Uint8Array.from(got, (c) => c.charCodeAt(0))), "Zoë ☃");
});

Deno.test("repeated query keys, encoded right per kind", async () => {
  const v1 = fixture("apigw-v1-rest");
  v1.queryStringParameters = { a: "2", "b c": "x&y=z" };
  v1.multiValueQueryStringParameters = { a: ["1", "2"], "b c": ["x&y=z"] };
  const u1 = new URL((await see(v1)).url);
  assert.deepEqual(u1.searchParams.getAll("a"), ["1", "2"]);
  assert.equal(u1.searchParams.get("b c"), "x&y=z");

  const v1single = fixture("apigw-v1-rest");
  delete v1single.multiValueQueryStringParameters;
  v1single.queryStringParameters = { q: "100% sure" };
  assert.equal(new URL((await see(v1single)).url).searchParams.get("q"), "100% sure");

  // ALB passes values as the client sent them (still encoded): not encoded again.
  const alb = fixture("alb-multivalue-headers");
  alb.multiValueQueryStringParameters = { q: ["a%20b", "c%26d"], x: ["1"] };
  const u2 = new URL((await see(alb)).url);
  assert.deepEqual(u2.searchParams.getAll("q"), ["a b", "c&d"]);
  const albSingle = fixture("alb-headers-only");
  albSingle.queryStringParameters = { q: "%E2%98%83" };
  assert.equal(new URL((await see(albSingle)).url).searchParams.get("q"), "☃");

  const v2 = fixture("apigw-v2-http");
  v2.rawQueryString = "k=1&k=2&k=%263#frag";
  const u3 = new URL((await see(v2)).url);
  assert.deepEqual(u3.searchParams.getAll("k"), ["1", "2", "&3#frag"]);
});

Deno.test("empty bodies, 204 and 304, HEAD: no body", async () => {
  const ev = fixture("function-url");
  const empty = await invokeJson(answering(() => new Response(null)), ev);
  assert.deepEqual([empty.statusCode, empty.body, empty.isBase64Encoded], [200, "", false]);
  for (const status of [204, 304]) {
    const r = await invokeJson(
      answering(() => new Response(null, { status, headers: { etag: '"x"' } })),
      ev,
    );
    assert.deepEqual([r.statusCode, r.body, r.isBase64Encoded], [status, "", false]);
  }
  const head = fixture("alb-headers-only");
  head.httpMethod = "HEAD";
  const r = await invokeJson<{ body: string; headers: Record<string, string> }>(
    answering(() =>
      new Response("a body HEAD must not get", { headers: { "content-length": "24" } })
    ),
    head,
  );
  assert.equal(r.body, "");
  assert.equal(r.headers["content-length"], "24");
  // An empty request body flagged base64.
  const e2 = fixture("function-url");
  e2.body = "";
  e2.isBase64Encoded = true;
  assert.equal((await see(e2)).body, "");
});

Deno.test("non-UTF-8 and odd paths never crash and are never encoded twice", async () => {
  const alb = fixture("alb-headers-only");
  alb.path = "/caf%E9/na%C3%AFve";
  assert.equal(new URL((await see(alb)).url).pathname, "/caf%E9/na%C3%AFve");

  const v1 = fixture("apigw-v1-rest");
  v1.path = "/a b/ü?#/\udc80"; // decoded by API Gateway, with a lone surrogate
  assert.equal(new URL((await see(v1)).url).pathname, "/a%20b/%C3%BC%3F%23/%EF%BF%BD");

  const v2 = fixture("apigw-v2-http");
  v2.rawPath = "/%zz/100%/x";
  assert.equal(new URL((await see(v2)).url).pathname, "/%25zz/100%25/x");
});

Deno.test("stage prefix removal (optional)", async () => {
  const v2 = fixture("apigw-v2-http");
  v2.rawPath = "/prod/users/7";
  (v2.requestContext as Record<string, unknown>).stage = "prod";
  assert.equal(new URL((await see(v2)).url).pathname, "/prod/users/7");
  assert.equal(new URL((await see(v2, { stripStage: true })).url).pathname, "/users/7");
  v2.rawPath = "/production";
  assert.equal(new URL((await see(v2, { stripStage: true })).url).pathname, "/production");
  const def = fixture("apigw-v2-http");
  assert.equal(new URL((await see(def, { stripStage: true })).url).pathname, "/my/path");
});

Deno.test("errors: non-HTTP events and throwing handlers fail the invoke", async () => {
  const r = await invokeRaw(recorder(), { Records: [] });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.errorType, "TypeError");
    assert.match(r.error.errorMessage, /not an HTTP event.*Records/);
  }
  class Boom extends Error {}
  const t = await invokeRaw(
    answering(() => {
      throw new Boom("nope");
    }),
    fixture("function-url"),
  );
  assert.equal(t.ok, false);
  if (!t.ok) assert.deepEqual([t.error.errorType, t.error.errorMessage], ["Boom", "nope"]);
});
