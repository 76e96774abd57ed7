/**
 * gopherless: TypeScript on AWS Lambda as one native binary that Lambda runs
 * as if it were a Go function.
 *
 * - {@linkcode start} serves a Lambda handler under the go1.x protocol or the
 *   Runtime API, whichever the environment selects.
 * - {@linkcode gob} is Go's `encoding/gob`, byte-exact with Go.
 * - {@linkcode rpc} is Go's `net/rpc`, client and server.
 * - {@linkcode http} turns a fetch-style `(Request) => Response` handler into
 *   a Lambda handler for API Gateway, ALB and Function URLs, streaming where
 *   Lambda allows it.
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
export * from "./runtime/mod.ts";
export * from "./http/mod.ts";
