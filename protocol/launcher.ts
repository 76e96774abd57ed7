/**
 * What starts a `--runtime deno` package's `bootstrap` (the launcher, `packaging/launcher.ts`) may
 * tell it: Lambda tells it nothing beyond its own variables; the emulator, running a package
 * built for the other architecture (`emulator/emulation.ts`), names a program to run the
 * package's Deno binary through (qemu-user).
 *
 * @module
 */

/** The name of the Deno binary beside a `--runtime deno` package's `bootstrap`. */
export const PACKAGED_DENO = "deno";

/**
 * The variable naming a program the launcher runs {@linkcode PACKAGED_DENO} through
 * (`exec "$GOPHERLESS_DENO_RUNNER" ./deno run …`); unset, `deno` runs directly, as on Lambda.
 */
export const DENO_RUNNER_VARIABLE = "GOPHERLESS_DENO_RUNNER";
