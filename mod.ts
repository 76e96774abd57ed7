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
 * Importing it installs nothing on `globalThis` outside a Lambda environment; in one (a protocol's
 * variable set), it installs the `awslambda` global and the runtime's failure listeners before
 * the function's module body runs, as `runtime/mod.ts` and `http/mod.ts` always do.
 *
 * ```ts
 * import { start } from "./mod.ts";
 *
 * start((event: { name?: string }) => ({ message: `Hello, ${event.name ?? "world"}!` }));
 * ```
 *
 * @module
 */

import { inLambdaEnvironment, installFunctionGlobals } from "./http/_install.ts";

export * as gob from "./gob/mod.ts";
export * as rpc from "./rpc/mod.ts";
export * from "./runtime/_exports.ts";
export * from "./http/_exports.ts";

// A function gets the runtime's globals before its own module body runs; a library user, outside
// Lambda, gets none (see `http/_install.ts`).
if (inLambdaEnvironment()) installFunctionGlobals();
