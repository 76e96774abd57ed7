/**
 * moto's server mode (PyPI `moto[server]`) as the AWS API for the `deploy` tests: one server per
 * test, on 127.0.0.1 and a port the OS picks, with fake credentials; never a real AWS endpoint.
 *
 * `.ci/run` installs moto into `.cache/moto-venv`; locally, where it is missing (or only another
 * version is found), the tests are skipped, but when `CI` is set they fail instead (as the Go
 * tests do).
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** The moto version `.ci/run` installs. */
export const MOTO_VERSION = "5.2.5";

/** Fake credentials and region for every AWS call of the tests. */
export const FAKE_AWS_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
  // Never reach for the instance metadata service (169.254.169.254) from a test.
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/nonexistent/aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
};

/** moto's default account. */
export const ACCOUNT = "123456789012";

/** moto installs found that are not the pinned version, as `python: version`. */
const otherVersions: string[] = [];

function findPython(): string | null {
  for (const py of [`${ROOT}.cache/moto-venv/bin/python`, "python3"]) {
    try {
      const out = new Deno.Command(py, {
        args: ["-c", "import moto.server, moto; print(moto.__version__)"],
        stdout: "piped",
        stderr: "null",
      }).outputSync();
      if (!out.success) continue;
      // The pinned version only, as `.ci/run` checks it: another moto answers differently.
      const version = new TextDecoder().decode(out.stdout).trim();
      if (version === MOTO_VERSION) return py;
      otherVersions.push(`${py}: moto ${version}`);
    } catch {
      // not there
    }
  }
  return null;
}

/** The Python that has moto at {@linkcode MOTO_VERSION}, or `null`. */
export const motoPython: string | null = findPython();

const inCI = !!Deno.env.get("CI");

const SERVER = `
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(f"http://{host}:{port}", flush=True)
sys.stdin.read()
server.stop()
`;

/** A running moto server. */
export interface Moto {
  /** Its endpoint, `http://127.0.0.1:<port>`. */
  endpoint: string;
}

async function startMoto(): Promise<{ moto: Moto; stop: () => Promise<void> }> {
  const child = new Deno.Command(motoPython!, {
    args: ["-c", SERVER],
    // AWS's managed policies (AWSLambdaBasicExecutionRole) exist, as in a real account.
    env: { MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const r = await reader.read();
    if (r.done) throw new Error("moto exited before it listened");
    line += r.value;
  }
  reader.releaseLock();
  const stop = async () => {
    await child.stdin.close().catch(() => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await child.status;
    clearTimeout(timer);
    await child.stdout.cancel().catch(() => {});
  };
  return { moto: { endpoint: line.trim() }, stop };
}

/**
 * Registers a test that needs moto: it gets a fresh server. Skipped where moto is missing
 * (outside CI), failing where it is missing in CI.
 */
export function motoTest(name: string, fn: (moto: Moto) => Promise<void>): void {
  Deno.test({
    name,
    ignore: motoPython === null && !inCI,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      if (motoPython === null) {
        const found = otherVersions.length ? ` (found ${otherVersions.join(", ")})` : "";
        throw new Error(
          `CI is set but moto ${MOTO_VERSION} is missing${found}: ` +
            `python3 -m venv .cache/moto-venv && ` +
            `.cache/moto-venv/bin/pip install 'moto[server]==${MOTO_VERSION}'`,
        );
      }
      const { moto, stop } = await startMoto();
      try {
        await fn(moto);
      } finally {
        await stop();
      }
    },
  });
}
