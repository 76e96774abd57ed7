/**
 * The go1.x protocol: a net/rpc server on `127.0.0.1:$_LAMBDA_SERVER_PORT` serving
 * `Function.Ping` and `Function.Invoke` with aws-lambda-go's `messages` structs.
 *
 * `start` loads this module only in go1.x mode (`_LAMBDA_SERVER_PORT`), so
 * functions served through the Runtime API never load gob or rpc.
 *
 * The message mapping is here already and protocol-exact, so the transport needs no Lambda
 * knowledge.
 *
 * @module
 */

import * as t from "../gob/t.ts";
import { method, Server } from "../rpc/server.ts";
import { listen } from "../ground/transport.ts";
import type { Invoker, InvokeRequest, InvokeResult } from "./invoke.ts";

/** `messages.InvokeRequest_Timestamp`. */
export interface GoTimestamp {
  /** Unix seconds (Go int64). */
  Seconds: number | bigint;
  /** Nanoseconds within the second (Go int64). */
  Nanos: number | bigint;
}

/** `messages.InvokeRequest`, as decoded from gob (absent fields are zero values). */
export interface GoInvokeRequest {
  /** The event, JSON bytes. */
  Payload?: Uint8Array;
  /** The request id. */
  RequestId?: string;
  /** The X-Ray trace header. */
  XAmznTraceId?: string;
  /** The deadline. */
  Deadline?: GoTimestamp;
  /** The ARN the function was invoked with. */
  InvokedFunctionArn?: string;
  /** Cognito identity id. */
  CognitoIdentityId?: string;
  /** Cognito identity pool id. */
  CognitoIdentityPoolId?: string;
  /** Client context, JSON bytes. */
  ClientContext?: Uint8Array;
}

/** `messages.InvokeResponse_Error_StackFrame`. */
export interface GoStackFrame {
  /** Source path. */
  Path: string;
  /** Line (Go int32). */
  Line: number;
  /** Function label. */
  Label: string;
}

/** `messages.InvokeResponse_Error`. */
export interface GoInvokeError {
  /** Error message. */
  Message: string;
  /** Error type name. */
  Type: string;
  /** Stack frames; empty when none (gob omits it). */
  StackTrace: GoStackFrame[];
  /** Always false: a JS throw is an error, not a panic; the process keeps serving. */
  ShouldExit: boolean;
}

/** `messages.InvokeResponse`: exactly one of the two is set. */
export interface GoInvokeResponse {
  /** The JSON result; empty when `Error` is set. */
  Payload: Uint8Array;
  /** The error, or `null` (a nil pointer, omitted on the wire). */
  Error: GoInvokeError | null;
}

/** Converts a decoded go1.x `InvokeRequest` to the invoker's request. */
export function fromInvokeRequest(msg: GoInvokeRequest): InvokeRequest {
  const d = msg.Deadline;
  const deadlineMs = d ? Number(d.Seconds) * 1000 + Number(d.Nanos) / 1e6 : 0;
  return {
    payload: msg.Payload ?? new Uint8Array(0),
    requestId: msg.RequestId ?? "",
    deadlineMs,
    invokedFunctionArn: msg.InvokedFunctionArn ?? "",
    traceId: msg.XAmznTraceId ?? "",
    clientContext: msg.ClientContext,
    identity: {
      cognitoIdentityId: msg.CognitoIdentityId ?? "",
      cognitoIdentityPoolId: msg.CognitoIdentityPoolId ?? "",
    },
  };
}

/** Converts an invoke's outcome to the go1.x `InvokeResponse`. */
export function toInvokeResponse(result: InvokeResult): GoInvokeResponse {
  if (result.ok) return { Payload: result.payload, Error: null };
  const e = result.error;
  return {
    Payload: new Uint8Array(0),
    Error: {
      Message: e.errorMessage,
      Type: e.errorType,
      StackTrace: (e.stackTrace ?? []).map((f) => ({
        Path: f.path,
        Line: f.line | 0,
        Label: f.label,
      })),
      ShouldExit: false,
    },
  };
}

const MESSAGES = "github.com/aws/aws-lambda-go/lambda/messages";

/** gob descriptors of aws-lambda-go's `messages` structs, field for field. */
export const messages = {
  PingRequest: t.struct(`${MESSAGES}.PingRequest`, {}),
  PingResponse: t.struct(`${MESSAGES}.PingResponse`, {}),
  InvokeRequest: t.struct(`${MESSAGES}.InvokeRequest`, {
    Payload: t.bytes,
    RequestId: t.string,
    XAmznTraceId: t.string,
    Deadline: t.struct(`${MESSAGES}.InvokeRequest_Timestamp`, {
      Seconds: t.int64,
      Nanos: t.int64,
    }),
    InvokedFunctionArn: t.string,
    CognitoIdentityId: t.string,
    CognitoIdentityPoolId: t.string,
    ClientContext: t.bytes,
  }),
  InvokeResponse: t.struct(`${MESSAGES}.InvokeResponse`, {
    Payload: t.bytes,
    Error: t.ptr(t.struct(`${MESSAGES}.InvokeResponse_Error`, {
      Message: t.string,
      Type: t.string,
      StackTrace: t.slice(t.ptr(t.struct(`${MESSAGES}.InvokeResponse_Error_StackFrame`, {
        Path: t.string,
        Line: t.int32,
        Label: t.string,
      }))),
      ShouldExit: t.bool,
    })),
  }),
} as const;

/** Options of {@linkcode serveGo1x}. */
export interface Go1xOptions {
  /** Called once the server listens (tests use it; Lambda just dials). */
  onListen?: (port: number) => void;
}

/**
 * Serves the go1.x protocol on `127.0.0.1:port` with `invoker`: a net/rpc
 * server with aws-lambda-go's `Function` service. `Function.Invoke` never
 * answers with an rpc error: handler failures travel in
 * `InvokeResponse.Error`, as in Go. Resolves only if the listener closes.
 */
export async function serveGo1x(
  port: number,
  invoker: Invoker,
  options: Go1xOptions = {},
): Promise<void> {
  const server = new Server();
  server.register("Function", {
    Ping: method(messages.PingRequest, messages.PingResponse, () => ({})),
    Invoke: method(
      messages.InvokeRequest,
      messages.InvokeResponse,
      async (req) => toInvokeResponse(await invoker.invoke(fromInvokeRequest(req))),
    ),
  });
  const listener = listen({ hostname: "127.0.0.1", port });
  options.onListen?.((listener.addr as Deno.NetAddr).port);
  await server.serve(listener);
}
