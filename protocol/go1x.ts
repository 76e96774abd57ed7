/**
 * The go1.x contract: aws-lambda-go's `lambda/messages` package as gob descriptors, and the
 * conversions between those messages and the invoker's types, in both directions. The function
 * side (`runtime/go1x.ts`, a net/rpc server) and the host side (`emulator/go1x_host.ts`, the
 * client Lambda's go1.x runtime was) both use these; neither declares a message of its own.
 *
 * The wire names follow Go's: each struct is named with its package path
 * (`github.com/aws/aws-lambda-go/lambda/messages.InvokeRequest`), so gob sends `InvokeRequest`
 * and names the unnamed slice of stack-frame pointers `[]*messages.InvokeResponse_Error_StackFrame`
 * as Go's `reflect` does, byte for byte (checked against Go in `tests/runtime/go1x_test.ts` and
 * `tests/emulator/go_test.ts`).
 *
 * This is the only contract module that loads gob: the Runtime API path never imports it.
 *
 * @module
 */

import * as t from "../gob/t.ts";
import type { InvokeRequest, InvokeResult } from "./invocation.ts";
import { lambdaError, type LambdaErrorShape, type LambdaStackFrame } from "./lambda_error.ts";

/** The Go package path of aws-lambda-go's messages. */
export const MESSAGES_PACKAGE = "github.com/aws/aws-lambda-go/lambda/messages";

/** The rpc method that answers when the function is ready (`Function.Ping`). */
export const PING_METHOD = "Function.Ping";
/** The rpc method that runs one invocation (`Function.Invoke`). */
export const INVOKE_METHOD = "Function.Invoke";

/**
 * `messages.InvokeRequest_Timestamp`. Both fields are Go `int64`s taken over their whole range
 * (aws-lambda-go accepts any deadline), so they are `bigint`s.
 */
export interface GoTimestamp {
  /** Unix seconds (Go int64). */
  Seconds: bigint;
  /** Nanoseconds within the second (Go int64). */
  Nanos: bigint;
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
  /** Go sets it for a recovered panic: the environment must be replaced. */
  ShouldExit: boolean;
}

/** `messages.InvokeResponse`: exactly one of the two is set. */
export interface GoInvokeResponse {
  /** The JSON result; empty when `Error` is set. */
  Payload: Uint8Array;
  /** The error, or `null` (a nil pointer, omitted on the wire). */
  Error: GoInvokeError | null;
}

const M = MESSAGES_PACKAGE;

/** gob descriptors of aws-lambda-go's `messages` structs, field for field. */
export const messages = {
  PingRequest: t.struct(`${M}.PingRequest`, {}),
  PingResponse: t.struct(`${M}.PingResponse`, {}),
  InvokeRequest: t.struct(`${M}.InvokeRequest`, {
    Payload: t.bytes,
    RequestId: t.string,
    XAmznTraceId: t.string,
    Deadline: t.struct(`${M}.InvokeRequest_Timestamp`, {
      // bigint: Go's int64 over its whole range (aws-lambda-go accepts any deadline).
      Seconds: t.bigInt64,
      Nanos: t.bigInt64,
    }),
    InvokedFunctionArn: t.string,
    CognitoIdentityId: t.string,
    CognitoIdentityPoolId: t.string,
    ClientContext: t.bytes,
  }),
  InvokeResponse: t.struct(`${M}.InvokeResponse`, {
    Payload: t.bytes,
    Error: t.ptr(t.struct(`${M}.InvokeResponse_Error`, {
      Message: t.string,
      Type: t.string,
      StackTrace: t.slice(t.ptr(t.struct(`${M}.InvokeResponse_Error_StackFrame`, {
        Path: t.string,
        Line: t.int32,
        Label: t.string,
      }))),
      ShouldExit: t.bool,
    })),
  }),
} as const;

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

// ---- the function's side: request in, response out ----------------------------------------

/** Converts a decoded go1.x `InvokeRequest` to the invoker's request (the function's side). */
export function fromInvokeRequest(msg: GoInvokeRequest): InvokeRequest {
  const d = msg.Deadline;
  // Any int64 is accepted, as in Go; past 2^53 ms the deadline is approximate (and centuries away).
  const deadlineMs = d ? Number(d.Seconds) * 1000 + Number(d.Nanos) / 1e6 : 0;
  return {
    payload: msg.Payload ?? EMPTY,
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

/** Converts an invoke's outcome to the go1.x `InvokeResponse` (the function's side). */
export function toInvokeResponse(result: InvokeResult): GoInvokeResponse {
  if (result.ok) return { Payload: result.payload, Error: null };
  const e = result.error;
  return {
    Payload: EMPTY,
    Error: {
      Message: e.errorMessage,
      Type: e.errorType,
      StackTrace: (e.stackTrace ?? []).map((f) => ({
        Path: f.path,
        Line: f.line | 0,
        Label: f.label,
      })),
      // A JS throw is an error, not a panic: the process keeps serving.
      ShouldExit: false,
    },
  };
}

// ---- the host's side: request out, response in --------------------------------------------

/** Converts an invocation to the go1.x `InvokeRequest` the host sends (the host's side). */
export function toInvokeRequest(req: InvokeRequest): Required<GoInvokeRequest> {
  const seconds = Math.floor(req.deadlineMs / 1000);
  const nanos = Math.round((req.deadlineMs - seconds * 1000) * 1e6);
  const cc = req.clientContext;
  return {
    Payload: req.payload,
    RequestId: req.requestId,
    XAmznTraceId: req.traceId ?? "",
    Deadline: { Seconds: BigInt(seconds), Nanos: BigInt(nanos) },
    InvokedFunctionArn: req.invokedFunctionArn,
    CognitoIdentityId: req.identity?.cognitoIdentityId ?? "",
    CognitoIdentityPoolId: req.identity?.cognitoIdentityPoolId ?? "",
    ClientContext: cc === undefined ? EMPTY : typeof cc === "string" ? encoder.encode(cc) : cc,
  };
}

/** The function's answer to `Function.Invoke`, as the host reads it. */
export type Go1xReply =
  | { ok: true; payload: Uint8Array }
  | {
    ok: false;
    /** The error as Lambda shows it (`{errorMessage, errorType, stackTrace?}`). */
    error: LambdaErrorShape;
    /** Go's `ShouldExit` (a recovered panic): the environment must be replaced. */
    shouldExit: boolean;
  };

/** A decoded `InvokeResponse` as gob gives it (absent fields and nil frames possible). */
export interface DecodedInvokeResponse {
  /** The result. */
  Payload?: Uint8Array;
  /** The error, if any. */
  Error?: {
    Message?: string;
    Type?: string;
    StackTrace?: (Partial<GoStackFrame> | null)[];
    ShouldExit?: boolean;
  } | null;
}

/** Converts a decoded go1.x `InvokeResponse` to the host's reply (the host's side). */
export function fromInvokeResponse(reply: DecodedInvokeResponse): Go1xReply {
  const err = reply.Error;
  if (!err) return { ok: true, payload: reply.Payload ?? EMPTY };
  const frames: LambdaStackFrame[] = [];
  for (const f of err.StackTrace ?? []) {
    if (f) frames.push({ path: f.Path ?? "", line: f.Line ?? 0, label: f.Label ?? "" });
  }
  const error = lambdaError(err.Type ?? "", err.Message ?? "", frames);
  return { ok: false, error, shouldExit: !!err.ShouldExit };
}
