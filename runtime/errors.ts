/**
 * Turning anything a handler throws into Lambda's error shape, and encoding that shape the way Go
 * does.
 *
 * - An `Error` gives `errorType` = its class name (the constructor's name; for a plain `Error`
 *   whose `name` was changed, that name), `errorMessage` = its message, and `stackTrace` = the
 *   frames of its JS stack as `{path, line, label}`, innermost first, the runtime's own frames
 *   left out (at most 32, Go's limit).
 * - Anything else thrown (a string, a number, a plain object) gives `errorType` = `typeof value`
 *   (`string`, `number`, ...; the constructor name for objects) and `errorMessage` = the value as
 *   text (JSON for plain objects, Node's inspection for cyclic ones), the way Go names a
 *   `panic("boom")` value `string`.
 * - An object with a string `errorMessage` and `errorType` is passed through as Lambda's error
 *   shape; its `stackTrace` is validated (see {@linkcode validFrames}).
 *
 * Go reports a stack only for panics; we report one for every `Error`, since a JS stack costs
 * nothing extra and is what a TypeScript user debugs with. An `Error` also gets `trace`: its stack
 * as Node's `error.stack.split("\n")` gives it (user frames only, mapped as above).
 *
 * Two encodings of the shape, one per protocol (both in `protocol/lambda_error.ts`):
 * - the Runtime API (`provided.al2023`): Node's managed runtime's document,
 *   `{"errorType","errorMessage","trace":["Type: message","    at fn (file.ts:3:9)",…]}`
 *   ({@linkcode runtimeApiErrorBody}): what TypeScript users read in the console and CloudWatch;
 * - go1.x: aws-lambda-go's `{"errorMessage","errorType","stackTrace":[{path,line,label}]}`
 *   ({@linkcode errorBody}, and the gob `InvokeResponse_Error`).
 *
 * @module
 */

import { nodeUtil } from "./lazy_node.ts";
import {
  encodeErrorDocument,
  encodeNodeErrorDocument,
  goJSON,
  lambdaError,
  type LambdaErrorShape,
  type LambdaStackFrame,
} from "../protocol/lambda_error.ts";

import { userFrames, userStackLines } from "./stack.ts";

export { goJSON };

/** Go's `defaultErrorFrameCount`. */
const MAX_FRAMES = 32;

/**
 * Parses a V8 stack (`error.stack`) into Go-style frames of the user's code: mapped through the
 * bundle's source map when there is one, the runtime's own frames and frames with no file
 * location dropped (see `stack.ts`), at most 32.
 */
export function parseStack(stack: string | undefined): LambdaStackFrame[] {
  return userFrames(stack, MAX_FRAMES).map((f) => ({
    path: f.path,
    line: f.line,
    label: f.label === "" ? "<anonymous>" : f.label,
  }));
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object" && typeof value !== "function") return typeof value;
  const proto = Object.getPrototypeOf(value);
  const ctor = proto === null ? undefined : proto.constructor;
  const name = typeof ctor === "function" ? ctor.name : "";
  if (value instanceof Error) {
    if (name !== "" && name !== "Error") return name;
    return typeof value.name === "string" && value.name !== "" ? value.name : "Error";
  }
  return name !== "" ? name : "Object";
}

function messageOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json;
    } catch {
      // A cycle (or a BigInt inside): Node's inspection shows it, `[Circular *1]` and all.
      try {
        return nodeUtil().inspect(value, {
          depth: 4,
          breakLength: Infinity,
          maxStringLength: 10_000,
        });
      } catch {
        // fall through to String()
      }
    }
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A shape a handler threw: an object (not an `Error`) with a string message and type. */
function isErrorShape(
  value: unknown,
): value is { errorMessage: string; errorType: string; stackTrace?: unknown } {
  if (typeof value !== "object" || value === null || value instanceof Error) return false;
  const v = value as Record<string, unknown>;
  return typeof v.errorMessage === "string" && typeof v.errorType === "string";
}

function frameText(v: unknown): string {
  return typeof v === "string"
    ? v
    : typeof v === "number" || typeof v === "boolean" || typeof v === "bigint"
    ? String(v)
    : "";
}

function frameLine(v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  // Go's int32; anything else is no line.
  return Number.isFinite(n) && Math.abs(n) < 2 ** 31 ? Math.trunc(n) : 0;
}

/**
 * The frames of a `stackTrace` a handler supplied, as both protocols can carry them: entries
 * that are not objects are dropped; `path` and `label` become text, `line` a Go int32 (`0` when
 * it is not a number). Anything but an array gives no frames.
 */
export function validFrames(stackTrace: unknown): LambdaStackFrame[] {
  if (!Array.isArray(stackTrace)) return [];
  const frames: LambdaStackFrame[] = [];
  for (const f of stackTrace) {
    if (typeof f !== "object" || f === null || Array.isArray(f)) continue;
    const r = f as Record<string, unknown>;
    frames.push({ path: frameText(r.path), line: frameLine(r.line), label: frameText(r.label) });
  }
  return frames;
}

/**
 * Converts anything thrown into Lambda's error shape (see the module docs). A value that already
 * is one (`{errorMessage, errorType, stackTrace?}`) passes through, as Go passes a
 * `messages.InvokeResponse_Error` through.
 */
export function toErrorShape(thrown: unknown): LambdaErrorShape {
  try {
    if (isErrorShape(thrown)) {
      // Passed through as Go passes a `messages.InvokeResponse_Error` through, its frames
      // validated: a malformed one must not break the document or the loop posting it.
      const out = lambdaError(
        thrown.errorType,
        thrown.errorMessage,
        validFrames(thrown.stackTrace),
      );
      const trace = (thrown as { trace?: unknown }).trace;
      if (Array.isArray(trace)) out.trace = trace.map(String);
      return out;
    }
    const errorType = typeName(thrown);
    if (!(thrown instanceof Error)) return lambdaError(errorType, messageOf(thrown));
    const errorMessage = typeof thrown.message === "string"
      ? thrown.message
      : messageOf(thrown.message);
    const out = lambdaError(errorType, errorMessage, parseStack(thrown.stack));
    out.trace = userStackLines(thrown.stack);
    return out;
  } catch {
    // A hostile value (throwing getters, a revoked proxy): report what we can.
    return lambdaError("Error", "the handler threw a value that cannot be inspected");
  }
}

/**
 * Builds an error shape for a runtime-side failure (bad deadline, bad metadata, unencodable
 * result) with no stack.
 */
export function runtimeError(errorType: string, errorMessage: string): LambdaErrorShape {
  return lambdaError(errorType, errorMessage);
}

/** The error body as Node's managed runtime posts it to the Runtime API (see the module docs). */
export function runtimeApiErrorBody(shape: LambdaErrorShape): string {
  return encodeNodeErrorDocument(shape);
}

/** The error body as Go posts it: `{"errorMessage":…,"errorType":…,"stackTrace":[…]}`. */
export function errorBody(shape: LambdaErrorShape): string {
  return encodeErrorDocument(shape);
}

/**
 * The `Lambda-Runtime-Function-Xray-Error-Cause` header value Go sends with an error:
 * `{"working_directory","exceptions":[{"type","message","stack"}],"paths"}`.
 */
export function xrayCause(shape: LambdaErrorShape): string {
  const stack = shape.stackTrace ?? [];
  const paths: string[] = [];
  for (const f of stack) if (!paths.includes(f.path)) paths.push(f.path);
  let wd = "";
  try {
    wd = Deno.cwd();
  } catch {
    // not permitted: leave empty
  }
  return goJSON({
    working_directory: wd,
    exceptions: [{ type: shape.errorType, message: shape.errorMessage, stack }],
    paths,
  });
}
