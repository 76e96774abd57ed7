/**
 * What the CDK constructs share about building on the synthesizing machine: the error they throw
 * when gopherless cannot build, the one mapping from the CDK's `Architecture` to gopherless's
 * architecture names, and the Docker image they name but never pull.
 *
 * @module
 */

import { DockerImage } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";

/** A build that could not run or failed; the message says why. */
export class GopherlessBuildError extends Error {
  /** Always `"GopherlessBuildError"`. */
  override name = "GopherlessBuildError";
}

/** The architectures gopherless builds for, as `deno task build --arch` names them. */
export type GopherlessArch = "x86_64" | "arm64";

/** The gopherless name of a Lambda architecture; any other fails with {@link GopherlessBuildError}. */
export function archName(arch: lambda.Architecture): GopherlessArch {
  if (arch.name === "x86_64" || arch.name === "arm64") return arch.name;
  throw new GopherlessBuildError(`gopherless builds for x86_64 and arm64, not ${arch.name}`);
}

/**
 * The image the assets' bundling options name. Never pulled: their local bundling either
 * succeeds or throws, so the CDK has no reason to try Docker.
 */
export function localOnlyImage(): DockerImage {
  return DockerImage.fromRegistry("gopherless-builds-locally-without-docker");
}
