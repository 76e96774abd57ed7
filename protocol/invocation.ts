/**
 * One invocation as every protocol carries it: what a transport received
 * ({@linkcode InvokeRequest}) and what the handler gave ({@linkcode InvokeResult}). The go1.x
 * messages (`go1x.ts`), the Runtime API client and the emulator's drivers convert to and from
 * these; the runtime's invoker runs a handler between them.
 *
 * @module
 */

import type { CognitoIdentity as AwsCognitoIdentity } from "./aws_lambda.ts";

/** The Cognito identity of an invocation (`@types/aws-lambda`'s `CognitoIdentity`). */
export type CognitoIdentity = AwsCognitoIdentity;
import type { LambdaErrorShape } from "./lambda_error.ts";

/** One invocation as a transport received it, metadata still raw where the wire has it raw. */
export interface InvokeRequest {
  /** The event, JSON bytes. */
  payload: Uint8Array;
  /** The request id. */
  requestId: string;
  /** The deadline, Unix epoch milliseconds (fractional allowed). */
  deadlineMs: number;
  /** The ARN the function was invoked with. */
  invokedFunctionArn: string;
  /** The X-Ray trace header; empty or absent when there is none. */
  traceId?: string;
  /** The client context as JSON text or bytes; empty or absent when there is none. */
  clientContext?: string | Uint8Array;
  /** The Cognito identity as separate fields (the go1.x protocol). */
  identity?: CognitoIdentity;
  /** The Cognito identity as JSON text (the Runtime API's header). */
  cognitoIdentityJSON?: string;
  /** The tenant id, if any. */
  tenantId?: string;
}

/** The outcome of one invocation. */
export type InvokeResult =
  | {
    /** The handler succeeded. */
    ok: true;
    /** The encoded result. */
    payload: Uint8Array;
    /** `application/json`, or `application/octet-stream` for raw byte results. */
    contentType: string;
    /**
     * A streamed body (only with the invoker's `streaming` option): send it as it comes, then
     * the invocation is over. `payload` is empty when this is set. Errors it raises after its
     * first chunk are the invocation's error (Runtime API trailers).
     */
    stream?: ReadableStream<Uint8Array>;
  }
  | {
    /** The handler (or the decoding of its input) failed. */
    ok: false;
    /** What to report. */
    error: LambdaErrorShape;
  };
