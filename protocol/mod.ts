/**
 * The protocol contracts: what Lambda and its peers put on the wire, each written once and
 * imported by every side that speaks it. The runtime (the function's side), the emulator (Lambda's
 * side) and the HTTP adapter (the front doors' events) never declare a name, a header, a limit or
 * a message of their own.
 *
 * The folder is named for the floor it is: the protocols, as data. It holds no transport, no
 * loop and no process: only shapes, names, numbers and the pure conversions between them.
 *
 * | module | contract |
 * |---|---|
 * | `mode.ts` | which variable selects which protocol, in aws-lambda-go's order |
 * | `lambda_error.ts` | Lambda's error document: its one constructor, encoder and reader |
 * | `runtime_api.ts` | the Runtime API: paths, headers, trailers, content types, limits, error types |
 * | `header_value.ts` | how text travels in an HTTP header value |
 * | `go1x.ts` | go1.x: aws-lambda-go's `messages` as gob descriptors, and their conversions |
 * | `http_event.ts` | API Gateway / ALB / Function URL events: kinds, body encoding, streaming |
 * | `aws_lambda.ts` | `@types/aws-lambda`, pinned, type-only |
 * | `launcher.ts` | what a `--runtime deno` package's launcher is told by what starts it |
 *
 * Only `go1x.ts` loads gob; this module does not re-export it, so importing the contracts never
 * loads gob or rpc (import `protocol/go1x.ts` for it).
 *
 * @module
 */

export * from "./mode.ts";
export * from "./lambda_error.ts";
export * from "./runtime_api.ts";
export * from "./header_value.ts";
export * from "./http_event.ts";
export * from "./launcher.ts";
export * from "./version.ts";
export type * from "./invocation.ts";
