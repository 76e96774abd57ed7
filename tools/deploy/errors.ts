/**
 * The errors `deploy` reports to the user: its own ({@linkcode DeployError}, whose message says
 * what went wrong and what to do), and the AWS SDK's, told apart by what happened
 * ({@linkcode describeAwsError}).
 *
 * @module
 */

/** A deployment failure whose message is meant for the user. */
export class DeployError extends Error {
  /** Always `"DeployError"`. */
  override name = "DeployError";
}

/** What the AWS SDK attaches to its errors. */
interface SdkError extends Error {
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/**
 * The line `deploy` prints for an error of the AWS SDK (`undefined` for any other error):
 * an answer of the AWS API (its error name and message); an HTTP answer that is not one (an HTML
 * error page from the endpoint or a proxy: the endpoint was reached, and said this status); or
 * no answer at all (the endpoint could not be reached).
 */
export function describeAwsError(e: unknown, endpoint = "the AWS API"): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const err = e as SdkError;
  if (err.$fault !== undefined) return `AWS said ${err.name}: ${err.message}`;
  if (err.$metadata === undefined) return undefined;
  const status = err.$metadata.httpStatusCode;
  if (status !== undefined) {
    return `${endpoint} answered HTTP ${status} with something other than an AWS API response ` +
      `(${err.message.split("\n")[0].trim()})`;
  }
  return `cannot reach ${endpoint}: ${err.message}`;
}
