/**
 * The runtime layer's build (`deno task build --layer`, `layer.ts`): the layer (`layer.zip`: the
 * native launcher as `/opt/bootstrap` with its settings and the launcher script beside it, the
 * Deno binary, `gopherless-start`, the mismatch report) and the function's own zip
 * (`function.zip`: the bundle, its start-up cache made by the layer's `deno`, the manifest naming
 * the layer, and the settings the native launcher reads).
 *
 * @module
 */

import { bundle, BundleError } from "./bundle.ts";
import type { Arch } from "./targets.ts";
import { writeZipFile, type ZipEntry } from "./zip.ts";
import {
  codeProfile,
  FUNCTION_CONFIG,
  FUNCTION_MANIFEST,
  functionManifest,
  LAUNCHER_CONFIG,
  LAUNCHER_SCRIPT,
  launcherConfig,
  LAYER_MISMATCH_SCRIPT,
  layerConfig,
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
  // `bootstrap` is the native launcher (`native/start.c`): it starts a function built for this
  // layer itself in the plain case, from the function's settings, and runs the script in any
  // other.
  const enc = new TextEncoder();
  const layerEntries: ZipEntry[] = [
    { name: "bootstrap", data: helper.data, mode: 0o755 },
    { name: LAUNCHER_CONFIG, data: enc.encode(layerConfig(id)), mode: 0o644 },
    { name: LAUNCHER_SCRIPT, data: enc.encode(layerLauncherScript(id)), mode: 0o755 },
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
  const manifest = enc.encode(functionManifest({
    layerId: id,
    startCacheRoot: shipped.startCacheRoot,
    startCacheFiles: shipped.startCacheFiles,
    startCacheProfile: codeProfile(plan.memoryMb),
  }));
  const own: ZipEntry[] = [{ name: FUNCTION_MANIFEST, data: manifest, mode: 0o644 }];
  if (shipped.startCacheRoot !== undefined) {
    own.push({
      name: FUNCTION_CONFIG,
      data: enc.encode(launcherConfig({
        memoryMb: plan.memoryMb,
        startCacheRoot: shipped.startCacheRoot,
        startCacheFiles: shipped.startCacheFiles,
        layerId: id,
      })),
      mode: 0o644,
    });
  }
  entries.unshift(...own);
  for (const e of own) await writeFileMode(`${fnDir}/${e.name}`, e.data, e.mode ?? 0o644);

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
