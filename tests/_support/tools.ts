/**
 * Support for tests that need a system command (`unzip`, `node`, `npm`): as with Go
 * (`go.ts`), a missing command skips the test locally, but when `CI` is set the test fails
 * instead, so CI can never pass without having run it. `.ci/run` installs what these tests need.
 *
 * @module
 */

import { inCI } from "./go.ts";

/** Whether a command is on PATH. */
export function has(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--help"], stdout: "null", stderr: "null" }).outputSync()
      .code !== 127;
  } catch {
    return false;
  }
}

/** The commands of `tools` that are not on PATH. */
function missing(tools: readonly string[]): string[] {
  return tools.filter((t) => !has(t));
}

/**
 * Registers a test that needs the commands `tools`: skipped when one is missing (outside CI),
 * failing when one is missing in CI.
 */
export function toolTest(tools: readonly string[], definition: Deno.TestDefinition): void {
  const absent = missing(tools);
  const fn = definition.fn;
  Deno.test({
    ...definition,
    ignore: definition.ignore || (absent.length > 0 && !inCI),
    fn: async (t) => {
      if (absent.length > 0) {
        throw new Error(`CI is set but ${absent.join(", ")} is not on PATH: this test cannot run`);
      }
      await fn(t);
    },
  });
}

/**
 * Extracts `zip` into `dir` with Info-ZIP's `unzip`, as a user unpacking a package does. Outside
 * CI, without `unzip`, Python's `zipfile` stands in (restoring the modes it drops); in CI a
 * missing `unzip` is an error.
 */
export async function unzipInto(zip: string, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  if (!has("unzip") && inCI) throw new Error("CI is set but unzip is not on PATH");
  const cmd = has("unzip")
    ? new Deno.Command("unzip", { args: ["-q", zip, "-d", dir], stdout: "piped", stderr: "piped" })
    : new Deno.Command("python3", {
      args: [
        "-c",
        "import os,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nfor i in z.infolist():\n" +
        " p=z.extract(i,sys.argv[2]); os.chmod(p,(i.external_attr>>16)&0o777)",
        zip,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    });
  const out = await cmd.output();
  if (!out.success) throw new Error(`unzip ${zip}: ${new TextDecoder().decode(out.stderr)}`);
}
