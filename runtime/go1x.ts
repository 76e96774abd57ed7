/**
 * The go1.x protocol: a net/rpc server on `127.0.0.1:$_LAMBDA_SERVER_PORT` serving
 * `Function.Ping` and `Function.Invoke` with aws-lambda-go's `messages` structs.
 *
 * ┌──────────────────────────────────────────────────────────────────────────────────────────┐
 * │ PLUG-IN POINT for the rpc side. `start` calls `serveGo1x(port, invoker)` (dynamically      │
 * │ imported, so Runtime API functions never load gob/rpc). Until `rpc/mod.ts` exports a       │
 * │ working `Server`, `serveGo1x` rejects with {@linkcode Go1xUnavailableError}.               │
 * │ What is left to write is only the transport: register a `Function` service whose `Invoke`  │
 * │ decodes an `InvokeRequest` message, calls `invoker.invoke(fromInvokeRequest(msg))` and     │
 * │ replies `toInvokeResponse(result)` (never an rpc error), with the gob descriptors of the     │
 * │ structs below, and types assigned lazily in Go's order (see the research notes).          │
 * └──────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * The message mapping is here already and protocol-exact, so the transport needs no Lambda
 * knowledge.
 *
 * @module
 */

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

/** Raised while the go1.x transport (which needs `rpc/`) is not available yet. */
export class Go1xUnavailableError extends Error {
  constructor() {
    super(
      "the go1.x protocol (_LAMBDA_SERVER_PORT) is not yet available in this build of gopherless; " +
        "unset _LAMBDA_SERVER_PORT and set AWS_LAMBDA_RUNTIME_API to use the Runtime API",
    );
    this.name = "Go1xUnavailableError";
  }
}

/**
 * Serves the go1.x protocol on `127.0.0.1:port` with `invoker`, forever.
 *
 * Not yet available: rejects with {@linkcode Go1xUnavailableError} (see the module docs).
 */
export function serveGo1x(port: number, invoker: Invoker): Promise<never> {
  void port;
  void invoker;
  return Promise.reject(new Go1xUnavailableError());
}
