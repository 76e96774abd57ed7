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
 * nothing extra and is what a TypeScript user debugs with.
 *
 * @module
 */

import { nodeUtil } from "./lazy_node.ts";
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
      return lambdaError(thrown.errorType, thrown.errorMessage, validFrames(thrown.stackTrace));
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
