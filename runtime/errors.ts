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
 *   text (JSON for plain objects), the way Go names a `panic("boom")` value `string`.
 *
 * Go reports a stack only for panics; we report one for every `Error`, since a JS stack costs
 * nothing extra and is what a TypeScript user debugs with. An `Error` also gets `trace`: its stack
 * as Node's `error.stack.split("\n")` gives it (user frames only, mapped as above).
 *
 * Two encodings of the shape, one per protocol:
 * - the Runtime API (`provided.al2023`): Node's managed runtime's document,
 *   `{"errorType","errorMessage","trace":["Type: message","    at fn (file.ts:3:9)",…]}`
 *   ({@linkcode runtimeApiErrorBody}): what TypeScript users read in the console and CloudWatch;
 * - go1.x: aws-lambda-go's `{"errorMessage","errorType","stackTrace":[{path,line,label}]}`
 *   ({@linkcode errorBody}, and the gob `InvokeResponse_Error`).
 *
 * @module
 */

import { userFrames, userStackLines } from "./stack.ts";
import type { LambdaErrorShape, LambdaStackFrame } from "./types.ts";

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
      // fall through to String()
    }
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Whether `value` already is a Lambda error shape (passed through unchanged, as Go does). */
function isErrorShape(value: unknown): value is LambdaErrorShape {
  if (typeof value !== "object" || value === null || value instanceof Error) return false;
  const v = value as Record<string, unknown>;
  return typeof v.errorMessage === "string" && typeof v.errorType === "string" &&
    (v.stackTrace === undefined || Array.isArray(v.stackTrace));
}

/**
 * Converts anything thrown into Lambda's error shape (see the module docs). A value that already
 * is one (`{errorMessage, errorType, stackTrace?}`) passes through, as Go passes a
 * `messages.InvokeResponse_Error` through.
 */
export function toErrorShape(thrown: unknown): LambdaErrorShape {
  try {
    if (isErrorShape(thrown)) {
      const out: LambdaErrorShape = {
        errorMessage: thrown.errorMessage,
        errorType: thrown.errorType,
      };
      if (thrown.stackTrace && thrown.stackTrace.length > 0) out.stackTrace = thrown.stackTrace;
      const trace = (thrown as { trace?: unknown }).trace;
      if (Array.isArray(trace)) out.trace = trace.map(String);
      return out;
    }
    const errorType = typeName(thrown);
    if (!(thrown instanceof Error)) return { errorMessage: messageOf(thrown), errorType };
    const errorMessage = typeof thrown.message === "string"
      ? thrown.message
      : messageOf(thrown.message);
    const frames = parseStack(thrown.stack);
    const out: LambdaErrorShape = { errorMessage, errorType };
    if (frames.length > 0) out.stackTrace = frames;
    out.trace = userStackLines(thrown.stack);
    return out;
  } catch {
    // A hostile value (throwing getters, a revoked proxy): report what we can.
    return {
      errorMessage: "the handler threw a value that cannot be inspected",
      errorType: "Error",
    };
  }
}

/**
 * Builds an error shape for a runtime-side failure (bad deadline, bad metadata, unencodable
 * result) with no stack.
 */
export function runtimeError(errorType: string, errorMessage: string): LambdaErrorShape {
  return { errorMessage, errorType };
}

/**
 * `JSON.stringify` with Go's `json.Marshal` escaping: `<`, `>`, `&`, U+2028 and U+2029 as
 * `\u003c`-style escapes. These characters can only occur inside JSON strings, so a global
 * replace is exact. Used for error bodies, which Go encodes with HTML escaping.
 */
export function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** The error body as Go posts it: `{"errorMessage":…,"errorType":…,"stackTrace":[…]}`. */
export function errorBody(shape: LambdaErrorShape): string {
  const o: LambdaErrorShape = { errorMessage: shape.errorMessage, errorType: shape.errorType };
  if (shape.stackTrace && shape.stackTrace.length > 0) {
    o.stackTrace = shape.stackTrace.map((f) => ({ path: f.path, line: f.line, label: f.label }));
  }
  return goJSON(o);
}

/**
 * The error body as Node's managed runtime posts it to the Runtime API:
 * `{"errorType":…,"errorMessage":…,"trace":[…]}` (`trace` empty for values that are not `Error`s,
 * as in Node).
 */
export function runtimeApiErrorBody(shape: LambdaErrorShape): string {
  return JSON.stringify({
    errorType: shape.errorType,
    errorMessage: shape.errorMessage,
    trace: shape.trace ?? [],
  });
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
