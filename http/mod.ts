/**
 * HTTP on Lambda: web-standard `(Request) => Response` handlers behind API Gateway (REST and
 * HTTP APIs), ALB and Function URLs, streamed responses, and the `awslambda` global of Lambda's
 * Node.js runtime (`streamifyResponse`, `HttpResponseStream`) so code written for it, such as
 * Hono's `streamHandle`, runs unchanged. Importing this module installs that global, and the
 * runtime's (see `runtime/mod.ts`).
 *
 * @example
 * ```ts
 * import { start } from "../runtime/mod.ts";
 * import { http } from "./mod.ts";
 *
 * start(http((req) => new Response(`Hello from ${new URL(req.url).pathname}`)));
 * ```
 *
 * @module
 */

import { installFunctionGlobals } from "./_install.ts";

export * from "./_exports.ts";

installFunctionGlobals();
