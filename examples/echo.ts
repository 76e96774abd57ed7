/**
 * Returns the event unchanged. A complete Lambda function:
 *
 * ```sh
 * deno run -A examples/echo.ts   # with AWS_LAMBDA_RUNTIME_API or _LAMBDA_SERVER_PORT set
 * ```
 *
 * @module
 */

import { start } from "../runtime/mod.ts";

/** Returns the event unchanged. */
export function echo<T>(event: T): T {
  return event;
}

if (import.meta.main) start(echo);
