/**
 * `serve --http` (emulator/http_serve.ts): real HTTP requests reach the examples through the
 * local emulator, as events of each kind, and their answers come back, streamed ones chunk by
 * chunk.
 */

import assert from "node:assert/strict";
import { LocalFunction } from "../../emulator/function.ts";
import { type HttpEventKindOption, serveHttp } from "../../emulator/http_serve.ts";

function repo(rel: string): string {
  return new URL(`../../${rel}`, import.meta.url).pathname;
}

async function withServer(
  entry: string,
  kind: HttpEventKindOption,
  f: (base: string) => Promise<void>,
  albMultiValueHeaders = false,
) {
  const fn = await LocalFunction.start({ entry: repo(entry), timeoutMs: 10_000 });
  const ac = new AbortController();
  let port = 0;
  const server = serveHttp(fn, {
    port: 0,
    eventKind: kind,
    albMultiValueHeaders,
    signal: ac.signal,
    onListen: (a) => (port = a.port),
  });
  try {
    await f(`http://127.0.0.1:${port}`);
  } finally {
    ac.abort();
    await server.finished;
    await fn.close();
  }
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "serve --http: every event kind round-trips queries, cookies and binary bodies",
  ...opts,
  fn: async () => {
    const kinds: [HttpEventKindOption, boolean][] = [
      ["function-url", false],
      ["apigw-v2", false],
      ["apigw-v1", false],
      ["alb", false],
      ["alb", true],
    ];
    for (const [kind, multi] of kinds) {
      await withServer("examples/http.ts", kind, async (base) => {
        const label = `${kind}${multi ? " (multi-value)" : ""}`;
        const hello = await fetch(`${base}/hello?name=Ada%20L&tag=a&tag=b`);
        assert.equal(hello.status, 200, label);
        const json = await hello.json();
        assert.equal(json.message, "Hello, Ada L!", label);
        // A single-value ALB keeps only the last value of a repeated key, as ALB does.
        assert.deepEqual(json.tags, kind === "alb" && !multi ? ["b"] : ["a", "b"], label);
        assert.equal(json.from, "127.0.0.1", label);
        assert.equal(json.via, kind === "apigw-v1" ? "apigw-v1" : kind, label);

        const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
        const echo = await fetch(`${base}/echo`, {
          method: "POST",
          body: bytes,
          headers: { "content-type": "application/octet-stream" },
        });
        assert.deepEqual(new Uint8Array(await echo.arrayBuffer()), bytes, label);

        const login = await fetch(`${base}/login`, { redirect: "manual" });
        await login.body?.cancel();
        assert.equal(login.status, 303, label);
        assert.deepEqual(login.headers.getSetCookie(), [
          "session=s3cr3t; HttpOnly; Path=/",
          "theme=dark; Path=/",
        ], label);

        const missing = await fetch(`${base}/nope`);
        assert.equal(missing.status, 404);
        assert.equal(await missing.text(), "not found\n");
      }, multi);
    }
  },
});

Deno.test({
  name: "serve --http: a streamed response arrives chunk by chunk",
  ...opts,
  fn: async () => {
    await withServer("examples/stream.ts", "function-url", async (base) => {
      const t0 = performance.now();
      const res = await fetch(`${base}/?count=3`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const arrivals: number[] = [];
      let text = "";
      for await (const chunk of res.body!) {
        arrivals.push(performance.now() - t0);
        text += new TextDecoder().decode(chunk);
      }
      assert.equal(text.match(/data: tick/g)?.length, 3, text);
      assert.ok(arrivals.length >= 3, JSON.stringify(arrivals));
      // The first tick was readable about a second before the last one was produced.
      assert.ok(arrivals[arrivals.length - 1] - arrivals[0] >= 700, JSON.stringify(arrivals));
    });
  },
});
