/**
 * How a process learns which protocol to speak: the environment variable Lambda sets for each,
 * in aws-lambda-go's order of precedence (`entry.go`: `_LAMBDA_SERVER_PORT` first, then
 * `AWS_LAMBDA_RUNTIME_API`). The runtime's `start` selects by this table; the emulator sets
 * exactly one of these variables for the protocol it drives (and removes the other).
 *
 * @module
 */

/** The protocols Lambda has for native binaries. */
export type Protocol = "go1x" | "runtime-api";

/** Each protocol and the variable that selects it, in Go's order of precedence. */
export const MODE_TABLE: readonly { readonly protocol: Protocol; readonly variable: string }[] = [
  { protocol: "go1x", variable: "_LAMBDA_SERVER_PORT" },
  { protocol: "runtime-api", variable: "AWS_LAMBDA_RUNTIME_API" },
];

/** The variable that selects `protocol`. */
export function modeVariable(protocol: Protocol): string {
  return MODE_TABLE.find((m) => m.protocol === protocol)!.variable;
}
