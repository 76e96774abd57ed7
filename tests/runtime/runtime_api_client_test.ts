/**
 * The Runtime API's HTTP/1.1 client against a real HTTP server (Deno.serve) and against a raw
 * TCP peer scripting the framings a server may choose (chunked answers with trailers, answers
 * delimited by the connection's end, interim 1xx answers, idle connections closed by the server).
 */
import assert from "node:assert/strict";
import { Http1Client, parseAddress } from "../../runtime/runtime_api_client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("parseAddress: host:port and [v6]:port", () => {
  assert.deepEqual(parseAddress("127.0.0.1:9001"), { hostname: "127.0.0.1", port: 9001 });
  assert.deepEqual(parseAddress("[::1]:80"), { hostname: "::1", port: 80 });
  assert.deepEqual(parseAddress("localhost"), { hostname: "localhost", port: 80 });
});

Deno.test("Runtime API client: requests and answers over one kept-alive connection (Deno.serve)", async () => {
  const peers = new Set<string>();
  const seen: { method: string; url: string; ua: string | null; body: string }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req, info) => {
      peers.add(`${info.remoteAddr.hostname}:${info.remoteAddr.port}`);
      seen.push({
        method: req.method,
        url: new URL(req.url).pathname,
        ua: req.headers.get("user-agent"),
        body: await req.text(),
      });
      return new Response(req.method === "GET" ? "x".repeat(1000) : '{"status":"OK"}', {
        status: req.method === "GET" ? 200 : 202,
        headers: { "Lambda-Runtime-Aws-Request-Id": `id-${seen.length}` },
      });
    },
  );
  const client = new Http1Client(`127.0.0.1:${server.addr.port}`);
  try {
    for (let i = 0; i < 20; i++) {
      const next = await client.request("GET", "/next", { "User-Agent": "t/1" });
      assert.equal(next.status, 200);
      assert.equal(next.body.length, 1000);
      assert.equal(next.headers.get("lambda-runtime-aws-request-id"), `id-${2 * i + 1}`);
      const posted = await client.request("POST", `/r/${i}`, {}, enc.encode(`{"i":${i}}`));
      assert.equal(posted.status, 202);
      assert.equal(dec.decode(posted.body), '{"status":"OK"}');
    }
    assert.equal(peers.size, 1, "one connection for all 40 requests");
    assert.deepEqual(seen[1], { method: "POST", url: "/r/0", ua: null, body: '{"i":0}' });
    assert.equal(seen[0].ua, "t/1");
    // a 6 MB body each way
    const big = enc.encode("y".repeat(6 * 1024 * 1024));
    const r = await client.request("POST", "/big", {}, big);
    assert.equal(r.status, 202);
    assert.equal(seen.at(-1)!.body.length, big.length);
  } finally {
    client.close();
    await server.shutdown();
  }
});

Deno.test("Runtime API client: a streamed body reaches the server chunk by chunk", async () => {
  // Each chunk is asked of the body only once the server has received the ones before it: a
  // client that gathered the body before sending would never get past the first.
  let received = "";
  let arrived = () => {};
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const reads: string[] = [];
    for await (const b of req.body ?? []) {
      reads.push(dec.decode(b));
      received += reads.at(-1);
      arrived();
    }
    return new Response(`${req.headers.get("transfer-encoding")}|${reads.join("|")}`, {
      status: 202,
    });
  });
  const serverHas = async (text: string) => {
    const deadline = Date.now() + 5000;
    while (received !== text) {
      if (Date.now() > deadline) {
        throw new Error(`the server has ${JSON.stringify(received)}, not ${JSON.stringify(text)}`);
      }
      await new Promise<void>((r) => {
        arrived = r;
        setTimeout(r, 50);
      });
    }
  };
  const client = new Http1Client(`127.0.0.1:${server.addr.port}`);
  try {
    const parts = ["a", "", "bc", "d"];
    let sent = "";
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        await serverHas(sent);
        const next = parts.shift();
        if (next === undefined) return c.close();
        sent += next;
        c.enqueue(enc.encode(next));
      },
    });
    const r = await client.stream("POST", "/s", {}, body, () => ({}));
    assert.equal(r.status, 202);
    // One read per chunk at the server (the empty one is not sent: it would end the body).
    assert.equal(dec.decode(r.body), "chunked|a|bc|d");
    // the connection is reused afterwards
    assert.equal((await client.request("GET", "/", {})).status, 202);
  } finally {
    client.close();
    await server.shutdown();
  }
});

/** A TCP peer: for each connection, reads requests and answers with `script(conn index, n)`. */
function rawServer(
  script: (conn: number, request: number, head: string) => string | null,
): { port: number; heads: string[]; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const heads: string[] = [];
  let conns = 0;
  (async () => {
    for await (const conn of listener) {
      const id = conns++;
      (async () => {
        let text = "";
        let n = 0;
        const buf = new Uint8Array(65536);
        try {
          for (;;) {
            const got = await conn.read(buf);
            if (got === null) break;
            text += dec.decode(buf.subarray(0, got));
            for (;;) {
              const end = text.indexOf("\r\n\r\n");
              if (end < 0) break;
              const head = text.slice(0, end);
              const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
              let total = end + 4 + len;
              if (/transfer-encoding: chunked/i.test(head)) {
                const fin = text.indexOf("\r\n0\r\n", end) >= 0
                  ? text.indexOf("\r\n\r\n", text.indexOf("0\r\n", end + 4)) + 4
                  : -1;
                if (fin < 4) break;
                total = fin;
              }
              if (text.length < total) break;
              heads.push(text.slice(0, total));
              text = text.slice(total);
              const answer = script(id, n++, head);
              if (answer === null) {
                conn.close();
                return;
              }
              await conn.write(enc.encode(answer));
              // HTTP/1.0 and "Connection: close" answers end with the connection
              if (/^HTTP\/1\.0|\r\nConnection: close\r\n/i.test(answer)) {
                conn.close();
                return;
              }
            }
          }
        } catch {
          // the client went away
        }
        try {
          conn.close();
        } catch {
          // closed
        }
      })();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    heads,
    close: () => listener.close(),
  };
}

Deno.test("Runtime API client: chunked answers with trailers, 100 Continue, Latin-1 header values", async () => {
  const srv = rawServer((_c, n) =>
    n === 0
      ? "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" +
        "X-Name: café\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
      : "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"
  );
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    const r = await client.request("GET", "/", {});
    assert.equal(r.status, 200);
    assert.equal(dec.decode(r.body), "abcde");
    assert.equal(r.headers.get("x-trailer"), "t");
    // the bytes of a UTF-8 value, one character each, as fetch gives them
    assert.equal(r.headers.get("x-name"), "caf\xc3\xa9");
    assert.equal(dec.decode((await client.request("POST", "/", {}, enc.encode("z"))).body), "ok");
  } finally {
    client.close();
    srv.close();
  }
});

Deno.test("Runtime API client: request trailers after an error in the streamed body", async () => {
  const srv = rawServer(() => "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode("part"));
      },
      pull(c) {
        c.error(new Error("boom"));
      },
    });
    const r = await client.stream("POST", "/s", { "Trailer": "X-Err" }, body, (e) => ({
      "X-Err": (e as Error).message,
    }));
    assert.equal(r.status, 202);
    assert.match(srv.heads[0], /\r\n\r\n4\r\npart\r\n0\r\nX-Err: boom\r\n\r\n$/);
  } finally {
    client.close();
    srv.close();
  }
});

Deno.test("Runtime API client: Connection: close, close-delimited bodies, an idle connection the server closed", async () => {
  const srv = rawServer((c, n) => {
    if (c === 0 && n === 0) return "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
    if (c === 0) return null; // the server dropped the kept-alive connection
    if (c === 1) return "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nb";
    return "HTTP/1.0 200 OK\r\n\r\nuntil the end";
  });
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    assert.equal(dec.decode((await client.request("GET", "/", {})).body), "a");
    // retried on a new connection (1), which the server then closes
    assert.equal(dec.decode((await client.request("POST", "/", {}, enc.encode("x"))).body), "b");
    const r = await client.request("GET", "/", {});
    assert.equal(dec.decode(r.body), "until the end");
  } finally {
    client.close();
    srv.close();
  }
});

Deno.test("Runtime API client: connection refused and a malformed answer reject", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await assert.rejects(new Http1Client(`127.0.0.1:${port}`).request("GET", "/", {}));
  const srv = rawServer(() => "SMTP ready\r\n\r\n");
  try {
    await assert.rejects(
      new Http1Client(`127.0.0.1:${srv.port}`).request("GET", "/", {}),
      /malformed HTTP response/,
    );
  } finally {
    srv.close();
  }
});
