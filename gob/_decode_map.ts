/**
 * Maps as Go holds them: keys that Go's `==` finds equal are one entry, even
 * when they decode to distinct JavaScript objects.
 *
 * @module
 */

import { corrupt, type DecoderCore, type DecOp } from "./_decode_core.ts";

/** Local key kinds whose values are objects: map entries are matched by value, as Go's `==`. */
export const KEYED_BY_VALUE: ReadonlySet<string> = new Set([
  "struct",
  "array",
  "complex",
  "interface",
  "marshaler",
]);

/**
 * Decodes a map. With `byValue`, keys are objects (structs, arrays, complex
 * numbers, interface values) and two keys Go's `==` finds equal are one
 * entry, which holds the last value, as in Go; the first key object received
 * is kept.
 */
export function mapOp(
  d: DecoderCore,
  key: DecOp,
  elem: DecOp,
  byValue = false,
): Map<unknown, unknown> {
  const n = d.count("map length");
  if (n > (d.msgEnd - d.pos) / 2) corrupt(`invalid map length ${n}: exceeds input size`);
  const m = new Map();
  if (!byValue) {
    for (let i = 0; i < n; i++) {
      const k = key(d);
      m.set(k, elem(d));
    }
    return m;
  }
  const keys = new Map<string, unknown>();
  for (let i = 0; i < n; i++) {
    let k = key(d);
    const e = elem(d);
    const ks = keyString(k);
    if (ks !== null) {
      if (keys.has(ks)) k = keys.get(ks);
      else keys.set(ks, k);
    }
    m.set(k, e);
  }
  return m;
}

/**
 * A string that is the same for two decoded map keys exactly when Go's `==`
 * finds them equal: fields and elements compared in order, `-0` equal to `0`,
 * interface values by concrete type name and value. `null` for a key equal to
 * nothing, not even itself (one holding a NaN, as in Go).
 */
function keyString(v: unknown): string | null {
  switch (typeof v) {
    case "number":
      return v !== v ? null : `n${v === 0 ? 0 : v}`;
    case "bigint":
      return `b${v}`;
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "t" : "f";
    case "object": {
      if (v === null) return "z";
      if (v instanceof Date) return `d${v.getTime()}`;
      if (v instanceof Uint8Array) return `u${v.join(",")}`;
      const parts: string[] = [];
      if (Array.isArray(v)) {
        for (const x of v) {
          const s = keyString(x);
          if (s === null) return null;
          parts.push(s);
        }
        return `[${parts.join(",")}]`;
      }
      for (const [k, x] of Object.entries(v)) {
        const s = keyString(x);
        if (s === null) return null;
        parts.push(`${JSON.stringify(k)}:${s}`);
      }
      return `{${parts.join(",")}}`;
    }
    default:
      return String(v);
  }
}
