/**
 * The Lambda Runtime API contract (`2018-06-01`, and the part of the Extensions API a runtime
 * touches): paths, header names, response modes and trailers, content types, size limits, error
 * types, and the platform's own answers. The runtime's client (`runtime/runtime_api.ts`) and the
 * emulator's platform (`emulator/runtime_api_platform.ts`) both take every name and number from
 * here.
 *
 * Loads neither gob nor rpc.
 *
 * @module
 */

import { encodeErrorDocument, lambdaError } from "./lambda_error.ts";

/** The Runtime API's version prefix. */
export const RUNTIME_PREFIX = "/2018-06-01/runtime/";
/** The Extensions API's version prefix. */
export const EXTENSION_PREFIX = "/2020-01-01/extension/";

/** Request paths of the Runtime API and the Extensions API. */
export const PATHS = {
  /** `GET`: the long poll for the next invocation. */
  next: `${RUNTIME_PREFIX}invocation/next`,
  /** `POST`: an initialisation error. */
  initError: `${RUNTIME_PREFIX}init/error`,
  /** `POST`: an extension registers. */
  extensionRegister: `${EXTENSION_PREFIX}register`,
  /** `GET`: an extension's long poll for its next event. */
  extensionNext: `${EXTENSION_PREFIX}event/next`,
} as const;

/** `POST` path of an invocation's result. */
export function responsePath(requestId: string): string {
  return `${RUNTIME_PREFIX}invocation/${encodeURIComponent(requestId)}/response`;
}

/** `POST` path of an invocation's error. */
export function errorPath(requestId: string): string {
  return `${RUNTIME_PREFIX}invocation/${encodeURIComponent(requestId)}/error`;
}

/** Matches an invocation's `response`/`error` path: groups are the (encoded) id and the kind. */
export const INVOCATION_PATH = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

/** Header names of the Runtime API. */
export const HEADERS = {
  requestId: "Lambda-Runtime-Aws-Request-Id",
  deadlineMs: "Lambda-Runtime-Deadline-Ms",
  functionArn: "Lambda-Runtime-Invoked-Function-Arn",
  traceId: "Lambda-Runtime-Trace-Id",
  clientContext: "Lambda-Runtime-Client-Context",
  cognitoIdentity: "Lambda-Runtime-Cognito-Identity",
  tenantId: "Lambda-Runtime-Aws-Tenant-Id",
  errorType: "Lambda-Runtime-Function-Error-Type",
  errorBody: "Lambda-Runtime-Function-Error-Body",
  responseMode: "Lambda-Runtime-Function-Response-Mode",
  xrayErrorCause: "Lambda-Runtime-Function-Xray-Error-Cause",
  extensionName: "Lambda-Extension-Name",
  extensionId: "Lambda-Extension-Identifier",
} as const;

/** The `Lambda-Runtime-Function-Response-Mode` value of a streamed response. */
export const STREAMING_MODE = "streaming";

/** The trailers a streamed response may end with (an error after the body started). */
export const ERROR_TRAILERS = [HEADERS.errorType, HEADERS.errorBody] as const;

/** The content type of events, results and error documents unless a runtime says otherwise. */
export const JSON_CONTENT_TYPE = "application/json";

/** Lambda's limit on a buffered (non-streamed) response: 6 MB (6,291,556 bytes). */
export const MAX_BUFFERED_RESPONSE = 6_291_556;
/** The default limit on a streamed response, 20 MiB (Lambda's default soft limit). */
export const MAX_STREAMED_RESPONSE = 20 * 1024 * 1024;
/** Lambda's limit on a synchronous invocation's request payload (Invoke API, Function URLs). */
export const MAX_INVOKE_REQUEST = 6_291_456;

/** What Lambda answers a request over {@linkcode MAX_INVOKE_REQUEST} (413). */
export function tooLargeRequest(): string {
  return `Request must be smaller than ${MAX_INVOKE_REQUEST} bytes for the InvokeFunction operation`;
}
/** The largest X-Ray cause header a runtime sends (aws-lambda-go's limit, 1 MiB). */
export const MAX_XRAY_CAUSE = 1024 * 1024;

const ERROR_TYPE_RE = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;

/**
 * The error type Lambda records for a `Lambda-Runtime-Function-Error-Type` header value: the
 * value when it is `Runtime.Xxx` or `Function.Xxx`, else `Runtime.Unknown` (as the Runtime
 * Interface Emulator does).
 */
export function validateErrorType(value: string | undefined | null): string {
  return typeof value === "string" && ERROR_TYPE_RE.test(value) ? value : "Runtime.Unknown";
}

/** The body of the platform's `202 Accepted`. */
export const ACCEPTED_BODY = '{"status":"OK"}';

/** A refusal of the platform (400, 403, 404, 413, ...), as an error document. */
export function platformError(errorType: string, errorMessage: string): string {
  return encodeErrorDocument(lambdaError(errorType, errorMessage));
}

/** The 403 message for a second answer to one invocation. */
export function invalidTransitionMessage(kind: "response" | "error"): string {
  return `State transition from ResponseSent to ${
    kind === "response" ? "InvocationResponse" : "InvocationErrorResponse"
  } failed for runtime. Error: State transition is not allowed`;
}

/** The message of a response over the limit (`Function.ResponseSizeTooLarge`, 413). */
export function tooLargeMessage(limit: number, response = false): string {
  return response
    ? `Response payload size exceeded maximum allowed payload size (${limit} bytes).`
    : `Exceeded maximum allowed payload size (${limit} bytes).`;
}
