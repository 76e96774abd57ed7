/**
 * Plain (schemaless) plans: a value decoded from its wire type alone, with no
 * descriptor, as JavaScript values (`decode(bytes)` without a type, `gob
 * dump`). Structs become objects with every wire field, zero values filled in
 * for fields absent from the wire (`_decode_zero_wire.ts`); custom-encoded
 * types become {@linkcode Opaque}. Plans are built per wire type and look
 * their components up when first needed, so building one never recurses.
 *
 * A function that decodes only into descriptors (the go1.x runtime) never
 * loads this module.
 *
 * @module
 */

import {
  cachedPlan,
  corrupt,
  type DecoderCore,
  type DecOp,
  EMPTY_STRUCT,
  type StructWire,
  topLevelPlan,
} from "./_decode_core.ts";
import { nextField } from "./_field_delta.ts";
import { mapOp } from "./_decode_map.ts";
import { absentZero, LEFT_OUT, selfFields } from "./_decode_zero_wire.ts";
import { setProp } from "./_own_prop.ts";
import { BOOL, BYTES, COMPLEX, FLOAT, INT, INTERFACE, STRING, UINT } from "./typeinfo.ts";
import type { InterfaceValue, MarshalerFlavor } from "./types.ts";

/** A value of a type with a custom encoding, decoded without a descriptor. */
export class Opaque {
  /** The wire name of the type (`Time`; often empty, as for `*big.Int`). */
  readonly name: string;
  /** Which of Go's marshaler interfaces produced it. */
  readonly flavor: MarshalerFlavor;
  /** The encoded bytes. */
  readonly bytes: Uint8Array;
  /** Creates an opaque value. */
  constructor(name: string, flavor: MarshalerFlavor, bytes: Uint8Array) {
    this.name = name;
    this.flavor = flavor;
    this.bytes = bytes;
  }
}

/** Marks a struct field that was not received. */
const NONE: unique symbol = /* @__PURE__ */ Symbol("gob: field not received");

/** Decodes the top-level value of wire type `id` that follows as plain values. */
export function plainValue(d: DecoderCore, id: number): unknown {
  return topLevelPlan(d, id, plainOp, otherPlainStruct)(d);
}

/** An interface value, its concrete value decoded as plain values. */
function plainInterface(d: DecoderCore): InterfaceValue | null {
  const name = d.interfaceName();
  if (name === null) return null;
  return { name, value: d.concreteValue(plainValue) };
}

/** The plain plan for wire type `id`, built once per stream. */
export function plainOp(d: DecoderCore, id: number): DecOp {
  return cachedPlan(d, d.plainOps, id, buildPlain);
}

/** Plain ops look their component ops up when first needed: building one never recurses. */
function buildPlain(core: DecoderCore, id: number): DecOp {
  switch (id) {
    case BOOL:
      return (d) => d.uint() !== 0;
    case INT:
      return (d) => d.int();
    case UINT:
      return (d) => d.uint();
    case FLOAT:
      return (d) => d.float();
    case COMPLEX:
      return (d) => ({ re: d.float(), im: d.float() });
    case STRING:
      return (d) => d.string();
    case BYTES:
      return (d) => d.byteSlice();
    case INTERFACE:
      return plainInterface;
  }
  const w = core.wireOf(id);
  switch (w.kind) {
    case "slice":
    case "array": {
      let elem: DecOp | null = null;
      const len = w.kind === "array" ? w.len : -1;
      return (d) => {
        const n = len < 0 ? d.length("slice length") : d.arrayLength(len, "ignoreArray");
        elem ??= plainOp(d, w.elem);
        d.enter();
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = elem(d);
        d.depth--;
        return out;
      };
    }
    case "map": {
      let key: DecOp | null = null, elem: DecOp | null = null;
      const byValue = w.key === COMPLEX || w.key === INTERFACE ||
        core.wire.get(w.key)?.kind === "struct" || core.wire.get(w.key)?.kind === "array";
      return (d) => {
        key ??= plainOp(d, w.key);
        elem ??= plainOp(d, w.elem);
        d.enter();
        const m = mapOp(d, key, elem, byValue);
        d.depth--;
        return m;
      };
    }
    case "struct":
      return buildPlainStruct(id, w);
    default: {
      const name = w.name;
      const flavor = w.kind;
      return (d) => new Opaque(name, flavor, d.bytes());
    }
  }
}

/** The plain op of a struct definition `sw` that is a second kind of type `id`. */
function otherPlainStruct(d: DecoderCore, id: number, sw: StructWire): DecOp {
  d.checkComplete(id);
  return buildPlainStruct(id, sw);
}

/**
 * A struct as an object with every wire field: fields absent from the wire
 * get their zero values while the value's `zeroFill` allowance holds them,
 * and are left out after (see `takeZero`); a struct with no fields is the
 * one shared frozen {@linkcode EMPTY_STRUCT}.
 */
function buildPlainStruct(id: number, w: StructWire): DecOp {
  const n = w.fields.length;
  if (n === 0) {
    return (d) => {
      if (d.pos < d.msgEnd && d.count("field delta") !== 0) {
        corrupt("bad data: field numbers out of bounds");
      }
      return EMPTY_STRUCT;
    };
  }
  const names = w.fields.map((f) => f.name);
  const ids = w.fields.map((f) => f.id);
  let ops: DecOp[] | null = null;
  let selfish: boolean[] | null = null;
  return (d) => {
    ops ??= ids.map((fid) => plainOp(d, fid));
    d.enter();
    const vals: unknown[] = new Array(n).fill(NONE);
    let present = 0;
    for (let f = nextField(d, -1, n); f >= 0; f = nextField(d, f, n)) {
      vals[f] = ops[f](d);
      present++;
    }
    if (present < n) {
      selfish ??= selfFields(d, id, w);
      for (let i = 0; i < n; i++) {
        if (vals[i] === NONE) vals[i] = selfish[i] ? null : absentZero(d, ids[i]);
      }
    }
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) if (vals[i] !== LEFT_OUT) setProp(obj, names[i], vals[i]);
    d.depth--;
    return obj;
  };
}
