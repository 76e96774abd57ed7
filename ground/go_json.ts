/**
 * JSON text as Go's `encoding/json` writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped as
 * `\u003c`-style sequences (Go's HTML-safe default). Used wherever a Go peer's bytes are
 * reproduced: Lambda error documents, the jsonrpc codec.
 *
 * @module
 */

const GO_ESCAPED = /[<>&\u2028\u2029]/g;
const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * Applies Go's HTML-safe escaping to JSON text (the output of `JSON.stringify`). These
 * characters can only occur inside JSON strings, so a global replace is exact.
 */
export function goEscape(json: string): string {
  return json.replace(GO_ESCAPED, (c) => GO_ESCAPES[c]);
}

/**
 * `JSON.stringify(value)` with Go's `json.Marshal` escaping (see {@link goEscape}). Like
 * `JSON.stringify`, throws on cycles and BigInt.
 */
export function goJSON(value: unknown): string {
  return goEscape(JSON.stringify(value));
}
