/**
 * The Runtime API client against a platform that misbehaves, side by side with aws-lambda-go
 * v1.55.1 (`tests/go/cmd/gofunc`, built with `lambda.Start`), the reference: both functions run as
 * Lambda starts them, against one scripted platform (a raw TCP server), and must do the same.
 *
 * - bytes after a `/next` body (beyond its Content-Length) are not the answer to the next POST:
 *   the response is accepted and the function goes on to the next invocation;
 * - a `/response` POST the platform drops unanswered is sent once, and the function exits;
 * - a deadline anywhere in int64 is an ordinary invocation; a repeated header gives its first
 *   value; a 5 MB response head from the platform is read.
 */
import assert from "node:assert/strict";
import { buildGo } from "../_support/go.ts";
import { bodyReader, readRequestHead } from "../../ground/http1.ts";
import { ByteReader, directSource } from "../../ground/reader.ts";
import { repoPath } from "./_platform.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One request the function made: method, path, body, and the connection it came on. */
interface Seen {
  method: string;
  path: string;
  body: string;
  conn: number;
}

/** What the platform does with a request: answer these bytes, or drop the connection. */
type Action = { answer: string } | { drop: true };

/** A `/next` answer for invocation `id` with the payload `body`, `extra` bytes after it. */
function next(id: string, body: string, opts: { deadline?: string; head?: string } = {}): string {
  const b = enc.encode(body);
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
    `Lambda-Runtime-Aws-Request-Id: ${id}\r\n` +
    `Lambda-Runtime-Deadline-Ms: ${opts.deadline ?? String(Date.now() + 30_000)}\r\n` +
    "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:f\r\n" +
    (opts.head ?? "") + `Content-Length: ${b.length}\r\n\r\n${body}`;
}

const ACCEPTED = 'HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{"status":"OK"}\n';

/** A script that answers each `/next` with the next of `nexts` (then none), and posts with 202. */
function handingOut(nexts: readonly string[]): (req: Seen) => Action | null {
  let n = 0;
  return (req) => {
    if (req.path.endsWith("/next")) return n < nexts.length ? { answer: nexts[n++] } : null;
    return { answer: ACCEPTED };
  };
}

/**
 * Runs `command` under a platform that answers each request with `script(request, seen so far)`;
 * returns what the function sent and how it ended (it is killed once `done(seen)` holds, or at
 * the time limit).
 */
async function run(
  command: string[],
  script: (req: Seen, seen: Seen[]) => Action | null,
  done: (seen: Seen[]) => boolean,
): Promise<{ seen: Seen[]; exited: boolean; log: string }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: Seen[] = [];
  let conns = 0;
  const open = new Set<Deno.Conn>();
  const serving = (async () => {
    for await (const conn of listener) {
      const id = conns++;
      open.add(conn);
      (async () => {
        const r = new ByteReader(directSource(conn));
        try {
          for (;;) {
            const head = await readRequestHead(r, { maxHeadBytes: 1 << 20 });
            if (head === null) break;
            const body = bodyReader(r, head);
            let text = "";
            for (let p = await body.next(); p !== null; p = await body.next()) {
              text += dec.decode(p);
            }
            const req = { method: head.method, path: head.path, body: text, conn: id };
            seen.push(req);
            const action = script(req, seen);
            if (action === null) continue; // hold: a /next with nothing to hand out
            if ("drop" in action) break;
            const bytes = enc.encode(action.answer);
            for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
          }
        } catch {
          // the function went away
        }
        open.delete(conn);
        try {
          conn.close();
        } catch {
          // closed
        }
      })();
    }
  })();
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    env: {
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
      AWS_LAMBDA_FUNCTION_NAME: "f",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // What Lambda would log: both streams.
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then(() => exited = true);
  const limit = Date.now() + 20_000;
  while (!exited && !done(seen) && Date.now() < limit) {
    await new Promise((r) => setTimeout(r, 20));
  }
  // A function that is to exit gets a moment to do so.
  if (!exited) await Promise.race([status, new Promise((r) => setTimeout(r, 1500))]);
  const wasExited = exited;
  if (!exited) child.kill();
  await child.status;
  listener.close();
  for (const c of open) {
    try {
      c.close();
    } catch {
      // closed
    }
  }
  await serving.catch(() => {});
  return { seen, exited: wasExited, log: (await stdout) + (await stderr) };
}

const FUNCTIONS: [string, () => Promise<string[]>][] = [
  ["aws-lambda-go", async () => [await buildGo("cmd/gofunc")]],
  [
    "gopherless",
    () =>
      Promise.resolve([Deno.execPath(), "run", "-A", repoPath("tests/runtime/fixtures/ops.ts")]),
  ],
];

const ECHO = (v: string) => JSON.stringify({ op: "echo", value: v });
const responses = (seen: Seen[]) => seen.filter((s) => s.path.endsWith("/response"));

for (const [name, command] of FUNCTIONS) {
  Deno.test(`${name}: bytes after a /next body are logged and dropped, the function goes on`, async () => {
    const nexts = [next("r1", ECHO("one")) + "GARBAGE", next("r2", ECHO("two"))];
    const out = await run(
      await command(),
      handingOut(nexts),
      (seen) => responses(seen).length >= 2,
    );
    const posted = responses(out.seen);
    assert.deepEqual(
      posted.map((p) => [p.path, p.body]),
      [
        ["/2018-06-01/runtime/invocation/r1/response", '"one"'],
        ["/2018-06-01/runtime/invocation/r2/response", '"two"'],
      ],
      out.log,
    );
    assert.equal(out.exited, false, out.log);
    assert.match(out.log, /Unsolicited response received on idle HTTP channel/);
  });

  Deno.test(`${name}: a /response the platform drops unanswered is sent once, then the function exits`, async () => {
    let handed = false;
    const out = await run(
      await command(),
      (req) => {
        if (req.path.endsWith("/next")) {
          if (handed) return null;
          handed = true;
          return { answer: next("r1", ECHO("one")) };
        }
        return { drop: true };
      },
      () => false,
    );
    assert.equal(responses(out.seen).length, 1, JSON.stringify(out.seen));
    assert.equal(out.exited, true, "exits, as aws-lambda-go does");
  });

  Deno.test(`${name}: any int64 deadline, a repeated header's first value, a 5 MB head`, async () => {
    const big = `X-Pad: ${"p".repeat(5 * 1024 * 1024)}\r\n`;
    const nexts = [
      next("r1", ECHO("max"), { deadline: "9223372036854775807" }),
      next("r2", ECHO("min"), { deadline: "-9223372036854775808" }),
      next("r3", ECHO("first"), { head: "Lambda-Runtime-Aws-Request-Id: other\r\n" }),
      next("r4", ECHO("big"), { head: big }),
    ];
    const out = await run(
      await command(),
      handingOut(nexts),
      (seen) => seen.filter((s) => s.method === "POST").length >= nexts.length,
    );
    assert.deepEqual(
      out.seen.filter((s) => s.method === "POST").map((p) => [p.path, p.body]),
      [
        ["/2018-06-01/runtime/invocation/r1/response", '"max"'],
        ["/2018-06-01/runtime/invocation/r2/response", '"min"'],
        ["/2018-06-01/runtime/invocation/r3/response", '"first"'],
        ["/2018-06-01/runtime/invocation/r4/response", '"big"'],
      ],
      out.log,
    );
  });
}
