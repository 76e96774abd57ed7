/**
 * The npm package's `cdk/build_cli.ts`: the build's TypeScript sources ship under `deno/` at the
 * package's root (Deno runs them as they are), two folders up from `esm/cdk/build_cli.js`.
 *
 * @module
 */

/** The URL of `packaging/cli.ts`. */
export const BUILD_CLI: URL = new URL("../../deno/packaging/cli.ts", import.meta.url);
