/**
 * What a runtime layer (`deno task build --layer`) runs instead of the function when the function
 * in the task root was built for another layer, or for none: it says so as an init error and
 * exits 1, so that a function never runs on a Deno or a gopherless it was not built and cached
 * for. On the Runtime API the error goes to `/runtime/init/error` (Lambda's init error: the
 * invoke fails with `Runtime.LayerMismatch`, the message in its document); on go1.x, which has
 * no such call, to stderr before the process exits. The build bundles this module into the layer
 * as `LAYER_MISMATCH_SCRIPT`; the layer's launcher sets `MISMATCH_VARIABLES`.
 *
 * @module
 */

import { HEADERS, JSON_CONTENT_TYPE, PATHS } from "../protocol/runtime_api.ts";
import { encodeNodeErrorDocument } from "../protocol/lambda_error.ts";
import { modeVariable } from "../protocol/mode.ts";
import { FUNCTION_MANIFEST, MISMATCH_VARIABLES } from "./launcher.ts";

/** The `errorType` of the init error. */
export const LAYER_MISMATCH_ERROR = "Runtime.LayerMismatch";

/** The message for a function built for `wanted` (empty: no manifest) started by layer `have`. */
export function mismatchMessage(wanted: string, have: string, manifest: string): string {
  if (wanted === "") {
    return `the gopherless runtime layer ${have} found no function built for a layer ` +
      `(no ${FUNCTION_MANIFEST} at ${manifest}): build the function with ` +
      "`deno task build <entry> --runtime deno --layer` and deploy it with its layer, or " +
      "deploy the one-zip package (it brings its own bootstrap) without the layer";
  }
  return `this function was built for the gopherless runtime layer ${wanted}, but layer ` +
    `${have} started it: deploy the function with the layer its build wrote ` +
    "(dist/<arch>/layer.zip, or `deno task deploy --layer`), or rebuild it for this layer";
}

async function main(): Promise<void> {
  const env = (name: string) => Deno.env.get(name) ?? "";
  const message = mismatchMessage(
    env(MISMATCH_VARIABLES.wanted),
    env(MISMATCH_VARIABLES.have),
    env(MISMATCH_VARIABLES.manifest),
  );
  console.error(`gopherless: ${message}`);
  const api = env(modeVariable("runtime-api"));
  if (api !== "" && env(modeVariable("go1x")) === "") {
    const body = encodeNodeErrorDocument({
      errorMessage: message,
      errorType: LAYER_MISMATCH_ERROR,
    });
    try {
      const res = await fetch(`http://${api}${PATHS.initError}`, {
        method: "POST",
        headers: { [HEADERS.errorType]: LAYER_MISMATCH_ERROR, "Content-Type": JSON_CONTENT_TYPE },
        body,
      });
      await res.body?.cancel();
    } catch (e) {
      console.error(`gopherless: could not report the init error: ${e}`);
    }
  }
  Deno.exit(1);
}

if (import.meta.main) await main();
