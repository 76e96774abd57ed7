import assert from "node:assert/strict";
import {
  bodyReader,
  chunk,
  HttpError,
  lastChunk,
  readRequestHead,
  readResponseHead,
  requestHead,
  responseBytes,
} from "../../ground/http1.ts";
import { ByteReader, directSource } from "../../ground/reader.ts";
import { chunks } from "./_streams.ts";

const dec = new TextDecoder();

async function readAll(body: { next(): Promise<Uint8Array | null> }): Promise<string> {
  let s = "";
  for (let p = await body.next(); p !== null; p = await body.next()) s += dec.decode(p);
  return s;
}

const status = (n: number) => (e: unknown) => e instanceof HttpError && e.status === n;

Deno.test("http1: request heads in CRLF and bare-LF form, leading blank lines, repeated fields", async () => {
  const r = new ByteReader(chunks([
    "\r\nPOST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Rep: 1\r\nx-rep:  2 \r\n\r\n",
    "CONNECT /_goRPC_ HTTP/1.0\n\n",
  ]));
  const h = (await readRequestHead(r))!;
  assert.equal(h.method, "POST");
  assert.equal(h.target, "/a/b?x=1");
  assert.equal(h.path, "/a/b");
  assert.equal(h.minor, 1);
  assert.equal(h.close, false);
  assert.equal(h.headers.get("x-rep"), "1, 2");
  const c = (await readRequestHead(r))!;
  assert.equal(c.method, "CONNECT");
  assert.equal(c.path, "/_goRPC_");
  assert.equal(c.close, true); // HTTP/1.0 without keep-alive
  assert.equal(await readRequestHead(r), null);
});

Deno.test("http1: malformed, oversized and non-1.x request heads are refused with a status", async () => {
  const head = (s: string, max = 1024) =>
    readRequestHead(new ByteReader(chunks([s])), { maxHeadBytes: max });
  await assert.rejects(head("garbage\n\n"), status(400));
  await assert.rejects(head("GET / HTTP/1.1\r\nNo colon\r\n\r\n"), status(400));
  await assert.rejects(head("GET / HTTP/1.1\r\nBad Name: v\r\n\r\n"), status(400));
  await assert.rejects(head("GET / HTTP/2.0\r\n\r\n"), status(505));
  await assert.rejects(head(`GET / HTTP/1.1\r\nX: ${"a".repeat(2000)}\r\n\r\n`), status(431));
  await assert.rejects(head("GET / HTTP/1.1\r\nX: 1\r\nY: 2\r\n\r\n", 20), status(431));
  await assert.rejects(head("GET / HTTP/1.1\r\nHost: x\r\n"), status(400)); // cut short
});

Deno.test("http1: a chunked body across reads, with extensions and trailers", async () => {
  const r = new ByteReader(chunks([
    "POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel",
    "lo\r\n6\r\n world\r\n0\r\nLambda-Runtime-Function-Error-Type: Function.X\r\n",
    "Lambda-Runtime-Function-Error-Body: e30=\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
  ]));
  const head = (await readRequestHead(r))!;
  const body = bodyReader(r, head);
  assert.equal(body.chunked, true);
  assert.equal(await readAll(body), "hello world");
  assert.equal(body.trailers.get("lambda-runtime-function-error-type"), "Function.X");
  assert.equal(body.trailers.get("lambda-runtime-function-error-body"), "e30=");
  assert.equal((await readRequestHead(r))!.path, "/next"); // the connection goes on
});

Deno.test("http1: bad chunk framing, a body cut short and unknown codings are errors", async () => {
  const body = (s: string, te = "chunked") => {
    const r = new ByteReader(chunks([s]));
    return bodyReader(r, { headers: new Map([["transfer-encoding", te]]) });
  };
  await assert.rejects(readAll(body("zz\r\nabc\r\n0\r\n\r\n")), status(400));
  await assert.rejects(readAll(body("3\r\nabcXX0\r\n\r\n")), status(400));
  await assert.rejects(readAll(body("10\r\nabc")), status(400));
  assert.throws(() => body("", "gzip"), status(501));
  const trailers = new ByteReader(chunks([`0\r\nX: ${"a".repeat(100)}\r\n\r\n`]));
  await assert.rejects(
    readAll(bodyReader(trailers, { headers: new Map([["transfer-encoding", "chunked"]]) }, {
      maxTrailerBytes: 50,
    })),
    status(431),
  );
});

Deno.test("http1: Content-Length bodies, and a response read until the stream ends", async () => {
  const r = new ByteReader(chunks(["abcdefXYZ"]));
  assert.equal(
    await readAll(bodyReader(r, { headers: new Map([["content-length", "6"]]) })),
    "abcdef",
  );
  assert.equal(await readAll(bodyReader(r, { headers: new Map() })), "");
  assert.equal(await readAll(bodyReader(r, { headers: new Map() }, undefined, true)), "XYZ");
  assert.throws(
    () => bodyReader(r, { headers: new Map([["content-length", "-1"]]) }),
    status(400),
  );
});

Deno.test("http1: response heads; a malformed one is a 502 HttpError", async () => {
  const r = new ByteReader(chunks(["HTTP/1.0 200 Connected to Go RPC\n\nrest"]));
  const h = (await readResponseHead(r))!;
  assert.equal(h.status, 200);
  assert.equal(h.reason, "Connected to Go RPC");
  await assert.rejects(readResponseHead(new ByteReader(chunks(["SSH-2.0\r\n\r\n"]))), status(502));
  assert.equal(await readResponseHead(new ByteReader(chunks([]))), null);
});

Deno.test("http1: serialised heads, chunks and trailers parse back; CR/LF in a value is refused", async () => {
  const bytes = [
    requestHead("POST", "/x", { Host: "h", "Transfer-Encoding": "chunked" }),
    chunk(new TextEncoder().encode("abc")),
    lastChunk([["X-T", "1"], ["X-T", "2"]]),
  ];
  const r = new ByteReader(chunks(bytes));
  const head = (await readRequestHead(r))!;
  const body = bodyReader(r, head);
  assert.equal(await readAll(body), "abc");
  assert.equal(body.trailers.get("x-t"), "1, 2");
  assert.throws(() => requestHead("GET", "/", { X: "a\r\nInjected: 1" }), TypeError);
  const res = dec.decode(responseBytes(404, { "Content-Type": "text/plain" }, "nope", true));
  assert.match(res, /^HTTP\/1\.1 404 Not Found\r\nContent-Type: text\/plain\r\n/);
  assert.match(res, /\r\nContent-Length: 4\r\nConnection: close\r\nDate: [^\r]+\r\n\r\nnope$/);
});

Deno.test("http1: readWhole reads a Content-Length body off the socket straight into one buffer", async () => {
  const size = 6 * 1024 * 1024; // Lambda's largest event
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = i % 251;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    const head = new TextEncoder().encode(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
    for (const part of [head, body]) {
      for (let off = 0; off < part.length;) off += await conn.write(part.subarray(off));
    }
    conn.close();
  })();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  try {
    // The socket's reads, by the size of the buffer each was given.
    const readSizes: number[] = [];
    const r = new ByteReader(directSource({
      read: (p) => (readSizes.push(p.length), conn.read(p)),
      write: (p) => conn.write(p),
    }));
    const head = (await readResponseHead(r))!;
    const reader = bodyReader(r, head);
    assert.equal(await reader.readWhole(size - 1), null, "a body over the limit is left to next()");
    const whole = (await reader.readWhole(size))!;
    assert.deepEqual(whole, body);
    assert.equal(whole.buffer.byteLength, size);
    assert.equal(await reader.next(), null);
    // After the head, the reads went into the body's own buffer (far larger than any read buffer
    // of the reader's), not into chunks that are then copied.
    assert.ok(
      readSizes.some((n) => n > 64 * 1024),
      `${readSizes.length} reads, none into the body`,
    );
  } finally {
    conn.close();
    await served;
    listener.close();
  }
});

Deno.test("http1: readWhole of a body cut short is a 400; a chunked body is left to next()", async () => {
  const r = new ByteReader(chunks(["abc"]));
  await assert.rejects(
    bodyReader(r, { headers: new Map([["content-length", "6"]]) }).readWhole(100),
    status(400),
  );
  const c = new ByteReader(chunks(["3\r\nabc\r\n0\r\n\r\n"]));
  const chunked = bodyReader(c, { headers: new Map([["transfer-encoding", "chunked"]]) });
  assert.equal(await chunked.readWhole(100), null);
  assert.equal(await readAll(chunked), "abc");
});
