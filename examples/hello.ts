/**
 * Greets `event.name`. A complete Lambda function:
 *
 * ```sh
 * deno run -A examples/hello.ts   # with AWS_LAMBDA_RUNTIME_API or _LAMBDA_SERVER_PORT set
 * ```
 *
 * @module
 */

import { type LambdaContext, start } from "../runtime/mod.ts";

/** The event this function expects. */
export interface HelloEvent {
  /** Who to greet; "world" when absent. */
  name?: string;
}

/** Greets `event.name`. */
export function hello(event: HelloEvent, context: LambdaContext): { message: string } {
  console.log(`greeting ${event?.name ?? "world"} in ${context.awsRequestId}`);
  return { message: `Hello, ${event?.name ?? "world"}!` };
}

if (import.meta.main) start(hello);
