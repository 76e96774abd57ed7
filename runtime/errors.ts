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
 * nothing extra and is what a TypeScript user debugs with.
 *
 * @module
 */

import {
  encodeErrorDocument,
  goJSON,
  lambdaError,
  type LambdaErrorShape,
  type LambdaStackFrame,
} from "../protocol/lambda_error.ts";

export { goJSON };

/** Go's `defaultErrorFrameCount`. */
const MAX_FRAMES = 32;

/** Directory of the runtime's own modules; frames inside it are not the user's. */
const RUNTIME_DIR = new URL("./", import.meta.url).href;

let cwdPrefix: string | undefined;
function cwd(): string {
  if (cwdPrefix === undefined) {
    try {
      cwdPrefix = Deno.cwd().replace(/\/?$/, "/");
    } catch {
      cwdPrefix = "";
    }
  }
  return cwdPrefix;
}

// "    at label (location)" or "    at location"; location is "path:line:col".
const FRAME_RE = /^\s*at (?:(.*?) \((.*)\)|(.*))$/;
const LOCATION_RE = /^(.*):(\d+):(\d+)$/;

/**
 * Parses a V8 stack (`error.stack`) into frames. Frames of the runtime's own modules and frames
 * with no file location (`<anonymous>`, `native`) are dropped; `file://` URLs become paths,
 * relative to the working directory where they lie below it.
 */
export function parseStack(stack: string | undefined): LambdaStackFrame[] {
  if (typeof stack !== "string") return [];
  const frames: LambdaStackFrame[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME_RE.exec(line);
    if (!m) continue;
    let label = m[1] ?? "";
    // An anonymous async frame is written `at async <location>`.
    const location = m[2] ?? (m[3] ?? "").replace(/^async /, "");
    const loc = LOCATION_RE.exec(location);
    if (!loc) continue;
    let path = loc[1];
    if (path.startsWith(RUNTIME_DIR)) continue;
    if (path.startsWith("ext:") || path.startsWith("node:")) continue;
    if (path.startsWith("file://")) {
      try {
        path = decodeURIComponent(new URL(path).pathname);
      } catch {
        path = path.slice("file://".length);
      }
      const base = cwd();
      if (base !== "" && path.startsWith(base)) path = path.slice(base.length);
      // In a `deno compile` binary sources live under a virtual `/…/deno-compile-<name>/` root.
      else path = path.replace(/^.*?\/deno-compile-[^/]+\//, "");
    }
    label = label.replace(/^async /, "").replace(/^new /, "new ");
    frames.push({ path, line: Number(loc[2]), label: label === "" ? "<anonymous>" : label });
    if (frames.length === MAX_FRAMES) break;
  }
  return frames;
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
      return lambdaError(
        thrown.errorType,
        thrown.errorMessage,
        thrown.stackTrace?.map((f) => ({ path: f.path, line: f.line, label: f.label })),
      );
    }
    const errorType = typeName(thrown);
    if (!(thrown instanceof Error)) return lambdaError(errorType, messageOf(thrown));
    const errorMessage = typeof thrown.message === "string"
      ? thrown.message
      : messageOf(thrown.message);
    return lambdaError(errorType, errorMessage, parseStack(thrown.stack));
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
