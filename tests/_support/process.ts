/**
 * Running a program the way the tests do: its input written while its output is collected, so a
 * program that writes before it has read all of its input cannot deadlock against the test.
 *
 * @module
 */

/** What a program left: its exit code and its output, decoded. */
export interface Ran {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Where and how a program runs. */
export interface RunOptions {
  /** Its standard input (none: `/dev/null`). */
  stdin?: Uint8Array;
  /** Its working directory. */
  cwd?: string;
  /** Variables added to the environment. */
  env?: Record<string, string>;
}

/** Runs `cmd` with `args`; resolves once it has exited, with its output. */
export async function runFed(
  cmd: string,
  args: string[],
  options: RunOptions = {},
): Promise<Deno.CommandOutput> {
  const { stdin, cwd, env } = options;
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    env,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const feeding = stdin
    ? (async () => {
      const w = child.stdin.getWriter();
      await w.write(stdin);
      await w.close();
    })()
    : Promise.resolve();
  const [out] = await Promise.all([child.output(), feeding]);
  return out;
}

/** {@link runFed}, the output decoded as UTF-8. */
export async function runText(cmd: string, args: string[], options: RunOptions = {}): Promise<Ran> {
  const out = await runFed(cmd, args, options);
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
