/**
 * AWS's Runtime Interface Emulator (`aws-lambda-rie`), built once per test run from its Go module
 * pinned in `tests/go/rie/go.mod` (through the Go module proxy).
 *
 * @module
 */

import { repoPath } from "../runtime/_platform.ts";

const dec = new TextDecoder();

let rieBinary: Promise<string> | undefined;

/** Builds `aws-lambda-rie` (once); resolves with its path. */
export function buildRie(): Promise<string> {
  rieBinary ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-rie-" });
    const out = await new Deno.Command("go", {
      args: [
        "build",
        "-o",
        `${dir}/aws-lambda-rie`,
        "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie",
      ],
      cwd: repoPath("tests/go/rie"),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`building aws-lambda-rie failed:\n${dec.decode(out.stderr)}`);
    // The Managed Instances mode runs the function as another user, who must reach the binary.
    await Deno.chmod(dir, 0o755);
    return `${dir}/aws-lambda-rie`;
  })();
  return rieBinary;
}
