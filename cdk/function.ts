/**
 * `GopherlessFunction`: a Lambda function written in TypeScript, built by gopherless's own build
 * (`deno task build`: the same bundling, start-up cache and V8 flags) when the CDK app is
 * synthesized, and deployed on `provided.al2023` with the handler `bootstrap`.
 *
 * - No Docker: the build runs on the synthesizing machine through the CDK's local bundling
 *   (`tryBundle`), with Deno found as `deno.ts` says (the Deno running the app, else the `deno`
 *   npm package). A build that fails fails the synth with the build's own message; the CDK never
 *   falls back to a Docker image.
 * - The asset is the build's `bootstrap.zip`, uploaded as is (the CDK's `ARCHIVED` output), and
 *   its hash is the hash of that output (`AssetHashType.OUTPUT`): gopherless's packages are
 *   byte-for-byte reproducible, so an unchanged function keeps its hash and `cdk deploy` leaves it
 *   alone, and the zip deployed is the zip `deno task build` makes.
 * - Only the stacks being synthesized build their functions (the CDK skips the bundling of the
 *   others, as it does for `NodejsFunction`).
 *
 * The module imports `aws-cdk-lib` and `constructs` by those bare names: on npm they are peer
 * dependencies, and a Deno app maps them in its `deno.json`, so the app and the construct share
 * one copy of each (two copies of `constructs` would not accept each other's scopes).
 *
 * @module
 */

import { AssetHashType, BundlingOutput, Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { BUILD_CLI } from "./build_cli.ts";
import { findDeno } from "./deno.ts";
import { archName, GopherlessBuildError, localOnlyImage } from "./local_build.ts";
import { GopherlessRuntimeLayer, keepLayerZip } from "./runtime_layer.ts";

export { GopherlessBuildError } from "./local_build.ts";

/** How the function is packaged: as `deno task build --runtime` takes it. */
export type GopherlessRuntimeMode = "deno" | "compiled";

/** Options of the build that are not the function's configuration. */
export interface GopherlessBuildOptions {
  /** Type-check the entry first (`deno check`). Default `true`. */
  readonly typeCheck?: boolean;
  /** `runtimeMode: "deno"`: the Deno version shipped. Default: that of the Deno that builds. */
  readonly denoVersion?: string;
  /** `runtimeMode: "deno"`: ship Deno's start-up cache. Default `true`. */
  readonly startCache?: boolean;
  /** The cache directory for Deno binaries (`--cache-dir`). Default gopherless's. */
  readonly cacheDir?: string;
  /** The Deno executable that runs the build. Default: found as `cdk/deno.ts` says. */
  readonly deno?: string;
}

/** The props of {@link GopherlessFunction}: `lambda.FunctionProps` but what it sets itself. */
export interface GopherlessFunctionProps
  extends Omit<lambda.FunctionProps, "code" | "handler" | "runtime"> {
  /**
   * The handler module: a path (relative to the current directory, as the CDK's `entry` props
   * are) to a module that calls `start(handler)` from gopherless when it is the main module.
   */
  readonly entry: string;
  /**
   * `deno` (default): the Deno binary, a launcher and the bundled handler with its start-up
   * cache; `compiled`: one `deno compile`d binary (needs `denort`; see `deno task build --help`).
   */
  readonly runtimeMode?: GopherlessRuntimeMode;
  /** How to build; see {@link GopherlessBuildOptions}. */
  readonly bundling?: GopherlessBuildOptions;
  /**
   * `true`: deploy the function's own code only (`deno task build --layer`'s `function.zip`, a
   * few hundred KB) on the stack's {@link GopherlessRuntimeLayer} for its architecture (the
   * launcher as `/opt/bootstrap` and the Deno binary), one `LayerVersion` shared by every
   * `layer: true` function of the stack and architecture. Needs `runtimeMode: "deno"`. Default
   * `false`: one zip with everything (`bootstrap.zip`).
   */
  readonly layer?: boolean;
}

/** What {@link gopherlessCode} builds. */
export interface GopherlessCodeOptions extends GopherlessBuildOptions {
  /** The handler module (a path). */
  readonly entry: string;
  /** The packaging. Default `deno`. */
  readonly runtimeMode?: GopherlessRuntimeMode;
  /** Lambda's architecture. Default `x86_64`. */
  readonly architecture?: lambda.Architecture;
  /**
   * The function's memory size (MB), passed to the build (`--memory`): `runtimeMode: "compiled"`
   * bakes V8's heap limits for it into the binary; `deno` ships the start-up cache made under the
   * V8 flags its launcher passes at that size (up to 512 MB, Maglev as the top tier; above, every
   * tier). Default 128, Lambda's.
   */
  readonly memorySize?: number;
}

/**
 * The `deno task build` arguments for these options (after the entry); `layer`: the package split
 * into the runtime layer and the function's own zip (`--layer`, `runtimeMode: "deno"` only).
 */
export function buildArgs(options: GopherlessCodeOptions, out: string, layer = false): string[] {
  const mode = options.runtimeMode ?? "deno";
  if (layer && mode !== "deno") {
    throw new GopherlessBuildError(
      `the runtime layer holds the Deno binary: layer needs runtimeMode "deno", not ${mode}`,
    );
  }
  const args = [
    "--runtime",
    mode,
    "--arch",
    archName(options.architecture ?? lambda.Architecture.X86_64),
    "--out",
    out,
  ];
  if (options.typeCheck === false) args.push("--no-check");
  if (options.cacheDir !== undefined) args.push("--cache-dir", resolve(options.cacheDir));
  args.push("--memory", String(options.memorySize ?? 128));
  if (mode === "deno") {
    if (options.denoVersion !== undefined) args.push("--deno-version", options.denoVersion);
    if (options.startCache === false) args.push("--no-start-cache");
    if (layer) args.push("--layer");
  }
  return args;
}

function cliPath(): string {
  return BUILD_CLI.protocol === "file:" ? fileURLToPath(BUILD_CLI) : BUILD_CLI.href;
}

/**
 * The fields of the build's report (`<out>/build.json`, `BuildReport` in `packaging/build.ts`)
 * the construct reads: per architecture, the zip to deploy as the function's code and, for a
 * `--layer` build, the runtime layer it goes with.
 */
interface BuildJson {
  artifacts: { arch: string; zip: string; layer?: { id: string; zip: string } }[];
}

/** The artifact of `arch` in the build's report; a report without one fails the synth. */
function builtArtifact(out: string, arch: string): BuildJson["artifacts"][number] {
  let report: BuildJson;
  try {
    report = JSON.parse(readFileSync(join(out, "build.json"), "utf8"));
  } catch (e) {
    throw new GopherlessBuildError(`the build wrote no readable build.json: ${e}`);
  }
  const artifact = report.artifacts?.find((a) => a.arch === arch);
  if (artifact === undefined || typeof artifact.zip !== "string") {
    throw new GopherlessBuildError(`the build's build.json lists no ${arch} package`);
  }
  return artifact;
}

/**
 * Runs the build into a temporary folder and copies the zip to deploy into `outputDir`
 * (`bootstrap.zip`, or with `layer` the function's own `function.zip`, whose `layer.zip` is kept
 * for the layer's asset). Returns the layer id of a `layer` build.
 */
function runBuild(
  entry: string,
  options: GopherlessCodeOptions,
  outputDir: string,
  layer: boolean,
): string | undefined {
  const deno = findDeno(options.deno);
  const arch = archName(options.architecture ?? lambda.Architecture.X86_64);
  const work = mkdtempSync(join(tmpdir(), "gopherless-cdk-"));
  try {
    const args = [
      ...deno.args,
      "run",
      "-A",
      // The build's own modules import nothing a config maps; the app's deno.json and lockfile
      // are the entry's business, which the build finds from the entry itself.
      "--no-config",
      cliPath(),
      entry,
      ...buildArgs(options, work, layer),
    ];
    const r = spawnSync(deno.command, args, {
      cwd: dirname(entry),
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      encoding: "utf8",
    });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    process.stderr.write(output);
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : `exit status ${r.status ?? r.signal}`;
      throw new GopherlessBuildError(
        `the gopherless build of ${entry} failed (${why}; Deno from ${deno.source}):\n` +
          output.trim().split("\n").slice(-15).join("\n"),
      );
    }
    const artifact = builtArtifact(work, arch);
    copyFileSync(artifact.zip, join(outputDir, basename(artifact.zip)));
    if (!layer) return undefined;
    if (artifact.layer === undefined) {
      throw new GopherlessBuildError(`the --layer build of ${entry} wrote no runtime layer`);
    }
    keepLayerZip(artifact.layer.id, artifact.layer.zip);
    return artifact.layer.id;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The layer id each `layer` build of this process wrote, by the build's command: a function
 * whose build the CDK did not run again (its asset deduplicated with an earlier one of the same
 * entry and options) finds its layer here.
 */
const layerOfBuild = new Map<string, string>();

function validate(options: GopherlessCodeOptions): string {
  const entry = resolve(options.entry);
  if (!existsSync(entry) || !statSync(entry).isFile()) {
    throw new GopherlessBuildError(`entry module not found: ${options.entry} (${entry})`);
  }
  const mode = options.runtimeMode ?? "deno";
  if (mode !== "deno" && mode !== "compiled") {
    throw new GopherlessBuildError(`runtimeMode must be "deno" or "compiled", not ${String(mode)}`);
  }
  const memory = options.memorySize;
  if (memory !== undefined && (!Number.isInteger(memory) || memory < 128 || memory > 10240)) {
    throw new GopherlessBuildError(`memorySize is Lambda's, 128–10240 MB, not ${memory}`);
  }
  return entry;
}

/** The asset of a build of `options` (`layer`: the function's own zip) and its build's key. */
function buildAsset(
  options: GopherlessCodeOptions,
  layer: boolean,
): { code: lambda.AssetCode; key: string } {
  const entry = validate(options);
  // What the build runs with; it also keys the CDK's bundling cache, so two functions with one
  // folder but different entries or options are two builds.
  const command = ["deno", "task", "build", entry, ...buildArgs(options, "<out>", layer)];
  const key = JSON.stringify(command);
  const code = lambda.Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: localOnlyImage(),
      command,
      outputType: BundlingOutput.ARCHIVED,
      local: {
        tryBundle(outputDir: string): boolean {
          const id = runBuild(entry, options, outputDir, layer);
          if (id !== undefined) layerOfBuild.set(key, id);
          return true;
        },
      },
    },
  });
  return { code, key };
}

/**
 * A `lambda.Code` holding gopherless's build of `options.entry`: its `bootstrap.zip`, built at
 * synth time, hashed by its content. {@link GopherlessFunction} uses it; use it directly for
 * another construct that takes a `Code` (with `provided.al2023` and the handler `bootstrap`).
 */
export function gopherlessCode(options: GopherlessCodeOptions): lambda.AssetCode {
  return buildAsset(options, false).code;
}

/**
 * A Lambda function from a TypeScript handler module, built by gopherless at synth time;
 * `provided.al2023`, handler `bootstrap`. With `layer: true`, its asset is only its own code
 * (`function.zip`) and the runtime (the launcher and Deno) comes from the stack's
 * {@link GopherlessRuntimeLayer} for its architecture, shared by every such function.
 *
 * @example
 * ```ts ignore
 * import { App, Stack } from "aws-cdk-lib";
 * import { Architecture, FunctionUrlAuthType } from "aws-cdk-lib/aws-lambda";
 * import { GopherlessFunction } from "gopherless/cdk";
 *
 * const app = new App();
 * const stack = new Stack(app, "Hello");
 * const fn = new GopherlessFunction(stack, "Api", {
 *   entry: "functions/api.ts",
 *   architecture: Architecture.ARM_64,
 *   memorySize: 256,
 *   layer: true,
 * });
 * fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
 * app.synth();
 * ```
 */
export class GopherlessFunction extends lambda.Function {
  /** The handler module, as an absolute path. */
  readonly entry: string;
  /** The packaging. */
  readonly runtimeMode: GopherlessRuntimeMode;
  /** `layer: true`: the stack's runtime layer the function runs on. */
  readonly runtimeLayer?: GopherlessRuntimeLayer;

  /** Builds `props.entry` (at synth) and defines the function. */
  constructor(scope: Construct, id: string, props: GopherlessFunctionProps) {
    const given = props as GopherlessFunctionProps & Record<string, unknown>;
    for (const key of ["code", "handler", "runtime"]) {
      if (given[key] !== undefined) {
        throw new GopherlessBuildError(
          `GopherlessFunction sets ${key} itself (provided.al2023, handler bootstrap, the ` +
            `built package); leave it out`,
        );
      }
    }
    const { entry, runtimeMode, bundling, layer, ...functionProps } = props;
    const architecture = props.architecture ?? lambda.Architecture.X86_64;
    const asset = buildAsset({
      ...bundling,
      entry,
      runtimeMode,
      architecture,
      memorySize: props.memorySize,
    }, layer === true);
    super(scope, id, {
      ...functionProps,
      architecture,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      // With the layer, Lambda runs /opt/bootstrap (the function's zip has none).
      handler: "bootstrap",
      code: asset.code,
    });
    this.entry = resolve(entry);
    this.runtimeMode = runtimeMode ?? "deno";
    if (layer === true) {
      // The code is bound (built) by now, unless the CDK skips this stack's bundling.
      const layerId = layerOfBuild.get(asset.key);
      if (layerId === undefined && Stack.of(this).bundlingRequired) {
        throw new GopherlessBuildError(`the --layer build of ${entry} reported no runtime layer`);
      }
      this.runtimeLayer = GopherlessRuntimeLayer.forBuild(this, {
        architecture,
        layerId,
        sourceDir: dirname(this.entry),
      });
      this.addLayers(this.runtimeLayer);
    }
  }
}
