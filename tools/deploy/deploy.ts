/**
 * `deploy` from start to end: connect, read what exists, build or read the package and check it,
 * plan, then print the plan (`dryRun`) or run it.
 *
 * @module
 */

import { type Arch, ZIP_DIRECT_UPLOAD_LIMIT } from "../../packaging/mod.ts";
import type { DeployOptions } from "./args.ts";
import { type Clients, connect, partitionOf } from "./aws.ts";
import { functionEnvironment } from "./environment.ts";
import { DeployError } from "./errors.ts";
import {
  aliasExists,
  findLayerVersion,
  getFunction,
  getRoleArn,
  getUrl,
  roleExists,
  runPlan,
} from "./execute.ts";
import { buildPackage, type DeployPackage, overDirectUpload, readPackage } from "./package.ts";
import {
  type Call,
  defaultLayerName,
  defaultRoleName,
  describeCall,
  type ExistingFunction,
  type Facts,
  layerDescription,
  planDeploy,
} from "./plan.ts";

/** What {@link deploy} did (or, with `dryRun`, would do). */
export interface DeployReport {
  /** The function's name. */
  functionName: string;
  /** The architecture deployed. */
  arch: Arch;
  /** The package's base64 SHA-256 (Lambda's `CodeSha256`). */
  codeSha256: string;
  /** The package's size in bytes. */
  codeSize: number;
  /** Whether the function was created (not updated). */
  created: boolean;
  /** The calls of the plan, in order. */
  calls: Call[];
  /** The function's ARN (not on a dry run). */
  functionArn?: string;
  /** The execution role created, when one was. */
  roleArn?: string;
  /** The version published. */
  version?: string;
  /** The Function URL, when `url` was asked for. */
  url?: string;
  /**
   * `--layer`: the runtime layer: its id, its zip's hash and size, the version used (not on a dry
   * run when it is to be published), and whether this deploy published it.
   */
  layer?: { id: string; sha256: string; size: number; versionArn?: string; published: boolean };
}

/** Options of {@link deploy} besides the command line's. */
export interface DeployHooks {
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Deploys as `options` say; see the module docs. Throws {@link DeployError} for user errors. */
export async function deploy(
  options: DeployOptions,
  hooks: DeployHooks = {},
): Promise<DeployReport> {
  const log = hooks.log ?? ((line: string) => console.error(line));
  // The variables first: a missing file or name fails before anything is read or built.
  options = { ...options, env: await functionEnvironment(options) };
  const clients = await connect(options);
  try {
    const fn = await getFunction(clients, options.functionName);
    if (options.role && options.role !== fn?.role) await checkRole(clients, options.role);
    const { pkg, arch } = await takePackage(options, fn, log);
    const facts = await gatherFacts(clients, options, fn, pkg, arch);
    const calls = planDeploy(options, facts);
    const report: DeployReport = {
      functionName: options.functionName,
      arch,
      codeSha256: pkg.sha256,
      codeSize: pkg.bytes.length,
      created: !fn,
      calls,
      url: facts.url?.url,
    };
    if (facts.layer) {
      report.layer = {
        id: facts.layer.id,
        sha256: facts.layer.sha256,
        size: facts.layer.zip.length,
        versionArn: facts.layer.versionArn,
        published: facts.layer.versionArn === undefined,
      };
      log(
        facts.layer.versionArn
          ? `layer ${facts.layer.id}: published already (${facts.layer.versionArn})`
          : `layer ${facts.layer.id}: not published yet; publishing it (${
            mb(facts.layer.zip.length)
          })`,
      );
    }
    if (options.dryRun) return report;
    const ran = await runPlan(clients, calls, {
      roleWaitMs: options.roleWaitSeconds * 1000,
      log,
    });
    const after = await getFunction(clients, options.functionName);
    if (after?.codeSha256 !== pkg.sha256) {
      throw new DeployError(
        `Lambda reports code ${after?.codeSha256} for ${options.functionName}, not the ` +
          `package's ${pkg.sha256}`,
      );
    }
    return {
      ...report,
      functionArn: after.arn ?? ran.functionArn,
      roleArn: ran.roleArn,
      version: ran.version,
      url: ran.url ?? report.url,
      layer: report.layer &&
        { ...report.layer, versionArn: report.layer.versionArn ?? ran.layerArn },
    };
  } finally {
    clients.close();
  }
}

/**
 * Fails at once when `--role` names a role that does not exist (Lambda would answer only that it
 * cannot assume it, which is also what a role still propagating gets: `runPlan` retries that).
 */
async function checkRole(clients: Clients, role: string): Promise<void> {
  if (await roleExists(clients, role) !== false) return;
  const name = role.slice(role.lastIndexOf("/") + 1);
  throw new DeployError(
    `the role ${role} does not exist (IAM has no role named ${name}): create it first, or ` +
      "drop --role to have deploy create a basic execution role",
  );
}

/** The package to upload (`--zip`, or built from the entry) and the architecture it is for. */
async function takePackage(
  options: DeployOptions,
  fn: ExistingFunction | undefined,
  log: (line: string) => void,
): Promise<{ pkg: DeployPackage; arch: Arch }> {
  const fnName = options.functionName;
  if (fn && options.arch && options.arch !== fn.arch) {
    throw new DeployError(
      `the function ${fnName} is ${fn.arch}, not ${options.arch}: drop --arch to deploy for ` +
        `${fn.arch}, or switch the function itself first (aws lambda update-function-code ` +
        `--architectures ${options.arch} …)`,
    );
  }
  let pkg: DeployPackage;
  let arch: Arch;
  if (options.zip !== undefined) {
    pkg = await readPackage(options.zip);
    arch = options.arch ?? fn?.arch ?? pkg.arch ?? "x86_64";
    if (pkg.arch && pkg.arch !== arch) {
      const whose = fn ? `the function ${fnName} is` : "--arch says";
      throw new DeployError(
        `${options.zip} holds an ${pkg.arch} binary but ${whose} ${arch}: rebuild with ` +
          `deno task build --arch ${arch}${fn ? "" : `, or pass --arch ${pkg.arch}`}`,
      );
    }
  } else if (options.entry !== undefined) {
    arch = options.arch ?? fn?.arch ?? "x86_64";
    pkg = await buildPackage({
      entry: options.entry,
      arch,
      runtime: options.runtime,
      layer: options.layer,
      out: options.out,
      log,
      // The size the function will run with: the one asked for, else the function's own.
      memoryMb: options.memoryMb ?? fn?.memoryMb,
    });
  } else {
    throw new DeployError("nothing to deploy: give the entry module or a zip");
  }
  if (overDirectUpload(pkg) && !options.s3Bucket) {
    throw new DeployError(
      `${pkg.path} is ${mb(pkg.bytes.length)}, over Lambda's ` +
        `${ZIP_DIRECT_UPLOAD_LIMIT / 1024 / 1024} MB limit for a direct upload: ` +
        "upload it through S3 with --s3-bucket BUCKET (a bucket in the function's region)",
    );
  }
  return { pkg, arch };
}

/** What the plan is decided from: the package, and what exists of the role, alias and URL. */
async function gatherFacts(
  clients: Clients,
  options: DeployOptions,
  fn: ExistingFunction | undefined,
  pkg: DeployPackage,
  arch: Arch,
): Promise<Facts> {
  const fnName = options.functionName;
  const roleName = defaultRoleName(fnName);
  const facts: Facts = {
    fn,
    arch,
    zip: pkg.bytes,
    sha256: pkg.sha256,
    roleName,
    partition: partitionOf(clients.region),
    roleArn: options.role ?? (fn ? undefined : await getRoleArn(clients, roleName)),
  };
  if (pkg.layer) {
    const name = options.layerName ?? defaultLayerName(arch);
    facts.layer = {
      name,
      id: pkg.layer.id,
      zip: pkg.layer.bytes,
      sha256: pkg.layer.sha256,
      versionArn: await findLayerVersion(
        clients,
        name,
        layerDescription(pkg.layer.id),
        pkg.layer.sha256,
      ),
    };
    if (
      facts.layer.zip.length > ZIP_DIRECT_UPLOAD_LIMIT && !facts.layer.versionArn &&
      !options.s3Bucket
    ) {
      throw new DeployError(
        `the runtime layer ${pkg.layer.path} is ${mb(facts.layer.zip.length)}, over Lambda's ` +
          `${ZIP_DIRECT_UPLOAD_LIMIT / 1024 / 1024} MB limit for a direct upload: publish it ` +
          "through S3 with --s3-bucket BUCKET",
      );
    }
  }
  if (fn && options.alias) facts.aliasExists = await aliasExists(clients, fnName, options.alias);
  if (fn && options.url && (!options.alias || facts.aliasExists)) {
    facts.url = await getUrl(clients, fnName, options.alias);
  }
  return facts;
}

/** The lines a dry run prints: one per call. */
export function describePlan(report: DeployReport): string[] {
  return report.calls.map((c) => describeCall(c, report.codeSha256, report.layer?.sha256));
}
