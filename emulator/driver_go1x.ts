/**
 * The go1.x driver: a free loopback port handed to the process as `_LAMBDA_SERVER_PORT`, dialled
 * (and pinged) until the function answers, which ends the init; then one `Function.Invoke` per
 * event on that connection, the deadline set as it is sent. gob and rpc are loaded only when a
 * go1.x function is started.
 *
 * @module
 */

import { modeVariable } from "../protocol/mode.ts";
import { errorDocumentBytes } from "../protocol/lambda_error.ts";
import type {
  Driver,
  DriverAnswer,
  DriverCall,
  DriverInvocation,
  InitResult,
  Sink,
} from "./driver.ts";
import type { Go1xHost } from "./go1x_host.ts";
import { listen } from "../ground/transport.ts";

function freePort(): number {
  const l = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A go1.x driver (see the module docs). */
export function go1xDriver(): Driver {
  const port = freePort();
  let host: Go1xHost | null = null;
  return {
    environment: { [modeVariable("go1x")]: String(port) },
    wantsSigterm: false,
    async init(signal: AbortSignal): Promise<InitResult> {
      const { Go1xHost } = await import("./go1x_host.ts");
      host = await Go1xHost.connect(port, signal);
      return { ok: true };
    },
    invoke(invocation: DriverInvocation, sink: Sink): DriverCall {
      const deadlineMs = Date.now() + invocation.timeoutMs;
      const ctl = new AbortController();
      const answer = host!.invoke({ ...invocation.request, deadlineMs }, ctl.signal).then(
        async (reply): Promise<DriverAnswer> => {
          if (!reply.ok) {
            return {
              kind: "error",
              error: reply.error,
              payload: errorDocumentBytes(reply.error),
              replace: reply.shouldExit,
            };
          }
          sink.head("application/json");
          await sink.write(reply.payload);
          return { kind: "ok" };
        },
        (): DriverAnswer => ({ kind: "broken" }),
      );
      return { delivered: Promise.resolve(deadlineMs), answer, cancel: () => ctl.abort() };
    },
    close: async () => {
      await host?.close();
    },
  };
}
