/**
 * The Runtime API's HTTP/1.1 client against a real HTTP server (Deno.serve) and against a raw
 * TCP peer scripting the framings a server may choose (chunked answers with trailers, answers
 * delimited by the connection's end, interim 1xx answers, idle connections closed by the server).
 */
import assert from "node:assert/strict";
import { Http1Client, parseAddress } from "../../runtime/runtime_api_client.ts";
import { RuntimeApiClient } from "../../runtime/runtime_api.ts";

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

/**
 * What a scripted peer does with a request: answer it (a string); answer, then close the
 * connection or write more bytes a little later; or close without answering (null).
 */
type Reply = string | null | { answer: string; close?: boolean; later?: string };

/** A TCP peer: for each connection, reads requests and answers with `script(conn index, n)`. */
function rawServer(
  script: (conn: number, request: number, head: string) => Reply,
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
              const reply = script(id, n++, head);
              if (reply === null) {
                conn.close();
                return;
              }
              const answer = typeof reply === "string" ? reply : reply.answer;
              const bytes = enc.encode(answer);
              for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
              if (typeof reply === "object" && reply.later !== undefined) {
                const later = enc.encode(reply.later);
                setTimeout(() => conn.write(later).catch(() => {}), 30);
              }
              // HTTP/1.0 and "Connection: close" answers end with the connection
              if (
                typeof reply === "object" && reply.close ||
                /^HTTP\/1\.0|\r\nConnection: close\r\n/i.test(answer)
              ) {
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

Deno.test("Runtime API client: Connection: close and close-delimited bodies", async () => {
  const srv = rawServer((c) => {
    if (c === 0) return "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nb";
    return "HTTP/1.0 200 OK\r\n\r\nuntil the end";
  });
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    assert.equal(dec.decode((await client.request("POST", "/", {}, enc.encode("x"))).body), "b");
    const r = await client.request("GET", "/", {});
    assert.equal(dec.decode(r.body), "until the end");
  } finally {
    client.close();
    srv.close();
  }
});

const OK_A = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
const ACCEPTED = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
const posts = (heads: string[]) => heads.filter((h) => h.startsWith("POST"));

Deno.test("Runtime API client: a POST the server drops unanswered is sent once, never again", async () => {
  // aws-lambda-go's client sends a response once and exits when it is not answered: a second
  // copy could reach a platform that had taken the first.
  const srv = rawServer((c, n) => c === 0 && n === 1 ? null : n === 0 ? OK_A : ACCEPTED);
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    await client.request("GET", "/next", {});
    await assert.rejects(
      client.request("POST", "/response", {}, enc.encode("result")),
      /closed before an answer/,
    );
    assert.equal(posts(srv.heads).length, 1, srv.heads.join("|"));
  } finally {
    client.close();
    srv.close();
  }
});

Deno.test("Runtime API client: a GET the server drops on a reused connection is sent again", async () => {
  // Go's Transport retries a replayable request (no body) once on a new connection.
  const srv = rawServer((c, n) => c === 0 && n === 1 ? null : OK_A);
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    assert.equal(dec.decode((await client.request("GET", "/next", {})).body), "a");
    assert.equal(dec.decode((await client.request("GET", "/next", {})).body), "a");
    assert.equal(srv.heads.length, 3);
  } finally {
    client.close();
    srv.close();
  }
});

Deno.test("Runtime API client: an idle connection the server closed is not reused", async () => {
  const srv = rawServer((c, n) => c === 0 && n === 0 ? { answer: OK_A, close: true } : ACCEPTED);
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    await client.request("GET", "/next", {});
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await client.request("POST", "/response", {}, enc.encode("x"))).status, 202);
    assert.equal(posts(srv.heads).length, 1);
  } finally {
    client.close();
    srv.close();
  }
});

Deno.test("Runtime API client: bytes beyond an answer's length answer nothing: logged, the connection dropped", async () => {
  // As Go's Transport: "Unsolicited response received on idle HTTP channel", then a new
  // connection; they must not be read as the answer to the next request.
  for (const reply of [OK_A + "GARBAGE", { answer: OK_A, later: "GARBAGE" }]) {
    const srv = rawServer((c, n) => c === 0 && n === 0 ? reply : ACCEPTED);
    const unsolicited: string[] = [];
    const client = new Http1Client(`127.0.0.1:${srv.port}`, {
      onUnsolicited: (b) => unsolicited.push(dec.decode(b)),
    });
    try {
      assert.equal(dec.decode((await client.request("GET", "/next", {})).body), "a");
      await new Promise((r) => setTimeout(r, 80));
      const r = await client.request("POST", "/response", {}, enc.encode("x"));
      assert.equal(r.status, 202);
      assert.deepEqual(unsolicited, ["GARBAGE"]);
      assert.equal(posts(srv.heads).length, 1);
    } finally {
      client.close();
      srv.close();
    }
  }
});

Deno.test("Runtime API client: a repeated header gives its first value; heads up to Go's 10 MiB", async () => {
  const big = "v".repeat(5 * 1024 * 1024);
  const srv = rawServer((_c, n) => {
    if (n === 0) {
      return "HTTP/1.1 200 OK\r\nX-Id: first\r\nX-Id: second\r\nContent-Length: 0\r\n\r\n";
    }
    if (n === 1) return `HTTP/1.1 200 OK\r\nX-Big: ${big}\r\nContent-Length: 0\r\n\r\n`;
    // 11 MiB of interim answers: over the one limit they share with the final head, as in Go
    const interim = `HTTP/1.1 100 Continue\r\nX-Pad: ${"p".repeat(1024 * 1024)}\r\n\r\n`;
    return interim.repeat(11) + ACCEPTED;
  });
  const client = new Http1Client(`127.0.0.1:${srv.port}`);
  try {
    const r = await client.request("GET", "/", {});
    assert.equal(r.headers.get("x-id"), "first");
    assert.equal((await client.request("GET", "/", {})).headers.get("x-big")?.length, big.length);
    await assert.rejects(client.request("GET", "/", {}), /larger than/);
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

/** A `/next` answer with the deadline header `deadline` and body `{}`. */
function nextAnswer(deadline: string, extra = ""): string {
  return "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nLambda-Runtime-Aws-Request-Id: r2\r\n" +
    `Lambda-Runtime-Deadline-Ms: ${deadline}\r\nContent-Length: 2\r\n\r\n{}${extra}`;
}

Deno.test("RuntimeApiClient: any int64 deadline is accepted, as Go's strconv.ParseInt and the go1.x path accept it", async () => {
  const cases: [string, number | null][] = [
    ["1700000000000", 1700000000000],
    ["9007199254740993", 9007199254740992],
    ["9223372036854775807", 9223372036854775807],
    ["-9223372036854775808", -9223372036854775808],
    ["+00000000000000000000000012", 12],
    ["9223372036854775808", null],
    ["-9223372036854775809", null],
    ["12a", null],
    ["", null],
  ];
  const srv = rawServer((_c, n) => nextAnswer(cases[n][0]));
  const client = new RuntimeApiClient(`127.0.0.1:${srv.port}`);
  try {
    for (const [raw, want] of cases) {
      const next = await client.next();
      assert.equal(next.request.requestId, "r1", "the first of a repeated header, as Go");
      if (want === null) {
        assert.equal(next.error?.errorType, "Runtime.InvalidDeadline", raw);
      } else {
        assert.equal(next.error, undefined, raw);
        assert.equal(next.request.deadlineMs, want, raw);
      }
    }
  } finally {
    srv.close();
  }
});

Deno.test("RuntimeApiClient: bytes after a /next body are not taken for the answer to the response", async () => {
  const srv = rawServer((c, n) =>
    c === 0 && n === 0 ? nextAnswer("1700000000000", "GARBAGE") : ACCEPTED
  );
  const client = new RuntimeApiClient(`127.0.0.1:${srv.port}`);
  try {
    const next = await client.next();
    await client.postResponse(next.request.requestId, enc.encode('"ok"'), "application/json");
    assert.equal(posts(srv.heads).length, 1);
  } finally {
    srv.close();
  }
});
