/**
 * Always fails with a custom error class: Lambda reports `errorType: "ValidationError"`, the
 * message, and the stack frames. A complete Lambda function:
 *
 * ```sh
 * deno run -A examples/error.ts   # with AWS_LAMBDA_RUNTIME_API or _LAMBDA_SERVER_PORT set
 * ```
 *
 * @module
 */

import { start } from "../runtime/mod.ts";

/** A custom error; its class name becomes the Lambda `errorType`. */
export class ValidationError extends Error {
  /** The field that failed validation. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Rejects every event. */
export function validate(event: { email?: string }): Promise<never> {
  return Promise.reject(
    new ValidationError("email", `invalid email address: ${JSON.stringify(event?.email ?? "")}`),
  );
}

if (import.meta.main) start(validate);
