/**
 * AWS's Runtime Interface Emulator (`aws-lambda-rie`, built by `tests/emulator/_rie.ts`) as a
 * judge of packaged functions: one function under it, both its addresses on loopback.
 *
 * @module
 */

import { buildRie } from "../emulator/_rie.ts";

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** How the RIE is started: the command and its arguments, given its two addresses. */
export type RieCommand = (
  rie: string,
  invokeAddress: string,
  runtimeApiAddress: string,
) => { command: string; args: string[] };

/** The most of the RIE's output {@linkcode withRie} keeps (characters). */
const MAX_OUTPUT = 4 << 20;

/**
 * Starts the RIE with `command` (from `cwd`, with `env`), waits until its invoke endpoint
 * listens (up to 10 s), runs `fn` with that endpoint's URL and a function that returns what the
 * RIE has written so far (with `keepOutput`: its stdout and stderr, where it passes on the
 * function's output, the first {@linkcode MAX_OUTPUT} characters; else nothing), then kills the
 * RIE.
 */
export async function withRie(
  command: RieCommand,
  options: { cwd?: string; env: Record<string, string>; keepOutput?: boolean },
  fn: (url: string, output: () => string) => Promise<void>,
): Promise<void> {
  const rie = await buildRie();
  const port = freePort();
  const started = command(rie, `127.0.0.1:${port}`, `127.0.0.1:${freePort()}`);
  const child = new Deno.Command(started.command, {
    args: started.args,
    cwd: options.cwd,
    env: { ...options.env, NO_COLOR: "1" },
    stdout: options.keepOutput ? "piped" : "null",
    stderr: options.keepOutput ? "piped" : "null",
  }).spawn();
  let output = "";
  const keep = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(text) {
          if (output.length < MAX_OUTPUT) output += text.slice(0, MAX_OUTPUT - output.length);
        },
      }),
    ).catch(() => {});
  // Not awaited: a runtime the RIE started in a process group of its own may hold the pipes
  // after the RIE is killed, until its caller kills that group.
  if (options.keepOutput) {
    keep(child.stdout);
    keep(child.stderr);
  }
  try {
    for (let i = 0; i < 200; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await fn(`http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`, () => output);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}

/**
 * Runs `bootstrap` (from `cwd`, with `env`) under the RIE while `fn` invokes it: `invoke` posts
 * an event to the RIE's invoke endpoint and resolves to the body it answers.
 */
export function underRie(
  bootstrap: string,
  cwd: string,
  env: Record<string, string>,
  fn: (invoke: (event: unknown) => Promise<string>) => Promise<void>,
): Promise<void> {
  const command: RieCommand = (rie, invokeAddress, runtimeApiAddress) => ({
    command: rie,
    args: [
      "--runtime-interface-emulator-address",
      invokeAddress,
      "--runtime-api-address",
      runtimeApiAddress,
      bootstrap,
    ],
  });
  return withRie(command, { cwd, env }, (url) =>
    fn(async (event) => {
      const res = await fetch(url, { method: "POST", body: JSON.stringify(event) });
      return await res.text();
    }));
}
