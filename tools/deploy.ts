/**
 * `deno task deploy <entry> --function-name NAME [options]`: builds a handler module (or takes
 * `--zip`) and creates or updates the Lambda function through the Lambda API, with the AWS SDK
 * for JavaScript and its default credentials chain. `--help` lists the options.
 *
 * ```sh
 * deno task deploy examples/hello.ts --function-name hello --arch arm64
 * deno task deploy examples/stream.ts --function-name ticks --url --invoke-mode RESPONSE_STREAM
 * deno task deploy --zip dist/arm64/bootstrap.zip --function-name hello --alias live --dry-run
 * API_KEY=… deno task deploy main.ts --function-name api --env API_KEY --env-file prod.env
 * ```
 *
 * Environment values are treated as secrets: `deploy` prints names, never values (a dry run shows
 * `<redacted>`). `deno task` echoes its command line, so values go in `--env NAME` (read from this
 * environment) or `--env-file`, not in `--env NAME=VALUE`.
 *
 * Exit status: 0 deployed (or planned), 1 the deployment failed, 2 bad arguments.
 *
 * @module
 */

import { BuildError, DenortError } from "../packaging/mod.ts";
import { usageFailure } from "../ground/command_line.ts";
import { type DeployOptions, parseArgs, USAGE } from "./deploy/args.ts";
import { deploy, type DeployReport, describePlan } from "./deploy/deploy.ts";
import { DeployError, describeAwsError } from "./deploy/errors.ts";

export { type DeployOptions, parseArgs, USAGE, UsageError } from "./deploy/args.ts";
export { deploy, type DeployHooks, type DeployReport, describePlan } from "./deploy/deploy.ts";
export { DeployError } from "./deploy/errors.ts";
export type { Call } from "./deploy/plan.ts";

function summary(r: DeployReport): string {
  const lines = [
    `function  ${r.functionArn ?? r.functionName} (${r.created ? "created" : "updated"})`,
    `code      ${r.codeSize} bytes, sha256 ${r.codeSha256}, ${r.arch}`,
  ];
  if (r.roleArn) lines.push(`role      ${r.roleArn} (created)`);
  if (r.layer) {
    lines.push(
      `layer     ${r.layer.versionArn ?? r.layer.id} (${
        r.layer.published ? `published, ${r.layer.size} bytes` : "reused"
      })`,
    );
  }
  if (r.version) lines.push(`version   ${r.version}`);
  if (r.url) lines.push(`url       ${r.url}`);
  return lines.join("\n");
}

/** Runs the command line `args`; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let options: DeployOptions | { help: true };
  try {
    options = parseArgs(args);
  } catch (e) {
    return usageFailure(e, USAGE);
  }
  if ("help" in options) {
    console.log(USAGE);
    return 0;
  }
  try {
    const report = await deploy(options);
    if (options.dryRun) {
      console.log(`dry run: ${report.calls.length} call(s) would be made:`);
      for (const line of describePlan(report)) console.log(`  ${line}`);
    } else {
      console.log(summary(report));
    }
    return 0;
  } catch (e) {
    if (e instanceof DeployError || e instanceof BuildError || e instanceof DenortError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    const aws = describeAwsError(e, options.endpointUrl ?? "the AWS API");
    if (aws === undefined) throw e;
    console.error(`error: ${aws}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
