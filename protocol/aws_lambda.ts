/**
 * The event and context types of `@types/aws-lambda`, pinned, re-exported type-only.
 *
 * Library code imports these types from here and never through the bare specifier
 * `"aws-lambda"`: that name resolves only through gopherless's own `deno.json` import map, which a
 * project importing gopherless by path or URL does not have. The full `npm:` specifier resolves
 * anywhere Deno runs (TypeScript refuses a bare `@types/...` name, TS6137, so the package is
 * named by its `npm:` form). No JavaScript is loaded: the package holds declarations only.
 *
 * @module
 */

export type * from "npm:@types/aws-lambda@8.10.164";
