/**
 * The AWS SAM CLI (PyPI `aws-sam-cli`, pinned) for the tests of what `deno task new --iac sam`
 * writes: `.ci/run` installs it into `.cache/sam-venv` when it is missing; locally, where it is
 * missing, the tests are skipped, but when `CI` is set they fail instead.
 *
 * @module
 */

import { FAKE_AWS_ENV } from "./_moto.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The aws-sam-cli version `.ci/run` installs. */
export const SAM_VERSION = "1.170.0";

/** The `sam` executable, or `null`. */
export const sam: string | null = (() => {
  const path = `${ROOT}.cache/sam-venv/bin/sam`;
  try {
    const out = new Deno.Command(path, { args: ["--version"], stdout: "piped", stderr: "null" })
      .outputSync();
    return out.success && new TextDecoder().decode(out.stdout).includes(SAM_VERSION) ? path : null;
  } catch {
    return null;
  }
})();

/**
 * The environment `sam` runs with in the tests: no telemetry, no update check, and fake
 * credentials and a region (`sam validate` needs a region; nothing here reaches AWS).
 */
export const SAM_ENV: Record<string, string> = {
  ...FAKE_AWS_ENV,
  AWS_DEFAULT_REGION: FAKE_AWS_ENV.AWS_REGION,
  SAM_CLI_TELEMETRY: "0",
  SAM_CLI_DISABLE_UPDATE_CHECK: "1",
};

/** Registers a test that needs `sam`: skipped where it is missing (outside CI), failing in CI. */
export function samTest(name: string, fn: (sam: string) => Promise<void>): void {
  Deno.test({
    name,
    ignore: sam === null && !Deno.env.get("CI"),
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      if (sam === null) {
        throw new Error(
          `CI is set but aws-sam-cli ${SAM_VERSION} is missing: python3 -m venv .cache/sam-venv && ` +
            `.cache/sam-venv/bin/pip install 'aws-sam-cli==${SAM_VERSION}'`,
        );
      }
      await fn(sam);
    },
  });
}
