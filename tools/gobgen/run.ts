/**
 * Runs the Go half of `gob gen` (`tools/gobgen/main.go`, its own Go module):
 * builds it once, loads packages with it, and formats what is rendered.
 *
 * @module
 */

import type { Decl, Model, Skipped } from "./model.ts";

const GENERATOR_DIR = new URL("./", import.meta.url).pathname;

/** A failure of the generator or of the Go toolchain, with its message. */
export class GenError extends Error {
  /** Creates an error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "GenError";
  }
}

const decoder = new TextDecoder();

/**
 * Builds the generator into `dir` (a new temporary directory by default) and
 * returns the binary's path. The Go build cache makes later builds quick.
 */
export async function buildGenerator(dir?: string): Promise<string> {
  const outDir = dir ?? await Deno.makeTempDir({ prefix: "gobgen-" });
  const bin = `${outDir}/gobgen`;
  let res: Deno.CommandOutput;
  try {
    res = await new Deno.Command("go", {
      args: ["build", "-buildvcs=false", "-o", bin, "."],
      cwd: GENERATOR_DIR,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new GenError(`cannot run go (is it on PATH?): ${(e as Error).message}`);
  }
  if (!res.success) {
    throw new GenError(`building the generator failed:\n${decoder.decode(res.stderr)}`);
  }
  return bin;
}

/** What to load. */
export interface LoadOptions {
  /** Go package directories or patterns (`./geo`, `./...`, an import path). */
  patterns: string[];
  /** Only these types (and what they use); every exported type when empty. */
  types?: string[];
  /** The directory patterns are resolved from (default: the current one). */
  cwd?: string;
}

interface GeneratorOutput {
  patterns: string[];
  packages: string[];
  decls: Decl[];
  skipped: Skipped[];
}

/**
 * Patterns naming directories (`./geo`, `../svc/...`) made absolute, and the
 * directory to load from: the first such directory, so that its Go module is
 * the one the go command uses even when the current directory is outside it.
 */
function resolvePatterns(patterns: string[], cwd: string): { patterns: string[]; cwd: string } {
  let dir: string | null = null;
  const out = patterns.map((p) => {
    const dots = p.endsWith("/...") ? "/..." : "";
    const base = dots ? p.slice(0, -dots.length) : p;
    if (!base.startsWith(".") && !base.startsWith("/")) return p; // an import path
    const abs = base.startsWith("/") ? base : `${cwd}/${base}`;
    try {
      if (!Deno.statSync(abs).isDirectory) return p;
    } catch {
      return p;
    }
    dir ??= abs;
    return abs + dots;
  });
  return { patterns: out, cwd: dir ?? cwd };
}

/** Loads the packages with the generator at `bin` and returns the model of their types. */
export async function loadPackages(bin: string, options: LoadOptions): Promise<Model> {
  const args = [...(options.types?.length ? ["-types", options.types.join(",")] : [])];
  const where = resolvePatterns(options.patterns, options.cwd ?? Deno.cwd());
  const res = await new Deno.Command(bin, {
    args: [...args, "--", ...where.patterns],
    cwd: where.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!res.success) throw new GenError(decoder.decode(res.stderr).trim());
  const out = JSON.parse(decoder.decode(res.stdout)) as GeneratorOutput;
  const source = `Go package${out.packages.length === 1 ? "" : "s"} ${out.packages.join(", ")}`;
  return { source, decls: out.decls, skipped: out.skipped };
}

/** Formats TypeScript source as `deno fmt` does (line width 100), independent of any config. */
export async function formatTs(source: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--no-config", "--line-width=100", "--ext=ts", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(source));
  await w.close();
  const res = await child.output();
  if (!res.success) {
    throw new GenError(`formatting the generated code failed:\n${decoder.decode(res.stderr)}`);
  }
  return decoder.decode(res.stdout);
}
