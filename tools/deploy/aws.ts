/**
 * The AWS clients `deploy` uses (Lambda, IAM, S3), configured as the AWS CLI would be: the
 * SDK's default credentials chain (environment, shared config and profiles, SSO, web identity,
 * container and instance roles), the region from `--region` or that chain, and `--endpoint-url`
 * for every service. Missing credentials or region become {@link DeployError}s that say what to
 * set.
 *
 * @module
 */

import { iam as IAM, lambda as Lambda, s3 as S3 } from "./sdk.ts";
import { DeployError } from "./errors.ts";

/** Where the clients connect and as whom. */
export interface ClientOptions {
  /** The region (default: the SDK's chain). */
  region?: string;
  /** The shared-config profile (default: the SDK's chain, `AWS_PROFILE`). */
  profile?: string;
  /** One endpoint for every service (a local stand-in). */
  endpointUrl?: string;
}

/** The three clients, sharing credentials and region. */
export interface Clients {
  /** Lambda. */
  lambda: Lambda.LambdaClient;
  /** IAM (the execution role). */
  iam: IAM.IAMClient;
  /** S3 (`--s3-bucket`). */
  s3: S3.S3Client;
  /** The resolved region. */
  region: string;
  /** Closes the clients' connections. */
  close(): void;
}

/** The partition of a region (`aws`, `aws-cn`, `aws-us-gov`), for ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * Makes the clients and resolves the region and credentials once, so that a missing one is
 * reported before anything else happens.
 */
export async function connect(options: ClientOptions): Promise<Clients> {
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  };
  const lambda = new Lambda.LambdaClient(common);
  const iam = new IAM.IAMClient(common);
  const s3 = new S3.S3Client({ ...common, forcePathStyle: options.endpointUrl !== undefined });
  const close = () => {
    lambda.destroy();
    iam.destroy();
    s3.destroy();
  };
  let region: string;
  try {
    region = await lambda.config.region();
  } catch {
    close();
    throw new DeployError(
      "no AWS region: pass --region, set AWS_REGION, or set one in the profile " +
        "(aws configure set region eu-west-1)",
    );
  }
  if (!region) {
    close();
    throw new DeployError("no AWS region: pass --region or set AWS_REGION");
  }
  try {
    await lambda.config.credentials();
  } catch (e) {
    close();
    throw new DeployError(
      `no AWS credentials (${(e as Error).message.split("\n")[0]}): set AWS_ACCESS_KEY_ID and ` +
        "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / --profile for a profile of ~/.aws/config " +
        "(aws configure, or aws sso login for SSO)",
    );
  }
  return { lambda, iam, s3, region, close };
}
