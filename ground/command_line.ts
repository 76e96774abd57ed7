/**
 * The command line of every gopherless CLI (the emulator, `build`, `deploy`, `new`, `gob`): one
 * table-driven parser and one {@linkcode UsageError}, so that every tool reads flags the same way
 * and a bad command line ends the same way (the message, the usage text, exit status 2).
 *
 * It lives on the ground floor because the CLIs sit on different floors (`emulator/`,
 * `packaging/`, `tools/`) and none of them may import a sibling; it uses no platform API.
 *
 * The rules, the same for every tool:
 * - `--name value` and `--name=value`; a value that starts with `--` must be given as
 *   `--name=--value` (so `--out --no-check` is a missing value, not an odd directory name);
 * - `-h` and `--help` stop parsing and ask for the usage text;
 * - `-` alone is an argument (standard input), `--` ends the flags;
 * - an unknown flag, a missing value or a value given to a switch is a {@linkcode UsageError}.
 *
 * ```ts
 * import { parseCommandLine } from "./command_line.ts";
 *
 * const { flags, positional } = parseCommandLine(["f.ts", "--env", "A=1", "--quiet"], {
 *   env: "strings",
 *   quiet: "boolean",
 *   port: "string",
 * });
 * console.log(flags.env, flags.quiet, flags.port, positional); // ["A=1"] true undefined ["f.ts"]
 * ```
 *
 * @module
 */

/** A bad command line: the message says what is wrong; the tools print it with their usage. */
export class UsageError extends Error {
  /** Always `"UsageError"`. */
  override name = "UsageError";
}

/** What a flag takes: nothing (a switch), one value (the last one given wins), or a list. */
export type FlagKind = "boolean" | "string" | "strings";

/** A flag whose value is optional: given bare (`--types`), it means {@linkcode bare}. */
export interface OptionalValueFlag {
  /** The value a bare `--name` stands for; a value is then only taken as `--name=value`. */
  readonly bare: string;
}

/** The flags a tool knows, by name without the leading `--`. */
export type FlagTable = Readonly<Record<string, FlagKind | OptionalValueFlag>>;

/** The value a parsed flag of kind `K` has. */
export type FlagValue<K> = K extends "boolean" ? true : K extends "strings" ? string[] : string;

/** The flags that were given, typed after their table. */
export type ParsedFlags<T extends FlagTable> = { -readonly [N in keyof T]?: FlagValue<T[N]> };

/** A parsed command line. */
export interface CommandLine<T extends FlagTable> {
  /** The flags that were given (absent ones are absent). */
  flags: ParsedFlags<T>;
  /** The arguments that are not flags, in order. */
  positional: string[];
  /** `-h` or `--help` was given (parsing stopped there). */
  help: boolean;
}

/**
 * Parses `args` against `table`. Throws {@linkcode UsageError} on an unknown flag, a missing
 * value, or a value given to a switch.
 */
export function parseCommandLine<T extends FlagTable>(
  args: readonly string[],
  table: T,
): CommandLine<T> {
  const flags: Record<string, string | string[] | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      return { flags: flags as ParsedFlags<T>, positional, help: true };
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const name = flag.slice(2);
    const kind = flag.startsWith("--") && Object.hasOwn(table, name) ? table[name] : undefined;
    if (kind === undefined) throw new UsageError(`unknown option ${flag}`);
    if (kind === "boolean") {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      flags[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined && typeof kind === "object") value = kind.bare;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`${flag} needs a value`);
      }
      value = next;
      i++;
    }
    if (kind === "strings") ((flags[name] ??= []) as string[]).push(value);
    else flags[name] = value;
  }
  return { flags: flags as ParsedFlags<T>, positional, help: false };
}

/** `value` when it is one of `allowed`; else a {@linkcode UsageError} naming them. */
export function oneOf<A extends string>(flag: string, value: string, allowed: readonly A[]): A {
  if ((allowed as readonly string[]).includes(value)) return value as A;
  const list = allowed.length > 1
    ? `${allowed.slice(0, -1).join(", ")} or ${allowed[allowed.length - 1]}`
    : allowed[0];
  throw new UsageError(`${flag} must be ${list}, not ${JSON.stringify(value)}`);
}

/**
 * `value` as a whole number from `min` to `max`; else a {@linkcode UsageError} that says what the
 * flag takes (`what`, e.g. "the memory size in MB").
 */
export function wholeNumber(
  flag: string,
  value: string,
  min: number,
  max: number,
  what = "a whole number",
): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} takes ${what} (${min}–${max}), not ${value}`);
  }
  return n;
}

/**
 * The exit status of a tool that failed with `error`: for a {@linkcode UsageError}, prints
 * `<label>: <message>` and the usage text to standard error and returns 2; rethrows anything else.
 */
export function usageFailure(error: unknown, usage: string, label = "error"): number {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${label}: ${error.message}\n\n${usage}`);
  return 2;
}
