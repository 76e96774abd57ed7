/**
 * The function's environment variables, gathered from where `deploy` was told to take them:
 * dotenv files (`--env-file`), `deploy`'s own environment (`--env NAME`) and the command line
 * (`--env K=V`), later ones winning in that order. Values are secrets: nothing here puts one in
 * a message, and {@linkcode redactEnvironment} is what everything `deploy` prints goes through.
 *
 * @module
 */

import type { DeployOptions } from "./args.ts";
import { DeployError } from "./errors.ts";

/** What the environment is read with (the file system and the process's environment). */
export interface EnvironmentSources {
  /** Reads a dotenv file. */
  readTextFile(path: string): Promise<string>;
  /** The value of a variable of `deploy`'s own environment. */
  getEnv(name: string): string | undefined;
}

const DENO_SOURCES: EnvironmentSources = {
  readTextFile: (path) => Deno.readTextFile(path),
  getEnv: (name) => Deno.env.get(name),
};

/**
 * The variables `options` give the function, or `undefined` when they give none (the function's
 * are then left as they are).
 */
export async function functionEnvironment(
  options: Pick<DeployOptions, "env" | "envNames" | "envFiles">,
  sources: EnvironmentSources = DENO_SOURCES,
): Promise<Record<string, string> | undefined> {
  if (!options.env && !options.envNames && !options.envFiles) return undefined;
  const env: Record<string, string> = {};
  for (const file of options.envFiles ?? []) {
    let text: string;
    try {
      text = await sources.readTextFile(file);
    } catch (e) {
      throw new DeployError(`--env-file ${file}: ${(e as Error).message}`);
    }
    Object.assign(env, parseEnvFile(text, file));
  }
  for (const name of options.envNames ?? []) {
    const value = sources.getEnv(name);
    if (value === undefined) {
      throw new DeployError(
        `--env ${name}: ${name} is not set in this environment (set it, or give --env ${name}=…)`,
      );
    }
    env[name] = value;
  }
  return Object.assign(env, options.env);
}

/**
 * The variables of a dotenv file: `KEY=VALUE` lines, `#` comments and blank lines, an optional
 * `export ` before the key, and a value optionally in single quotes (as is) or double quotes
 * (with `\n`, `\"` and `\\` escapes). An error names the file and the line, never its text.
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      throw new DeployError(`${file}:${i + 1}: not a KEY=VALUE line (KEY: letters, digits, _)`);
    }
    env[m[1]] = unquote(m[2], `${file}:${i + 1}`);
  }
  return env;
}

function unquote(v: string, where: string): string {
  const q = v[0];
  if (q !== '"' && q !== "'") return v.replace(/\s+#.*$/, "");
  const end = v.lastIndexOf(q);
  if (end === 0 || v.slice(end + 1).replace(/\s+#.*$/, "").trim() !== "") {
    throw new DeployError(`${where}: the value's closing ${q} is missing or not last`);
  }
  const inner = v.slice(1, end);
  if (q === "'") return inner;
  return inner.replace(/\\([n"\\])/g, (_m, c: string) => (c === "n" ? "\n" : c));
}

/** What printing shows of a variable's value. */
export const REDACTED = "<redacted>";

/** `Environment` with each value replaced by {@linkcode REDACTED} (the names stay). */
export function redactEnvironment(environment: unknown): unknown {
  const vars = (environment as { Variables?: Record<string, string> } | null)?.Variables;
  if (!vars || typeof vars !== "object") return environment;
  return {
    ...(environment as object),
    Variables: Object.fromEntries(Object.keys(vars).map((k) => [k, REDACTED])),
  };
}
