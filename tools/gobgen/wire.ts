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

/** Whether a wire name is a Go identifier (a named type) rather than a type string. */
function isIdent(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{N}_]*$/u.test(name);
}

/** Builds the model of a stream's type definitions (in the order they arrived). */
export function fromWire(wires: readonly WireType[], source: string): Model {
  const byId = new Map(wires.map((w) => [w.id, w]));
  const idents = new Map<number, string>();
  const taken = new Set<string>();
  for (const w of wires) {
    const named = isIdent(w.name);
    const custom = w.kind === "gob" || w.kind === "binary" || w.kind === "text";
    if (!named && !custom) continue;
    const base = named ? safeIdent(w.name) : `Custom${w.id}`;
    let ident = base;
    for (let i = 2; taken.has(ident); i++) ident = `${base}_${i}`;
    taken.add(ident);
    idents.set(w.id, ident);
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
  for (const w of wires) {
    const ident = idents.get(w.id);
    if (ident === undefined) continue;
    decls.push({
      ident,
      go: { pkgPath: "", pkgName: "", name: isIdent(w.name) ? w.name : "" },
      root: true,
      type: shape(w, new Set([w.id])),
    });
  }
  return { source, decls, skipped: [] };
}
