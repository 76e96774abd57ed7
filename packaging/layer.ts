/**
 * A runtime layer's identity (`deno task build --layer`): one hash of everything the layer holds
 * and everything a function's build depends on it for (the Deno binary, which made the function's
 * start-up cache; the gopherless version, whose launcher and mismatch report it ships; the
 * architecture). Two builds with the same Deno and gopherless give the same layer and the same
 * id, so every such function shares one published layer version; any difference gives another id,
 * which the function's manifest names and the layer's launcher checks.
 *
 * @module
 */

import type { Arch } from "./targets.ts";
import { layerLauncherScript } from "./launcher.ts";
import { VERSION } from "../protocol/version.ts";

/** The version of gopherless that builds (the one definition, in the protocol floor). */
export const GOPHERLESS_VERSION: string = VERSION;

/** What {@linkcode layerId} hashes. */
export interface LayerIdInput {
  /** The architecture. */
  arch: Arch;
  /** The Deno version shipped. */
  denoVersion: string;
  /** The gopherless version building. */
  gopherlessVersion: string;
  /** The Deno binary. */
  deno: Uint8Array;
  /** The layer's mismatch report script. */
  mismatch: Uint8Array;
  /** The layer's `gopherless-start` (`start_helper.ts`). */
  startHelper: Uint8Array;
}

async function hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The layer's id: `gopherless-<version>-deno-<version>-<arch>-<16 hex digits>` with dots as `_`
 * (a valid Lambda layer name, so the id can be the layer's name), the digits the start of a
 * SHA-256 over the inputs and the launcher's text.
 */
export async function layerId(input: LayerIdInput): Promise<string> {
  const parts = [
    "gopherless runtime layer 3",
    input.arch,
    input.denoVersion,
    input.gopherlessVersion,
    await hex(input.deno),
    await hex(input.mismatch),
    await hex(input.startHelper),
    await hex(layerLauncherScript("")),
  ];
  const digest = (await hex(parts.join("\n"))).slice(0, 16);
  const name = `gopherless-${input.gopherlessVersion}-deno-${input.denoVersion}-${input.arch}`;
  return `${name.replaceAll(".", "_")}-${digest}`;
}
