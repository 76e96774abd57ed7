/**
 * Zero values of wire types, for a schemaless decode (plain values or JSON)
 * that shows every field of a struct: a field absent from the wire gets its
 * type's zero value. What that costs is counted against the decoder's
 * `maxZeroFill` allowance before any of it is built, since a few bytes can
 * name a type whose zero value is enormous.
 *
 * @module
 */

import { type DecoderCore, EMPTY_STRUCT, type StructWire } from "./_decode_core.ts";
import { setProp } from "./_own_prop.ts";
import {
  BOOL,
  BYTES,
  COMPLEX,
  FIRST_USER_ID,
  FLOAT,
  INT,
  INTERFACE,
  STRING,
  UINT,
} from "./typeinfo.ts";

/**
 * Takes the zero value of wire type `id`, for a struct field absent from the
 * wire, from the zero-fill allowance of the current top-level value (the
 * field counts one, its zero value's parts one each), before any of it is
 * built; false, taking nothing, when the allowance does not hold it. Such a
 * field is left out of the result: a few bytes can declare a field whose zero
 * value is enormous (an array of 2^72 elements), which Go, building nothing
 * the wire does not carry, decodes; so must a schemaless decode.
 */
export function takeZero(d: DecoderCore, id: number): boolean {
  const cost = 1 + zeroCost(d, id);
  if (cost > d.zeroFill) return false;
  d.zeroFill -= cost;
  return true;
}

/**
 * How many parts the zero value of wire type `id` has beyond itself: the
 * fields of a struct and elements of an array, with theirs (a field whose
 * type contains its struct is `null` and costs nothing). Infinite for an
 * array that contains itself. Computed once per type, with an explicit
 * stack, so that an enormous zero value is refused before any of it is built.
 */
export function zeroCost(d: DecoderCore, id: number): number {
  const memo = d.zeroCosts;
  const known = memo.get(id);
  if (known !== undefined) return known;
  if (id < FIRST_USER_ID) return 0;
  const stack = [id];
  const open = new Set<number>();
  while (stack.length > 0) {
    const at = stack[stack.length - 1];
    if (memo.has(at)) {
      stack.pop();
      continue;
    }
    const w = d.wire.get(at);
    let parts: number[] = [];
    if (w?.kind === "struct") {
      const selfish = selfFields(d, at, w);
      parts = w.fields.filter((_, i) => !selfish[i]).map((f) => f.id);
    } else if (w?.kind === "array") parts = [w.elem];
    const pending = parts.filter((p) => p >= FIRST_USER_ID && !memo.has(p));
    if (pending.length > 0 && !open.has(at)) {
      open.add(at);
      stack.push(...pending);
      continue;
    }
    let cost = 0;
    if (w?.kind === "struct") {
      cost = w.fields.length;
      for (const p of parts) cost += memo.get(p) ?? (p >= FIRST_USER_ID ? Infinity : 0);
    } else if (w?.kind === "array") {
      const elem = memo.get(w.elem) ?? (w.elem >= FIRST_USER_ID ? Infinity : 0);
      cost = w.len === 0 ? 0 : w.len * (1 + elem);
    }
    memo.set(at, cost);
    open.delete(at);
    stack.pop();
  }
  return memo.get(id)!;
}

/** What {@linkcode absentZero} gives for a field left out (see {@linkcode takeZero}). */
export const LEFT_OUT: unique symbol = /* @__PURE__ */ Symbol("gob: zero value left out");

/**
 * The zero value of wire type `id` as a plain value, for a struct field
 * absent from the wire, or {@linkcode LEFT_OUT} if the allowance does not
 * hold it (see {@linkcode takeZero}). A struct field whose type contains the
 * struct itself is `null`.
 */
export function absentZero(d: DecoderCore, id: number): unknown {
  return takeZero(d, id) ? buildZero(d, id) : LEFT_OUT;
}

function buildZero(d: DecoderCore, id: number): unknown {
  switch (id) {
    case BOOL:
      return false;
    case INT:
    case UINT:
    case FLOAT:
      return 0;
    case COMPLEX:
      return { re: 0, im: 0 };
    case STRING:
      return "";
    case BYTES:
      return new Uint8Array(0);
    case INTERFACE:
      return null;
  }
  const w = d.wire.get(id);
  if (!w) return null;
  switch (w.kind) {
    case "slice":
      return [];
    case "array": {
      d.enter();
      const first = w.len > 0 ? buildZero(d, w.elem) : null;
      // Primitive zeros are shared; objects (structs, arrays, ...) are built one by one.
      const out = new Array(w.len).fill(first);
      if (typeof first === "object" && first !== null) {
        for (let i = 1; i < w.len; i++) out[i] = buildZero(d, w.elem);
      }
      d.depth--;
      return out;
    }
    case "struct": {
      const n = w.fields.length;
      if (n === 0) return EMPTY_STRUCT;
      d.enter();
      const selfish = selfFields(d, id, w);
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const f = w.fields[i];
        setProp(obj, f.name, selfish[i] ? null : buildZero(d, f.id));
      }
      d.depth--;
      return obj;
    }
    default:
      return null; // maps (a map not sent is nil, as in Go) and custom-encoded types
  }
}

/**
 * For each field of struct `id`, whether its type contains the struct
 * itself by value (through structs and arrays); such a field's zero value
 * is `null`. Computed once per type with an explicit stack.
 */
export function selfFields(d: DecoderCore, id: number, w: StructWire): boolean[] {
  const cached = d.selfFields.get(id);
  if (cached && w === d.wire.get(id)) return cached;
  const out = w.fields.map((f) => {
    const stack = [f.id];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (at === id) return true;
      if (seen.has(at)) continue;
      seen.add(at);
      const x = d.wire.get(at);
      if (x?.kind === "struct") { for (const g of x.fields) stack.push(g.id); }
      else if (x?.kind === "array") stack.push(x.elem);
    }
    return false;
  });
  if (w === d.wire.get(id)) d.selfFields.set(id, out);
  return out;
}
