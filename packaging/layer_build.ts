/**
 * The runtime layer's build (`deno task build --layer`, `layer.ts`): the layer (`layer.zip`: the
 * layer's launcher as `/opt/bootstrap`, the Deno binary, the mismatch report) and the function's
 * own zip (`function.zip`: the bundle, its start-up cache made by the layer's `deno`, and the
 * manifest naming the layer).
 *
 * @module
 */

import { bundle, BundleError } from "./bundle.ts";
import type { Arch } from "./targets.ts";
import { writeZipFile, type ZipEntry } from "./zip.ts";
import {
  codeProfile,
  FUNCTION_MANIFEST,
  functionManifest,
  LAYER_MISMATCH_SCRIPT,
  layerLauncherScript,
} from "./launcher.ts";
import { GOPHERLESS_VERSION, layerId } from "./layer.ts";
import {
  type Artifact,
  type BuildBase,
  BuildError,
  type BundledHandler,
  type DenoPlan,
  limitMb,
  mb,
  UNZIPPED_LIMIT,
  ZIP_DIRECT_UPLOAD_LIMIT,
} from "./build_types.ts";
import { denoEntry, shipHandler, startHelperEntry, writeFileMode } from "./deno_package.ts";

/** The layer's script that reports a function built for another layer, bundled. */
export async function bundleMismatchScript(plan: BuildBase): Promise<Uint8Array> {
  try {
    const b = await bundle(new URL("./layer_mismatch.ts", import.meta.url).pathname, {
      split: false,
    });
    return b.code;
  } catch (e) {
    if (e instanceof BundleError) throw new BuildError(e.message);
    throw e;
  } finally {
    plan.log("bundle the runtime layer's mismatch report");
  }
}

/**
 * `layer: true`: the runtime layer in `<dir>/layer` (`layer.zip`) and the function in
 * `<dir>/function` (`function.zip`), its start-up cache made by the layer's own Deno.
 */
export async function packageLayered(
  plan: DenoPlan,
  arch: Arch,
  dir: string,
  handler: BundledHandler,
  mismatch: Uint8Array,
): Promise<Artifact> {
  const layerDir = `${dir}/layer`;
  const fnDir = `${dir}/function`;
  await Deno.mkdir(layerDir, { recursive: true });
  await Deno.mkdir(fnDir, { recursive: true });
  const { deno, entry: denoZipEntry } = await denoEntry(plan, arch);
  const helper = startHelperEntry(arch);
  const id = await layerId({
    arch,
    denoVersion: plan.denoVersion,
    gopherlessVersion: GOPHERLESS_VERSION,
    deno: denoZipEntry.data,
    mismatch,
    startHelper: helper.data,
  });
  const launcher = new TextEncoder().encode(layerLauncherScript(id));
  const layerEntries: ZipEntry[] = [
    { name: "bootstrap", data: launcher, mode: 0o755 },
    denoZipEntry,
    helper,
    { name: LAYER_MISMATCH_SCRIPT, data: mismatch, mode: 0o644 },
  ];
  for (const e of layerEntries) {
    await writeFileMode(`${layerDir}/${e.name}`, e.data, e.mode ?? 0o644);
  }
  const layerZip = await writeZipFile(`${dir}/layer.zip`, layerEntries);
  const layerBytes = layerZip.unzippedBytes;
  plan.log(
    `${arch}: runtime layer ${id} (deno ${plan.denoVersion}, gopherless ${GOPHERLESS_VERSION}): ` +
      `${layerZip.zip}  zip ${mb(layerZip.zipBytes)}, unzipped ${mb(layerBytes)}`,
  );

  const shipped = await shipHandler(plan, arch, fnDir, `${layerDir}/deno`, handler);
  const { entries } = shipped;
  const manifest = new TextEncoder().encode(functionManifest({
    layerId: id,
    startCacheRoot: shipped.startCacheRoot,
    startCacheFiles: shipped.startCacheFiles,
    startCacheProfile: codeProfile(plan.memoryMb),
  }));
  entries.unshift({ name: FUNCTION_MANIFEST, data: manifest, mode: 0o644 });
  await writeFileMode(`${fnDir}/${FUNCTION_MANIFEST}`, manifest, 0o644);

  const zipped = await writeZipFile(`${dir}/function.zip`, entries);
  const { zip: zipPath, zipBytes, unzippedBytes } = zipped;
  const artifact: Artifact = {
    arch,
    dir: fnDir,
    ...zipped,
    zipWithinDirectUpload: zipBytes <= ZIP_DIRECT_UPLOAD_LIMIT,
    // Lambda's 250 MB counts the function and its layers together.
    unzippedWithinLimit: unzippedBytes + layerBytes <= UNZIPPED_LIMIT,
    deno,
    denoVersion: plan.denoVersion,
    startCache: shipped.startCache,
    layer: {
      id,
      gopherlessVersion: GOPHERLESS_VERSION,
      denoVersion: plan.denoVersion,
      dir: layerDir,
      ...layerZip,
    },
  };
  plan.log(
    `${arch}: function for layer ${id}: ${zipPath}  zip ${mb(zipBytes)}, unzipped ` +
      `${mb(unzippedBytes)} (${mb(unzippedBytes + layerBytes)} with the layer, of ` +
      `${limitMb(UNZIPPED_LIMIT)})`,
  );
  return artifact;
}
