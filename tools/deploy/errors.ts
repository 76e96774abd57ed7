/**
 * The error `deploy` reports to the user as is: its message says what went wrong and what to do.
 *
 * @module
 */

/** A deployment failure whose message is meant for the user. */
export class DeployError extends Error {
  /** Always `"DeployError"`. */
  override name = "DeployError";
}
