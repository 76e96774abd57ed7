/**
 * The host side of the go1.x protocol, as Lambda's go1.x runtime (and the lambci mock) drove a
 * Go function: dial `127.0.0.1:$_LAMBDA_SERVER_PORT` with retry until the function listens, call
 * `Function.Ping` until it answers, then `Function.Invoke` once per event on that one connection,
 * with aws-lambda-go's `messages` structs as gob values.
 *
 * @module
 */

import { t } from "../gob/mod.ts";
import { Client } from "../rpc/mod.ts";
import type { LambdaErrorShape } from "../runtime/types.ts";
export type { LambdaErrorShape };

/** `messages.PingRequest` (empty). */
export const PingRequest = t.struct("PingRequest", {});
/** `messages.PingResponse` (empty). */
export const PingResponse = t.struct("PingResponse", {});
/** `messages.InvokeRequest_Timestamp`. */
export const InvokeRequestTimestamp = t.struct("InvokeRequest_Timestamp", {
  Seconds: t.int64,
  Nanos: t.int64,
});
/** `messages.InvokeRequest`. */
export const InvokeRequest = t.struct("InvokeRequest", {
  Payload: t.bytes,
  RequestId: t.string,
  XAmznTraceId: t.string,
  Deadline: InvokeRequestTimestamp,
  InvokedFunctionArn: t.string,
  CognitoIdentityId: t.string,
  CognitoIdentityPoolId: t.string,
  ClientContext: t.bytes,
});
/** `messages.InvokeResponse_Error_StackFrame` (reached through a pointer, so unnamed in gob). */
export const InvokeResponseErrorStackFrame = t.struct("InvokeResponse_Error_StackFrame", {
  Path: t.string,
  Line: t.int32,
  Label: t.string,
});
/** `messages.InvokeResponse_Error`. */
export const InvokeResponseError = t.struct("InvokeResponse_Error", {
  Message: t.string,
  Type: t.string,
  StackTrace: t.slice(t.ptr(InvokeResponseErrorStackFrame), {
    name: "[]*messages.InvokeResponse_Error_StackFrame",
  }),
  ShouldExit: t.bool,
});
/** `messages.InvokeResponse`. */
export const InvokeResponse = t.struct("InvokeResponse", {
  Payload: t.bytes,
  Error: t.ptr(InvokeResponseError),
});

/** One invocation as the go1.x host sends it. */
export interface Go1xInvoke {
  /** The event. */
  payload: Uint8Array;
  /** The request id. */
  requestId: string;
  /** The X-Ray trace header. */
  traceId: string;
  /** The deadline, Unix epoch milliseconds. */
  deadlineMs: number;
  /** The ARN the function is invoked with. */
  functionArn: string;
  /** Cognito identity id. */
  cognitoIdentityId?: string;
  /** Cognito identity pool id. */
  cognitoIdentityPoolId?: string;
  /** Client context, JSON text. */
  clientContext?: string;
}

/** The function's reply to `Function.Invoke`. */
export type Go1xReply =
  | { ok: true; payload: Uint8Array }
  | {
    ok: false;
    /** The error as Lambda shows it (`{errorMessage, errorType, stackTrace?}`). */
    error: LambdaErrorShape;
    /** Go's `ShouldExit` (a recovered panic): the environment should be replaced. */
    shouldExit: boolean;
  };

const encoder = new TextEncoder();
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
            await client.call("Function.Ping", {}, PingRequest, PingResponse, { signal });
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
    const seconds = Math.floor(req.deadlineMs / 1000);
    const nanos = Math.round((req.deadlineMs - seconds * 1000) * 1e6);
    const reply = await this.#client.call(
      "Function.Invoke",
      {
        Payload: req.payload,
        RequestId: req.requestId,
        XAmznTraceId: req.traceId,
        Deadline: { Seconds: seconds, Nanos: nanos },
        InvokedFunctionArn: req.functionArn,
        CognitoIdentityId: req.cognitoIdentityId ?? "",
        CognitoIdentityPoolId: req.cognitoIdentityPoolId ?? "",
        ClientContext: req.clientContext ? encoder.encode(req.clientContext) : new Uint8Array(0),
      },
      InvokeRequest,
      InvokeResponse,
      { signal },
    );
    const err = reply.Error;
    if (!err) return { ok: true, payload: reply.Payload ?? new Uint8Array(0) };
    const error: LambdaErrorShape = { errorMessage: err.Message ?? "", errorType: err.Type ?? "" };
    const frames = (err.StackTrace ?? []).filter((f) => f !== null);
    if (frames.length > 0) {
      error.stackTrace = frames.map((f) => ({
        path: f!.Path ?? "",
        line: f!.Line ?? 0,
        label: f!.Label ?? "",
      }));
    }
    return { ok: false, error, shouldExit: !!err.ShouldExit };
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    if (this.#client.closed) return;
    await this.#client.close().catch(() => {});
  }
}
