/**
 * Support for tests that run real Go programs (the peers under `tests/go/`).
 *
 * Go is the judge of wire compatibility. Where `go` is on PATH the live tests
 * run; where it is absent they are skipped locally, but when `CI` is set they
 * fail instead, so CI can never pass without having talked to Go.
 *
 * @module
 */

import { runFed } from "./process.ts";

const GO_MODULE_DIR = new URL("../go/", import.meta.url).pathname;

function findGo(): string | null {
  try {
    const out = new Deno.Command("go", { args: ["env", "GOROOT"], stdout: "null", stderr: "null" })
      .outputSync();
    return out.success ? "go" : null;
  } catch {
    return null;
  }
}

/** Whether a Go toolchain is available. */
export const hasGo: boolean = findGo() !== null;

/** Whether this run is CI, where Go tests must run rather than skip. */
export const inCI: boolean = !!Deno.env.get("CI");

/**
 * Registers a test that needs Go: skipped when Go is absent (outside CI),
 * failing when Go is absent in CI.
 */
export function goTest(name: string, fn: (t: Deno.TestContext) => Promise<void> | void): void {
  Deno.test({
    name,
    ignore: !hasGo && !inCI,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async (t) => {
      if (!hasGo) throw new Error("CI is set but `go` is not on PATH: Go interop tests cannot run");
      await fn(t);
    },
  });
}

const built = new Map<string, Promise<string>>();

/**
 * Builds the Go main package at `tests/go/<pkg>` (e.g. `cmd/gobpeer`) once per
 * test process and returns the binary's path.
 */
export function buildGo(pkg: string): Promise<string> {
  let p = built.get(pkg);
  if (!p) {
    p = (async () => {
      const dir = await Deno.makeTempDir({ prefix: "gopherless-go-" });
      const out = `${dir}/${pkg.replaceAll("/", "_")}`;
      const res = await new Deno.Command("go", {
        args: ["build", "-o", out, `./${pkg}`],
        cwd: GO_MODULE_DIR,
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!res.success) {
        throw new Error(`go build ./${pkg} failed:\n${new TextDecoder().decode(res.stderr)}`);
      }
      return out;
    })();
    built.set(pkg, p);
  }
  return p;
}

/** Runs a built Go program with optional stdin; returns stdout, throwing on failure. */
export async function runGo(
  pkg: string,
  args: string[] = [],
  stdin?: Uint8Array,
): Promise<Uint8Array> {
  const res = await runFed(await buildGo(pkg), args, { stdin });
  if (!res.success) {
    throw new Error(`${pkg} ${args.join(" ")} failed:\n${new TextDecoder().decode(res.stderr)}`);
  }
  return res.stdout;
}
