/**
 * The AWS SDK for JavaScript modules `deploy` uses, pinned in one place.
 *
 * They are imported by full `npm:` specifier, not through this repository's `deno.json`: a
 * function project runs `deploy` from its own folder (and, once published, by URL), where
 * gopherless's import map does not apply.
 *
 * @module
 */

export * as lambda from "npm:@aws-sdk/client-lambda@3.1164.0";
export * as iam from "npm:@aws-sdk/client-iam@3.1164.0";
export * as s3 from "npm:@aws-sdk/client-s3@3.1164.0";
