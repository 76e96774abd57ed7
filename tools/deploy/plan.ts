/**
 * What `deploy` will do, decided from the options, the package and what AWS reported, before
 * any change is made: a list of API calls as plain data. `--dry-run` prints it; the executor
 * (`execute.ts`) runs it. Values only known once an earlier call has answered (the ARN of a role
 * created above, the version just published) are {@link Ref}s.
 *
 * @module
 */

import type { Arch } from "../../packaging/mod.ts";
import type { DeployOptions, InvokeMode, UrlAuth } from "./args.ts";
import { redactEnvironment } from "./environment.ts";

/** The runtime every gopherless function runs on. */
export const RUNTIME = "provided.al2023";
/** The handler setting: the executable `provided.al2023` starts. */
export const HANDLER = "bootstrap";
/** The managed policy of a basic execution role (CloudWatch Logs). */
export const BASIC_EXECUTION_POLICY = "service-role/AWSLambdaBasicExecutionRole";
/** The trust policy that lets Lambda assume a role. */
export const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{
    Effect: "Allow",
    Principal: { Service: "lambda.amazonaws.com" },
    Action: "sts:AssumeRole",
  }],
});

/** A value produced by an earlier call of the plan. */
export interface Ref {
  /** `roleArn`: the role `CreateRole` made; `version`: what `PublishVersion` published. */
  ref: "roleArn" | "version" | "layerArn";
}

/** One API call (or waiter) of the plan. */
export interface Call {
  /** The service. */
  service: "iam" | "lambda" | "s3";
  /** The action, as the API names it (`CreateFunction`), or a waiter (`waitUntilFunctionActiveV2`). */
  action: string;
  /** The call's input; a `Uint8Array` stands for the zip. */
  input: Record<string, unknown>;
}

/** The function as Lambda reports it (the fields `deploy` compares). */
export interface ExistingFunction {
  /** Its ARN. */
  arn?: string;
  /** Its architecture. */
  arch: Arch;
  /** The base64 SHA-256 of its code. */
  codeSha256?: string;
  /** Memory (MB). */
  memoryMb?: number;
  /** Timeout (s). */
  timeoutSeconds?: number;
  /** Environment variables. */
  env?: Record<string, string>;
  /** Execution role ARN. */
  role?: string;
  /** Runtime. */
  runtime?: string;
  /** Handler. */
  handler?: string;
  /** The ARNs of its layer versions. */
  layers?: string[];
}

/** The runtime layer of a `--layer` deploy. */
export interface LayerFacts {
  /** The layer's name. */
  name: string;
  /** The build's layer id. */
  id: string;
  /** Its zip. */
  zip: Uint8Array;
  /** Its base64 SHA-256. */
  sha256: string;
  /** The ARN of a published version with this id and content, when there is one. */
  versionArn?: string;
}

/** The description of a published runtime layer version: the layer id, found again by it. */
export function layerDescription(id: string): string {
  return `gopherless runtime layer ${id}`;
}

/** The default name of the runtime layer for `arch`. */
export function defaultLayerName(arch: Arch): string {
  return `gopherless-deno-${arch}`;
}

/** A Function URL as Lambda reports it. */
export interface ExistingUrl {
  /** The URL. */
  url: string;
  /** Auth type. */
  authType: UrlAuth;
  /** Invoke mode. */
  invokeMode: InvokeMode;
}

/** What was found out before planning. */
export interface Facts {
  /** The function, when it exists. */
  fn?: ExistingFunction;
  /** The architecture to deploy. */
  arch: Arch;
  /** The zip. */
  zip: Uint8Array;
  /** Its base64 SHA-256. */
  sha256: string;
  /** The role to use: given, or an existing one of the default name. */
  roleArn?: string;
  /** The role name to create when there is no `roleArn` and the function is new. */
  roleName: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the region, for managed policy ARNs. */
  partition: string;
  /** Whether the alias exists (when `--alias`). */
  aliasExists?: boolean;
  /** The Function URL, when one exists (when `--url`). */
  url?: ExistingUrl;
  /** `--layer`: the runtime layer. */
  layer?: LayerFacts;
}

/** The name of the basic execution role `deploy` creates for `functionName`. */
export function defaultRoleName(functionName: string): string {
  return `gopherless-${functionName}`.slice(0, 64);
}

/** The default S3 key of a package. */
export function defaultS3Key(functionName: string, sha256: string): string {
  const hex = Array.from(atob(sha256), (c) => c.charCodeAt(0).toString(16).padStart(2, "0"))
    .join("");
  return `${functionName}/${hex}.zip`;
}

function sameEnv(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** The calls that deploy `facts.zip` as `options` ask, given what exists. */
export function planDeploy(options: DeployOptions, facts: Facts): Call[] {
  const upload = codeUpload(options, facts);
  return [
    ...publishLayer(options, facts),
    ...upload.calls,
    ...(facts.fn
      ? updateFunction(options, facts, facts.fn, upload.code)
      : createFunction(options, facts, upload.code)),
    ...publish(options, facts),
    ...(options.url ? functionUrl(options, facts) : []),
  ];
}

/** A Lambda call on the function. */
function lambda(action: string, input: Record<string, unknown>): Call {
  return { service: "lambda", action, input };
}

/** Where the code comes from: the zip itself, or an S3 object uploaded first (`--s3-bucket`). */
function codeUpload(
  options: DeployOptions,
  facts: Facts,
): { calls: Call[]; code: Record<string, unknown> } {
  if (!options.s3Bucket) return { calls: [], code: { ZipFile: facts.zip } };
  const Key = options.s3Key ?? defaultS3Key(options.functionName, facts.sha256);
  return {
    calls: [{
      service: "s3",
      action: "PutObject",
      input: { Bucket: options.s3Bucket, Key, Body: facts.zip },
    }],
    code: { S3Bucket: options.s3Bucket, S3Key: Key },
  };
}

/**
 * `--layer`: the runtime layer's version, published (through S3 with `--s3-bucket`) unless one
 * with the build's id and content exists.
 */
function publishLayer(options: DeployOptions, facts: Facts): Call[] {
  const layer = facts.layer;
  if (!layer || layer.versionArn) return [];
  const calls: Call[] = [];
  let Content: Record<string, unknown> = { ZipFile: layer.zip };
  if (options.s3Bucket) {
    const Key = `gopherless-layers/${layer.id}.zip`;
    calls.push({
      service: "s3",
      action: "PutObject",
      input: { Bucket: options.s3Bucket, Key, Body: layer.zip },
    });
    Content = { S3Bucket: options.s3Bucket, S3Key: Key };
  }
  calls.push(lambda("PublishLayerVersion", {
    LayerName: layer.name,
    Description: layerDescription(layer.id),
    Content,
    CompatibleRuntimes: [RUNTIME],
    CompatibleArchitectures: [facts.arch],
  }));
  return calls;
}

/** The `Layers` setting of a `--layer` deploy: the version found, or the one published above. */
function layers(facts: Facts): (string | Ref)[] | undefined {
  if (!facts.layer) return undefined;
  return [facts.layer.versionArn ?? { ref: "layerArn" }];
}

/** The configuration the options set (memory, timeout, environment, the layer). */
function asked(options: DeployOptions, facts?: Facts): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const layered = facts && layers(facts);
  if (layered) config.Layers = layered;
  if (options.memoryMb !== undefined) config.MemorySize = options.memoryMb;
  if (options.timeoutSeconds !== undefined) config.Timeout = options.timeoutSeconds;
  if (options.env) config.Environment = { Variables: options.env };
  return config;
}

/** A new function: its role (created unless given or found), then the function. */
function createFunction(
  options: DeployOptions,
  facts: Facts,
  code: Record<string, unknown>,
): Call[] {
  const FunctionName = options.functionName;
  const calls: Call[] = [];
  let role: string | Ref | undefined = options.role ?? facts.roleArn;
  if (!role) {
    calls.push(...createBasicRole(facts, FunctionName));
    role = { ref: "roleArn" };
  }
  calls.push(
    lambda("CreateFunction", {
      FunctionName,
      Runtime: RUNTIME,
      Handler: HANDLER,
      Role: role,
      Architectures: [facts.arch],
      Code: code,
      ...asked(options, facts),
    }),
    lambda("waitUntilFunctionActiveV2", { FunctionName }),
  );
  return calls;
}

/** A basic execution role for the function: Lambda may assume it, it may write logs. */
function createBasicRole(facts: Facts, functionName: string): Call[] {
  return [{
    service: "iam",
    action: "CreateRole",
    input: {
      RoleName: facts.roleName,
      AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY,
      Description: `Basic execution role of the Lambda function ${functionName}`,
    },
  }, {
    service: "iam",
    action: "AttachRolePolicy",
    input: {
      RoleName: facts.roleName,
      PolicyArn: `arn:${facts.partition}:iam::aws:policy/${BASIC_EXECUTION_POLICY}`,
    },
  }];
}

/** An existing function: only what differs (its code, then its configuration). */
function updateFunction(
  options: DeployOptions,
  facts: Facts,
  fn: ExistingFunction,
  code: Record<string, unknown>,
): Call[] {
  const FunctionName = options.functionName;
  const calls: Call[] = [];
  if (fn.codeSha256 !== facts.sha256) {
    calls.push(
      lambda("UpdateFunctionCode", { FunctionName, ...code }),
      lambda("waitUntilFunctionUpdatedV2", { FunctionName }),
    );
  }
  const changes = configurationChanges(options, fn, facts);
  if (Object.keys(changes).length > 0) {
    calls.push(
      lambda("UpdateFunctionConfiguration", { FunctionName, ...changes }),
      lambda("waitUntilFunctionUpdatedV2", { FunctionName }),
    );
  }
  return calls;
}

/** The settings of `fn` that differ from gopherless's and from what the options ask. */
function configurationChanges(
  options: DeployOptions,
  fn: ExistingFunction,
  facts: Facts,
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const layered = layers(facts);
  if (
    layered &&
    (typeof layered[0] !== "string" || fn.layers?.length !== 1 || fn.layers[0] !== layered[0])
  ) {
    // The function's other layers are replaced too: a gopherless function's runtime is its only
    // one (an extension layer is for the CDK or SAM to add).
    changes.Layers = layered;
  }
  if (fn.runtime !== RUNTIME) changes.Runtime = RUNTIME;
  if (fn.handler !== HANDLER) changes.Handler = HANDLER;
  if (options.role && options.role !== fn.role) changes.Role = options.role;
  if (options.memoryMb !== undefined && options.memoryMb !== fn.memoryMb) {
    changes.MemorySize = options.memoryMb;
  }
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds !== fn.timeoutSeconds) {
    changes.Timeout = options.timeoutSeconds;
  }
  if (options.env && !sameEnv(options.env, fn.env)) {
    changes.Environment = { Variables: options.env };
  }
  return changes;
}

/** `--publish` and `--alias`: a version of the code just deployed, and the alias pointing at it. */
function publish(options: DeployOptions, facts: Facts): Call[] {
  const FunctionName = options.functionName;
  const calls: Call[] = [];
  if (options.publish) {
    calls.push(
      lambda("PublishVersion", { FunctionName, CodeSha256: facts.sha256 }),
      lambda("waitUntilPublishedVersionActive", { FunctionName, Qualifier: { ref: "version" } }),
    );
  }
  if (options.alias) {
    calls.push(
      lambda(facts.aliasExists ? "UpdateAlias" : "CreateAlias", {
        FunctionName,
        Name: options.alias,
        FunctionVersion: { ref: "version" },
      }),
    );
  }
  return calls;
}

/** `--url`: the Function URL (of the alias, when given), created or brought to the options. */
function functionUrl(options: DeployOptions, facts: Facts): Call[] {
  const FunctionName = options.functionName;
  const qualifier = options.alias ? { Qualifier: options.alias } : {};
  const auth = options.urlAuth ?? facts.url?.authType ?? "AWS_IAM";
  const mode = options.invokeMode ?? facts.url?.invokeMode ?? "BUFFERED";
  const calls: Call[] = [];
  const input = { FunctionName, ...qualifier, AuthType: auth, InvokeMode: mode };
  if (!facts.url) calls.push(lambda("CreateFunctionUrlConfig", input));
  else if (facts.url.authType !== auth || facts.url.invokeMode !== mode) {
    calls.push(lambda("UpdateFunctionUrlConfig", input));
  }
  if (auth === "NONE" && facts.url?.authType !== "NONE") {
    // A public URL needs both permissions: InvokeFunctionUrl, and InvokeFunction through a
    // Function URL only.
    calls.push(
      lambda("AddPermission", {
        FunctionName,
        ...qualifier,
        StatementId: "FunctionURLAllowPublicAccess",
        Action: "lambda:InvokeFunctionUrl",
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      }),
      lambda("AddPermission", {
        FunctionName,
        ...qualifier,
        StatementId: "FunctionURLInvokeAllowPublicAccess",
        Action: "lambda:InvokeFunction",
        Principal: "*",
        InvokedViaFunctionUrl: true,
      }),
    );
  }
  return calls;
}

/**
 * One line per call, as `--dry-run` prints them: the zip as its size and hash, environment
 * variables by name only (their values may be secrets).
 */
export function describeCall(call: Call, sha256: string, layerSha256?: string): string {
  const zipSha = call.action === "PublishLayerVersion" ||
      (call.action === "PutObject" && String(call.input.Key).startsWith("gopherless-layers/"))
    ? layerSha256
    : sha256;
  const shown = JSON.stringify(call.input, (k, v) => {
    if (k === "Environment") return redactEnvironment(v);
    if (v instanceof Uint8Array) return `<zip: ${v.length} bytes, sha256 ${zipSha}>`;
    if (v && typeof v === "object" && "ref" in v && Object.keys(v).length === 1) {
      return `<${(v as Ref).ref} from above>`;
    }
    return v;
  });
  return `${call.service} ${call.action} ${shown}`;
}
