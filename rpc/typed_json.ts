/**
 * JSON shaped by gob type descriptors, the way Go's `encoding/json` shapes
 * the same Go types: struct fields by Go name (matched case-insensitively on
 * decode), `[]byte` as base64, map keys sorted, 64-bit integers exact when the
 * descriptor asks for `bigint`, `<`, `>` and `&` escaped like Go's encoder.
 * Used by the jsonrpc codec; plans are compiled once per descriptor.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "../ground/bytes.ts";
import { goEscape, goJSON } from "../ground/go_json.ts";
import type { Type } from "../gob/mod.ts";
import * as t from "../gob/t.ts"; // not gob/mod.ts's `t`: see gob_codec.ts
import { RpcError } from "./errors.ts";

type Enc = (v: unknown) => string;
type Dec = (j: unknown, where: string) => unknown;

interface Plan {
  enc: Enc;
  dec: Dec;
  zero: () => unknown;
  /** Whether decoding needs number literals verbatim (bigint somewhere inside). */
  needsRaw: boolean;
}

const plans = new WeakMap<Type, Plan>();

/** A number literal kept verbatim, for `bigint` fields (see {@link parseJSON}). */
class RawNumber {
  constructor(readonly text: string) {}
}

function fail(message: string): never {
  throw new RpcError("codec", message);
}

function jsonKind(j: unknown): string {
  if (j === null) return "null";
  if (Array.isArray(j)) return "array";
  if (j instanceof RawNumber) return "number";
  return typeof j === "object" ? "object" : typeof j;
}

function mismatch(j: unknown, d: Type, where: string): never {
  const lit = j instanceof RawNumber ? ` ${j.text}` : typeof j === "number" ? ` ${j}` : "";
  fail(`json: cannot unmarshal ${jsonKind(j)}${lit} into ${where} of type ${d}`);
}

/** A JSON string literal the way Go's `json.Encoder` writes it (HTML-safe). */
export function quote(s: string): string {
  return goJSON(s);
}

function unb64(s: string, d: Type, where: string): Uint8Array {
  try {
    // Go's decoder skips only CR and LF; other whitespace is illegal data.
    if (/[\t\f ]/.test(s)) throw new SyntaxError("whitespace");
    return decodeBase64(s);
  } catch {
    fail(`json: illegal base64 data in ${where} of type ${d}`);
  }
}

function plan(d: Type): Plan {
  const p = plans.get(d);
  if (p) return p;
  // Placeholder first, so recursive types terminate; filled in below.
  const slot: Plan = {
    enc: (v) => slot.enc(v),
    dec: (j, w) => slot.dec(j, w),
    zero: () => slot.zero(),
    needsRaw: false,
  };
  plans.set(d, slot);
  const built = build(d);
  slot.enc = built.enc;
  slot.dec = built.dec;
  slot.zero = built.zero;
  slot.needsRaw = built.needsRaw;
  return slot;
}

function intRange(d: t.ScalarType<unknown>): [number, number] {
  const bits = d.bits;
  if (d.kind === "uint") return [0, bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1];
  if (bits >= 53) return [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  return [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}

/** `type` as one of gob's descriptor classes, narrowed by its `kind`. */
function descriptor(type: Type): t.AnyType {
  if (
    type instanceof t.ScalarType || type instanceof t.InterfaceType ||
    type instanceof t.SliceType || type instanceof t.ArrayType || type instanceof t.MapType ||
    type instanceof t.PtrType || type instanceof t.LazyType || type instanceof t.StructType ||
    type instanceof t.MarshalerType
  ) return type;
  fail(`json: not a gob type descriptor: ${String(type)}`);
}

function build(type: Type): Plan {
  const d = descriptor(type);
  switch (d.kind) {
    case "lazy":
      return plan(d.target);
    case "bool":
      return {
        enc: (v) => (v ? "true" : "false"),
        dec: (j, w) => (typeof j === "boolean" ? j : j === null ? false : mismatch(j, d, w)),
        zero: () => false,
        needsRaw: false,
      };
    case "int":
    case "uint":
      return integerPlan(d);
    case "float":
      return floatPlan(d);
    case "string":
      return {
        enc: (v) => quote(String(v)),
        dec: (j, w) => (typeof j === "string" ? j : j === null ? "" : mismatch(j, d, w)),
        zero: () => "",
        needsRaw: false,
      };
    case "bytes":
      return {
        enc: (v) => (v == null ? "null" : `"${encodeBase64(v as Uint8Array)}"`),
        dec: (j, w) =>
          typeof j === "string"
            ? unb64(j, d, w)
            : j === null
            ? new Uint8Array(0)
            : mismatch(j, d, w),
        zero: () => new Uint8Array(0),
        needsRaw: false,
      };
    case "slice":
    case "array":
      return listPlan(d);
    case "map":
      return mapPlan(d);
    case "struct":
      return structPlan(d);
    case "ptr":
      return ptrPlan(d);
    case "interface":
      return interfacePlan();
    case "marshaler":
      return marshalerPlan(d);
    default:
      return unsupported(d, `json: unsupported type: ${d}`);
  }
}

/** The descriptor of kind `K`. */
type KindOf<K extends t.AnyType["kind"]> = Extract<t.AnyType, { kind: K }>;

/** Integers: `number` within the descriptor's range, or `bigint` for the 64-bit `bigInt64`/`bigUint64`, read from the literal's own digits. */
function integerPlan(d: t.ScalarType<unknown>): Plan {
  if (d.big) {
    const [lo, hi] = d.kind === "uint" ? [0n, (1n << 64n) - 1n] : [-(1n << 63n), (1n << 63n) - 1n];
    return {
      enc: (v) => {
        if (typeof v !== "bigint") fail(`json: ${d} value is not a bigint: ${String(v)}`);
        return v.toString();
      },
      dec: (j, w) => {
        if (j === null) return 0n;
        const text = j instanceof RawNumber ? j.text : typeof j === "number" ? String(j) : null;
        if (text === null || !/^-?\d+$/.test(text)) return mismatch(j, d, w);
        const n = BigInt(text);
        if (n < lo || n > hi) return mismatch(j, d, w);
        return n;
      },
      zero: () => 0n,
      needsRaw: true,
    };
  }
  const [lo, hi] = intRange(d);
  return {
    enc: (v) => {
      if (typeof v !== "number" || !Number.isInteger(v)) {
        fail(`json: ${d} value is not an integer: ${String(v)}`);
      }
      return String(v);
    },
    dec: (j, w) => {
      if (j === null) return 0;
      const n = j instanceof RawNumber ? Number(j.text) : j;
      if (typeof n !== "number" || !Number.isInteger(n) || n < lo || n > hi) {
        return mismatch(j, d, w);
      }
      return n;
    },
    zero: () => 0,
    needsRaw: false,
  };
}

/** Floats; NaN and ±Inf have no JSON form, as in Go. */
function floatPlan(d: t.ScalarType<unknown>): Plan {
  return {
    enc: (v) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        fail(`json: unsupported value: ${String(v)}`);
      }
      return Object.is(v, -0) ? "-0" : String(v);
    },
    dec: (j, w) => {
      if (j === null) return 0;
      const n = j instanceof RawNumber ? Number(j.text) : j;
      if (typeof n !== "number") return mismatch(j, d, w);
      if (d.bits === 32 && Math.abs(n) > 3.4028234663852886e38) return mismatch(j, d, w);
      return n;
    },
    zero: () => 0,
    needsRaw: false,
  };
}

/** Slices and arrays: a JSON array (an array's missing elements are zero, extra ones dropped, as Go's `encoding/json`). */
function listPlan(d: KindOf<"slice" | "array">): Plan {
  const e = plan(d.elem);
  const isArray = d.kind === "array";
  const len = d.kind === "array" ? d.length : 0;
  return {
    enc: (v) => {
      if (v == null) return isArray ? "[]" : "null";
      const a = v as unknown[];
      let s = "[";
      for (let i = 0; i < a.length; i++) s += (i ? "," : "") + e.enc(a[i]);
      return s + "]";
    },
    dec: (j, w) => {
      if (j === null) return isArray ? zeroArray(e, len) : [];
      if (!Array.isArray(j)) return mismatch(j, d, w);
      if (!isArray) return j.map((x) => e.dec(x, w));
      const out = zeroArray(e, len);
      for (let i = 0; i < len && i < j.length; i++) out[i] = e.dec(j[i], w);
      return out;
    },
    zero: () => (isArray ? zeroArray(e, len) : []),
    get needsRaw() {
      return e.needsRaw;
    },
  };
}

/** Maps with string or integer keys: a JSON object with sorted keys, as Go writes it. */
function mapPlan(d: KindOf<"map">): Plan {
  const k = d.key;
  const kp = plan(k);
  const e = plan(d.elem);
  const rk = resolveKind(k);
  if (rk !== "string" && rk !== "int" && rk !== "uint") {
    return unsupported(d, `json: unsupported type: ${d}`);
  }
  return {
    enc: (v) => {
      if (v == null) return "null";
      const entries: [string, string][] = [];
      for (const [key, val] of v as Map<unknown, unknown>) {
        entries.push([rk === "string" ? String(key) : kp.enc(key), e.enc(val)]);
      }
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return "{" + entries.map(([key, val]) => `${quote(key)}:${val}`).join(",") + "}";
    },
    dec: (j, w) => {
      if (j === null) return new Map();
      if (typeof j !== "object" || Array.isArray(j) || j instanceof RawNumber) {
        return mismatch(j, d, w);
      }
      const out = new Map<unknown, unknown>();
      for (const [key, val] of Object.entries(j as Record<string, unknown>)) {
        let kv: unknown = key;
        if (rk !== "string") {
          if (!/^-?\d+$/.test(key)) mismatch(key, k, w);
          kv = kp.dec(new RawNumber(key), w);
        }
        out.set(kv, e.dec(val, w));
      }
      return out;
    },
    zero: () => new Map(),
    get needsRaw() {
      return e.needsRaw || kp.needsRaw;
    },
  };
}

/** Structs: a JSON object by Go field name, matched case-insensitively on decode. */
function structPlan(d: KindOf<"struct">): Plan {
  const fields = d.fields.map((f) => ({
    prop: f.prop,
    goName: f.goName,
    lower: f.goName.toLowerCase(),
    quoted: quote(f.goName) + ":",
    p: plan(f.type),
    where: `Go struct field ${d.name || "struct"}.${f.goName}`,
  }));
  const byName = new Map(fields.map((f) => [f.goName, f]));
  const byLower = new Map<string, (typeof fields)[number]>();
  for (const f of fields) if (!byLower.has(f.lower)) byLower.set(f.lower, f);
  const zero = () => {
    const o: Record<string, unknown> = {};
    for (const f of fields) o[f.prop] = f.p.zero();
    return o;
  };
  return {
    enc: (v) => {
      if (v == null) fail(`json: nil value for struct ${d}`);
      const o = v as Record<string, unknown>;
      let s = "{";
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        s += (i ? "," : "") + f.quoted + f.p.enc(o[f.prop]);
      }
      return s + "}";
    },
    dec: (j, w) => {
      if (j === null) return zero();
      if (typeof j !== "object" || Array.isArray(j) || j instanceof RawNumber) {
        return mismatch(j, d, w);
      }
      const o = zero();
      for (const [key, val] of Object.entries(j as Record<string, unknown>)) {
        const f = byName.get(key) ?? byLower.get(key.toLowerCase());
        if (f) o[f.prop] = f.p.dec(val, f.where);
      }
      return o;
    },
    zero,
    get needsRaw() {
      return fields.some((f) => f.p.needsRaw);
    },
  };
}

/** Pointers: `null` for nil, else the element. */
function ptrPlan(d: KindOf<"ptr">): Plan {
  const e = plan(d.elem);
  return {
    enc: (v) => (v == null ? "null" : e.enc(v)),
    dec: (j, w) => (j === null ? null : e.dec(j, w)),
    zero: () => null,
    get needsRaw() {
      return e.needsRaw;
    },
  };
}

/** Interfaces: the value as generic JSON; decoded as plain values with Go's JSON type name. */
function interfacePlan(): Plan {
  return {
    enc: (v) => {
      if (v == null) return "null";
      const iv = v as { value?: unknown };
      return genericJSON(typeof iv === "object" && "value" in iv ? iv.value : v);
    },
    dec: (j) => (j === null ? null : { name: goJSONTypeName(j), value: plain(j) }),
    zero: () => null,
    needsRaw: false,
  };
}

/** Custom encodings: a `TextMarshaler` as its text (a JSON string); the others have no JSON form. */
function marshalerPlan(d: KindOf<"marshaler">): Plan {
  if (d.flavor === "text") {
    return {
      enc: (v) => quote(new TextDecoder().decode(d.codec.encode(v))),
      dec: (j, w) =>
        typeof j === "string" ? d.codec.decode(new TextEncoder().encode(j)) : mismatch(j, d, w),
      zero: () => null,
      needsRaw: false,
    };
  }
  return unsupported(d, `jsonrpc: no JSON form for ${d} (a gob/binary marshaler type)`);
}

function unsupported(_d: Type, message: string): Plan {
  return {
    enc: () => fail(message),
    dec: () => fail(message),
    zero: () => null,
    needsRaw: false,
  };
}

function resolveKind(d: Type): string {
  return t.resolve(d).kind;
}

function zeroArray(e: Plan, len: number): unknown[] {
  const out = new Array(len);
  for (let i = 0; i < len; i++) out[i] = e.zero();
  return out;
}

function goJSONTypeName(j: unknown): string {
  if (typeof j === "string") return "string";
  if (typeof j === "boolean") return "bool";
  if (typeof j === "number" || j instanceof RawNumber) return "float64";
  if (Array.isArray(j)) return "[]interface {}";
  return "map[string]interface {}";
}

function plain(j: unknown): unknown {
  if (j instanceof RawNumber) return Number(j.text);
  if (Array.isArray(j)) return j.map(plain);
  if (j !== null && typeof j === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(j)) o[k] = plain(v);
    return o;
  }
  return j;
}

/** JSON for a value without a descriptor (inside `interface{}`). */
function genericJSON(v: unknown): string {
  const s = JSON.stringify(v, (_k, x) => {
    if (typeof x === "bigint") return Number(x);
    if (x instanceof Uint8Array) return encodeBase64(x);
    if (x instanceof Map) return Object.fromEntries(x);
    return x;
  });
  if (s === undefined) return "null";
  return goEscape(s);
}

/** Encodes `value` as JSON text shaped by `type`. Throws `RpcError("codec")`. */
export function toJSON(type: Type, value: unknown): string {
  return plan(type).enc(value);
}

/** Whether {@link fromJSON} of this type needs {@link parseJSON}'s verbatim numbers. */
export function needsRawNumbers(type: Type): boolean {
  return plan(type).needsRaw;
}

/**
 * Converts a parsed JSON value (from `JSON.parse`, or {@link parseJSON} for
 * `bigint` fields) to the value `type` describes, with Go's leniencies: null
 * leaves the zero value, unknown fields are ignored, field names match
 * case-insensitively. Throws `RpcError("codec")` on a mismatch.
 */
export function fromJSON<T>(type: Type<T>, json: unknown): T {
  return plan(type).dec(json, "Go value") as T;
}

/** The zero value of `type`, as a decoder would build it for a missing field. */
export function zeroOf<T>(type: Type<T>): T {
  return plan(type).zero() as T;
}

/** Parses JSON text, keeping number literals verbatim (for `bigint` fields). */
export function parseJSON(text: string): unknown {
  return JSON.parse(
    text,
    // deno-lint-ignore no-explicit-any
    function (_key: string, value: unknown, context?: any) {
      if (typeof value === "number" && context && typeof context.source === "string") {
        return new RawNumber(context.source);
      }
      return value;
    } as (key: string, value: unknown) => unknown,
  );
}
