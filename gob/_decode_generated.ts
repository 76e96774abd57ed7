/**
 * Generated typed plans (Go keeps its generated decoders apart too, in
 * `dec_helpers.go`). Struct, slice and map plans are compiled with
 * `new Function`, one function per (wire type, descriptor) pairing: each has
 * its own inline caches (a shared loop over a table of ops sees every struct
 * and every op), common scalars are read inline, and a struct is built as one
 * object literal with its fields in descriptor order, so every decoded value
 * of a descriptor has the same shape. The generated code makes the same
 * checks, in the same order, as the closures of `_decode_typed.ts` it
 * replaces, which remain the fallback where code generation is not allowed
 * (CSP).
 *
 * @module
 */

import { corrupt, type DecOp, EMPTY_STRUCT, type StructWire } from "./_decode_core.ts";
import { overflow, SCALAR_WIRE } from "./_decode_scalar.ts";
import { zeroFor } from "./_decode_zero_typed.ts";
import { Refs } from "./codegen.ts";
import { canonical, userType } from "./typeinfo.ts";
import type { ScalarType, StructType, Type } from "./types.ts";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Marks a struct field that was not received (its zero value is built at the end). */
const NONE: unique symbol = Symbol("gob: field not received");

/**
 * Statements that decode a value of wire type `wireId` into `local` and
 * assign it to `x`: the scalar ops of {@linkcode scalarOp} inlined, anything
 * else a call of `op`.
 */
function readCode(r: Refs, local: Type, wireId: number, op: DecOp, x: string): string {
  const t = userType(local).base;
  if (t.kind in SCALAR_WIRE && SCALAR_WIRE[t.kind] === wireId) {
    const st = t as ScalarType<unknown>;
    const ovf = () => `${r.ref(overflow)}(${r.ref(st)}, ${x});`;
    switch (st.kind) {
      case "bool":
        return `${x} = d.uint() !== 0;`;
      case "int":
        if (!st.big && st.bits === 64) {
          return `${x} = d.int(); if (typeof ${x} !== "number") ${ovf()}`;
        }
        break;
      case "uint":
        if (!st.big && st.bits === 64) {
          return `${x} = d.uint(); if (typeof ${x} !== "number" || ${x} > ${MAX_SAFE}) ${ovf()}`;
        }
        break;
      case "float":
        if (st.bits === 64) return `${x} = d.float();`;
        break;
      case "string":
        return `${x} = d.string();`;
    }
  }
  return `${x} = ${r.ref(op)}(d);`;
}

/** A literal for the zero value of a struct field that needs no allocation, or null. */
function primitiveZero(type: Type): string | null {
  const t = canonical(type);
  switch (t.kind) {
    case "bool":
      return "false";
    case "int":
    case "uint":
      return t.big ? "0n" : "0";
    case "float":
      return "0";
    case "string":
      return '""';
    default:
      return null;
  }
}

/** The generated plan of a struct wire type decoded into `local` (field plans given). */
export function generateStructOp(
  w: StructWire,
  local: StructType<unknown>,
  props: (string | null)[],
  fieldOps: DecOp[],
): DecOp {
  const r = new Refs();
  const fields = local.fields;
  const propIndex = new Map(fields.map((f, i) => [f.prop, i]));
  const n = w.fields.length;
  let body = "return function decodeStruct(d) {\n  d.enter();\n  let x;\n";
  const zeros: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const z = primitiveZero(fields[i].type);
    zeros.push(z ?? r.ref(NONE));
    body += `  let f${i} = ${zeros[i]};\n`;
  }
  body += `  let fieldnum = -1;
  while (d.pos < d.msgEnd) {
    let delta = d.src[d.pos];
    if (delta < 0x80) d.pos++;
    else delta = d.count("field delta");
    if (delta === 0) break;
    if (delta > ${n - 1} - fieldnum) ${r.ref(corrupt)}("bad data: field numbers out of bounds");
    fieldnum += delta;
    switch (fieldnum) {\n`;
  for (let i = 0; i < n; i++) {
    const p = props[i];
    if (p === null) {
      body += `      case ${i}: ${r.ref(fieldOps[i])}(d); break;\n`;
    } else {
      const li = propIndex.get(p)!;
      const lf = fields[li];
      body += `      case ${i}: ${
        readCode(r, lf.type, w.fields[i].id, fieldOps[i], "x")
      } f${li} = x; break;\n`;
    }
  }
  if (fields.length === 0) {
    return r.compile<DecOp>(
      body + `    }\n  }\n  d.depth--;\n  return ${r.ref(EMPTY_STRUCT)};\n};`,
    );
  }
  body += "    }\n  }\n  d.depth--;\n  return {\n";
  for (let i = 0; i < fields.length; i++) {
    const key = fields[i].prop === "__proto__" ? '["__proto__"]' : JSON.stringify(fields[i].prop);
    const value = zeros[i].startsWith("r")
      ? `f${i} === ${zeros[i]} ? ${r.ref(zeroFor(fields[i].type, local))}() : f${i}`
      : `f${i}`;
    body += `    ${key}: ${value},\n`;
  }
  body += "  };\n};";
  return r.compile<DecOp>(body);
}

/** The generated plan of a slice decoded into elements of `elemType`. */
export function generateSliceOp(elemType: Type, wireElem: number, elem: DecOp): DecOp {
  const r = new Refs();
  return r.compile<DecOp>(`return function decodeSlice(d) {
  const n = d.length("slice length");
  d.enter();
  const out = new Array(n);
  let x;
  for (let i = 0; i < n; i++) {
    ${readCode(r, elemType, wireElem, elem, "x")}
    out[i] = x;
  }
  d.depth--;
  return out;
};`);
}

/** The generated plan of a map decoded into `keyType` and `elemType`. */
export function generateMapOp(
  keyType: Type,
  wireKey: number,
  key: DecOp,
  elemType: Type,
  wireElem: number,
  elem: DecOp,
): DecOp {
  const r = new Refs();
  return r.compile<DecOp>(`return function decodeMap(d) {
  const n = d.count("map length");
  if (n > (d.msgEnd - d.pos) / 2) ${
    r.ref(corrupt)
  }("invalid map length " + n + ": exceeds input size");
  const m = new Map();
  let k, e;
  for (let i = 0; i < n; i++) {
    ${readCode(r, keyType, wireKey, key, "k")}
    ${readCode(r, elemType, wireElem, elem, "e")}
    m.set(k, e);
  }
  return m;
};`);
}
