/**
 * The Runtime API platform at the HTTP level, with raw sockets: the `next` long poll and its
 * headers, 202 answers, error-type validation, init errors, request ids and state, streamed
 * chunked responses with error trailers, size limits, and a poll whose connection drops.
 */

import assert from "node:assert/strict";
import {
  type Invocation,
  type InvocationInput,
  RuntimeApiPlatform,
  validateErrorType,
} from "../../emulator/runtime_api_platform.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const NEXT = "/2018-06-01/runtime/invocation/next";

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

/** A raw HTTP/1.1 connection. */
class Raw {
  #buf = new Uint8Array(0);
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  constructor(readonly conn: Deno.Conn) {
    this.#reader = conn.readable.getReader();
  }
  static async open(p: RuntimeApiPlatform): Promise<Raw> {
    return new Raw(await Deno.connect({ hostname: "127.0.0.1", port: p.port }));
  }
  async send(text: string | Uint8Array): Promise<void> {
    const b = typeof text === "string" ? enc.encode(text) : text;
    let off = 0;
    while (off < b.length) off += await this.conn.write(b.subarray(off));
  }
  async #fill(): Promise<boolean> {
    const r = await this.#reader.read();
    if (r.done) return false;
    const b = new Uint8Array(this.#buf.length + r.value.length);
    b.set(this.#buf);
    b.set(r.value, this.#buf.length);
    this.#buf = b;
    return true;
  }
  /** Reads one response (Content-Length bodies only, which is all the platform sends). */
  async response(): Promise<{ status: number; headers: Headers; body: string }> {
    for (;;) {
      const text = dec.decode(this.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const lines = text.slice(0, end).split("\r\n");
        const status = Number(lines[0].split(" ")[1]);
        const headers = new Headers();
        for (const l of lines.slice(1)) {
          const i = l.indexOf(":");
          headers.append(l.slice(0, i), l.slice(i + 1).trim());
        }
        const len = Number(headers.get("content-length") ?? "0");
        const headLen = enc.encode(text.slice(0, end + 4)).length;
        while (this.#buf.length < headLen + len) {
          if (!(await this.#fill())) throw new Error("closed inside a body");
        }
        const body = dec.decode(this.#buf.subarray(headLen, headLen + len));
        this.#buf = this.#buf.subarray(headLen + len);
        return { status, headers, body };
      }
      if (!(await this.#fill())) throw new Error("connection closed");
    }
  }
  close() {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

function post(path: string, body: string, headers: Record<string, string> = {}): string {
  const b = enc.encode(body);
  let h = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${b.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) h += `${k}: ${v}\r\n`;
  return h + "\r\n" + body;
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/**
 * Queues an invocation (an empty event and 1 s unless `input` says otherwise) and takes it with
 * `GET /next` on `c`: the invocation and the response that handed it out.
 */
async function handOut(
  p: RuntimeApiPlatform,
  c: Raw,
  input: Partial<InvocationInput> = {},
): Promise<{ invocation: Invocation; next: Awaited<ReturnType<Raw["response"]>> }> {
  const invocation = p.enqueue({
    payload: enc.encode("{}"),
    timeoutMs: 1000,
    functionArn: "a",
    ...input,
  });
  await c.send(get(NEXT));
  return { invocation, next: await c.response() };
}

async function withPlatform(f: (p: RuntimeApiPlatform) => Promise<void>): Promise<void> {
  const p = RuntimeApiPlatform.start();
  try {
    await f(p);
  } finally {
    await p.close();
  }
}

test("next: long poll, every header Lambda sends, then 202 on response", async () => {
  await withPlatform(async (p) => {
    assert.match(p.address, /^127\.0\.0\.1:\d+$/);
    const c = await Raw.open(p);
    await c.send(get(NEXT));
    await p.ready;
    // The poll is waiting: nothing is answered, nor the connection closed, before an event.
    const pending = c.response();
    let settled = false;
    pending.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, "the next poll was answered before any event");
    const before = Date.now();
    const inv = p.enqueue({
      requestId: "req-1",
      payload: enc.encode('{"a":1}'),
      timeoutMs: 3000,
      functionArn: "arn:aws:lambda:us-east-1:012345678912:function:f",
      traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
      clientContext: '{"custom":{"k":"v"}}',
      cognitoIdentity: '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
      tenantId: "tenant-1",
    });
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"a":1}');
    const h = res.headers;
    assert.equal(h.get("Lambda-Runtime-Aws-Request-Id"), "req-1");
    const deadline = Number(h.get("Lambda-Runtime-Deadline-Ms"));
    assert.ok(deadline >= before + 3000 && deadline <= Date.now() + 3000);
    assert.equal(await inv.delivered, deadline);
    assert.equal(
      h.get("Lambda-Runtime-Invoked-Function-Arn"),
      "arn:aws:lambda:us-east-1:012345678912:function:f",
    );
    assert.match(h.get("Lambda-Runtime-Trace-Id") ?? "", /^Root=1-5759e988/);
    assert.equal(h.get("Lambda-Runtime-Client-Context"), '{"custom":{"k":"v"}}');
    assert.equal(
      h.get("Lambda-Runtime-Cognito-Identity"),
      '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
    );
    assert.equal(h.get("Lambda-Runtime-Aws-Tenant-Id"), "tenant-1");
    assert.equal(h.get("Content-Type"), "application/json");

    await c.send(post("/2018-06-01/runtime/invocation/req-1/response", '{"ok":true}'));
    const answer = await inv.answer;
    assert.equal(answer.kind, "response");
    if (answer.kind !== "response") return;
    assert.equal(answer.streaming, false);
    assert.equal(await new Response(answer.body).text(), '{"ok":true}');
    assert.deepEqual(await answer.done, {});
    const ack = await c.response();
    assert.equal(ack.status, 202);
    assert.deepEqual(JSON.parse(ack.body), { status: "OK" });

    // Optional headers are absent when empty; a trace id is always made up.
    const { next: r2 } = await handOut(p, c, { functionArn: "arn" });
    assert.equal(r2.headers.get("Lambda-Runtime-Client-Context"), null);
    assert.equal(r2.headers.get("Lambda-Runtime-Cognito-Identity"), null);
    assert.equal(r2.headers.get("Lambda-Runtime-Aws-Tenant-Id"), null);
    assert.match(
      r2.headers.get("Lambda-Runtime-Trace-Id") ?? "",
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    assert.equal(p.nextCount, 2);
    c.close();
  });
});

test("error: the body as posted; the type header validated like the RIE", async () => {
  assert.equal(validateErrorType("Function.MyErr"), "Function.MyErr");
  assert.equal(validateErrorType("Runtime.ExitError"), "Runtime.ExitError");
  assert.equal(validateErrorType("MyErr"), "Runtime.Unknown");
  assert.equal(validateErrorType("Function.lower"), "Runtime.Unknown");
  assert.equal(validateErrorType(undefined), "Runtime.Unknown");
  await withPlatform(async (p) => {
    const c = await Raw.open(p);
    for (
      const [id, header, want] of [
        ["e1", "Function.MyErr", "Function.MyErr"],
        ["e2", "ValidationError", "Runtime.Unknown"],
        ["e3", undefined, "Runtime.Unknown"],
      ] as const
    ) {
      const { invocation: inv, next } = await handOut(p, c, { requestId: id });
      assert.equal(next.status, 200);
      const body = '{"errorMessage":"bad","errorType":"MyErr"}';
      await c.send(post(
        `/2018-06-01/runtime/invocation/${id}/error`,
        body,
        header ? { "Lambda-Runtime-Function-Error-Type": header } : {},
      ));
      assert.equal((await c.response()).status, 202);
      const a = await inv.answer;
      assert.equal(a.kind, "error");
      if (a.kind !== "error") return;
      assert.equal(a.error.errorType, want);
      assert.equal(dec.decode(a.error.body), body);
    }
    c.close();
  });
});

test("unknown request id is 400; a second answer is 403; unknown paths 404", async () => {
  await withPlatform(async (p) => {
    const c = await Raw.open(p);
    await c.send(post("/2018-06-01/runtime/invocation/nope/response", "{}"));
    const r = await c.response();
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).errorType, "InvalidRequestID");
    const { invocation: inv } = await handOut(p, c, { requestId: "x" });
    await c.send(post("/2018-06-01/runtime/invocation/x/response", "1"));
    const a = await inv.answer;
    if (a.kind === "response") await a.body.cancel(); // the 202 waits for the consumer
    assert.equal((await c.response()).status, 202);
    await c.send(post("/2018-06-01/runtime/invocation/x/error", "{}"));
    const again = await c.response();
    assert.equal(again.status, 403);
    assert.equal(JSON.parse(again.body).errorType, "InvalidStateTransition");
    await c.send(get("/2018-06-01/runtime/nothing"));
    assert.equal((await c.response()).status, 404);
    c.close();
  });
});

test("init/error before the first next: reported; after it: 403", async () => {
  await withPlatform(async (p) => {
    const c = await Raw.open(p);
    await c.send(post(
      "/2018-06-01/runtime/init/error",
      '{"errorMessage":"no config","errorType":"ConfigError"}',
      { "Lambda-Runtime-Function-Error-Type": "Runtime.ConfigError" },
    ));
    assert.equal((await c.response()).status, 202);
    const e = await p.initError;
    assert.equal(e.errorType, "Runtime.ConfigError");
    assert.equal(JSON.parse(dec.decode(e.body)).errorMessage, "no config");
    c.close();
  });
  await withPlatform(async (p) => {
    const c = await Raw.open(p);
    await handOut(p, c);
    await c.send(post("/2018-06-01/runtime/init/error", "{}"));
    assert.equal((await c.response()).status, 403);
    c.close();
  });
});

test("streaming: chunks reach the consumer as they arrive; error trailers decoded", async () => {
  await withPlatform(async (p) => {
    const c = await Raw.open(p);
    const { invocation: inv } = await handOut(p, c, { requestId: "s1", timeoutMs: 5000 });
    await c.send(
      "POST /2018-06-01/runtime/invocation/s1/response HTTP/1.1\r\nHost: x\r\n" +
        "Lambda-Runtime-Function-Response-Mode: streaming\r\n" +
        "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n" +
        "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n" +
        "5\r\nhello\r\n",
    );
    const a = await inv.answer;
    assert.equal(a.kind, "response");
    if (a.kind !== "response") return;
    assert.equal(a.streaming, true);
    assert.equal(a.contentType, "text/plain");
    const reader = a.body.getReader();
    // The first chunk is readable before the rest is even sent.
    const first = await reader.read();
    assert.equal(dec.decode(first.value), "hello");
    const errJson = '{"errorMessage":"broke","errorType":"MyErr"}';
    await c.send(
      "6\r\n world\r\n0\r\n" +
        `Lambda-Runtime-Function-Error-Type: MyErr\r\n` +
        `Lambda-Runtime-Function-Error-Body: ${btoa(errJson)}\r\n\r\n`,
    );
    const second = await reader.read();
    assert.equal(dec.decode(second.value), " world");
    assert.equal((await reader.read()).done, true);
    const end = await a.done;
    assert.equal(end.error?.errorType, "MyErr");
    assert.equal(dec.decode(end.error?.body), errJson);
    assert.equal((await c.response()).status, 202);

    // A clean chunked response without trailers, on the same connection.
    const { invocation: inv2 } = await handOut(p, c, { requestId: "s2", timeoutMs: 5000 });
    await c.send(
      "POST /2018-06-01/runtime/invocation/s2/response HTTP/1.1\r\nHost: x\r\n" +
        "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    const a2 = await inv2.answer;
    if (a2.kind !== "response") throw new Error("expected a response");
    assert.equal(await new Response(a2.body).text(), "abc");
    assert.deepEqual(await a2.done, {});
    assert.equal((await c.response()).status, 202);
    c.close();
  });
});

test("a response over the size limit: 413 to the runtime, ResponseSizeTooLarge", async () => {
  await withPlatform(async (p) => {
    const c = await Raw.open(p);
    const { invocation: inv } = await handOut(p, c, {
      requestId: "big",
      timeoutMs: 5000,
      maxResponseBytes: 10,
    });
    await c.send(post("/2018-06-01/runtime/invocation/big/response", "x".repeat(50)));
    const a = await inv.answer;
    if (a.kind !== "response") throw new Error("expected a response");
    await new Response(a.body).arrayBuffer();
    const end = await a.done;
    assert.equal(end.error?.errorType, "Function.ResponseSizeTooLarge");
    assert.match(dec.decode(end.error?.body), /exceeded maximum allowed payload size \(10 bytes\)/);
    const r = await c.response();
    assert.equal(r.status, 413);
    assert.equal(JSON.parse(r.body).errorType, "RequestEntityTooLarge");
    c.close();
  });
});

test("a poll whose connection drops gives its invocation to the next poll", async () => {
  await withPlatform(async (p) => {
    const a = await Raw.open(p);
    await a.send(get(NEXT));
    await p.ready;
    await new Promise((r) => setTimeout(r, 20));
    a.close();
    await new Promise((r) => setTimeout(r, 20));
    const inv = p.enqueue({
      requestId: "r",
      payload: enc.encode("1"),
      timeoutMs: 1000,
      functionArn: "a",
    });
    const b = await Raw.open(p);
    await b.send(get(NEXT));
    const res = await b.response();
    assert.equal(res.headers.get("Lambda-Runtime-Aws-Request-Id"), "r");
    assert.equal(inv.state, "delivered");
    b.close();
  });
});

test("an oversized request head is refused with 431", async () => {
  const p = RuntimeApiPlatform.start({ limits: { maxHeadBytes: 1024 } });
  try {
    const c = await Raw.open(p);
    await c.send(`GET ${NEXT} HTTP/1.1\r\nX-Big: ${"a".repeat(4096)}\r\n\r\n`);
    assert.equal((await c.response()).status, 431);
    c.close();
  } finally {
    await p.close();
  }
});
