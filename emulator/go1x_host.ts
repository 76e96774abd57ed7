/**
 * The host side of the go1.x protocol, as Lambda's go1.x runtime (and the lambci mock) drove a
 * Go function: dial `127.0.0.1:$_LAMBDA_SERVER_PORT` with retry until the function listens, call
 * `Function.Ping` until it answers, then `Function.Invoke` once per event on that one connection,
 * with aws-lambda-go's `messages` structs (declared in `protocol/go1x.ts`) as gob values.
 *
 * @module
 */

import {
  fromInvokeResponse,
  type Go1xReply,
  INVOKE_METHOD,
  messages,
  PING_METHOD,
  toInvokeRequest,
} from "../protocol/go1x.ts";
import type { InvokeRequest } from "../protocol/invocation.ts";
import { Client } from "../rpc/mod.ts";

export type { Go1xReply };
/** One invocation as the go1.x host sends it: the invoker's request. */
export type Go1xInvoke = InvokeRequest;

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A connection to a go1.x function. */
export class Go1xHost {
  #client: Client;

  private constructor(client: Client) {
    this.#client = client;
  }

  /**
   * Dials `127.0.0.1:port` (or `[::1]`, where `localhost` resolves so) every 5 ms and pings
   * until the function answers, as the lambci mock did. Rejects with `signal`'s reason when it
   * aborts first (the function exited, or init timed out).
   */
  static async connect(port: number, signal: AbortSignal): Promise<Go1xHost> {
    let attempt = 0;
    while (true) {
      signal.throwIfAborted();
      const hostname = attempt++ % 4 === 3 ? "::1" : "127.0.0.1";
      let client: Client | undefined;
      try {
        client = await Client.connect({ hostname, port }, { signal, idleTimeout: 3_600_000 });
      } catch {
        await delay(5);
        continue;
      }
      // Connected: ping until it answers (it answers at once once it accepts).
      try {
        while (true) {
          signal.throwIfAborted();
          try {
            await client.call(
              PING_METHOD,
              {},
              messages.PingRequest,
              messages.PingResponse,
              { signal },
            );
            return new Go1xHost(client);
          } catch (e) {
            if (client.closed) throw e;
            await delay(5);
          }
        }
      } catch {
        await client.close().catch(() => {});
        await delay(5);
      }
    }
  }

  /** Calls `Function.Invoke`. Rejects when the connection breaks. */
  async invoke(req: Go1xInvoke, signal?: AbortSignal): Promise<Go1xReply> {
    const reply = await this.#client.call(
      INVOKE_METHOD,
      toInvokeRequest(req),
      messages.InvokeRequest,
      messages.InvokeResponse,
      { signal },
    );
    return fromInvokeResponse(reply);
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    if (this.#client.closed) return;
    await this.#client.close().catch(() => {});
  }
}
