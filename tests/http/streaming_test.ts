/**
 * Response streaming on the Runtime API, against the fake Lambda platform written in Go (its
 * net/http server decodes the chunked body and the trailers, and times each read), plus the
 * buffered fallback where streaming is impossible (the go1.x protocol).
 */

import assert from "node:assert/strict";
import { goTest } from "../_support/go.ts";
import { denoFunction, header, op, type Post, postFor, runPlatform } from "../runtime/_platform.ts";
import { http, splitPrelude, streamifyResponse } from "../../http/mod.ts";
import { streamResponse } from "../../runtime/mod.ts";
import type { LambdaHandler } from "../../runtime/types.ts";
import { fixture, invokeJson, invokeRaw } from "./_helpers.ts";

const FN = denoFunction("tests/http/functions/stream_fn.ts");

function assertStreamedPost(post: Post, contentType: string) {
  assert.equal(post.kind, "response");
  assert.equal(header(post, "Lambda-Runtime-Function-Response-Mode"), "streaming");
  assert.equal(header(post, "Content-Type"), contentType);
  assert.deepEqual(post.transferEncoding, ["chunked"]);
  assert.match(header(post, "User-Agent") ?? "", /^gopherless\//);
}

function urlEvent(): string {
  const ev = fixture("function-url");
  (ev.requestContext as Record<string, unknown>).domainName = "abc.lambda-url.us-east-1.on.aws";
  return JSON.stringify(ev);
}

goTest("streaming: chunks reach the platform as they are produced", async () => {
  const report = await runPlatform({
    invokes: [
      op("s-1", { op: "chunks" }),
      op("s-2", { op: "plain" }),
      { id: "s-3", body: urlEvent() },
      op("s-4", { op: "node" }),
    ],
  }, FN);
  assert.equal(report.timedOut, false, report.stderr);

  const s1 = postFor(report, "s-1");
  assertStreamedPost(s1, "text/plain");
  assert.equal(s1.body, "abc");
  const chunks = s1.chunks ?? [];
  assert.ok(chunks.length >= 3, `3 separate reads expected: ${JSON.stringify(chunks)}`);
  assert.equal(chunks[0].data, "a");
  // "a" arrived while the handler was still sleeping before "b" and "c" (600 ms in all).
  assert.ok(
    (s1.endMs ?? 0) - chunks[0].atMs >= 450,
    `first chunk at ${chunks[0].atMs} ms, body ended at ${s1.endMs} ms`,
  );
  assert.ok(chunks[1].atMs - chunks[0].atMs >= 200, JSON.stringify(chunks));
  // Both trailers announced (Go lists announced keys in Trailer), and no error: none sent.
  assert.deepEqual(Object.keys(s1.trailer ?? {}).sort(), [
    "Lambda-Runtime-Function-Error-Body",
    "Lambda-Runtime-Function-Error-Type",
  ]);
  assert.equal(s1.trailer?.["Lambda-Runtime-Function-Error-Type"]?.[0] ?? "", "");

  // An ordinary result right after still goes out the ordinary way.
  const s2 = postFor(report, "s-2");
  assert.equal(header(s2, "Lambda-Runtime-Function-Response-Mode"), undefined);
  assert.equal(s2.body, '{"ok":true}');

  // http() in RESPONSE_STREAM mode: prelude, 8 NULs, then the body as it comes.
  const s3 = postFor(report, "s-3");
  assertStreamedPost(s3, "application/vnd.awslambda.http-integration-response");
  const split = splitPrelude(new TextEncoder().encode(s3.body));
  assert.ok(split, s3.body);
  assert.deepEqual(split.metadata, {
    statusCode: 201,
    headers: { "content-type": "text/html" },
    cookies: ["a=1", "b=2"],
  });
  assert.equal(new TextDecoder().decode(split.body), "<p>first</p><p>second</p>");
  const c3 = s3.chunks ?? [];
  assert.ok((s3.endMs ?? 0) - c3[0].atMs >= 200, JSON.stringify(c3));

  // Node-style awslambda.streamifyResponse + HttpResponseStream.from.
  const s4 = postFor(report, "s-4");
  assertStreamedPost(s4, "application/vnd.awslambda.http-integration-response");
  assert.equal(
    s4.body,
    '{"statusCode":200,"headers":{"content-type":"text/plain"}}\0\0\0\0\0\0\0\0xy',
  );
  assert.ok((s4.endMs ?? 0) - (s4.chunks ?? [])[0].atMs >= 200, JSON.stringify(s4.chunks));
});

goTest(
  "streaming: an error mid-stream arrives in the trailers; before any byte, as /error",
  async () => {
    const report = await runPlatform({
      invokes: [
        op("e-1", { op: "midError" }),
        op("e-2", { op: "earlyError" }),
        op("e-3", { op: "nodeReject" }),
      ],
    }, FN);
    assert.equal(report.timedOut, false, report.stderr);

    const e1 = postFor(report, "e-1");
    assertStreamedPost(e1, "application/octet-stream");
    assert.equal(e1.body, "partial");
    assert.deepEqual(e1.trailer?.["Lambda-Runtime-Function-Error-Type"], ["MyErr"]);
    const body = JSON.parse(atob(e1.trailer?.["Lambda-Runtime-Function-Error-Body"]?.[0] ?? ""));
    assert.equal(body.errorType, "MyErr");
    assert.equal(body.errorMessage, "broke mid-stream");
    assert.ok(Array.isArray(body.trace), "Node's document: errorType, errorMessage, trace");
    assert.match(report.stdout + report.stderr, /broke mid-stream/, "the error is logged too");

    const e2 = postFor(report, "e-2");
    assert.equal(e2.kind, "error");
    assert.equal(JSON.parse(e2.body).errorMessage, "broke before any byte");
    assert.equal(header(e2, "Lambda-Runtime-Function-Error-Type"), "MyErr");

    const e3 = postFor(report, "e-3");
    assertStreamedPost(e3, "application/vnd.awslambda.http-integration-response");
    assert.match(e3.body, /\0{8}x$/);
    assert.deepEqual(e3.trailer?.["Lambda-Runtime-Function-Error-Type"], ["MyErr"]);
  },
);

// ---- where streaming is impossible (go1.x): buffered, with a warning ---------------------------

Deno.test("buffered fallback: a plain stream becomes its bytes", async () => {
  const r = await invokeRaw(
    (() =>
      streamResponse(["a", "b", new Uint8Array([0, 1])], {
        contentType: "application/x-thing",
      })) as LambdaHandler<never, unknown>,
    {},
  );
  assert.ok(r.ok);
  assert.equal(r.stream, undefined);
  assert.equal(r.contentType, "application/x-thing");
  assert.deepEqual(r.payload, new Uint8Array([97, 98, 0, 1]));
});

Deno.test("buffered fallback: HTTP streams become the proxy result they stand for", async () => {
  const streamed = http(() =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("hello "));
          c.enqueue(new TextEncoder().encode("world"));
          c.close();
        },
      }),
      { headers: { "content-type": "text/plain", "set-cookie": "k=v" } },
    ), { invokeMode: "RESPONSE_STREAM" }) as LambdaHandler<never, unknown>;
  const ev = fixture("function-url");
  (ev.requestContext as Record<string, unknown>).domainName = "abc.lambda-url.us-east-1.on.aws";
  assert.deepEqual(await invokeJson(streamed, ev), {
    statusCode: 200,
    headers: { "content-type": "text/plain" },
    cookies: ["k=v"],
    body: "hello world",
    isBase64Encoded: false,
  });

  const node = streamifyResponse(async (_event, responseStream) => {
    const s = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 418,
      headers: { "content-type": "image/png" },
      cookies: ["x=1"],
    });
    s.write(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    await new Promise((r) => setTimeout(r, 5));
    s.end();
  }) as LambdaHandler<never, unknown>;
  assert.deepEqual(await invokeJson(node, {}), {
    statusCode: 418,
    headers: { "content-type": "image/png" },
    cookies: ["x=1"],
    body: "iVBORw==",
    isBase64Encoded: true,
  });
});

Deno.test("ALB and HTTP API events get buffered results even in RESPONSE_STREAM mode", async () => {
  const h = http(() => new Response("hi"), { invokeMode: "RESPONSE_STREAM" }) as LambdaHandler<
    never,
    unknown
  >;
  for (const name of ["alb-headers-only", "apigw-v2-http"]) {
    const r = await invokeRaw(h, fixture(name), true);
    assert.ok(r.ok);
    assert.equal(r.stream, undefined, name);
    assert.equal(JSON.parse(new TextDecoder().decode(r.payload)).body, "hi");
  }
});
