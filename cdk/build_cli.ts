/**
 * Where gopherless's build command line (`packaging/cli.ts`, what `deno task build` runs) is,
 * relative to this module. The npm package ships the build's TypeScript sources under `deno/`
 * and replaces this module with `packaging/npm/cdk_build_cli.ts`, which points there.
 *
 * @module
 */

/** The URL of `packaging/cli.ts`. */
export const BUILD_CLI: URL = new URL("../packaging/cli.ts", import.meta.url);
