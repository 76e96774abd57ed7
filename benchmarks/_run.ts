/**
 * What the benchmark scripts start other programs with: a command whose output they read, and
 * the test suite's Go programs (`tests/go`) built into a folder.
 *
 * @module
 */

const GO_MODULE = new URL("../tests/go/", import.meta.url).pathname;
const dec = new TextDecoder();

/**
 * Runs `cmd` with `args` (and `opts`) and resolves with its stdout; a failure throws with the
 * command line and the end of its stderr.
 */
export async function run(
  cmd: string,
  args: string[],
  opts: Deno.CommandOptions = {},
): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...opts })
    .output();
  if (!r.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${dec.decode(r.stderr).slice(-2000)}`);
  }
  return dec.decode(r.stdout);
}

/** Builds the Go main package `tests/go/<pkg>` (e.g. `cmd/go1xhost`) into `dir`: its path. */
export async function goBuild(pkg: string, dir: string): Promise<string> {
  const out = `${dir}/${pkg.replaceAll("/", "_")}`;
  await run("go", ["build", "-o", out, `./${pkg}`], { cwd: GO_MODULE });
  return out;
}
