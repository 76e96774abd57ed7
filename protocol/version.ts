/**
 * The version of gopherless: the one place it is written in code. It names the runtime to the
 * Runtime API (`User-Agent`) and is part of a runtime layer's identity. A module, not a read of
 * `deno.json`: the npm package ships no `deno.json`, and a start should read no extra file.
 * tests/protocol/version_test.ts holds it equal to `deno.json`'s `version`.
 *
 * @module
 */

/** The gopherless version (semver), as in `deno.json`. */
export const VERSION = "0.1.0";
