/**
 * gopherless: TypeScript on AWS Lambda as one native binary that Lambda runs
 * as if it were a Go function.
 *
 * - {@linkcode start} serves a Lambda handler under the go1.x protocol or the
 *   Runtime API, whichever the environment selects.
 * - {@linkcode gob} is Go's `encoding/gob`, byte-exact with Go.
 * - {@linkcode rpc} is Go's `net/rpc`, client and server.
 *
 * ```ts
 * import { start } from "./mod.ts";
 *
 * start((event: { name?: string }) => ({ message: `Hello, ${event.name ?? "world"}!` }));
 * ```
 *
 * @module
 */

export * as gob from "./gob/mod.ts";
export * as rpc from "./rpc/mod.ts";
export { start } from "./runtime/mod.ts";
export type {
  ClientContext,
  CognitoIdentity,
  Context,
  LambdaContext,
  LambdaErrorShape,
  LambdaHandler,
  StartOptions,
} from "./runtime/mod.ts";
