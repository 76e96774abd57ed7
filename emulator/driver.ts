/**
 * The seam between the supervisor (`supervisor.ts`: the process, its logs, Lambda's deadline,
 * crash and init rules) and a protocol: one {@linkcode Driver} per protocol Lambda speaks to a
 * native binary (`driver_runtime_api.ts`, `driver_go1x.ts`), chosen by the table in `supervisor.ts`. A
 * driver knows how to tell the process where to listen or dial, when its init is over, how to
 * hand it one event and how to read its answer; it knows nothing of deadlines, kills or log
 * lines. This is the split aws-lambda-rust-runtime makes between its runtime loop and its
 * per-protocol layers.
 *
 * @module
 */

import type { LambdaErrorShape } from "../protocol/lambda_error.ts";
import type { InvokeRequest } from "../protocol/invocation.ts";
import type { PostedError } from "./runtime_api_platform.ts";

/** Where an invocation's successful answer goes. */
export interface Sink {
  /** The response's content type; called once, before the first `write`. */
  head(contentType: string): void;
  /** One chunk of the response body. */
  write(chunk: Uint8Array): Promise<void>;
}

/** An init the runtime itself reported as failed (the Runtime API's `/runtime/init/error`). */
export interface InitFailure {
  /** What the runtime posted. */
  posted: PostedError;
}

/** How a driver's init ended: ready to take events, or failed as the runtime reported. */
export type InitResult = { ok: true } | { ok: false; failure: InitFailure };

/** What the supervisor hands a driver for one invocation. */
export interface DriverInvocation {
  /** The invocation (the go1.x driver sets the deadline itself at sending time). */
  request: Omit<InvokeRequest, "deadlineMs">;
  /** The timeout: the deadline is the time the runtime takes the event plus this. */
  timeoutMs: number;
  /** The tenant id (Runtime API only). */
  tenantId?: string;
  /** Response size limit in bytes. */
  maxResponseBytes: number;
}

/** How the function answered one invocation, as the driver read it. */
export type DriverAnswer =
  /** The response went to the sink, whole. */
  | { kind: "ok" }
  /** The function reported an error: the document as the caller gets it. */
  | {
    kind: "error";
    error: LambdaErrorShape;
    payload: Uint8Array;
    /** The environment must be replaced (a recovered Go panic). */
    replace: boolean;
  }
  /** The connection broke: the process is dying, or must be replaced. */
  | { kind: "broken" };

/** One invocation under way. */
export interface DriverCall {
  /** Resolves with the deadline (epoch ms) once the runtime has taken the event. */
  delivered: Promise<number>;
  /** Resolves with the answer, once the body has gone to the sink. Never rejects. */
  answer: Promise<DriverAnswer>;
  /** Abandons the call (the supervisor is killing the process). */
  cancel(): void;
}

/** A protocol, as the supervisor drives it. */
export interface Driver {
  /** The environment variables that point the process at this driver. */
  readonly environment: Record<string, string>;
  /** Whether the process asked for SIGTERM before shutdown (an extension registered). */
  readonly wantsSigterm: boolean;
  /** Resolves when the process is ready for events, or its runtime reported a failed init. */
  init(signal: AbortSignal): Promise<InitResult>;
  /** Hands the process one event. */
  invoke(invocation: DriverInvocation, sink: Sink): DriverCall;
  /** Closes the protocol's endpoints. */
  close(): Promise<void>;
}

/** Options every driver is made with. */
export interface DriverOptions {
  /** The function name (reported to registering extensions). */
  functionName: string;
  /** The handler (reported to registering extensions). */
  handler: string;
}

/** Makes a driver: starts its endpoint (the process is spawned next, with its environment). */
export type DriverFactory = (options: DriverOptions) => Driver;
