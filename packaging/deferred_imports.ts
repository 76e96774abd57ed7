/**
 * Keeps `deno run` from reading a split bundle's chunks before they are imported.
 *
 * When Deno builds a module graph it follows every `import()` whose specifier is a string literal,
 * even one that never runs: each such chunk is read, parsed for its own imports and, with an empty
 * `DENO_DIR` (a fresh Lambda sandbox's `/tmp`), analysed and written to Deno's caches before the
 * first line of the entry runs. A package's entry names both protocols' chunks, so every start
 * paid for the go1.x server (gob and net/rpc, most of the bundle) even over the Runtime API:
 * about 20 ms of a cold start, measured with `benchmarks/shipped_function.ts`. A specifier in
 * parentheses, `import(("./chunk.js"))`, is the same import at run time (resolved against the
 * importing module, loaded when the call runs), but it is an expression, not a literal, so the
 * graph does not follow it.
 *
 * The rewrite adds two characters per import, so the output's source map is shifted to match:
 * generated columns after each insertion move right, nothing else changes.
 *
 * @module
 */

import { decodeVlq, encodeVlq } from "../runtime/source_map.ts";

/**
 * Moves the generated columns of one line's segments (`line`: that line of `mappings`, segments
 * separated by commas) right by the number of `insertions` (original columns where one character
 * was inserted) at or before each segment's column.
 */
function shiftLine(line: string, insertions: number[]): string {
  if (line === "") return line;
  let column = 0;
  let shifted = 0;
  const segments = line.split(",").map((text) => {
    const fields = decodeVlq(text);
    column += fields[0];
    const shift = insertions.filter((at) => at <= column).length;
    // The first field is relative to the previous segment's (already shifted) column.
    fields[0] = column + shift - shifted;
    shifted = column + shift;
    return encodeVlq(fields);
  });
  return segments.join(",");
}

/** The output of {@link deferChunkImports}. */
export interface DeferredImports {
  /** The rewritten code. */
  code: string;
  /** The source map's `mappings`, shifted to the rewritten code. */
  mappings: string;
  /** How many imports were rewritten. */
  count: number;
}

/**
 * Wraps the specifier of every `import("./<chunk>")` of a file in `chunks` (names beside the
 * importing file) in parentheses, so Deno does not load the chunk before the import runs (see the
 * module docs), and shifts `mappings` (the file's source map's) to the new columns.
 *
 * @example
 * ```ts
 * import { deferChunkImports } from "./deferred_imports.ts";
 * const out = deferChunkImports('import("./go1x-AB12.js")', "AAAA", new Set(["go1x-AB12.js"]));
 * out.code; // 'import(("./go1x-AB12.js"))'
 * ```
 */
export function deferChunkImports(
  code: string,
  mappings: string,
  chunks: ReadonlySet<string>,
): DeferredImports {
  const lines = code.split("\n");
  const mapLines = mappings.split(";");
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const insertions: number[] = [];
    lines[i] = lines[i].replace(
      /\bimport\(("\.\/([^"\\]+)")\)/g,
      (whole, literal: string, name: string, offset: number) => {
        if (!chunks.has(name)) return whole;
        const open = offset + "import(".length;
        // Original columns before which a character is inserted: the specifier's start and
        // the character after it.
        insertions.push(open, open + literal.length);
        count++;
        return `import((${literal}))`;
      },
    );
    if (insertions.length > 0 && i < mapLines.length) {
      mapLines[i] = shiftLine(mapLines[i], insertions);
    }
  }
  return { code: lines.join("\n"), mappings: mapLines.join(";"), count };
}
