/**
 * The command line of `deno task deploy`: parsed into {@link DeployOptions}, nothing more.
 *
 * @module
 */

import type { Arch, RuntimeKind } from "../../packaging/mod.ts";

/** How a Function URL delivers responses. */
export type InvokeMode = "BUFFERED" | "RESPONSE_STREAM";

/** Who may call a Function URL: anyone (`NONE`) or signed IAM callers (`AWS_IAM`). */
export type UrlAuth = "NONE" | "AWS_IAM";

/** What to deploy, where, and how. */
export interface DeployOptions {
  /** The handler module to build (or `zip`). */
  entry?: string;
  /** A built `bootstrap.zip` to upload as is (or `entry`). */
  zip?: string;
  /** The Lambda function's name. */
  functionName: string;
  /** The architecture; default: the existing function's, else `x86_64`. */
  arch?: Arch;
  /** The build's packaging (`compiled` by default). */
  runtime?: RuntimeKind;
  /** The build's output directory (default `dist`). */
  out?: string;
  /** Memory in MB. */
  memoryMb?: number;
  /** Timeout in seconds. */
  timeoutSeconds?: number;
  /** Environment variables; when given, they replace the function's. */
  env?: Record<string, string>;
  /** The execution role's ARN; when absent a basic execution role is created (or reused). */
  role?: string;
  /** Publish a version after the update. */
  publish: boolean;
  /** Point this alias at the published version (implies `publish`). */
  alias?: string;
  /** Create (or show) a Function URL. */
  url: boolean;
  /** The Function URL's invoke mode. */
  invokeMode?: InvokeMode;
  /** The Function URL's auth type (default `AWS_IAM` when creating). */
  urlAuth?: UrlAuth;
  /** Upload the zip to this S3 bucket and deploy from there (needed over 50 MB). */
  s3Bucket?: string;
  /** The S3 key (default `<function>/<sha256>.zip`). */
  s3Key?: string;
  /** Print the calls instead of making the changing ones (reads still happen). */
  dryRun: boolean;
  /** The AWS region (default: the SDK's chain: `AWS_REGION`, the profile). */
  region?: string;
  /** The shared-config profile (default: `AWS_PROFILE`, else `default`). */
  profile?: string;
  /** Send every AWS call here instead of AWS's endpoints (a local stand-in, a proxy). */
  endpointUrl?: string;
  /** How long to keep retrying while Lambda cannot assume a new role yet (default 90 s). */
  roleWaitSeconds: number;
}

/** The usage text. */
export const USAGE = `usage: deno task deploy <entry.ts> --function-name NAME [options]
       deno task deploy --zip bootstrap.zip --function-name NAME [options]

Builds the handler (or takes --zip) and creates or updates the Lambda function
(runtime provided.al2023, handler bootstrap) with the AWS SDK's credentials chain.

  --function-name NAME       the function (required)
  --zip FILE                 upload this bootstrap.zip instead of building
  --arch x86_64|arm64        architecture (default: the existing function's, else x86_64)
  --runtime compiled|deno    how the build packages the handler (see deno task build)
  --out DIR                  the build's output directory (default dist)
  --memory MB                memory size
  --timeout SECONDS          timeout
  --env K=V                  an environment variable (repeatable; replaces the function's set)
  --role ARN                 execution role (default: create or reuse gopherless-<function>)
  --publish                  publish a version
  --alias NAME               point the alias NAME at the published version (implies --publish)
  --url                      create or show a Function URL (of the alias, when given)
  --invoke-mode BUFFERED|RESPONSE_STREAM   the Function URL's invoke mode
  --url-auth AWS_IAM|NONE    the Function URL's auth (default AWS_IAM; NONE is public)
  --s3-bucket BUCKET         upload the zip to S3 first (needed over 50 MB)
  --s3-key KEY               its key (default <function>/<sha256>.zip)
  --region REGION            AWS region (default: AWS_REGION, the profile's region)
  --profile NAME             shared config profile (default: AWS_PROFILE)
  --endpoint-url URL         send the AWS calls to this endpoint
  --role-wait SECONDS        retry this long while a new role is not assumable yet (default 90)
  --dry-run                  print the calls that would change something, make none
  -h, --help                 this text`;

/** A bad command line; the message says what is wrong. */
export class UsageError extends Error {
  /** Always `"UsageError"`. */
  override name = "UsageError";
}

const VALUE = new Set([
  "--function-name",
  "--zip",
  "--arch",
  "--runtime",
  "--out",
  "--memory",
  "--timeout",
  "--env",
  "--role",
  "--alias",
  "--invoke-mode",
  "--url-auth",
  "--s3-bucket",
  "--s3-key",
  "--region",
  "--profile",
  "--endpoint-url",
  "--role-wait",
]);

function positiveInt(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) {
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not ${v}`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`${flag} must be ${allowed.join(" or ")}, not ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Parses the command line (`{ help: true }` for `--help`). */
export function parseArgs(args: string[]): DeployOptions | { help: true } {
  const o: DeployOptions = {
    functionName: "",
    publish: false,
    url: false,
    dryRun: false,
    roleWaitSeconds: 90,
  };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    let flag = args[i];
    let value: string | undefined;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (VALUE.has(flag) && value === undefined) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
    }
    const v = value ?? "";
    switch (flag) {
      case "-h":
      case "--help":
        return { help: true };
      case "--function-name":
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(v)) {
          throw new UsageError(
            `--function-name: 1 to 64 letters, digits, hyphens or underscores, not ${
              JSON.stringify(v)
            }`,
          );
        }
        o.functionName = v;
        break;
      case "--zip":
        o.zip = v;
        break;
      case "--arch":
        o.arch = oneOf(flag, v, ["x86_64", "arm64"] as const);
        break;
      case "--runtime":
        o.runtime = oneOf(flag, v, ["compiled", "deno"] as const);
        break;
      case "--out":
        o.out = v;
        break;
      case "--memory":
        o.memoryMb = positiveInt(flag, v, 128, 10240);
        break;
      case "--timeout":
        o.timeoutSeconds = positiveInt(flag, v, 1, 900);
        break;
      case "--env": {
        const k = v.indexOf("=");
        if (k <= 0) throw new UsageError(`--env takes KEY=VALUE, not ${JSON.stringify(v)}`);
        (o.env ??= {})[v.slice(0, k)] = v.slice(k + 1);
        break;
      }
      case "--role":
        if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(v)) {
          throw new UsageError(`--role takes an IAM role ARN, not ${JSON.stringify(v)}`);
        }
        o.role = v;
        break;
      case "--publish":
        o.publish = true;
        break;
      case "--alias":
        if (!/^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/.test(v)) {
          throw new UsageError(`--alias: letters, digits, - and _, not all digits; got ${v}`);
        }
        o.alias = v;
        o.publish = true;
        break;
      case "--url":
        o.url = true;
        break;
      case "--invoke-mode":
        o.invokeMode = oneOf(flag, v, ["BUFFERED", "RESPONSE_STREAM"] as const);
        break;
      case "--url-auth":
        o.urlAuth = oneOf(flag, v, ["AWS_IAM", "NONE"] as const);
        break;
      case "--s3-bucket":
        o.s3Bucket = v;
        break;
      case "--s3-key":
        o.s3Key = v;
        break;
      case "--region":
        o.region = v;
        break;
      case "--profile":
        o.profile = v;
        break;
      case "--endpoint-url":
        try {
          new URL(v);
        } catch {
          throw new UsageError(`--endpoint-url takes a URL, not ${JSON.stringify(v)}`);
        }
        o.endpointUrl = v;
        break;
      case "--role-wait":
        o.roleWaitSeconds = positiveInt(flag, v, 0, 3600);
        break;
      case "--dry-run":
        o.dryRun = true;
        break;
      default:
        if (flag.startsWith("-")) throw new UsageError(`unknown option ${flag}`);
        positional.push(flag);
    }
  }
  if (positional.length > 1) {
    throw new UsageError(`one entry module, not ${positional.length}: ${positional.join(" ")}`);
  }
  o.entry = positional[0];
  if (!o.functionName) throw new UsageError("--function-name is required");
  if (o.entry && o.zip) throw new UsageError("give the entry module or --zip, not both");
  if (!o.entry && !o.zip) throw new UsageError("missing the entry module (or --zip FILE)");
  if (o.zip && (o.runtime || o.out)) {
    throw new UsageError("--runtime and --out are build options; --zip deploys a built zip");
  }
  if (o.s3Key && !o.s3Bucket) throw new UsageError("--s3-key needs --s3-bucket");
  if ((o.invokeMode || o.urlAuth) && !o.url) {
    throw new UsageError("--invoke-mode and --url-auth configure the Function URL: add --url");
  }
  return o;
}
