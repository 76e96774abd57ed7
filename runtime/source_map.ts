/**
 * Source Map v3 lookups, for mapping the frames of a bundled handler's errors back to the user's
 * files and lines. `deno task build` writes a map beside each file of the bundle (`handler.js.map`
 * and one per chunk); nothing is read or decoded until an error is reported, and each map is
 * decoded once (its `mappings` only down to the lines asked for).
 *
 * Only what a stack frame needs: generated (line, column) → original (source, line, column), and
 * the map's `ignoreList` (sources whose frames are not the user's: the runtime's own modules).
 *
 * @module
 */

/** Where a generated position came from. */
export interface OriginalPosition {
  /** The source's path, as the map names it. */
  source: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Whether the source is in the map's `ignoreList` (not user code). */
  ignored: boolean;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** A malformed `mappings` string. */
export class SourceMapError extends Error {
  /** Always `"SourceMapError"`. */
  override name = "SourceMapError";
}

/**
 * Decodes the base64 VLQ fields of one `mappings` segment, `text` from `start` to `end` (the
 * library's one VLQ codec: the packager's source-map rewriting uses it too). Throws
 * {@linkcode SourceMapError} on a character that is not a base64 digit or a segment cut short.
 */
export function decodeVlq(text: string, start = 0, end = text.length): number[] {
  const fields: number[] = [];
  let i = start;
  while (i < end) {
    let value = 0, shift = 0, digit: number;
    do {
      if (i >= end) throw new SourceMapError(`a VLQ field is cut short at ${i}`);
      const c = text.charCodeAt(i++);
      digit = c < 128 ? DIGIT[c] : -1;
      if (digit < 0) throw new SourceMapError(`bad base64 VLQ digit at ${i - 1}`);
      value += (digit & 31) * 2 ** shift;
      shift += 5;
    } while (digit & 32);
    fields.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
  }
  return fields;
}

/** Encodes `fields` as one `mappings` segment, base64 VLQ (the inverse of {@linkcode decodeVlq}). */
export function encodeVlq(fields: readonly number[]): string {
  let out = "";
  for (const field of fields) {
    let value = field < 0 ? -field * 2 + 1 : field * 2;
    do {
      let digit = value % 32;
      value = Math.floor(value / 32);
      if (value > 0) digit |= 32;
      out += BASE64[digit];
    } while (value > 0);
  }
  return out;
}

/**
 * Decodes one line of `mappings` (segments separated by `,`) into flat
 * `[generatedColumn, source, originalLine, originalColumn]` quadruples, 0-based. `state` carries
 * the source/line/column deltas from line to line, as the format requires.
 */
function decodeLine(text: string, state: Int32Array): Int32Array {
  const out: number[] = [];
  let col = 0;
  for (let i = 0; i < text.length;) {
    let end = text.indexOf(",", i);
    if (end < 0) end = text.length;
    const fields = decodeVlq(text, i, end);
    i = end + 1;
    if (fields.length > 5) throw new SourceMapError("a segment has more than 5 fields");
    if (fields.length === 0) continue;
    col += fields[0];
    if (fields.length >= 4) {
      state[0] += fields[1];
      state[1] += fields[2];
      state[2] += fields[3];
      out.push(col, state[0], state[1], state[2]);
    }
  }
  return Int32Array.from(out);
}

/** A parsed source map; lines of `mappings` are decoded on first lookup. */
export class SourceMap {
  readonly #sources: readonly string[];
  readonly #ignored: ReadonlySet<number>;
  readonly #lines: string[];
  readonly #decoded: Int32Array[] = [];
  // The source/line/column running state after each decoded line.
  readonly #state = new Int32Array(3);

  /** Parses a source map from its JSON text. */
  constructor(json: string) {
    const raw = JSON.parse(json) as {
      sources?: unknown;
      mappings?: unknown;
      ignoreList?: unknown;
      x_google_ignoreList?: unknown;
    };
    if (!Array.isArray(raw.sources) || typeof raw.mappings !== "string") {
      throw new SourceMapError("not a source map (no sources or mappings)");
    }
    this.#sources = raw.sources.map(String);
    const ignore = raw.ignoreList ?? raw.x_google_ignoreList;
    this.#ignored = new Set(Array.isArray(ignore) ? ignore.map(Number) : []);
    this.#lines = raw.mappings.split(";");
  }

  #line(index: number): Int32Array | undefined {
    if (index >= this.#lines.length) return undefined;
    while (this.#decoded.length <= index) {
      this.#decoded.push(decodeLine(this.#lines[this.#decoded.length], this.#state));
    }
    return this.#decoded[index];
  }

  /**
   * The original position of the generated 1-based `line` and `column`, or `undefined` when the
   * map has no mapping at or before it on that line.
   */
  lookup(line: number, column: number): OriginalPosition | undefined {
    const segs = this.#line(line - 1);
    if (!segs || segs.length === 0) return undefined;
    const col = column - 1;
    // The last segment starting at or before the column (binary search over quadruples).
    let lo = 0, hi = segs.length / 4 - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid * 4] <= col) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const src = segs[found * 4 + 1];
    return {
      source: this.#sources[src] ?? "",
      line: segs[found * 4 + 2] + 1,
      column: segs[found * 4 + 3] + 1,
      ignored: this.#ignored.has(src),
    };
  }
}

const cache = new Map<string, SourceMap | null>();

type ReadText = (path: string) => string;

/**
 * Reads a file as text, synchronously: with Deno's API, or on Node (the npm build) with `node:fs`
 * through `process.getBuiltinModule`. No static `node:fs` import: loading it costs start-up, and
 * this is only needed once an error is reported.
 */
function readText(path: string): string {
  const g = globalThis as {
    Deno?: { readTextFileSync?: ReadText };
    process?: {
      getBuiltinModule?: (id: string) => { readFileSync: (p: string, e: string) => string };
    };
  };
  const deno = g.Deno?.readTextFileSync;
  if (deno) return deno(path);
  const fs = g.process?.getBuiltinModule?.("node:fs");
  if (!fs) throw new Error("no synchronous file read available");
  return fs.readFileSync(path, "utf8");
}

/**
 * The source map beside the file at `path` (`<path>.map`), or `null` when there is none or it
 * cannot be read or parsed. Read once per path.
 */
export function sourceMapFor(path: string): SourceMap | null {
  let map = cache.get(path);
  if (map !== undefined) return map;
  try {
    map = new SourceMap(readText(`${path}.map`));
  } catch {
    map = null;
  }
  cache.set(path, map);
  return map;
}
