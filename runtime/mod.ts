/**
 * gopherless's Lambda runtime: write a handler in TypeScript, and Lambda runs it as if it were a
 * Go function, under either protocol Lambda has for native binaries (the go1.x net/rpc protocol,
 * selected by `_LAMBDA_SERVER_PORT`, and the Runtime API of `provided.al2023`, selected by
 * `AWS_LAMBDA_RUNTIME_API`), picked the way aws-lambda-go picks it.
 *
 * @example
 * ```ts
 * import { type Context, start } from "./mod.ts";
 *
 * start(async (event: { name?: string }, context: Context) => {
 *   console.log("request", context.awsRequestId);
 *   return { message: `Hello, ${event.name ?? "world"}!` };
 * });
 * ```
 *
 * The Runtime API client itself (`RuntimeApiClient`, `serveRuntimeApi`) is a module of its own,
 * `runtime/runtime_api.ts` (the package's `./runtime/api`), not re-exported here: `start` loads it
 * only under the Runtime API, and a re-export would make every go1.x start load it too (a bundler
 * puts a re-exported module in the code every start loads).
 *
 * Importing this module installs what the runtime puts on `globalThis` for a function, before
 * the function's own module body runs: `awslambda.InvokeStore` and the `unhandledrejection` /
 * `error` listeners that report a failure outside any handler (they step aside outside Lambda).
 * `gob`, `rpc` and the package root outside a Lambda environment install nothing.
 *
 * @module
 */

import { installRuntimeGlobals } from "./start.ts";

export * from "./_exports.ts";

installRuntimeGlobals();
