/**
 * Node.js built-ins the runtime needs only sometimes, loaded on first use instead of at start-up.
 *
 * Importing any `node:` module makes Deno set up its Node.js compatibility layer and compile its
 * polyfills: measured on the shipped function (`benchmarks/shipped_function.ts`), `node:util`
 * and `node:async_hooks` together cost about 20 ms of CPU before the first event, and several
 * MiB of resident memory for the rest of the process. The runtime reaches for them only when a
 * handler does something that needs them (logs a non-string value; runs invocations that
 * overlap), through `process.getBuiltinModule`, which loads a built-in synchronously (Deno 2 and
 * Node.js 20.16 have it).
 *
 * @module
 */

import type * as AsyncHooks from "node:async_hooks";
import type * as Stream from "node:stream";
import type * as Util from "node:util";

interface NodeProcess {
  getBuiltinModule(id: string): unknown;
}

function builtin<T>(id: string): T {
  const process = (globalThis as { process?: NodeProcess }).process;
  if (typeof process?.getBuiltinModule !== "function") {
    throw new Error(`cannot load ${id}: process.getBuiltinModule is missing (Node.js >= 20.16)`);
  }
  return process.getBuiltinModule(id) as T;
}

let util: typeof Util | undefined;
let hooks: typeof AsyncHooks | undefined;
let stream: typeof Stream | undefined;

/** `node:util`, loaded on first use. */
export function nodeUtil(): typeof Util {
  return util ??= builtin<typeof Util>("node:util");
}

/** `node:stream`, loaded on first use. */
export function nodeStream(): typeof Stream {
  return stream ??= builtin<typeof Stream>("node:stream");
}

/** `node:async_hooks`, loaded on first use. */
export function nodeAsyncHooks(): typeof AsyncHooks {
  return hooks ??= builtin<typeof AsyncHooks>("node:async_hooks");
}

/**
 * `util.format(...args)`, without loading `node:util` for the common call whose arguments are
 * all strings and whose first has no `%` (util.format joins those with spaces, as is).
 */
export function format(...args: unknown[]): string {
  let plain = typeof args[0] !== "string" || !args[0].includes("%");
  for (let i = 0; plain && i < args.length; i++) plain = typeof args[i] === "string";
  if (plain) return args.join(" ");
  return nodeUtil().format(...args);
}
