/**
 * The go1.x protocol, function side: a net/rpc server on `127.0.0.1:$_LAMBDA_SERVER_PORT` serving
 * `Function.Ping` and `Function.Invoke` with aws-lambda-go's `messages` structs (declared, with
 * their conversions, in `protocol/go1x.ts`).
 *
 * `start` loads this module only in go1.x mode (`_LAMBDA_SERVER_PORT`), so functions served
 * through the Runtime API never load gob or rpc.
 *
 * @module
 */

import { fromInvokeRequest, messages, toInvokeResponse } from "../protocol/go1x.ts";
import { method, Server } from "../rpc/server.ts";
import { releaseBuffer } from "../ground/bytes.ts";
import { JSON_CONTENT_TYPE } from "../protocol/runtime_api.ts";
import type { Conn, Listener } from "../ground/conn.ts";
import { type LoopHandle, trackLoopHandle } from "./event_loop.ts";
import type { Invoker } from "./invoke.ts";
import { logReportedError } from "./logging.ts";

/**
 * Serves the go1.x protocol on `listener` (Lambda's `127.0.0.1:$_LAMBDA_SERVER_PORT`) with
 * `invoker`: a net/rpc server with aws-lambda-go's `Function` service. `Function.Invoke` never
 * answers with an rpc error: handler failures travel in `InvokeResponse.Error`, as in Go.
 * Resolves only if the listener closes.
 */
export async function serveGo1x(listener: Listener, invoker: Invoker): Promise<void> {
  const server = new Server();
  server.register("Function", {
    Ping: method(messages.PingRequest, messages.PingResponse, () => ({})),
    Invoke: method(
      messages.InvokeRequest,
      messages.InvokeResponse,
      async (req, call) => {
        const request = fromInvokeRequest(req);
        const result = await invoker.invoke(request);
        // Logged as the Runtime API path logs it (Node's runtime's line), in either log format.
        if (!result.ok) logReportedError("Invoke Error", result.error, request.requestId);
        // Lambda may freeze the environment as soon as the reply is in: telemetry goes first.
        await invoker.flush();
        // Once the reply is encoded, the event's bytes and the result's JSON are dead: their memory
        // is freed at once. Left to the garbage collector, a 6 MB event's buffers piled up to
        // tens of MB before V8 collected them, past a 128 MB function's memory (BENCHMARKS.md).
        // The event's bytes are the decoder's (the handler saw the parsed event); the result's
        // only when the runtime encoded them (a handler's own Uint8Array is left alone).
        const json = result.ok && result.contentType === JSON_CONTENT_TYPE ? result.payload : null;
        call.onReplied(() => {
          if (req.Payload !== undefined) releaseBuffer(req.Payload);
          if (json !== null) releaseBuffer(json);
        });
        return toInvokeResponse(result);
      },
    ),
  });
  await server.serve(untracked(listener));
}

/**
 * `listener`, with it and each connection it accepts registered as runtime handles: they must not
 * keep a waiting callback handler from its empty event loop (event_loop.ts).
 */
function untracked(listener: Listener): Listener {
  const untrack = trackLoopHandle(listener as Listener & LoopHandle);
  return {
    close() {
      untrack();
      listener.close();
    },
    // Not an async generator over `listener`: a generator ends at its first throw, and an accept
    // that fails (a peer reset before it was accepted) must leave the listener's iteration going,
    // as acceptLoop expects (ground/accept.ts). So each `next()` is the listener's own.
    [Symbol.asyncIterator](): AsyncIterator<Conn> {
      const accepted = listener[Symbol.asyncIterator]();
      return {
        async next() {
          const r = await accepted.next();
          if (r.done) return r;
          const conn = r.value;
          const forget = trackLoopHandle(conn as Conn & LoopHandle);
          const close = conn.close?.bind(conn);
          return {
            done: false,
            value: Object.assign(conn, {
              close() {
                forget();
                close?.();
              },
            }),
          };
        },
        return(value?: unknown) {
          return accepted.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}
