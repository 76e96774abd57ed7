/**
 * gopherless for the AWS CDK (aws-cdk-lib v2): {@link GopherlessFunction}, a Lambda function
 * from a TypeScript handler module, built by gopherless at synth time without Docker, deployed
 * on `provided.al2023`; with `layer: true`, only its own code, on the stack's
 * {@link GopherlessRuntimeLayer}.
 *
 * The module imports `aws-cdk-lib` and `constructs` by those bare names. From npm
 * (`@gopherless/gopherless/cdk`) they are peer dependencies; a Deno app maps them in its
 * `deno.json`, together with this module:
 *
 * ```json
 * {
 *   "imports": {
 *     "aws-cdk-lib": "npm:aws-cdk-lib@2.278.0",
 *     "constructs": "npm:constructs@10.8.1",
 *     "gopherless/cdk": "<gopherless>/cdk/mod.ts"
 *   }
 * }
 * ```
 *
 * See `docs/deploy-tools.md` for a whole app.
 *
 * @module
 */

export {
  buildArgs,
  GopherlessBuildError,
  type GopherlessBuildOptions,
  gopherlessCode,
  type GopherlessCodeOptions,
  GopherlessFunction,
  type GopherlessFunctionProps,
  type GopherlessRuntimeMode,
} from "./function.ts";
export { type DenoCommand, DenoNotFoundError, findDeno } from "./deno.ts";
export { type GopherlessArch } from "./local_build.ts";
export { GopherlessRuntimeLayer, type GopherlessRuntimeLayerProps } from "./runtime_layer.ts";
