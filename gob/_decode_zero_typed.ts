/**
 * Zero values of descriptors: what a typed decode gives a struct field the
 * wire did not carry, as Go leaves such a field at its zero value.
 *
 * @module
 */

import { EMPTY_STRUCT } from "./_decode_core.ts";
import { setProp } from "./_own_prop.ts";
import { canonical } from "./typeinfo.ts";
import type { StructType, Type } from "./types.ts";

const structZeros = new WeakMap<StructType<unknown>, () => Record<string, unknown>>();

/** A factory for the zero value of a struct descriptor (all fields, stable shape). */
export function structZero(t: StructType<unknown>): () => Record<string, unknown> {
  let z = structZeros.get(t);
  if (z) return z;
  if (t.fields.length === 0) {
    z = () => EMPTY_STRUCT;
    structZeros.set(t, z);
    return z;
  }
  let real: (() => Record<string, unknown>) | null = null;
  structZeros.set(t, () => real!());
  const zeros = t.fields.map((f) => zeroFor(f.type, t));
  const props = t.fields.map((f) => f.prop);
  real = () => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < props.length; i++) setProp(obj, props[i], zeros[i]());
    return obj;
  };
  structZeros.set(t, real);
  z = real;
  return z;
}

/**
 * A factory for the zero value of a field of descriptor `type` in struct
 * `owner` (a field of the owner's own type is `null`).
 */
export function zeroFor(type: Type, owner: StructType<unknown>): () => unknown {
  const t = canonical(type);
  switch (t.kind) {
    case "bool":
      return () => false;
    case "int":
    case "uint":
      return t.big ? () => 0n : () => 0;
    case "float":
      return () => 0;
    case "complex":
      return () => ({ re: 0, im: 0 });
    case "string":
      return () => "";
    case "bytes":
      return () => new Uint8Array(0);
    case "slice":
      return () => [];
    case "map":
      return () => null; // a map not sent is nil, as in Go (an empty map is sent)
    case "array": {
      const elem = zeroFor(t.elem, owner);
      const len = t.length;
      return () => Array.from({ length: len }, elem);
    }
    case "struct":
      return t === owner ? () => null : () => structZero(t)();
    case "marshaler": {
      const codec = t.codec;
      return codec.zero ? () => codec.zero!() : () => null;
    }
    default:
      return () => null; // pointers, interfaces
  }
}
