/**
 * Type definitions received on a stream written as Go source (`gob dump`'s
 * `--types=go`, `typeDefinitions()` of the decoders).
 *
 * @module
 */

import type { DecoderCore } from "./_decode_core.ts";
import { BOOL, BYTES, COMPLEX, FLOAT, INT, INTERFACE, STRING, UINT } from "./typeinfo.ts";

/** The Go spelling of a builtin wire type, or undefined. */
function goBuiltin(id: number): string | undefined {
  switch (id) {
    case BOOL:
      return "bool";
    case INT:
      return "int";
    case UINT:
      return "uint";
    case FLOAT:
      return "float64";
    case COMPLEX:
      return "complex128";
    case STRING:
      return "string";
    case BYTES:
      return "[]byte";
    case INTERFACE:
      return "interface{}";
  }
}

/** A Go type expression for wire type `id` (named types by name, others spelled out). */
function goType(d: DecoderCore, id: number, seen = new Set<number>()): string {
  const builtin = goBuiltin(id);
  if (builtin !== undefined) return builtin;
  const w = d.wire.get(id);
  if (!w) return `_${id}`;
  if (isIdent(w.name) || seen.has(id) || w.kind === "struct") {
    return isIdent(w.name) ? w.name : `_${id}`;
  }
  seen.add(id);
  switch (w.kind) {
    case "slice":
      return `[]${goType(d, w.elem, seen)}`;
    case "array":
      return `[${w.len}]${goType(d, w.elem, seen)}`;
    case "map":
      return `map[${goType(d, w.key, seen)}]${goType(d, w.elem, seen)}`;
    default:
      return `_${id}`;
  }
}

function isIdent(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{N}_]*$/u.test(name);
}

/**
 * Go source for a wire type definition, such as `type Point struct { X int; Y int }`,
 * or null for a type Go would not declare (an unnamed slice, array or map,
 * whose wire name is its type string).
 */
export function goSource(d: DecoderCore, id: number): string | null {
  const w = d.wireOf(id);
  if (
    !isIdent(w.name) && w.kind !== "struct" && w.kind !== "gob" && w.kind !== "binary" &&
    w.kind !== "text"
  ) {
    return null;
  }
  const name = isIdent(w.name) ? w.name : `_${id}`;
  switch (w.kind) {
    case "struct":
      if (w.fields.length === 0) return `type ${name} struct{}`;
      return `type ${name} struct {\n${
        w.fields.map((f) => `\t${f.name} ${goType(d, f.id)}`).join("\n")
      }\n}`;
    case "slice":
      return `type ${name} []${goType(d, w.elem)}`;
    case "array":
      return `type ${name} [${w.len}]${goType(d, w.elem)}`;
    case "map":
      return `type ${name} map[${goType(d, w.key)}]${goType(d, w.elem)}`;
    default: {
      const iface = { gob: "GobEncoder", binary: "BinaryMarshaler", text: "TextMarshaler" }[w.kind];
      return `type ${name} struct{ /* opaque: implements ${iface} */ }`;
    }
  }
}
