/**
 * An error's stack as the user should read it: the frames of their own code, at the lines of
 * their own files, whether the handler runs from its sources or from a `deno task build` bundle.
 *
 * - A frame in a file that has a source map beside it (`handler.js.map`, `<chunk>.js.map`: the
 *   build writes one beside each file of its code-split bundle) is mapped back to the original
 *   file and line, read lazily on the first error (see `source_map.ts`).
 * - The runtime's own frames are dropped: those of the library's {@linkcode RUNTIME_FOLDERS}
 *   (from the sources, or through the map's `ignoreList` in a bundle), Deno's internals (`ext:`,
 *   `node:`) and frames with no location (`native`, `<anonymous>`).
 * - `file://` URLs become paths, relative to the working directory where they lie below it.
 *
 * @module
 */

import { sourceMapFor } from "./source_map.ts";

/**
 * The library's folders whose modules are the runtime's own; the build lists them in the bundle's
 * source-map `ignoreList` too.
 */
export const RUNTIME_FOLDERS: readonly string[] = [
  "gob",
  "rpc",
  "runtime",
  "http",
  "ground",
  "protocol",
];

const LIBRARY_ROOT = new URL("../", import.meta.url).href;

/** One frame of the user's code. */
export interface UserFrame {
  /** The function (`Class.method`, `function`), `""` for anonymous code. */
  label: string;
  /** The source file (see the module docs). */
  path: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

let cwdPrefix: string | undefined;
function cwd(): string {
  if (cwdPrefix === undefined) {
    try {
      cwdPrefix = Deno.cwd().replace(/\/?$/, "/");
    } catch {
      cwdPrefix = "";
    }
  }
  return cwdPrefix;
}

// "    at label (location)" or "    at location"; location is "path:line:col".
const FRAME_RE = /^\s*at (?:(.*?) \((.*)\)|(.*))$/;
const LOCATION_RE = /^(.*):(\d+):(\d+)$/;

function isRuntimeUrl(url: string): boolean {
  return RUNTIME_FOLDERS.some((f) => url.startsWith(`${LIBRARY_ROOT}${f}/`));
}

function filePath(url: string): string {
  if (!url.startsWith("file://")) return url;
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url.slice("file://".length);
  }
}

function displayPath(path: string): string {
  const base = cwd();
  if (base !== "" && path.startsWith(base)) return path.slice(base.length);
  // In a `deno compile` binary sources live under a virtual `/…/deno-compile-<name>/` root.
  return path.replace(/^.*?\/deno-compile-[^/]+\//, "");
}

/** Parses one V8 stack line into a user frame; `null` for a runtime frame or a non-frame line. */
function userFrame(text: string): UserFrame | null {
  const m = FRAME_RE.exec(text);
  if (!m) return null;
  const loc = LOCATION_RE.exec(m[2] ?? m[3] ?? "");
  if (!loc) return null;
  const url = loc[1];
  if (url.startsWith("ext:") || url.startsWith("node:") || isRuntimeUrl(url)) return null;
  const label = (m[1] ?? "").replace(/^async /, "");
  const path = filePath(url);
  const line = Number(loc[2]), column = Number(loc[3]);
  const map = path.startsWith("/") ? sourceMapFor(path) : null;
  if (map) {
    const original = map.lookup(line, column);
    if (original) {
      if (original.ignored) return null;
      return { label, path: original.source, line: original.line, column: original.column };
    }
  }
  return { label, path: displayPath(path), line, column };
}

/** The user's frames of a V8 stack (`error.stack`), innermost first, at most `limit`. */
export function userFrames(stack: unknown, limit = Infinity): UserFrame[] {
  if (typeof stack !== "string") return [];
  const frames: UserFrame[] = [];
  for (const line of stack.split("\n")) {
    if (frames.length >= limit) break;
    const f = userFrame(line);
    if (f) frames.push(f);
  }
  return frames;
}

/** A frame as V8 (and Node) print it: `    at label (path:line:column)`. */
export function frameLine(f: UserFrame): string {
  const where = `${f.path}:${f.line}:${f.column}`;
  return f.label === "" ? `    at ${where}` : `    at ${f.label} (${where})`;
}

/**
 * The stack's lines as Node's `error.stack.split("\n")` gives them, with the user's frames only
 * (see the module docs): the head (`Type: message`, as many lines as the message has), then one
 * `    at …` line per user frame.
 */
export function userStackLines(stack: unknown): string[] {
  if (typeof stack !== "string" || stack === "") return [];
  const lines = stack.split("\n");
  const first = lines.findIndex((l) => /^\s+at /.test(l));
  const head = first < 0 ? lines : lines.slice(0, first);
  const frames = first < 0 ? [] : userFrames(lines.slice(first).join("\n"));
  return [...head, ...frames.map(frameLine)];
}
