/**
 * The emulator's front doors against hostile peers: the Invoke API's 6 MB limit holds while a
 * chunked body is being read (the body is not read on), `serve --http` refuses bodies over 6 MB
 * as Function URLs do, malformed proxy results are a 502 and never passed on, a header named
 * `__proto__` is data, and a bad %-escape in the function name is a 400.
 */
import assert from "node:assert/strict";
import { LocalFunction } from "../../emulator/function.ts";
import { serveHttp } from "../../emulator/http_serve.ts";
import { FunctionPool } from "../../emulator/pool.ts";
import { withInvokeApi } from "./_invoke_api.ts";

const root = new URL("../../", import.meta.url).pathname;
const OPS = `${root}tests/emulator/fixtures/ops.ts`;
const RESULT = `${root}tests/emulator/fixtures/result.ts`;
const LIMIT = 6_291_456;
const opts = { sanitizeOps: false, sanitizeResources: false };

/**
 * Sends a chunked POST of up to `max` bytes over a raw socket, 64 KiB a chunk, while reading the
 * answer; stops writing when the server answers or closes. Returns the status and how much was
 * written.
 */
async function chunkedFlood(
  port: number,
  path: string,
  max: number,
): Promise<{ status: number; written: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const enc = new TextEncoder();
  let answered = false;
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.includes("\r\n")) {
        answered = true;
        break;
      }
    }
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  })();
  let written = 0;
  const writeAll = async (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length) off += await conn.write(bytes.subarray(off));
  };
  try {
    await writeAll(enc.encode(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`,
    ));
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const frame = new Uint8Array([
      ...enc.encode(chunk.length.toString(16) + "\r\n"),
      ...chunk,
      ...enc.encode("\r\n"),
    ]);
    while (written < max && !answered) {
      await writeAll(frame);
      written += chunk.length;
    }
  } catch {
    // the server closed the connection: it stopped reading
  }
  const status = await reading;
  try {
    conn.close();
  } catch { /* closed */ }
  return { status, written };
}

Deno.test({
  name: "Invoke API: the 6 MB limit holds while reading a chunked body; bad names are 400",
  ...opts,
  fn: async () => {
    const pool = new FunctionPool({ entry: OPS, maxConcurrency: 1 });
    await withInvokeApi(pool, async (port) => {
      const path = "/2015-03-31/functions/function/invocations";
      const { status, written } = await chunkedFlood(port, path, 256 * 1024 * 1024);
      assert.equal(status, 413);
      assert.ok(written < 64 * 1024 * 1024, `stopped reading early (client wrote ${written})`);

      const declared = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        body: new Uint8Array(LIMIT + 1),
      });
      assert.equal(declared.status, 413);
      assert.equal(declared.headers.get("x-amzn-ErrorType"), "RequestEntityTooLargeException");
      assert.match((await declared.json()).message, /Request must be smaller than 6291456 bytes/);

      const bad = await fetch(
        `http://127.0.0.1:${port}/2015-03-31/functions/%E0%A4%A/invocations`,
        {
          method: "POST",
          body: "{}",
        },
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get("x-amzn-ErrorType"), "ValidationException");
      await bad.body?.cancel();

      // The well-behaved caller is served throughout.
      const ok = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        body: JSON.stringify({ op: "echo", value: 5 }),
      });
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), "5");
    });
  },
});

async function withHttp(entry: string, f: (base: string, port: number) => Promise<void>) {
  const fn = await LocalFunction.start({ entry, timeoutMs: 10_000 });
  const ac = new AbortController();
  let port = 0;
  const server = serveHttp(fn, { port: 0, signal: ac.signal, onListen: (a) => (port = a.port) });
  try {
    await f(`http://127.0.0.1:${port}`, port);
  } finally {
    ac.abort();
    await server.finished;
    await fn.close();
  }
}

Deno.test({
  name: "serve --http: bodies over 6 MB are refused while reading, as Function URLs do",
  ...opts,
  fn: async () => {
    await withHttp(RESULT, async (base, port) => {
      const { status, written } = await chunkedFlood(port, "/", 256 * 1024 * 1024);
      assert.equal(status, 413);
      assert.ok(written < 64 * 1024 * 1024, `stopped reading early (client wrote ${written})`);
      const declared = await fetch(base, { method: "POST", body: new Uint8Array(LIMIT + 1) });
      assert.equal(declared.status, 413);
      await declared.body?.cancel();
      const ok = await fetch(base, { method: "POST", body: new Uint8Array(1000) });
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), "no r");
    });
  },
});

Deno.test({
  name: "serve --http: malformed proxy results are a 502, never passed on",
  ...opts,
  fn: async () => {
    await withHttp(RESULT, async (base) => {
      const get = (result: unknown, init?: RequestInit) =>
        fetch(
          `${base}/?r=${
            encodeURIComponent(typeof result === "string" ? result : JSON.stringify(result))
          }`,
          init,
        );
      const malformed: unknown[] = [
        { statusCode: 200, multiValueHeaders: { "X-M": "abc" } },
        { statusCode: 200, cookies: 5 },
        { statusCode: 200, cookies: ["a=1", 5] },
        { statusCode: 99999 },
        { statusCode: 42 },
        { statusCode: "abc" },
        // JSON text: an object literal cannot hold a `__proto__` key as data.
        '{"statusCode":200,"headers":{"__proto__":"x"}}',
        { statusCode: 200, headers: { "bad name": "x" } },
        { statusCode: 200, headers: { "x-obj": { a: 1 } } },
        { statusCode: 200, headers: "x" },
        { statusCode: 200, body: { not: "a string" } },
        { statusCode: 200, isBase64Encoded: "yes" },
        { statusCode: 200, body: "%%%", isBase64Encoded: true },
      ];
      for (const result of malformed) {
        const r = await get(result);
        assert.equal(r.status, 502, JSON.stringify(result));
        assert.deepEqual(await r.json(), { message: "Internal Server Error" });
      }
      // A well-formed one is passed on whole.
      const good = await get({
        statusCode: 201,
        headers: { "x-a": "1", "x-n": 2 },
        multiValueHeaders: { "x-m": ["a", "b"] },
        cookies: ["c=1"],
        body: "made",
      });
      assert.equal(good.status, 201);
      assert.equal(good.headers.get("x-a"), "1");
      assert.equal(good.headers.get("x-n"), "2");
      assert.equal(good.headers.get("x-m"), "a, b");
      assert.deepEqual(good.headers.getSetCookie(), ["c=1"]);
      assert.equal(await good.text(), "made");
      // A client header named __proto__ is data in the event, not a crash.
      const proto = await fetch(base, { headers: { "__proto__": "x" } });
      assert.equal(proto.status, 200);
      assert.equal(await proto.text(), "no r");
    });
  },
});
