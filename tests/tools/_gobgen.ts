/**
 * Shared by the `gob gen` / `gob dump --types=ts` tests: the Go stream of
 * tests/go/cmd/gobzoo, the order of its top-level values, and running the CLI.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GobError, PushDecoder, type Type } from "../../gob/mod.ts";
import { buildGenerator } from "../../tools/gobgen/run.ts";
import { type Ran, runText } from "../_support/process.ts";

/** The repository root, where the CLI runs. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;

/** The committed generated files. */
export const GOLDEN_DIR: string = new URL("./gobgen/", import.meta.url).pathname;

/** The Go package whose types are generated, as given on the command line. */
export const ZOO_PACKAGE = "./tests/go/internal/gob-zoo";

/** Names of the stream's top-level values' types, in order (see tests/go/cmd/gobzoo). */
export const STREAM_ORDER = [
  "Everything",
  "Everything",
  "Node",
  "Tree",
  "Index",
  "Kind",
  "Money",
  "Everything",
  "Everything",
] as const;

let built: Promise<string> | null = null;

/** The generator, built once per test file. */
export function generator(): Promise<string> {
  built ??= buildGenerator();
  return built;
}

/** Runs `tools/gob_cli.ts` with `args` in the repository root. */
export function cli(
  args: string[],
  stdin?: Uint8Array,
): Promise<Ran> {
  return runText(Deno.execPath(), ["run", "-A", `${ROOT}tools/gob_cli.ts`, ...args], {
    cwd: ROOT,
    stdin,
  });
}

/**
 * Asserts that `generated` is the committed file `name`; with `GOLDEN_UPDATE=1`
 * in the environment, writes it instead.
 */
export async function assertGolden(name: string, generated: string): Promise<void> {
  const path = `${GOLDEN_DIR}${name}`;
  if (Deno.env.get("GOLDEN_UPDATE") === "1") {
    await Deno.writeTextFile(path, generated);
    return;
  }
  const committed = await Deno.readTextFile(path);
  assert.equal(
    generated,
    committed,
    `${name} is not what the generator writes now; regenerate with ` +
      `GOLDEN_UPDATE=1 deno test -A tests/tools/ and review the diff`,
  );
}

/** Decodes one value per descriptor, in order, and checks the stream ends there. */
export function decodeSequence(bytes: Uint8Array, types: readonly Type<unknown>[]): unknown[] {
  const dec = new PushDecoder();
  dec.push(bytes);
  dec.end();
  const values = types.map((type) => dec.next(type)!.value);
  assert.throws(() => dec.next(), (e) => e instanceof GobError && e.code === "eof");
  return values;
}

export { concat } from "../../ground/bytes.ts";

/** Hex, for readable byte comparisons. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
