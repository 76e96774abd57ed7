/**
 * `GopherlessRuntimeLayer`: the runtime layer (`deno task build --layer`, docs/layer.md) of the
 * `GopherlessFunction`s built with `layer: true`, as one `lambda.LayerVersion` per stack and
 * architecture that every such function of the stack shares.
 *
 * - The layer is not built by itself: each function's build writes the same `layer.zip` (it
 *   holds nothing of any function), so the first function of a stack and architecture creates
 *   the layer from its build, and the others find it and check that their build names the same
 *   layer id.
 * - The asset's hash is made of the layer id alone (`AssetHashType.CUSTOM`), so every function's
 *   build maps to the same asset: the CDK stages it once (later builds find `asset.<hash>` and
 *   copy nothing), and it changes only with a new gopherless or Deno, exactly when the layer does.
 * - In a stack the CDK does not synthesize (`cdk deploy OtherStack`), its functions are not built
 *   and the layer stands in with the CDK's placeholder asset, as the functions do.
 *
 * @module
 */

import { AssetHashType, BundlingOutput, Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { archName, GopherlessBuildError, localOnlyImage } from "./local_build.ts";

/** A layer id as the build writes it: a Lambda layer name (it may name a file here too). */
const LAYER_ID = /^[A-Za-z0-9_-]{1,140}$/;

/**
 * The builds' layer zips, kept until their asset is staged: layer id → the zip's bytes. In memory
 * (about 40 MB a layer, one per architecture): a file would outlive a process that exits without
 * Node's `exit` event (a `deno test` run), and the build's own folder is gone by then.
 */
const keptZips = new Map<string, Uint8Array>();

/** Keeps the bytes of a build's `layer.zip` under its layer id (once per id), for the layer's asset. */
export function keepLayerZip(id: string, zip: string): void {
  if (!LAYER_ID.test(id)) {
    throw new GopherlessBuildError(`the build wrote a layer id Lambda would not take: ${id}`);
  }
  if (!keptZips.has(id)) keptZips.set(id, readFileSync(zip));
}

/** The description of the layer's versions: the layer id, as `deno task deploy --layer` writes it. */
function runtimeLayerDescription(id: string): string {
  return `gopherless runtime layer ${id}`;
}

/** The props of {@link GopherlessRuntimeLayer}. */
export interface GopherlessRuntimeLayerProps {
  /** The architecture the layer's Deno is built for. */
  readonly architecture: lambda.Architecture;
  /**
   * The layer id the functions' builds wrote (`artifacts[].layer.id` of `build.json`), whose
   * `layer.zip` {@link keepLayerZip} kept; absent when the stack's functions were not built.
   */
  readonly layerId?: string;
  /**
   * A folder the asset names as its source. The CDK only checks that it exists: the asset is the
   * kept `layer.zip`, and its hash is the layer id's.
   */
  readonly sourceDir: string;
}

function constructId(arch: lambda.Architecture): string {
  return archName(arch) === "arm64" ? "GopherlessRuntimeLayerArm64" : "GopherlessRuntimeLayerX8664";
}

/**
 * The runtime layer of gopherless's `layer: true` functions in one stack for one architecture:
 * `/opt/bootstrap` (the launcher), the Deno binary, compatible with `provided.al2023`. Made by
 * {@link GopherlessRuntimeLayer.forBuild} from the first function's build; find it with
 * {@link GopherlessRuntimeLayer.of}.
 */
export class GopherlessRuntimeLayer extends lambda.LayerVersion {
  /**
   * The stack's runtime layer for `architecture`, when a `layer: true` function of that
   * architecture made one; else `undefined`.
   */
  static of(
    scope: Construct,
    architecture: lambda.Architecture,
  ): GopherlessRuntimeLayer | undefined {
    const found = Stack.of(scope).node.tryFindChild(constructId(architecture));
    return found instanceof GopherlessRuntimeLayer ? found : undefined;
  }

  /**
   * The stack's runtime layer for `props.architecture`, created the first time. A function built
   * for another layer id than the stack's (another Deno, through `bundling.denoVersion`, or
   * another gopherless) fails with {@link GopherlessBuildError}: the layer's launcher would refuse
   * it at every cold start.
   */
  static forBuild(scope: Construct, props: GopherlessRuntimeLayerProps): GopherlessRuntimeLayer {
    const found = GopherlessRuntimeLayer.of(scope, props.architecture);
    if (found === undefined) {
      return new GopherlessRuntimeLayer(Stack.of(scope), constructId(props.architecture), props);
    }
    if (props.layerId !== undefined && found.layerId !== props.layerId) {
      throw new GopherlessBuildError(
        `${scope.node.path} was built for the gopherless runtime layer ${props.layerId}, but ` +
          `the stack's ${archName(props.architecture)} layer is ${found.layerId}: every ` +
          `layer: true function of a stack and architecture shares one layer, so build them ` +
          `with the same Deno (bundling.denoVersion) and gopherless`,
      );
    }
    return found;
  }

  /** The layer's id (its build's); `undefined` in a stack the CDK does not synthesize. */
  readonly layerId?: string;
  /** The architecture of the layer's Deno. */
  readonly architecture: lambda.Architecture;

  /** Defines the layer from the kept `layer.zip` of `props.layerId`. */
  constructor(scope: Construct, id: string, props: GopherlessRuntimeLayerProps) {
    const arch = archName(props.architecture);
    const layerId = props.layerId;
    if (layerId !== undefined && !keptZips.has(layerId)) {
      throw new GopherlessBuildError(`no build wrote the gopherless runtime layer ${layerId}`);
    }
    super(scope, id, {
      description: layerId === undefined
        ? "gopherless runtime layer (not built: its stack was not synthesized)"
        : runtimeLayerDescription(layerId),
      compatibleRuntimes: [lambda.Runtime.PROVIDED_AL2023],
      compatibleArchitectures: [props.architecture],
      code: lambda.Code.fromAsset(props.sourceDir, {
        assetHashType: AssetHashType.CUSTOM,
        assetHash: layerId ?? `gopherless-runtime-layer-${arch}`,
        bundling: {
          image: localOnlyImage(),
          // Constant, and part of the asset's hash: the layer id alone tells one layer from
          // another.
          command: ["gopherless-runtime-layer", arch],
          outputType: BundlingOutput.ARCHIVED,
          local: {
            tryBundle(outputDir: string): boolean {
              const zip = layerId === undefined ? undefined : keptZips.get(layerId);
              if (zip === undefined) {
                throw new GopherlessBuildError(`no build wrote the runtime layer ${layerId}`);
              }
              writeFileSync(join(outputDir, "layer.zip"), zip);
              return true;
            },
          },
        },
      }),
    });
    this.layerId = layerId;
    this.architecture = props.architecture;
  }
}
