/**
 * Lambda's error document: `{"errorMessage","errorType","stackTrace"}`, the one shape every side
 * speaks, and the Runtime API's variant Node's managed runtime posts,
 * `{"errorType","errorMessage","trace"}` ({@linkcode encodeNodeErrorDocument}). The runtime posts it to the Runtime API's `/error` endpoints and carries it in go1.x's
 * `InvokeResponse.Error`; the emulator returns it to callers for timeouts, crashes and init
 * failures, and its Runtime API answers its own refusals with it.
 *
 * One constructor ({@linkcode lambdaError}) builds every document, so the keys are always in the
 * order aws-lambda-go's `json.Marshal` of `messages.InvokeResponse_Error` gives them (and Lambda
 * returns them): `errorMessage`, `errorType`, then `stackTrace` only when it has frames. One
 * encoder ({@linkcode encodeErrorDocument}) writes it with Go's HTML escaping.
 *
 * @module
 */

import { goJSON } from "../ground/go_json.ts";

/** One stack frame of a Lambda error, as Go's `messages.InvokeResponse_Error_StackFrame`. */
export interface LambdaStackFrame {
  /** Source file, relative to the working directory where it lies below it. */
  path: string;
  /** 1-based line number. */
  line: number;
  /** The function (`Class.method`, `function`, `<anonymous>`). */
  label: string;
}

/**
 * An invocation error as Lambda reports it: the JSON body posted to the Runtime API's
 * `/error` endpoint, and the `InvokeResponse.Error` of the go1.x protocol
 * (`Message`/`Type`/`StackTrace`). Keys are in Go's order; `stackTrace` is absent when empty.
 */
export interface LambdaErrorShape {
  /** The error's message (`String(value)` for non-Error throws). */
  errorMessage: string;
  /** The error's class name (`typeof value` for primitive throws). */
  errorType: string;
  /** Frames parsed from the JS stack, innermost first; absent when there are none. */
  stackTrace?: LambdaStackFrame[];
  /**
   * The stack as Node's runtime reports it on the Runtime API: `error.stack`'s lines (the
   * runtime's own frames left out, frames mapped to the user's sources). Only in
   * {@linkcode encodeNodeErrorDocument}'s document.
   */
  trace?: string[];
}

/**
 * Builds an error document: the only place one is made, so every document has Go's key order
 * (`errorMessage`, `errorType`, `stackTrace`) and no `stackTrace` key when there are no frames.
 * The frames are taken as given (a runtime's posted document is passed through as Lambda passes
 * it); the runtime validates a handler's frames before they get here.
 */
export function lambdaError(
  errorType: string,
  errorMessage: string,
  stackTrace?: readonly LambdaStackFrame[],
): LambdaErrorShape {
  const out: LambdaErrorShape = { errorMessage, errorType };
  if (stackTrace && stackTrace.length > 0) {
    out.stackTrace = [...stackTrace];
  }
  return out;
}

// Go's `json.Marshal` escaping, defined once on the ground floor.
export { goJSON };

/** The document as Go writes it: `{"errorMessage":…,"errorType":…,"stackTrace":[…]}`. */
export function encodeErrorDocument(shape: LambdaErrorShape): string {
  return goJSON(lambdaError(shape.errorType, shape.errorMessage, shape.stackTrace));
}

/**
 * The document as Node's managed runtime posts it to the Runtime API (its `toRapidResponse`):
 * `{"errorType":…,"errorMessage":…,"trace":[…]}`, `trace` empty when there is none (a thrown
 * value that is not an `Error`), plain `JSON.stringify` escaping. The runtime sends this one on
 * the Runtime API; go1.x carries Go's.
 */
export function encodeNodeErrorDocument(shape: LambdaErrorShape): string {
  return JSON.stringify({
    errorType: shape.errorType,
    errorMessage: shape.errorMessage,
    trace: shape.trace ?? [],
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** {@linkcode encodeErrorDocument} as UTF-8 bytes. */
export function errorDocumentBytes(shape: LambdaErrorShape): Uint8Array {
  return encoder.encode(encodeErrorDocument(shape));
}

/**
 * Reads an error document a runtime posted. A body that is not a JSON object gives
 * `fallbackType` and the body as the message; missing or non-string fields give `""` (message)
 * or `fallbackType` (type).
 */
export function parseErrorDocument(body: Uint8Array, fallbackType: string): LambdaErrorShape {
  const text = decoder.decode(body);
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return lambdaError(
        typeof v.errorType === "string" ? v.errorType : fallbackType,
        typeof v.errorMessage === "string" ? v.errorMessage : "",
        Array.isArray(v.stackTrace) ? v.stackTrace : undefined,
      );
    }
  } catch {
    // not JSON: report the text
  }
  return lambdaError(fallbackType, text);
}
