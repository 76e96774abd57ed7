/**
 * Plans for the scalar descriptors (`t.int32`, `t.float32`, `t.uint64`, …):
 * each reads its wire scalar and refuses a value the descriptor cannot hold,
 * as Go's decoder refuses one its local type cannot.
 *
 * @module
 */

import type { DecOp } from "./_decode_core.ts";
import { GobError } from "./error.ts";
import { BOOL, BYTES, COMPLEX, FLOAT, INT, STRING, UINT } from "./typeinfo.ts";
import type { ScalarType } from "./types.ts";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The wire type id of each scalar descriptor kind. */
export const SCALAR_WIRE: Readonly<Record<string, number>> = {
  bool: BOOL,
  int: INT,
  uint: UINT,
  float: FLOAT,
  complex: COMPLEX,
  string: STRING,
  bytes: BYTES,
};

/** Throws the error for a received value out of the range of descriptor `t`. */
export function overflow(t: ScalarType<unknown>, v: unknown): never {
  throw new GobError("overflow", `value for "${t}" out of range: ${v}`);
}

/** The plan that reads a value of scalar descriptor `t`. */
export function scalarOp(t: ScalarType<unknown>): DecOp {
  switch (t.kind) {
    case "bool":
      return (d) => d.uint() !== 0;
    case "int": {
      if (t.big) {
        return (d) => {
          const v = d.int();
          return typeof v === "bigint" ? v : BigInt(v);
        };
      }
      if (t.bits === 64) {
        return (d) => {
          const v = d.int();
          if (typeof v !== "number") overflow(t, v);
          return v;
        };
      }
      const max = 2 ** (t.bits - 1) - 1, min = -(2 ** (t.bits - 1));
      return (d) => {
        const v = d.int();
        if (typeof v !== "number" || v > max || v < min) overflow(t, v);
        return v;
      };
    }
    case "uint": {
      if (t.big) {
        return (d) => {
          const v = d.uint();
          return typeof v === "bigint" ? v : BigInt(v);
        };
      }
      const max = t.bits === 64 ? MAX_SAFE : 2 ** t.bits - 1;
      return (d) => {
        const v = d.uint();
        if (typeof v !== "number" || v > max) overflow(t, v);
        return v;
      };
    }
    case "float":
      if (t.bits === 32) {
        return (d) => {
          const v = d.float();
          if (Math.abs(v) > 3.4028234663852886e38 && Number.isFinite(v)) overflow(t, v);
          return v;
        };
      }
      return (d) => d.float();
    case "complex":
      if (t.bits === 32) {
        return (d) => {
          const re = d.float(), im = d.float();
          const max = 3.4028234663852886e38;
          if (
            (Math.abs(re) > max && Number.isFinite(re)) ||
            (Math.abs(im) > max && Number.isFinite(im))
          ) {
            overflow(t, `(${re}+${im}i)`);
          }
          return { re, im };
        };
      }
      return (d) => ({ re: d.float(), im: d.float() });
    case "string":
      return (d) => d.string();
    default:
      return (d) => d.byteSlice();
  }
}
