/**
 * Test function for the streaming tests under the fake platform; `event.op` picks the behaviour,
 * and an HTTP event (no `op`) goes to a fetch handler in RESPONSE_STREAM mode.
 *
 * @module
 */

import { start, streamResponse } from "../../../runtime/mod.ts";
import { http, streamifyResponse } from "../../../http/mod.ts";
import type { LambdaContext } from "../../../runtime/types.ts";

class MyErr extends Error {}
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const fetchHandler = http(() => {
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      const enc = new TextEncoder();
      c.enqueue(enc.encode("<p>first</p>"));
      await delay(300);
      c.enqueue(enc.encode("<p>second</p>"));
      c.close();
    },
  });
  const headers = new Headers({ "content-type": "text/html" });
  headers.append("set-cookie", "a=1");
  headers.append("set-cookie", "b=2");
  return new Response(body, { status: 201, headers });
}, { invokeMode: "RESPONSE_STREAM" });

const nodeStyle = streamifyResponse<{ op: string }>(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { "content-type": "text/plain" },
  });
  stream.write("x");
  await delay(300);
  if (event.op === "nodeReject") throw new MyErr("node handler failed");
  stream.write("y");
  stream.end();
});

start((event: { op?: string }, context: LambdaContext): unknown => {
  switch (event.op) {
    case "chunks":
      return streamResponse(
        (async function* () {
          yield "a";
          await delay(300);
          yield "b";
          await delay(300);
          yield "c";
        })(),
        { contentType: "text/plain" },
      );
    case "midError":
      return streamResponse(
        (async function* () {
          yield "partial";
          await delay(100);
          throw new MyErr("broke mid-stream");
        })(),
      );
    case "earlyError":
      return streamResponse(
        new ReadableStream<Uint8Array>({
          async pull(c) {
            await delay(10);
            c.error(new MyErr("broke before any byte"));
          },
        }),
      );
    case "node":
    case "nodeReject":
      return nodeStyle(event as { op: string }, context);
    case "plain":
      return { ok: true };
    default:
      return fetchHandler(event as never, context);
  }
});
