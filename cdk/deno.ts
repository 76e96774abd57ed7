/**
 * The Deno that runs gopherless's build at synth time, found without Docker and without asking
 * the user to install anything beyond npm packages:
 *
 * 1. the `deno` option of the construct, else `$GOPHERLESS_DENO` (a path);
 * 2. the Deno running the CDK app, when the app is a Deno program;
 * 3. the `deno` npm package (`npm install --save-dev deno`), resolved from the app's folder and
 *    from this module's (its `bin.cjs` starts the platform binary, itself an npm package);
 * 4. `deno` on `PATH`.
 *
 * Written against Node's built-in modules only, so that it runs unchanged under Node (the npm
 * package) and Deno (a Deno CDK app).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";

/** How to start Deno: `command ...args <deno's own arguments>`. */
export interface DenoCommand {
  /** The executable. */
  command: string;
  /** Arguments before Deno's own (the `deno` npm package's script, run by Node). */
  args: string[];
  /** Where it was found, for messages. */
  source: string;
}

/** No Deno could be found; the message says how to get one. */
export class DenoNotFoundError extends Error {
  /** Always `"DenoNotFoundError"`. */
  override name = "DenoNotFoundError";
}

/** Finds the Deno that runs the build; see the module docs for the order. */
export function findDeno(explicit?: string): DenoCommand {
  if (explicit) return { command: explicit, args: [], source: "the deno option" };
  const fromEnv = process.env.GOPHERLESS_DENO;
  if (fromEnv) return { command: fromEnv, args: [], source: "GOPHERLESS_DENO" };
  if (process.versions.deno) {
    return { command: process.execPath, args: [], source: "the Deno running the app" };
  }
  for (const base of [join(process.cwd(), "package.json"), import.meta.url]) {
    try {
      const script = createRequire(base).resolve("deno/bin.cjs");
      return { command: process.execPath, args: [script], source: `npm package deno (${script})` };
    } catch {
      // not installed there
    }
  }
  const onPath = spawnSync("deno", ["--version"], { stdio: "ignore" });
  if (onPath.status === 0) return { command: "deno", args: [], source: "PATH" };
  throw new DenoNotFoundError(
    "gopherless builds functions with Deno, and none was found: install it from npm " +
      "(npm install --save-dev deno), put it on PATH, or set GOPHERLESS_DENO to its path",
  );
}
