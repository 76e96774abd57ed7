/**
 * A streamed HTTP response: the page is sent as it is produced, through a Function URL whose
 * invoke mode is `RESPONSE_STREAM` (on the go1.x protocol, which cannot stream, it is buffered
 * and sent whole). Server-sent events, one per 500 ms.
 *
 * ```sh
 * deno run -A emulator/cli.ts serve --http examples/stream.ts   # then: curl -N localhost:9000/
 * ```
 *
 * The same function written for Lambda's Node.js runtime would use `awslambda.streamifyResponse`
 * and `awslambda.HttpResponseStream.from`; both work here too (see `http/awslambda.ts`).
 *
 * @module
 */

import { start } from "../runtime/mod.ts";
import { http } from "../http/mod.ts";

const encoder = new TextEncoder();

/** Five server-sent events, half a second apart; stops early when the invocation ends. */
export function ticks(req: Request): Response {
  const count = Number(new URL(req.url).searchParams.get("count") ?? 5);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      let n = 0;
      const tick = () => {
        c.enqueue(encoder.encode(`data: tick ${++n} at ${new Date().toISOString()}\n\n`));
        if (n >= count) c.close();
        else timer = setTimeout(tick, 500);
      };
      tick();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** The Lambda handler. */
export const handler = http(ticks, { invokeMode: "RESPONSE_STREAM" });

if (import.meta.main) start(handler);
