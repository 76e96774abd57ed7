/**
 * Support for tests that run arm64 binaries (an arm64 package's `deno`) on this machine: through
 * qemu-user on x86_64 (`ground/qemu.ts`), directly on arm64.
 *
 * Where qemu-user or the arm64 C library is missing the tests are skipped locally, but when `CI`
 * is set they fail instead (`.ci/run` installs both), as the Go tests do.
 *
 * @module
 */

import { findQemuUser, hostCpu, QemuError } from "../../ground/qemu.ts";
import { inCI } from "./go.ts";

/** Why arm64 binaries cannot run here, or `undefined` when they can. */
function arm64Missing(): string | undefined {
  if (hostCpu() === "aarch64") return undefined;
  try {
    findQemuUser("aarch64");
    return undefined;
  } catch (e) {
    if (e instanceof QemuError) return e.message;
    throw e;
  }
}

/** Why arm64 binaries cannot run here (`undefined`: they can). */
export const arm64Unavailable: string | undefined = arm64Missing();

/**
 * Registers a test that runs arm64 binaries: skipped when they cannot run here (outside CI),
 * failing in CI.
 */
export function arm64Test(name: string, fn: (t: Deno.TestContext) => Promise<void> | void): void {
  Deno.test({
    name,
    ignore: arm64Unavailable !== undefined && !inCI,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async (t) => {
      if (arm64Unavailable !== undefined) {
        throw new Error(`CI is set but arm64 binaries cannot run here: ${arm64Unavailable}`);
      }
      await fn(t);
    },
  });
}
