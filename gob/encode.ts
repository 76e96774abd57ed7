/**
 * The gob encoder: compiled per-type write plans, and Go's message framing
 * (type definitions once per stream, interface splicing) reproduced exactly.
 *
 * The framing follows Go's `encoder.go` (`EncodeValue`, `sendTypeDescriptor`,
 * `sendActualType`, `writeMessage`, `encodeInterface`) with the same writer
 * stack, so the bytes match Go's even where Go's framing is surprising (a
 * message split in the middle of a value when an interface value brings a new
 * type). Values are written by closures compiled once per descriptor.
 *
 * @module
 */

import { canGenerate, Refs, tiered } from "./codegen.ts";
import { EncBuffer, SPACE_FOR_LENGTH } from "./buffer.ts";
import { GobError } from "./error.ts";
import { releaseBuffer } from "../ground/bytes.ts";
import {
  canonical,
  getTypeInfo,
  lookupRegistered,
  type UserType,
  userType,
  type WireType,
} from "./typeinfo.ts";
import type { AnyType, Complex, InterfaceValue, StructType, Type } from "./types.ts";

type Op = (enc: EncoderCore, b: EncBuffer, v: unknown) => void;
type Omit = (v: unknown) => boolean;

interface FieldPlan {
  prop: string;
  op: Op;
  omit: Omit;
}

const ops = new Map<AnyType, Op>();
const structPlans = new Map<AnyType, FieldPlan[]>();
const utf8 = new TextEncoder();
const TOO_BIG = 8 * 1024 * 1024 * 1024;

function fail(message: string): never {
  throw new GobError("encode", message);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

// ---- scalar ops ----

function intOp(bits: number, name: string): Op {
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** (bits - 1) - 1;
  const min = bits === 64 ? -Number.MAX_SAFE_INTEGER : -(2 ** (bits - 1));
  return (_e, b, v) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v > max || v < min) {
      fail(`value ${describe(v)} is not a valid ${name}`);
    }
    b.int(v);
  };
}

function uintOp(bits: number, name: string): Op {
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  return (_e, b, v) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v > max || v < 0) {
      fail(`value ${describe(v)} is not a valid ${name}`);
    }
    b.uint(v);
  };
}

const bigIntOp: Op = (_e, b, v) => {
  if (typeof v !== "bigint" || v > 0x7fffffffffffffffn || v < -0x8000000000000000n) {
    fail(`value ${describe(v)} is not a valid int64 bigint`);
  }
  b.intBig(v);
};

const bigUintOp: Op = (_e, b, v) => {
  if (typeof v !== "bigint" || v > 0xffffffffffffffffn || v < 0n) {
    fail(`value ${describe(v)} is not a valid uint64 bigint`);
  }
  b.uintBig(v);
};

const boolOp: Op = (_e, b, v) => {
  if (typeof v !== "boolean") fail(`value ${describe(v)} is not a bool`);
  b.byte(v ? 1 : 0);
};

const float64Op: Op = (_e, b, v) => {
  if (typeof v !== "number") fail(`value ${describe(v)} is not a float64`);
  b.float(v);
};

const float32Op: Op = (_e, b, v) => {
  if (typeof v !== "number") fail(`value ${describe(v)} is not a float32`);
  b.float(Math.fround(v), false);
};

function complexOp(bits: number): Op {
  return (_e, b, v) => {
    const c = v as Complex;
    if (
      typeof c !== "object" || c === null || typeof c.re !== "number" || typeof c.im !== "number"
    ) {
      fail(`value ${describe(v)} is not a complex number {re, im}`);
    }
    b.float(bits === 32 ? Math.fround(c.re) : c.re, bits !== 32);
    b.float(bits === 32 ? Math.fround(c.im) : c.im, bits !== 32);
  };
}

const stringOp: Op = (_e, b, v) => {
  if (typeof v !== "string") fail(`value ${describe(v)} is not a string`);
  b.string(v);
};

const bytesOp: Op = (_e, b, v) => {
  if (!(v instanceof Uint8Array)) fail(`value ${describe(v)} is not a Uint8Array`);
  b.bytes(v);
};

const interfaceOp: Op = (enc, b, v) => enc.encodeInterface(b, v as InterfaceValue | null);

// ---- composite ops ----

function opFor(type: Type): Op {
  const ct = canonical(type);
  const cached = ops.get(ct);
  if (cached) return cached;
  // Install a forwarder first so recursive types terminate.
  let real: Op | null = null;
  const forward: Op = (enc, b, v) => real!(enc, b, v);
  ops.set(ct, forward);
  real = buildOp(ct);
  ops.set(ct, real);
  return real;
}

function buildOp(t: AnyType): Op {
  switch (t.kind) {
    case "bool":
      return boolOp;
    case "int":
      return t.big ? bigIntOp : intOp(t.bits, String(t));
    case "uint":
      return t.big ? bigUintOp : uintOp(t.bits, String(t));
    case "float":
      return t.bits === 32 ? float32Op : float64Op;
    case "complex":
      return complexOp(t.bits);
    case "string":
      return stringOp;
    case "bytes":
      return bytesOp;
    case "interface":
      return interfaceOp;
    case "ptr":
      return ptrOp(t);
    case "slice":
      return sliceOp(t);
    case "array":
      return arrayOp(t);
    case "map":
      return mapOp(t);
    case "struct":
      return structOp(t);
    case "marshaler":
      return marshalerOp(t);
    default:
      return fail(`cannot encode type ${String(t)}`);
  }
}

/** The descriptor of kind `K`. */
type KindOf<K extends AnyType["kind"]> = Extract<AnyType, { kind: K }>;

/** A pointer: its element's op, refusing nil where Go cannot send one (an array element). */
function ptrOp(t: KindOf<"ptr">): Op {
  const elem = opFor(t.elem);
  return (enc, b, v) => {
    if (v === null || v === undefined) fail(`encodeArray: nil element of type ${t}`);
    elem(enc, b, v);
  };
}

/** A slice: its length, then its elements; nil (or undefined) as an empty slice, as Go sends both. */
function sliceOp(t: KindOf<"slice">): Op {
  const elem = opFor(t.elem);
  const closures: Op = (enc, b, v) => {
    if (v === null || v === undefined) {
      b.byte(0);
      return;
    }
    if (!Array.isArray(v)) fail(`value ${describe(v)} is not an array for ${t}`);
    const n = v.length;
    b.uint(n);
    for (let i = 0; i < n; i++) elem(enc, b, v[i]);
  };
  return canGenerate ? tiered(closures, () => generateSliceOp(t, elem)) : closures;
}

/** An array: its length, then exactly that many elements; nil as that many zero values. */
function arrayOp(t: KindOf<"array">): Op {
  const elem = opFor(t.elem);
  const zero = zeroOp(t.elem);
  const len = t.length;
  return (enc, b, v) => {
    b.uint(len);
    if (v === null || v === undefined) {
      for (let i = 0; i < len; i++) zero(enc, b, undefined);
      return;
    }
    if (!Array.isArray(v) || v.length !== len) {
      fail(`value ${describe(v)} is not an array of length ${len} for ${t}`);
    }
    for (let i = 0; i < len; i++) elem(enc, b, v[i]);
  };
}

/** A map (a `Map`, or an object for string keys): its size, then key and value pairs. */
function mapOp(t: KindOf<"map">): Op {
  const key = opFor(t.key);
  const elem = opFor(t.elem);
  const closures: Op = (enc, b, v) => {
    if (v === null || v === undefined) {
      b.byte(0);
      return;
    }
    if (v instanceof Map) {
      b.uint(v.size);
      for (const [k, e] of v) {
        key(enc, b, k);
        elem(enc, b, e);
      }
      return;
    }
    if (typeof v === "object" && canonical(t.key).kind === "string") {
      const entries = Object.entries(v as Record<string, unknown>);
      b.uint(entries.length);
      for (const [k, e] of entries) {
        key(enc, b, k);
        elem(enc, b, e);
      }
      return;
    }
    fail(`value ${describe(v)} is not a Map for ${t}`);
  };
  return canGenerate ? tiered(closures, () => generateMapOp(t, key, elem)) : closures;
}

/** A struct: its non-zero fields, each with its field delta (see `encodeStructFields`). */
function structOp(t: KindOf<"struct">): Op {
  const plan = structPlan(t);
  const closures: Op = (enc, b, v) => encodeStructFields(enc, b, plan, v);
  return canGenerate ? tiered(closures, () => generateStructOp(t, plan)) : closures;
}

/** A custom-encoded value: the bytes its codec returns, length-prefixed. */
function marshalerOp(t: KindOf<"marshaler">): Op {
  const codec = t.codec;
  return (_e, b, v) => {
    let bytes: Uint8Array;
    try {
      bytes = codec.encode(v);
    } catch (e) {
      if (e instanceof GobError) throw e;
      throw new GobError("encode", `${t}: ${(e as Error).message ?? e}`, { cause: e });
    }
    if (!(bytes instanceof Uint8Array)) fail(`${t}: marshaler did not return bytes`);
    b.bytes(bytes);
  };
}

/** Writes the zero value of a type (for arrays given as undefined). */
function zeroOp(type: Type): Op {
  const t = canonical(type);
  switch (t.kind) {
    case "struct":
    case "array":
      return (enc, b) => opFor(t)(enc, b, undefined);
    case "marshaler":
      return (enc, b) => opFor(t)(enc, b, t.codec.zero ? t.codec.zero() : null);
    case "ptr":
      return () => fail(`encodeArray: nil element of type ${t}`);
    default:
      return (_e, b) => b.byte(0); // every other zero value is a single 00
  }
}

function omitFor(type: Type): Omit {
  const t = canonical(type);
  switch (t.kind) {
    case "bool":
      return (v) => v === false || v == null;
    case "int":
    case "uint":
      return t.big ? (v) => v === 0n || v == null : (v) => v === 0 || v == null;
    case "float":
      return (v) => v === 0 || v == null;
    case "complex":
      return (v) => v == null || ((v as Complex).re === 0 && (v as Complex).im === 0);
    case "string":
      return (v) => v === "" || v == null;
    case "bytes":
    case "slice":
      return (v) => v == null || (v as ArrayLike<unknown>).length === 0;
    case "map":
    case "interface":
      return (v) => v == null;
    case "array":
    case "struct":
      return () => false;
    case "marshaler": {
      const isZero = t.codec.isZero;
      return isZero ? (v) => v == null || isZero.call(t.codec, v) : (v) => v == null;
    }
    case "ptr": {
      const base = userType(t).base;
      // A pointer to a marshaler is tested for nil only (Go's IsZero on the pointer).
      if (base.kind === "marshaler") return (v) => v == null;
      const inner = omitFor(base);
      return (v) => v == null || inner(v);
    }
    default:
      return () => false;
  }
}

function structPlan(t: StructType<unknown>): FieldPlan[] {
  let plan = structPlans.get(t);
  if (plan) return plan;
  plan = [];
  structPlans.set(t, plan);
  for (const f of t.fields) {
    plan.push({ prop: f.prop, op: opFor(f.type), omit: omitFor(f.type) });
  }
  return plan;
}

function encodeStructFields(enc: EncoderCore, b: EncBuffer, plan: FieldPlan[], v: unknown): void {
  const obj = (v ?? {}) as Record<string, unknown>;
  if (typeof obj !== "object") fail(`value ${describe(v)} is not an object`);
  let last = -1;
  for (let i = 0; i < plan.length; i++) {
    const f = plan[i];
    const fv = obj[f.prop];
    if (f.omit(fv)) continue;
    b.uint(i - last);
    last = i;
    f.op(enc, b, fv);
  }
  b.byte(0);
}

// ---- generated plans ----
//
// A struct, slice or map op is compiled into its own function with
// `new Function`: each gets its own inline caches, so property reads and calls
// stay monomorphic (one shared loop over a field table would see every struct
// shape and every element op), and the common scalars are written inline. The
// generated code performs exactly the checks and writes of the closures above,
// which remain the fallback where code generation is not allowed (CSP).

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

const str = (s: string) => JSON.stringify(s);

/**
 * Statements writing the value in variable `x` of type `type` to `b`: the
 * scalar ops inlined, anything else a call of `op`.
 */
function writeCode(r: Refs, type: Type, op: Op, x: string): string {
  const t = canonical(type);
  const F = r.ref(fail), D = r.ref(describe);
  const bad = (what: string) => `${F}("value " + ${D}(${x}) + ${str(` is not ${what}`)});`;
  switch (t.kind) {
    case "bool":
      return `if (typeof ${x} !== "boolean") ${bad("a bool")} b.byte(${x} ? 1 : 0);`;
    case "int": {
      if (t.big) break;
      const max = t.bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** (t.bits - 1) - 1;
      const min = t.bits === 64 ? -Number.MAX_SAFE_INTEGER : -(2 ** (t.bits - 1));
      return `if (typeof ${x} !== "number" || !Number.isInteger(${x}) || ${x} > ${max} || ${x} < ${min}) ${
        bad(`a valid ${t}`)
      } b.int(${x});`;
    }
    case "uint": {
      if (t.big) break;
      const max = t.bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** t.bits - 1;
      return `if (typeof ${x} !== "number" || !Number.isInteger(${x}) || ${x} > ${max} || ${x} < 0) ${
        bad(`a valid ${t}`)
      } b.uint(${x});`;
    }
    case "float":
      return t.bits === 32
        ? `if (typeof ${x} !== "number") ${bad("a float32")} b.float(Math.fround(${x}), false);`
        : `if (typeof ${x} !== "number") ${bad("a float64")} b.float(${x});`;
    case "string":
      return `if (typeof ${x} !== "string") ${bad("a string")} b.string(${x});`;
  }
  return `${r.ref(op)}(enc, b, ${x});`;
}

/** An expression: whether the struct field value in `x` is omitted (as `omitFor`). */
function omitCode(r: Refs, type: Type, omit: Omit, x: string): string {
  const t = canonical(type);
  switch (t.kind) {
    case "bool":
      return `${x} === false || ${x} == null`;
    case "int":
    case "uint":
      return t.big ? `${x} === 0n || ${x} == null` : `${x} === 0 || ${x} == null`;
    case "float":
      return `${x} === 0 || ${x} == null`;
    case "string":
      return `${x} === "" || ${x} == null`;
    case "bytes":
    case "slice":
      return `${x} == null || ${x}.length === 0`;
    case "map":
    case "interface":
      return `${x} == null`;
    case "array":
    case "struct":
      return "false";
  }
  return `${r.ref(omit)}(${x})`;
}

function generateStructOp(t: StructType<unknown>, plan: FieldPlan[]): Op {
  const r = new Refs();
  const fields = t.fields;
  const delta = plan.length < 0x80 ? "byte" : "uint";
  let body = `return function encodeStruct(enc, b, v) {
  const o = v ?? ${r.ref(EMPTY)};
  if (typeof o !== "object") ${r.ref(fail)}("value " + ${r.ref(describe)}(v) + " is not an object");
  let last = -1, x;\n`;
  for (let i = 0; i < plan.length; i++) {
    const f = plan[i];
    body += `  x = o[${str(f.prop)}];
  if (!(${omitCode(r, fields[i].type, f.omit, "x")})) {
    b.${delta}(${i} - last);
    last = ${i};
    ${writeCode(r, fields[i].type, f.op, "x")}
  }\n`;
  }
  body += "  b.byte(0);\n};";
  return r.compile<Op>(body);
}

function generateSliceOp(t: AnyType & { elem: Type }, elem: Op): Op {
  const r = new Refs();
  const msg = str(` is not an array for ${t}`);
  return r.compile<Op>(`return function encodeSlice(enc, b, v) {
  if (v === null || v === undefined) {
    b.byte(0);
    return;
  }
  if (!Array.isArray(v)) ${r.ref(fail)}("value " + ${r.ref(describe)}(v) + ${msg});
  const n = v.length;
  b.uint(n);
  for (let i = 0; i < n; i++) {
    const x = v[i];
    ${writeCode(r, t.elem, elem, "x")}
  }
};`);
}

function generateMapOp(t: AnyType & { key: Type; elem: Type }, key: Op, elem: Op): Op {
  const r = new Refs();
  const writeKey = writeCode(r, t.key, key, "k");
  const writeElem = writeCode(r, t.elem, elem, "e");
  const objects = canonical(t.key).kind === "string";
  const msg = str(` is not a Map for ${t}`);
  return r.compile<Op>(`return function encodeMap(enc, b, v) {
  if (v === null || v === undefined) {
    b.byte(0);
    return;
  }
  if (v instanceof Map) {
    b.uint(v.size);
    for (const [k, e] of v) {
      ${writeKey}
      ${writeElem}
    }
    return;
  }
  if (${objects} && typeof v === "object") {
    const entries = Object.entries(v);
    b.uint(entries.length);
    for (const [k, e] of entries) {
      ${writeKey}
      ${writeElem}
    }
    return;
  }
  ${r.ref(fail)}("value " + ${r.ref(describe)}(v) + ${msg});
};`);
}

// ---- wire type definitions ----

function encodeCommon(b: EncBuffer, name: string, id: number): void {
  b.byte(1); // field 0 of the enclosing type: CommonType
  if (name !== "") {
    b.byte(1);
    b.string(name);
    b.byte(1);
  } else {
    b.byte(2);
  }
  b.int(id);
  b.byte(0);
}

/** Encodes a `wireType` struct value (the body of a type definition message). */
function encodeWireType(b: EncBuffer, w: WireType): void {
  const field = { array: 1, slice: 2, struct: 3, map: 4, gob: 5, binary: 6, text: 7 }[w.kind];
  b.byte(field);
  encodeCommon(b, w.name, w.id);
  switch (w.kind) {
    case "array":
      b.byte(1);
      b.int(w.elem);
      if (w.len !== 0) {
        b.byte(1);
        b.int(w.len);
      }
      break;
    case "slice":
      b.byte(1);
      b.int(w.elem);
      break;
    case "map":
      b.byte(1);
      b.int(w.key);
      b.byte(1);
      b.int(w.elem);
      break;
    case "struct":
      if (w.fields.length > 0) {
        b.byte(1);
        b.uint(w.fields.length);
        for (const f of w.fields) {
          if (f.name !== "") {
            b.byte(1);
            b.string(f.name);
            b.byte(1);
          } else {
            b.byte(2);
          }
          b.int(f.id);
          b.byte(0);
        }
      }
      break;
  }
  b.byte(0); // end of the kind's struct
  b.byte(0); // end of wireType
}

// ---- output ----

/*
 * Returned messages are carved out of shared 16 KiB pool buffers, as Node's
 * Buffer pool and fast JavaScript serializers do: allocating an ArrayBuffer
 * per message costs more than encoding a typical record. A returned array is
 * therefore a view (`byteOffset` may be non-zero) on a buffer shared with
 * other messages; it is never written again. Messages above 2 KiB get a
 * buffer of their own.
 */
const POOL_SIZE = 16 * 1024;
const POOL_MAX = POOL_SIZE >>> 3;
let pool = new ArrayBuffer(POOL_SIZE);
let poolUsed = 0;

/** The size above which the encoder does not keep a buffer for the next message. */
const LARGE_BUFFER = 1 << 20;

/** A copy of `src[start, end)` that the caller owns. */
function output(src: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > POOL_MAX) return src.slice(start, end);
  // A pool whose buffer was transferred elsewhere (detached) is replaced.
  if (poolUsed + n > POOL_SIZE || pool.byteLength === 0) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolUsed = 0;
  }
  const out = new Uint8Array(pool, poolUsed, n);
  out.set(src.subarray(start, end));
  poolUsed += n;
  return out;
}

// ---- the encoder core ----

/**
 * The synchronous heart of an encoder: what has been sent on this stream,
 * and Go's writer stack for interface splicing.
 */
export class EncoderCore {
  readonly #sent = new Map<AnyType, number>();
  #added: AnyType[] = [];
  #msg = new EncBuffer(512);
  #out = new EncBuffer(256);
  /** Go's writer stack; the bottom is always `#out`. */
  #writers: EncBuffer[] = [this.#out];
  #pool: EncBuffer[] = [];
  #lastType: Type | null = null;
  #lastUt: UserType | null = null;
  #lastId = 0;
  #lastOp: Op | null = null;

  /**
   * Encodes one top-level value and returns every byte it adds to the stream
   * (new type definitions, then the value), as Go's `Encoder.Encode` writes
   * them. On error nothing is added and the stream state is unchanged.
   */
  encode(type: Type, value: unknown): Uint8Array {
    // Fast path: the same top-level type as the last successful call (sent already).
    const cached = type === this.#lastType;
    const ut = cached ? this.#lastUt! : userType(type);
    if (ut.indir > 0 && value == null) fail(`cannot encode nil pointer of type ${ut.user}`);
    const out = this.#out;
    const msg = this.#msg;
    out.len = 0;
    msg.resetMessage();
    this.#writers[0] = out;
    if (this.#added.length > 0) this.#added = [];
    try {
      if (cached) {
        msg.int(this.#lastId);
        this.#lastOp!(this, msg, value);
      } else {
        this.#sendTypeDescriptor(out, msg, ut);
        const id = this.#sent.get(ut.base)!;
        msg.int(id);
        this.#encodeValue(msg, value, ut);
        this.#lastType = type;
        this.#lastUt = ut;
        this.#lastId = id;
        this.#lastOp = this.#valueOp(ut);
      }
      if (out.len === 0) {
        // Common case: a single message, returned straight from the message buffer.
        const start = this.#prefix(msg);
        if (msg.buf.length > LARGE_BUFFER && msg.len * 4 >= msg.buf.length * 3) {
          // A large message that fills most of its buffer: the buffer itself is returned (and
          // the encoder takes a new one), not a payload-sized copy of it.
          this.#msg = new EncBuffer(512);
          return msg.buf.subarray(start, msg.len);
        }
        return output(msg.buf, start, msg.len);
      }
      this.#writeMessage(out, msg);
      return output(out.buf, 0, out.len);
    } catch (e) {
      this.#writers.length = 1;
      for (const k of this.#added) this.#sent.delete(k);
      if (e instanceof GobError) throw e;
      if (e instanceof RangeError) {
        throw new GobError("encode", `value too deeply nested or cyclic: ${e.message}`, {
          cause: e,
        });
      }
      throw new GobError("encode", String((e as Error)?.message ?? e), { cause: e });
    } finally {
      if (this.#added.length > 0) this.#added = [];
      // A large buffer is not kept for the next message: its memory is given back now (detached,
      // which frees it at once, not when the garbage collector finds it), unless it was returned.
      if (out.buf.length > LARGE_BUFFER) {
        releaseBuffer(out.buf);
        this.#out = new EncBuffer(256);
      }
      if (msg.buf.length > LARGE_BUFFER && this.#msg === msg) {
        releaseBuffer(msg.buf);
        this.#msg = new EncBuffer(512);
      }
    }
  }

  /** What `#encodeValue` does for `ut`, as one op. */
  #valueOp(ut: UserType): Op {
    if (ut.external === null && ut.base.kind === "struct") return opFor(ut.base);
    const op = opFor(ut.base);
    return (enc, b, v) => {
      b.byte(0); // singleton: field delta 0
      op(enc, b, v);
    };
  }

  #markSent(t: AnyType, id: number): void {
    if (!this.#sent.has(t)) {
      this.#sent.set(t, id);
      this.#added.push(t);
    }
  }

  #encodeValue(b: EncBuffer, value: unknown, ut: UserType): void {
    if (ut.external === null && ut.base.kind === "struct") {
      opFor(ut.base)(this, b, value); // a struct's op writes its fields and terminator only
    } else {
      b.byte(0); // singleton: field delta 0
      opFor(ut.base)(this, b, value);
    }
  }

  /** Writes the length prefix into the reserved space; returns where the message starts. */
  #prefix(b: EncBuffer): number {
    const n = b.len - SPACE_FOR_LENGTH;
    if (n >= TOO_BIG) fail("encoder: message too big");
    let start: number;
    if (n < 0x80) {
      start = SPACE_FOR_LENGTH - 1;
      b.buf[start] = n;
    } else {
      // Big-endian bytes of n, right-aligned in the reserved space, after a count byte.
      const buf = b.buf;
      let p = SPACE_FOR_LENGTH;
      for (let x = n; x > 0; x = Math.floor(x / 256)) buf[--p] = x % 256;
      buf[--p] = 256 - (SPACE_FOR_LENGTH - p - 1);
      start = p;
    }
    return start;
  }

  /** Go's `writeMessage`: prefix `b` with its length, append it to `w`, reset `b`. */
  #writeMessage(w: EncBuffer, b: EncBuffer): void {
    const start = this.#prefix(b);
    w.write(b.buf.subarray(start, b.len));
    b.resetMessage();
  }

  #sendTypeDescriptor(w: EncBuffer, b: EncBuffer, ut: UserType): void {
    const rt = ut.external !== null ? ut.user : ut.base;
    if (this.#sent.has(rt)) return;
    if (!this.#sendType(w, b, rt)) this.#markSent(rt, getTypeInfo(ut).id);
  }

  #sendType(w: EncBuffer, b: EncBuffer, origt: AnyType): boolean {
    const ut = userType(origt);
    if (ut.external !== null) return this.#sendActualType(w, b, ut, ut.base);
    switch (ut.base.kind) {
      case "slice":
      case "array":
      case "map":
      case "struct":
        return this.#sendActualType(w, b, ut, ut.base);
      default:
        return false; // basic types and interfaces need no definition
    }
  }

  #sendActualType(w: EncBuffer, b: EncBuffer, ut: UserType, actual: AnyType): boolean {
    if (this.#sent.has(actual)) return false;
    const info = getTypeInfo(ut);
    b.int(-info.id);
    encodeWireType(b, info.wire!);
    this.#writeMessage(w, b);
    this.#markSent(ut.base, info.id);
    if (ut.user !== ut.base) this.#markSent(ut.user, info.id);
    switch (actual.kind) {
      case "struct":
        for (const f of actual.fields) this.#sendType(w, b, canonical(f.type));
        break;
      case "array":
      case "slice":
        this.#sendType(w, b, canonical(actual.elem));
        break;
      case "map":
        this.#sendType(w, b, canonical(actual.key));
        this.#sendType(w, b, canonical(actual.elem));
        break;
    }
    return true;
  }

  /** Go's `encodeInterface`. */
  encodeInterface(b: EncBuffer, iv: InterfaceValue | null): void {
    if (iv === null || iv === undefined) {
      b.byte(0);
      return;
    }
    if (typeof iv !== "object" || typeof iv.name !== "string") {
      fail(`interface value ${describe(iv)} is not {name, value} or null`);
    }
    const type = lookupRegistered(iv.name);
    if (!type) {
      throw new GobError("unregistered", `type not registered for interface: ${iv.name}`);
    }
    const ut = userType(type);
    if (ut.indir > 0 && iv.value == null) {
      fail(`cannot encode nil pointer of type ${ut.user} inside interface`);
    }
    const name = utf8.encode(iv.name);
    b.uint(name.length);
    b.write(name);
    const w = this.#writers[this.#writers.length - 1];
    this.#sendTypeDescriptor(w, b, ut);
    b.int(this.#sent.get(ut.base)!);
    this.#writers.push(b);
    const data = this.#pool.pop() ?? new EncBuffer(128);
    data.resetMessage();
    try {
      this.#encodeValue(data, iv.value, ut);
      this.#writers.pop();
      this.#writeMessage(b, data);
    } finally {
      if (data.buf.length <= 1 << 16) this.#pool.push(data);
    }
  }
}
