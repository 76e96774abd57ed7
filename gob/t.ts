/**
 * The type descriptors as one namespace (`t.int`, `t.struct`, `t.Type`), the
 * ready-made marshalers included. Import it as `t` from `gob/mod.ts`.
 *
 * @module
 */

export * from "./types.ts";
export {
  bigInt,
  bigIntValue,
  bigRat,
  bigRatValue,
  date,
  encodedBytes,
  time,
} from "./marshalers.ts";
