/**
 * The command line of `deno task deploy`: parsed into {@link DeployOptions}, nothing more.
 *
 * @module
 */

import type { Arch, RuntimeKind } from "../../packaging/mod.ts";
import {
  type FlagTable,
  oneOf,
  parseCommandLine,
  UsageError,
  wholeNumber,
} from "../../ground/command_line.ts";

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
  /**
   * Build with `--layer` (`--runtime deno` split in two, docs/layer.md): publish the runtime
   * layer unless a version of it exists already (found by its id and content hash), and deploy
   * the function's own small zip with it.
   */
  layer?: boolean;
  /** The layer's name (default `gopherless-deno-<arch>`). */
  layerName?: string;
  /** Memory in MB. */
  memoryMb?: number;
  /** Timeout in seconds. */
  timeoutSeconds?: number;
  /**
   * Environment variables given with their values (`--env K=V`). When any of `env`, `envNames`
   * or `envFiles` is given, together they replace the function's variables (see
   * `environment.ts`: files first, then names, then these). `deploy` prints no value.
   */
  env?: Record<string, string>;
  /** Variables whose values come from `deploy`'s own environment (`--env NAME`). */
  envNames?: string[];
  /** dotenv files of variables (`--env-file FILE`). */
  envFiles?: string[];
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
  --layer                    build with --layer (implies --runtime deno): publish the runtime
                             layer once (PublishLayerVersion; an existing version with the same
                             id and content is reused) and upload only the function's own zip
  --layer-name NAME          the layer's name (default gopherless-deno-<arch>)
  --memory MB                memory size
  --timeout SECONDS          timeout
  --env NAME                 an environment variable of the function, its value taken from
                             this environment: NAME=value deno task deploy … --env NAME
  --env-file FILE            environment variables from a dotenv file (KEY=VALUE lines)
  --env K=V                  an environment variable with its value on the command line
                             (--env and --env-file repeat; together they replace the function's
                             set; deploy never prints a value, but deno task echoes its command
                             line and shells keep history: prefer NAME or --env-file for secrets)
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

export { UsageError } from "../../ground/command_line.ts";

/** The flags of `deno task deploy`. */
const FLAGS = {
  "function-name": "string",
  zip: "string",
  arch: "string",
  runtime: "string",
  out: "string",
  memory: "string",
  timeout: "string",
  env: "strings",
  "env-file": "strings",
  role: "string",
  alias: "string",
  "invoke-mode": "string",
  "url-auth": "string",
  "s3-bucket": "string",
  "s3-key": "string",
  region: "string",
  profile: "string",
  "endpoint-url": "string",
  "role-wait": "string",
  publish: "boolean",
  url: "boolean",
  "dry-run": "boolean",
  layer: "boolean",
  "layer-name": "string",
} as const satisfies FlagTable;

/** Parses the command line (`{ help: true }` for `--help`). */
export function parseArgs(args: string[]): DeployOptions | { help: true } {
  const { flags: f, positional, help } = parseCommandLine(args, FLAGS);
  if (help) return { help: true };
  if (positional.length > 1) {
    throw new UsageError(`one entry module, not ${positional.length}: ${positional.join(" ")}`);
  }
  const o: DeployOptions = {
    entry: positional[0],
    functionName: f["function-name"] === undefined
      ? required("--function-name")
      : checked(f["function-name"], FUNCTION_NAME),
    zip: f.zip,
    arch: f.arch === undefined ? undefined : oneOf("--arch", f.arch, ["x86_64", "arm64"] as const),
    runtime: f.runtime === undefined
      ? undefined
      : oneOf("--runtime", f.runtime, ["compiled", "deno"] as const),
    out: f.out,
    layer: f.layer === true ? true : undefined,
    layerName: f["layer-name"] === undefined ? undefined : checked(f["layer-name"], LAYER_NAME),
    memoryMb: f.memory === undefined ? undefined : wholeNumber("--memory", f.memory, 128, 10240),
    timeoutSeconds: f.timeout === undefined
      ? undefined
      : wholeNumber("--timeout", f.timeout, 1, 900),
    ...environmentFlags(f.env ?? []),
    envFiles: f["env-file"],
    role: f.role === undefined ? undefined : checked(f.role, ROLE_ARN),
    publish: f.publish === true || f.alias !== undefined,
    alias: f.alias === undefined ? undefined : checked(f.alias, ALIAS),
    url: f.url === true,
    invokeMode: f["invoke-mode"] === undefined
      ? undefined
      : oneOf("--invoke-mode", f["invoke-mode"], ["BUFFERED", "RESPONSE_STREAM"] as const),
    urlAuth: f["url-auth"] === undefined
      ? undefined
      : oneOf("--url-auth", f["url-auth"], ["AWS_IAM", "NONE"] as const),
    s3Bucket: f["s3-bucket"],
    s3Key: f["s3-key"],
    region: f.region,
    profile: f.profile,
    endpointUrl: f["endpoint-url"] === undefined ? undefined : url(f["endpoint-url"]),
    dryRun: f["dry-run"] === true,
    roleWaitSeconds: f["role-wait"] === undefined
      ? 90
      : wholeNumber("--role-wait", f["role-wait"], 0, 3600),
  };
  for (const k of Object.keys(o) as (keyof DeployOptions)[]) if (o[k] === undefined) delete o[k];
  return checkCombination(o);
}

/** A value's pattern and the message for a value that does not match it. */
interface Pattern {
  re: RegExp;
  says: (v: string) => string;
}

const LAYER_NAME: Pattern = {
  re: /^[A-Za-z0-9_-]{1,64}$/,
  says: (v) =>
    `--layer-name: 1 to 64 letters, digits, hyphens or underscores, not ${JSON.stringify(v)}`,
};

const FUNCTION_NAME: Pattern = {
  re: /^[A-Za-z0-9_-]{1,64}$/,
  says: (v) =>
    `--function-name: 1 to 64 letters, digits, hyphens or underscores, not ${JSON.stringify(v)}`,
};
const ROLE_ARN: Pattern = {
  re: /^arn:aws[a-z-]*:iam::\d{12}:role\/.+/,
  says: (v) => `--role takes an IAM role ARN, not ${JSON.stringify(v)}`,
};
const ALIAS: Pattern = {
  re: /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/,
  says: (v) => `--alias: letters, digits, - and _, not all digits; got ${v}`,
};

function checked(v: string, p: Pattern): string {
  if (!p.re.test(v)) throw new UsageError(p.says(v));
  return v;
}

function required(flag: string): never {
  throw new UsageError(`${flag} is required`);
}

/** A variable name deploy takes from its own environment (`--env NAME`). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--env K=V` and `--env NAME`, apart. A message never quotes what could be a value. */
function environmentFlags(given: string[]): Pick<DeployOptions, "env" | "envNames"> {
  const env: Record<string, string> = {};
  const envNames: string[] = [];
  for (const kv of given) {
    const k = kv.indexOf("=");
    if (k === 0) throw new UsageError("--env takes KEY=VALUE or NAME: the name is missing");
    if (k > 0) env[kv.slice(0, k)] = kv.slice(k + 1);
    else if (ENV_NAME.test(kv)) envNames.push(kv);
    else {
      throw new UsageError(
        "--env NAME takes a variable name (letters, digits and _, not first a digit); " +
          "a value goes in --env NAME=VALUE",
      );
    }
  }
  return {
    env: Object.keys(env).length > 0 ? env : undefined,
    envNames: envNames.length > 0 ? envNames : undefined,
  };
}

function url(v: string): string {
  try {
    new URL(v);
  } catch {
    throw new UsageError(`--endpoint-url takes a URL, not ${JSON.stringify(v)}`);
  }
  return v;
}

/** Refuses options that do not go together. */
function checkCombination(o: DeployOptions): DeployOptions {
  if (o.entry && o.zip) throw new UsageError("give the entry module or --zip, not both");
  if (!o.entry && !o.zip) throw new UsageError("missing the entry module (or --zip FILE)");
  if (o.zip && (o.runtime || o.out)) {
    throw new UsageError("--runtime and --out are build options; --zip deploys a built zip");
  }
  if (o.layer && o.zip) {
    throw new UsageError("--layer builds the function and its layer; it does not take --zip");
  }
  if (o.layer && o.runtime === "compiled") {
    throw new UsageError("--layer splits a --runtime deno package; drop --runtime compiled");
  }
  if (o.layerName && !o.layer) throw new UsageError("--layer-name needs --layer");
  if (o.s3Key && !o.s3Bucket) throw new UsageError("--s3-key needs --s3-bucket");
  if ((o.invokeMode || o.urlAuth) && !o.url) {
    throw new UsageError("--invoke-mode and --url-auth configure the Function URL: add --url");
  }
  return o;
}
