/**
 * The model of the types a gob stream defines, for `gob dump --types=ts`:
 * names as sent, field kinds as on the wire (every signed integer is `int`,
 * every float `float64`), unnamed slices, arrays, maps and structs inline.
 *
 * @module
 */

import type { WireType } from "../../gob/mod.ts";
import { BOOL, BYTES, COMPLEX, FLOAT, INT, INTERFACE, STRING, UINT } from "../../gob/typeinfo.ts";
import { type Decl, type GoType, type Model, safeIdent } from "./model.ts";

const PREDEFINED: Record<number, GoType> = {
  [BOOL]: { kind: "scalar", name: "bool" },
  [INT]: { kind: "scalar", name: "int" },
  [UINT]: { kind: "scalar", name: "uint" },
  [FLOAT]: { kind: "scalar", name: "float64" },
  [COMPLEX]: { kind: "scalar", name: "complex128" },
  [STRING]: { kind: "scalar", name: "string" },
  [BYTES]: { kind: "bytes" },
  [INTERFACE]: { kind: "interface" },
};

/**
 * Whether a wire name names a type (`Point`, or an instantiation such as
 * `Pair[string,main.Point]`) rather than spelling an unnamed one (`[]int`).
 */
function isIdent(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{N}_]*(\[.+\])?$/u.test(name);
}

/**
 * Builds the model of a stream's type definitions, given by the id each was
 * defined under, in the order they arrived.
 */
export function fromWire(byId: ReadonlyMap<number, WireType>, source: string): Model {
  const idents = new Map<number, string>();
  const taken = new Set<string>();
  for (const [id, w] of byId) {
    const named = isIdent(w.name);
    const custom = w.kind === "gob" || w.kind === "binary" || w.kind === "text";
    if (!named && !custom) continue;
    const base = named ? safeIdent(w.name) : `Custom${id}`;
    let ident = base;
    for (let i = 2; taken.has(ident); i++) ident = `${base}_${i}`;
    taken.add(ident);
    idents.set(id, ident);
  }
  const typeOf = (id: number, seen: Set<number>): GoType => {
    const pre = PREDEFINED[id];
    if (pre) return pre;
    const ident = idents.get(id);
    if (ident !== undefined) return { kind: "ref", ref: ident };
    const w = byId.get(id);
    if (!w) throw new Error(`type id ${id} is used but never defined in the stream`);
    if (seen.has(id)) throw new Error(`unnamed type ${w.name} contains itself`);
    return shape(w, new Set(seen).add(id));
  };
  const shape = (w: WireType, seen: Set<number>): GoType => {
    switch (w.kind) {
      case "slice":
        return { kind: "slice", elem: typeOf(w.elem, seen) };
      case "array":
        return { kind: "array", len: w.len, elem: typeOf(w.elem, seen) };
      case "map":
        return { kind: "map", key: typeOf(w.key, seen), elem: typeOf(w.elem, seen) };
      case "struct":
        return {
          kind: "struct",
          fields: w.fields.map((f) => ({ name: f.name, type: typeOf(f.id, seen) })),
        };
      default:
        return { kind: "marshaler", flavor: w.kind };
    }
  };
  const decls: Decl[] = [];
  // Go's types are not infinite: a struct field whose type holds the struct
  // itself (by value or through arrays) was a pointer, which the wire drops.
  const shapes = new Map<string, GoType>();
  for (const [id, w] of byId) {
    const ident = idents.get(id);
    if (ident !== undefined) shapes.set(ident, shape(w, new Set([id])));
  }
  const holds = (x: GoType, target: string, seen: Set<string>): boolean => {
    if (x.kind === "array") return holds(x.elem, target, seen);
    if (x.kind === "struct") return (x.fields ?? []).some((f) => holds(f.type, target, seen));
    if (x.kind !== "ref") return false;
    if (x.ref === target) return true;
    if (seen.has(x.ref)) return false;
    seen.add(x.ref);
    return holds(shapes.get(x.ref)!, target, seen);
  };
  for (const [ident, x] of shapes) {
    if (x.kind !== "struct") continue;
    for (const f of x.fields ?? []) {
      if (holds(f.type, ident, new Set())) f.type = { kind: "ptr", elem: f.type };
    }
  }
  for (const [id, w] of byId) {
    const ident = idents.get(id);
    if (ident === undefined) continue;
    decls.push({
      ident,
      go: { pkgPath: "", pkgName: "", name: isIdent(w.name) ? w.name : "" },
      root: true,
      type: shapes.get(ident)!,
      ...(w.kind === "gob" && w.name === "Time"
        ? { note: "if this is Go's time.Time, use t.time or t.date instead" }
        : {}),
    });
  }
  return { source, decls, skipped: [] };
}
