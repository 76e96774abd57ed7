/**
 * JSON plans: gob values as JSON text, decoded straight from the wire types
 * (no descriptor needed), for `Decoder.decodeJSON` and `gob dump`.
 *
 * The mapping, chosen so a JSON reader loses nothing it could use:
 * - struct → object with every wire field, zero values filled in (a field not
 *   sent whose type contains itself → `null`) while the decoder's
 *   `maxZeroFill` allowance holds them; a field whose zero value it does not
 *   hold is left out;
 * - integers → numbers with exact digits, even past 2^53;
 * - floats → numbers; NaN and ±Inf → `"NaN"`, `"+Inf"`, `"-Inf"`;
 * - complex → `[re, im]`; string → string; `[]byte` → standard base64;
 * - slices and arrays → arrays;
 * - maps with string or integer keys → objects with the keys as Go's
 *   `encoding/json` writes them (sorted); other maps → `[[key, value], ...]`,
 *   equal keys once, with the last value (as a Go map holds them);
 * - interface → `{"type": name, "value": v}` or `null`;
 * - custom-encoded types → `{"type": name, "bytes": base64}`.
 *
 * @module
 */

import { encodeBase64 } from "../ground/bytes.ts";
import { cachedPlan, type DecoderCore, topLevelPlan } from "./_decode_core.ts";
import { nextField } from "./_field_delta.ts";
import { selfFields, takeZero } from "./_decode_zero_wire.ts";
import { GobError } from "./error.ts";
import {
  BOOL,
  BYTES,
  COMPLEX,
  FLOAT,
  INT,
  INTERFACE,
  STRING,
  UINT,
  type WireType,
} from "./typeinfo.ts";

type JsonOp = (d: DecoderCore) => string;
type StructWire = Extract<WireType, { kind: "struct" }>;

interface JsonPlans {
  ops: Map<number, JsonOp>;
  zeros: Map<number, string>;
}

const plansByCore = new WeakMap<DecoderCore, JsonPlans>();

function plans(d: DecoderCore): JsonPlans {
  let p = plansByCore.get(d);
  if (!p) plansByCore.set(d, p = { ops: new Map(), zeros: new Map() });
  return p;
}

function jsonFloat(f: number): string {
  if (f !== f) return '"NaN"';
  if (f === Infinity) return '"+Inf"';
  if (f === -Infinity) return '"-Inf"';
  return JSON.stringify(f);
}

/** Decodes the value of wire type `id` at the read position into JSON text. */
export function valueJSON(d: DecoderCore, id: number): string {
  return topLevelPlan(d, id, jsonOp, otherStructJson)(d);
}

/** The JSON op of a struct definition `sw` that is a second kind of type `id`. */
const otherStructJson = (_d: DecoderCore, id: number, sw: StructWire) => structJson(id, sw);

function jsonOp(d: DecoderCore, id: number): JsonOp {
  return cachedPlan(d, plans(d).ops, id, buildJson);
}

function isIntegerKey(id: number): boolean {
  return id === INT || id === UINT;
}

function buildJson(d: DecoderCore, id: number): JsonOp {
  switch (id) {
    case BOOL:
      return (d) => (d.uint() !== 0 ? "true" : "false");
    case INT:
      return (d) => String(d.int());
    case UINT:
      return (d) => String(d.uint());
    case FLOAT:
      return (d) => jsonFloat(d.float());
    case COMPLEX:
      return (d) => `[${jsonFloat(d.float())},${jsonFloat(d.float())}]`;
    case STRING:
      return (d) => JSON.stringify(d.string());
    case BYTES:
      return (d) => `"${encodeBase64(d.bytes())}"`;
    case INTERFACE:
      return (d) => {
        const head = d.interfaceHeader();
        if (head === null) return "null";
        d.enter();
        const v = valueJSON(d, head.id);
        d.depth--;
        return `{"type":${JSON.stringify(head.name)},"value":${v}}`;
      };
  }
  const w = d.wireOf(id);
  switch (w.kind) {
    case "slice":
    case "array": {
      let elem: JsonOp | null = null;
      const fixed = w.kind === "array" ? w.len : -1;
      return (d) => {
        elem ??= jsonOp(d, w.elem);
        const n = d.count("array length");
        if (fixed >= 0 && n !== fixed) {
          throw new GobError("corrupt", `length mismatch in array: ${n} != ${fixed}`);
        }
        if (n > d.msgEnd - d.pos) {
          throw new GobError("corrupt", `invalid slice length ${n}: exceeds input size`);
        }
        d.enter();
        const parts = new Array<string>(n);
        for (let i = 0; i < n; i++) parts[i] = elem(d);
        d.depth--;
        return `[${parts.join(",")}]`;
      };
    }
    case "map": {
      let key: JsonOp | null = null, elem: JsonOp | null = null;
      const keyed = w.key === STRING || isIntegerKey(w.key);
      return (d) => {
        key ??= jsonOp(d, w.key);
        elem ??= jsonOp(d, w.elem);
        const n = d.count("map length");
        if (n > (d.msgEnd - d.pos) / 2) {
          throw new GobError("corrupt", `invalid map length ${n}: exceeds input size`);
        }
        d.enter();
        const entries: [string, string][] = [];
        for (let i = 0; i < n; i++) entries.push([key(d), elem(d)]);
        d.depth--;
        if (!keyed) {
          // Equal keys (struct, array, interface keys written alike) are one entry
          // holding the last value, as in Go.
          const last = new Map<string, string>();
          for (const [k, v] of entries) last.set(k, v);
          return `[${[...last].map(([k, v]) => `[${k},${v}]`).join(",")}]`;
        }
        const objKey = w.key === STRING ? (k: string) => k : (k: string) => `"${k}"`;
        const byKey = new Map<string, string>();
        for (const [k, v] of entries) byKey.set(objKey(k), v);
        const keys = [...byKey.keys()].map((k) => [JSON.parse(k) as string, k] as const)
          .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
        return `{${keys.map((k) => `${k}:${byKey.get(k)}`).join(",")}}`;
      };
    }
    case "struct":
      return structJson(id, w);
    default: {
      const name = JSON.stringify(w.name);
      return (d) => `{"type":${name},"bytes":"${encodeBase64(d.bytes())}"}`;
    }
  }
}

/** A struct as an object with every wire field, zero values filled in for the absent ones. */
function structJson(id: number, w: StructWire): JsonOp {
  const n = w.fields.length;
  const names = w.fields.map((f) => JSON.stringify(f.name));
  let ops: JsonOp[] | null = null;
  return (d) => {
    ops ??= w.fields.map((f) => jsonOp(d, f.id));
    d.enter();
    const vals = new Array<string | null | undefined>(n);
    let present = 0;
    for (let f = nextField(d, -1, n); f >= 0; f = nextField(d, f, n)) {
      vals[f] = ops[f](d);
      present++;
    }
    if (present < n) {
      const selfish = selfFields(d, id, w);
      for (let i = 0; i < n; i++) {
        if (vals[i] === undefined) vals[i] = selfish[i] ? "null" : zeroJSON(d, w.fields[i].id);
      }
    }
    d.depth--;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) if (vals[i] !== null) parts.push(`${names[i]}:${vals[i]}`);
    return `{${parts.join(",")}}`;
  };
}

/**
 * The zero value of wire type `id` as JSON, for a struct field absent from
 * the wire, or null when the decoder's zero-fill allowance does not hold it
 * and the field is left out (see `takeZero` in `_decode_zero_wire.ts`).
 */
function zeroJSON(d: DecoderCore, id: number): string | null {
  if (!takeZero(d, id)) return null;
  const p = plans(d);
  const cached = p.zeros.get(id);
  if (cached !== undefined) return cached;
  const z = buildZeroJSON(d, id);
  p.zeros.set(id, z);
  return z;
}

function buildZeroJSON(d: DecoderCore, id: number): string {
  switch (id) {
    case BOOL:
      return "false";
    case INT:
    case UINT:
    case FLOAT:
      return "0";
    case COMPLEX:
      return "[0,0]";
    case STRING:
    case BYTES:
      return '""';
    case INTERFACE:
      return "null";
  }
  const w: WireType | undefined = d.wire.get(id);
  if (!w) return "null";
  switch (w.kind) {
    case "slice":
      return "[]";
    case "map":
      return w.key === STRING || isIntegerKey(w.key) ? "{}" : "[]";
    case "array": {
      if (w.len === 0) return "[]";
      d.enter();
      const elem = buildZeroJSON(d, w.elem);
      d.depth--;
      return `[${elem}${`,${elem}`.repeat(w.len - 1)}]`;
    }
    case "struct": {
      d.enter();
      const selfish = selfFields(d, id, w);
      const parts = w.fields.map((f, i) =>
        `${JSON.stringify(f.name)}:${selfish[i] ? "null" : buildZeroJSON(d, f.id)}`
      );
      d.depth--;
      return `{${parts.join(",")}}`;
    }
    default:
      return "null";
  }
}
