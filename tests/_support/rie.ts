/**
 * AWS's Runtime Interface Emulator (`aws-lambda-rie`) as a judge of packaged functions: built
 * once per test process from its Go module (pinned in `tests/go/rie/go.mod`, fetched through the
 * Go module proxy), run with both its addresses on loopback.
 *
 * @module
 */

const RIE_MODULE_DIR = new URL("../go/rie/", import.meta.url).pathname;
const dec = new TextDecoder();

let rieBinary: Promise<string> | undefined;

/** Builds `aws-lambda-rie` (once per process); returns its path. */
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
      cwd: RIE_MODULE_DIR,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`building aws-lambda-rie failed:\n${dec.decode(out.stderr)}`);
    return `${dir}/aws-lambda-rie`;
  })();
  return rieBinary;
}

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
