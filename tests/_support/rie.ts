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

/**
 * Runs `bootstrap` (from `cwd`, with `env`) under the RIE while `fn` invokes it: `invoke` posts
 * an event to the RIE's invoke endpoint and resolves to the body it answers.
 */
export async function underRie(
  bootstrap: string,
  cwd: string,
  env: Record<string, string>,
  fn: (invoke: (event: unknown) => Promise<string>) => Promise<void>,
): Promise<void> {
  const rie = await buildRie();
  const port = freePort();
  const child = new Deno.Command(rie, {
    args: [
      "--runtime-interface-emulator-address",
      `127.0.0.1:${port}`,
      "--runtime-api-address",
      `127.0.0.1:${freePort()}`,
      bootstrap,
    ],
    cwd,
    env: { ...env, NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const url = `http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`;
    for (let i = 0; i < 100; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await fn(async (event) => {
      const res = await fetch(url, { method: "POST", body: JSON.stringify(event) });
      return await res.text();
    });
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}
