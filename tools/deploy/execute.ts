/**
 * Talks to AWS for `deploy`: reads what exists ({@link readFacts}) and runs a plan's calls in
 * order ({@link runPlan}), resolving the values earlier calls produced, retrying while Lambda
 * cannot assume a freshly created role yet (IAM is eventually consistent: AWS advises retrying
 * with back-off), and waiting with Lambda's waiters until each change is in effect.
 *
 * @module
 */

import { iam as IAM, lambda as Lambda, s3 as S3 } from "./sdk.ts";
import type { Arch } from "../../packaging/mod.ts";
import type { Clients } from "./aws.ts";
import { DeployError } from "./errors.ts";
import type { Call, ExistingFunction, ExistingUrl, Ref } from "./plan.ts";
import type { InvokeMode, UrlAuth } from "./args.ts";

/** What a run of the plan produced. */
export interface RunResult {
  /** The function's ARN. */
  functionArn?: string;
  /** The role created, when one was. */
  roleArn?: string;
  /** The version published, when one was. */
  version?: string;
  /** The Function URL, when created or updated. */
  url?: string;
  /** The runtime layer version published, when one was. */
  layerArn?: string;
}

/** An AWS error's name (`ResourceNotFoundException`, `NoSuchEntityException`, …). */
function errorName(e: unknown): string {
  return (e as { name?: string })?.name ?? "";
}

async function orUndefined<T>(p: Promise<T>, ...missing: string[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (missing.includes(errorName(e))) return undefined;
    throw e;
  }
}

/** The function named `name` as Lambda reports it, or `undefined` when there is none. */
export async function getFunction(
  clients: Clients,
  name: string,
): Promise<ExistingFunction | undefined> {
  const out = await orUndefined(
    clients.lambda.send(new Lambda.GetFunctionCommand({ FunctionName: name })),
    "ResourceNotFoundException",
  );
  const c = out?.Configuration;
  if (!c) return undefined;
  return {
    arn: c.FunctionArn,
    arch: (c.Architectures?.[0] ?? "x86_64") as Arch,
    codeSha256: c.CodeSha256,
    memoryMb: c.MemorySize,
    timeoutSeconds: c.Timeout,
    env: c.Environment?.Variables,
    role: c.Role,
    runtime: c.Runtime,
    handler: c.Handler,
    layers: c.Layers?.flatMap((l) => l.Arn ? [l.Arn] : []),
  };
}

/**
 * The ARN of the version of layer `name` that `description` names and whose zip has `sha256`,
 * or `undefined` when there is none (nor the layer).
 */
export async function findLayerVersion(
  clients: Clients,
  name: string,
  description: string,
  sha256: string,
): Promise<string | undefined> {
  let Marker: string | undefined;
  do {
    const out = await orUndefined(
      clients.lambda.send(new Lambda.ListLayerVersionsCommand({ LayerName: name, Marker })),
      "ResourceNotFoundException",
    );
    if (!out) return undefined;
    for (const v of out.LayerVersions ?? []) {
      if (v.Description !== description || !v.LayerVersionArn) continue;
      // ListLayerVersions does not report a version's content; GetLayerVersion does.
      const got = await clients.lambda.send(
        new Lambda.GetLayerVersionCommand({ LayerName: name, VersionNumber: v.Version }),
      );
      if (got.Content?.CodeSha256 === sha256) return v.LayerVersionArn;
    }
    Marker = out.NextMarker;
  } while (Marker);
  return undefined;
}

/** The ARN of the role named `name`, or `undefined` when there is none. */
export async function getRoleArn(clients: Clients, name: string): Promise<string | undefined> {
  const out = await orUndefined(
    clients.iam.send(new IAM.GetRoleCommand({ RoleName: name })),
    "NoSuchEntityException",
    "NoSuchEntity",
  );
  return out?.Role?.Arn;
}

/**
 * Whether the role of ARN `arn` exists (looked up by its name in the caller's account, the only
 * one whose roles Lambda may be given), or `undefined` when IAM does not let the caller look.
 */
export async function roleExists(clients: Clients, arn: string): Promise<boolean | undefined> {
  try {
    await clients.iam.send(
      new IAM.GetRoleCommand({ RoleName: arn.slice(arn.lastIndexOf("/") + 1) }),
    );
    return true;
  } catch (e) {
    const name = errorName(e);
    if (name === "NoSuchEntityException" || name === "NoSuchEntity") return false;
    if (name === "AccessDenied" || name === "AccessDeniedException") return undefined;
    throw e;
  }
}

/** Whether the function has the alias. */
export async function aliasExists(
  clients: Clients,
  functionName: string,
  alias: string,
): Promise<boolean> {
  const out = await orUndefined(
    clients.lambda.send(new Lambda.GetAliasCommand({ FunctionName: functionName, Name: alias })),
    "ResourceNotFoundException",
  );
  return out !== undefined;
}

/** The Function URL of the function (or of its alias), or `undefined` when there is none. */
export async function getUrl(
  clients: Clients,
  functionName: string,
  qualifier?: string,
): Promise<ExistingUrl | undefined> {
  const out = await orUndefined(
    clients.lambda.send(
      new Lambda.GetFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: qualifier }),
    ),
    "ResourceNotFoundException",
  );
  if (!out?.FunctionUrl) return undefined;
  return {
    url: out.FunctionUrl,
    authType: out.AuthType as UrlAuth,
    invokeMode: (out.InvokeMode ?? "BUFFERED") as InvokeMode,
  };
}

const ROLE_NOT_READY = /cannot be assumed by Lambda/i;

/** Options of {@link runPlan}. */
export interface RunOptions {
  /** How long to retry while the role cannot be assumed yet (ms). */
  roleWaitMs: number;
  /** How long each waiter may wait (s). Default 300. */
  maxWaitSeconds?: number;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Runs `calls` in order; see the module docs. */
export async function runPlan(
  clients: Clients,
  calls: Call[],
  options: RunOptions,
): Promise<RunResult> {
  const result: RunResult = {};
  for (const call of calls) {
    const run = EXECUTORS[call.action];
    if (!run) throw new Error(`no executor for ${call.service} ${call.action}`);
    // The plan's inputs are the API's own shapes (plan.ts), checked by its tests against the API.
    const input = resolveRefs(call.input, result) as never;
    options.log(`${call.service} ${call.action}`);
    Object.assign(result, await run(clients, input, options));
  }
  return result;
}

/** `v` with each {@link Ref} replaced by the value an earlier call produced. */
function resolveRefs(v: unknown, result: RunResult): unknown {
  if (v instanceof Uint8Array || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => resolveRefs(x, result));
  if ("ref" in v && Object.keys(v).length === 1) {
    const name = (v as Ref).ref;
    const value = result[name];
    if (value === undefined) throw new Error(`the plan uses ${name} before it is known`);
    return value;
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x, result)]));
}

/** Runs one call of the plan; resolves what it produced for later calls and the report. */
type Executor = (
  clients: Clients,
  input: never,
  options: RunOptions,
) => Promise<Partial<RunResult> | void>;

const waiter = (clients: Clients, options: RunOptions) => ({
  client: clients.lambda,
  maxWaitTime: options.maxWaitSeconds ?? 300,
});

/** One executor per action a plan may hold (`plan.ts`). */
const EXECUTORS: Record<string, Executor> = {
  PublishLayerVersion: async (c, input) => ({
    layerArn: (await c.lambda.send(new Lambda.PublishLayerVersionCommand(input))).LayerVersionArn,
  }),
  PutObject: async (c, input) => {
    await c.s3.send(new S3.PutObjectCommand(input));
  },
  CreateRole: async (c, input) => ({
    roleArn: (await c.iam.send(new IAM.CreateRoleCommand(input))).Role?.Arn,
  }),
  AttachRolePolicy: async (c, input) => {
    await c.iam.send(new IAM.AttachRolePolicyCommand(input));
  },
  CreateFunction: async (c, input: Lambda.CreateFunctionCommandInput, o) => ({
    functionArn: (await whileRoleNotReady(
      () => c.lambda.send(new Lambda.CreateFunctionCommand(input)),
      input.Role ?? "",
      o,
    )).FunctionArn,
  }),
  UpdateFunctionCode: async (c, input) => ({
    functionArn: (await c.lambda.send(new Lambda.UpdateFunctionCodeCommand(input))).FunctionArn,
  }),
  UpdateFunctionConfiguration: async (
    c,
    input: Lambda.UpdateFunctionConfigurationCommandInput,
    o,
  ) => ({
    functionArn: (await whileRoleNotReady(
      () => c.lambda.send(new Lambda.UpdateFunctionConfigurationCommand(input)),
      input.Role ?? "",
      o,
    )).FunctionArn,
  }),
  PublishVersion: async (c, input) => ({
    version: (await c.lambda.send(new Lambda.PublishVersionCommand(input))).Version,
  }),
  CreateAlias: async (c, input) => {
    await c.lambda.send(new Lambda.CreateAliasCommand(input));
  },
  UpdateAlias: async (c, input) => {
    await c.lambda.send(new Lambda.UpdateAliasCommand(input));
  },
  CreateFunctionUrlConfig: async (c, input) => ({
    url: (await c.lambda.send(new Lambda.CreateFunctionUrlConfigCommand(input))).FunctionUrl,
  }),
  UpdateFunctionUrlConfig: async (c, input) => ({
    url: (await c.lambda.send(new Lambda.UpdateFunctionUrlConfigCommand(input))).FunctionUrl,
  }),
  AddPermission: async (c, input) => {
    try {
      await c.lambda.send(new Lambda.AddPermissionCommand(input));
    } catch (e) {
      // The statement is already there (from an earlier deploy): nothing to add.
      if (errorName(e) !== "ResourceConflictException") throw e;
    }
  },
  waitUntilFunctionActiveV2: async (c, input, o) => {
    await Lambda.waitUntilFunctionActiveV2(waiter(c, o), input);
  },
  waitUntilFunctionUpdatedV2: async (c, input, o) => {
    await Lambda.waitUntilFunctionUpdatedV2(waiter(c, o), input);
  },
  waitUntilPublishedVersionActive: async (c, input, o) => {
    await Lambda.waitUntilPublishedVersionActive(waiter(c, o), input);
  },
};

/**
 * Runs `f`, retrying with exponential back-off (1 s doubling, at most 10 s apart) for as long as
 * Lambda answers that it cannot assume `role`, up to `options.roleWaitMs`.
 */
export async function whileRoleNotReady<T>(
  f: () => Promise<T>,
  role: string,
  options: Pick<RunOptions, "roleWaitMs" | "log">,
): Promise<T> {
  const t0 = Date.now();
  let delay = 1000;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (errorName(e) !== "InvalidParameterValueException" || !ROLE_NOT_READY.test(String(e))) {
        throw e;
      }
      const waited = Date.now() - t0;
      if (waited + delay > options.roleWaitMs) {
        throw new DeployError(
          `Lambda cannot assume the role ${role} (still after ${
            Math.round(waited / 1000)
          } s): a new role takes a few seconds to become usable (raise --role-wait); ` +
            "otherwise check that it exists and that its trust policy lets " +
            "lambda.amazonaws.com call sts:AssumeRole",
        );
      }
      options.log(
        `the role is not assumable by Lambda yet (IAM propagates changes with a delay); ` +
          `retrying in ${delay / 1000} s`,
      );
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
