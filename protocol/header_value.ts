/**
 * How text travels in an HTTP header value: as its UTF-8 bytes, as Go (and every Lambda front
 * door) puts it on the wire. A JavaScript `Headers` holds a header value as a byte string (one
 * char per byte, Latin-1), so text beyond ASCII is spelled out byte by byte; a handler then reads
 * exactly what `Deno.serve` would give it for the same bytes. CR, LF and NUL, never valid in a
 * header, become spaces.
 *
 * Used by the Runtime API client (header values of posted errors and streams), the HTTP adapter
 * (event headers → `Request`) and the emulator's platform (invocation headers).
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * `s` with CR, LF and NUL replaced by spaces: the text of a header value, for a writer that
 * encodes header text as UTF-8 itself (the emulator's HTTP/1 codec).
 */
export function headerText(s: string): string {
  return /[\r\n\0]/.test(s) ? s.replace(/[\r\n\0]/g, " ") : s;
}

/** A header value carrying `s` as UTF-8 bytes, for `Headers` and `fetch` (see the module docs). */
export function headerValue(s: string): string {
  const clean = headerText(s);
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(clean)) return clean;
  let out = "";
  for (const b of encoder.encode(clean)) out += String.fromCharCode(b);
  return out;
}
