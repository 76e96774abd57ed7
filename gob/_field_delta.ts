/**
 * A struct's field numbers as the wire gives them: each field sent is preceded by the delta from
 * the previous field's number, a zero delta ends the struct (so does the message's end), and a
 * delta past the struct's last field is corrupt data (Go's "field numbers out of bounds"). Every
 * struct walker reads them here: type definitions, and the typed, plain, JSON and skip plans.
 *
 * @module
 */

import { GobError } from "./error.ts";

/** What a field delta is read with (the decoder core's). */
export interface DeltaReader {
  /** Read position. */
  pos: number;
  /** End of the current message. */
  readonly msgEnd: number;
  /** Reads a count that fits a JavaScript number. */
  count(what: string): number;
}

/**
 * Reads the delta that follows field `fieldnum` (-1 before the first) of a struct of `n` fields
 * and returns the next field's number, or -1 at the struct's end.
 */
export function nextField(d: DeltaReader, fieldnum: number, n: number): number {
  if (d.pos >= d.msgEnd) return -1;
  const delta = d.count("field delta");
  if (delta === 0) return -1;
  if (delta > n - 1 - fieldnum) {
    throw new GobError("corrupt", "bad data: field numbers out of bounds");
  }
  return fieldnum + delta;
}
