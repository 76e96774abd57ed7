/**
 * `deploy` from start to end: connect, read what exists, build or read the package and check it,
 * plan, then print the plan (`dryRun`) or run it.
 *
 * @module
 */

import type { Arch } from "../../packaging/mod.ts";
import type { DeployOptions } from "./args.ts";
import { connect, partitionOf } from "./aws.ts";
import { DeployError } from "./errors.ts";
import { aliasExists, getFunction, getRoleArn, getUrl, runPlan } from "./execute.ts";
import { buildPackage, type DeployPackage, overDirectUpload, readPackage } from "./package.ts";
import { type Call, defaultRoleName, describeCall, type Facts, planDeploy } from "./plan.ts";

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
  const clients = await connect(options);
  try {
    const fnName = options.functionName;
    const fn = await getFunction(clients, fnName);
    if (fn && options.arch && options.arch !== fn.arch) {
      throw new DeployError(
        `the function ${fnName} is ${fn.arch}, not ${options.arch}: drop --arch to deploy for ` +
          `${fn.arch}, or switch the function itself first (aws lambda update-function-code ` +
          `--architectures ${options.arch} …)`,
      );
    }
    let pkg: DeployPackage;
    let arch: Arch;
    if (options.zip) {
      pkg = await readPackage(options.zip);
      arch = options.arch ?? fn?.arch ?? pkg.arch ?? "x86_64";
      if (pkg.arch && pkg.arch !== arch) {
        const whose = fn ? `the function ${fnName} is` : "--arch says";
        throw new DeployError(
          `${options.zip} holds an ${pkg.arch} binary but ${whose} ${arch}: rebuild with ` +
            `deno task build --arch ${arch}${fn ? "" : `, or pass --arch ${pkg.arch}`}`,
        );
      }
    } else {
      arch = options.arch ?? fn?.arch ?? "x86_64";
      pkg = await buildPackage({
        entry: options.entry!,
        arch,
        runtime: options.runtime,
        out: options.out,
        log,
      });
    }
    if (overDirectUpload(pkg) && !options.s3Bucket) {
      throw new DeployError(
        `${pkg.path} is ${mb(pkg.bytes.length)}, over Lambda's 50 MB limit for a direct upload: ` +
          "upload it through S3 with --s3-bucket BUCKET (a bucket in the function's region)",
      );
    }
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
    if (fn && options.alias) facts.aliasExists = await aliasExists(clients, fnName, options.alias);
    if (fn && options.url && (!options.alias || facts.aliasExists)) {
      facts.url = await getUrl(clients, fnName, options.alias);
    }
    const calls = planDeploy(options, facts);
    const report: DeployReport = {
      functionName: fnName,
      arch,
      codeSha256: pkg.sha256,
      codeSize: pkg.bytes.length,
      created: !fn,
      calls,
      url: facts.url?.url,
    };
    if (options.dryRun) return report;
    const ran = await runPlan(clients, calls, {
      roleWaitMs: options.roleWaitSeconds * 1000,
      log,
    });
    const after = await getFunction(clients, fnName);
    if (after?.codeSha256 !== pkg.sha256) {
      throw new DeployError(
        `Lambda reports code ${after?.codeSha256} for ${fnName}, not the package's ${pkg.sha256}`,
      );
    }
    return {
      ...report,
      functionArn: after.arn ?? ran.functionArn,
      roleArn: ran.roleArn,
      version: ran.version,
      url: ran.url ?? report.url,
    };
  } finally {
    clients.close();
  }
}

/** The lines a dry run prints: one per call. */
export function describePlan(report: DeployReport): string[] {
  return report.calls.map((c) => describeCall(c, report.codeSha256));
}
