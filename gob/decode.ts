/**
 * The gob decoder core: message framing, type definitions, and decode plans
 * compiled per (wire type, descriptor) pair — or per wire type alone when no
 * descriptor is given and plain JavaScript values are built.
 *
 * Everything here is synchronous and works on bytes already received: a whole
 * message is buffered before any of it is decoded. When a value needs a
 * message that has not arrived yet (only possible when an interface value
 * brings a new type definition, which Go sends as a separate message), the
 * core throws {@linkcode NEED_MORE}; the stream decoder rolls the attempt
 * back, reads more input and tries again.
 *
 * Every count read from the input is checked against the bytes that remain in
 * the current message before anything is allocated for it.
 *
 * @module
 */

import { canGenerate, Refs, tiered } from "./codegen.ts";
import { GobError } from "./error.ts";
import {
  BOOL,
  BUILTIN_NAMES,
  BYTES,
  canonical,
  COMPLEX,
  FIRST_USER_ID,
  FLOAT,
  INT,
  INTERFACE,
  lookupRegistered,
  STRING,
  UINT,
  userType,
  type WireField,
  type WireType,
} from "./typeinfo.ts";
import type {
  AnyType,
  InterfaceValue,
  MarshalerFlavor,
  ScalarType,
  StructType,
  Type,
} from "./types.ts";

/** Thrown (never escaping the package) when more input is needed to finish a value. */
export const NEED_MORE: unique symbol = Symbol("gob: need more input");

/** Limits that protect a decoder from hostile input. */
export interface DecoderOptions {
  /** Largest message accepted, in bytes. Default 64 MiB. */
  maxMessageSize?: number;
  /**
   * Deepest nesting of composite values (and of skipped values). Default 2,500: Go has no
   * such limit, but JavaScript's call stack holds about 5,000 levels of a decode.
   */
  maxDepth?: number;
  /**
   * Most zero values a descriptor-less decode (plain values or JSON) fills in
   * per top-level value for struct fields absent from the wire: each field
   * filled in counts one, and so does each element of a zero array or field of
   * a zero struct it contains. Default 1,048,576 (2^20). Typed decodes fill in
   * the zero values of their own descriptors and are not counted.
   */
  maxZeroFill?: number;
}

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

type DecOp = (d: DecoderCore) => unknown;
type StructWire = Extract<WireType, { kind: "struct" }>;

/** Marks a struct field that was not received. */
const NONE: unique symbol = Symbol("gob: field not received");

/**
 * The value of every struct type without fields (Go's `struct{}`, which has
 * no storage either): one frozen object, so a million of them cost nothing.
 */
export const EMPTY_STRUCT: Readonly<Record<string, never>> = Object.freeze({});

const skipUintOp: DecOp = (d) => d.skipUint();
const skipComplexOp: DecOp = (d) => {
  d.skipUint();
  d.skipUint();
};
const skipBytesOp: DecOp = (d) => {
  d.pos += d.length("byte slice length");
};

const DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 2500;
const DEFAULT_MAX_ZERO_FILL = 1 << 20;
/** Nesting of typed plans built in one go; deeper components are built when first reached. */
const MAX_EAGER_BUILD_DEPTH = 64;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const floatView = new DataView(new ArrayBuffer(8));
const floatBytes = new Uint8Array(floatView.buffer);
const utf8 = new TextDecoder();

function corrupt(message: string): never {
  throw new GobError("corrupt", message);
}

function mismatch(message: string): never {
  throw new GobError("type-mismatch", message);
}

/** The kind Go's decoder uses for a definition that sets several (`decIgnoreOpFor`'s order). */
const KIND_PRECEDENCE: readonly WireType["kind"][] = [
  "array",
  "map",
  "slice",
  "struct",
  "gob",
  "binary",
  "text",
];

const SCALAR_WIRE: Record<string, number> = {
  bool: BOOL,
  int: INT,
  uint: UINT,
  float: FLOAT,
  complex: COMPLEX,
  string: STRING,
  bytes: BYTES,
};

/** The synchronous decoder state for one stream. */
export class DecoderCore {
  /** Received bytes; unconsumed data lies in `[pos, limit)`. */
  src: Uint8Array = new Uint8Array(0);
  /** Read position. */
  pos = 0;
  /** End of the current message. */
  msgEnd = 0;
  /** End of the received data. */
  limit = 0;
  /** Whether `src` is a buffer this decoder owns (and may write into). */
  #owned = false;
  /** Whether the input has ended. */
  done = false;
  /** Stream offset of `src[0]`, for error messages. */
  base = 0;
  /** Current nesting depth. */
  depth = 0;
  /** Where a rollback returns to: the mark, or past type definitions already taken for good. */
  #committed = 0;
  /** Stream offset the buffered input must reach before a new attempt can get further. */
  #wantOffset = 0;
  /** Whether type definitions for the value in progress were taken (EOF is then unexpected). */
  #defsTaken = false;
  readonly maxMessageSize: number;
  readonly maxDepth: number;
  /** Wire types received on this stream, by id. */
  readonly wire: Map<number, WireType> = new Map();
  #addedTypes: number[] = [];
  /** Every kind of the definitions that set more than one (rare; see `wireFor`). */
  #variants = new Map<number, WireType[]>();
  /** Zero values a descriptor-less decode may still fill in for the current top-level value. */
  zeroFill = 0;
  readonly maxZeroFill: number;
  #typedOps = new Map<AnyType, Map<number, DecOp>>();
  /** How many typed plans are being built, one inside the other. */
  #buildDepth = 0;
  #plainOps = new Map<number, DecOp>();
  #skipOps = new Map<number, DecOp>();
  /** Type ids whose every component type is known to be defined. */
  #complete = new Set<number>();
  /** The last typed value's descriptor, wire type id and plan (see `value`). */
  #lastType: Type | null = null;
  #lastId = -1;
  #lastOp: DecOp | null = null;
  #lastIsStruct = false;

  /** Creates a decoder core with the given limits. */
  constructor(options: DecoderOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxZeroFill = options.maxZeroFill ?? DEFAULT_MAX_ZERO_FILL;
  }

  // ---- input management ----

  /** Adds received bytes. Only call between values (after a rollback). */
  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.pos === this.limit) {
      // Nothing pending: decode straight from the chunk, without copying.
      this.base += this.limit;
      this.src = chunk;
      this.pos = this.msgEnd = 0;
      this.limit = chunk.length;
      this.#owned = false;
      return;
    }
    const pending = this.limit - this.pos;
    const need = pending + chunk.length;
    if (!this.#owned || need > this.src.length - this.pos) {
      let buf = this.src;
      if (!this.#owned || need > buf.length) {
        let cap = Math.max(4096, buf.length);
        while (cap < need) cap *= 2;
        buf = new Uint8Array(cap);
      }
      buf.set(this.src.subarray(this.pos, this.limit), 0);
      this.base += this.pos;
      this.src = buf;
      this.limit = pending;
      this.pos = this.msgEnd = 0;
      this.#owned = true;
    } else if (this.pos > 0 && this.limit + chunk.length > this.src.length) {
      this.src.copyWithin(0, this.pos, this.limit);
      this.base += this.pos;
      this.limit = pending;
      this.pos = this.msgEnd = 0;
    }
    this.src.set(chunk, this.limit);
    this.limit += chunk.length;
  }

  /** Whether no unconsumed bytes remain. */
  get empty(): boolean {
    return this.pos === this.limit;
  }

  /** Whether a complete message is buffered at the read position. */
  hasMessage(): boolean {
    const src = this.src;
    let p = this.pos;
    if (p >= this.limit) return false;
    const b = src[p++];
    let n = b;
    if (b >= 0x80) {
      const k = 256 - b;
      if (k > 8 || p + k > this.limit) return k > 8; // a bad count is reported by decoding
      n = 0;
      for (let i = 0; i < k; i++) n = n * 256 + src[p++];
    }
    return n > this.maxMessageSize || p + n <= this.limit;
  }

  /** Marks the state before a value, for {@linkcode rollback}. */
  mark(): number {
    if (this.#addedTypes.length > 0) this.#addedTypes = [];
    this.depth = 0;
    this.zeroFill = this.maxZeroFill;
    this.#wantOffset = 0;
    this.#committed = this.pos;
    return this.pos;
  }

  /**
   * Whether an attempt at the next value can get further than the last one:
   * the input has ended, or the bytes the last attempt lacked (a whole
   * message) have arrived. So a value waiting for its last message costs one
   * attempt per message, not one per chunk received.
   */
  ready(): boolean {
    if (this.done) return true;
    if (this.base + this.limit < this.#wantOffset) return false;
    return this.hasMessage();
  }

  /** Undoes a failed attempt: forgets types it defined and rewinds to `mark`. */
  rollback(mark: number): void {
    if (this.#addedTypes.length > 0) {
      for (const id of this.#addedTypes) {
        this.wire.delete(id);
        this.#variants.delete(id);
      }
      this.#addedTypes = [];
      this.#typedOps.clear();
      this.#plainOps.clear();
      this.#skipOps.clear();
      this.#complete.clear();
      this.#selfFields.clear();
      this.#zeroCosts.clear();
      this.#lastType = null;
      this.#lastOp = null;
    }
    this.pos = this.msgEnd = Math.max(mark, this.#committed);
  }

  /** The stream offset of the read position. */
  get offset(): number {
    return this.base + this.pos;
  }

  // ---- primitives (bounded by the current message) ----

  /** Reads an unsigned integer; a number, or a bigint above 2^53−1. */
  uint(): number | bigint {
    const src = this.src;
    if (this.pos >= this.msgEnd) corrupt("unexpected end of message reading an integer");
    const b = src[this.pos++];
    if (b < 0x80) return b;
    const n = 256 - b;
    if (n > 8) throw new GobError("corrupt", "encoded unsigned integer out of range");
    if (this.pos + n > this.msgEnd) {
      corrupt(`invalid uint data length ${n}: exceeds input size ${this.msgEnd - this.pos}`);
    }
    let p = this.pos;
    this.pos += n;
    if (n <= 6) {
      let x = 0;
      for (let i = 0; i < n; i++) x = x * 256 + src[p++];
      return x;
    }
    let hi = 0;
    for (let i = 0; i < n - 4; i++) hi = hi * 256 + src[p++];
    const lo = ((src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3]) >>> 0;
    const x = hi * 4294967296 + lo;
    if (x <= MAX_SAFE) return x;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Reads past an unsigned integer (or a float) without building it. */
  skipUint(): void {
    if (this.pos >= this.msgEnd) corrupt("unexpected end of message reading an integer");
    const b = this.src[this.pos++];
    if (b < 0x80) return;
    const n = 256 - b;
    if (n > 8) throw new GobError("corrupt", "encoded unsigned integer out of range");
    if (this.pos + n > this.msgEnd) {
      corrupt(`invalid uint data length ${n}: exceeds input size ${this.msgEnd - this.pos}`);
    }
    this.pos += n;
  }

  /** Reads an unsigned integer that must fit a JavaScript number (counts, ids). */
  count(what: string): number {
    const x = this.uint();
    if (typeof x !== "number") corrupt(`${what} too large: ${x}`);
    return x;
  }

  /** Reads a length and checks that that many bytes remain in the message. */
  length(what: string): number {
    const n = this.count(what);
    if (n > this.msgEnd - this.pos) {
      corrupt(`invalid ${what} ${n}: exceeds input size ${this.msgEnd - this.pos}`);
    }
    return n;
  }

  /** Reads a signed integer; a number, or a bigint outside ±(2^53−1). */
  int(): number | bigint {
    const u = this.uint();
    if (typeof u === "number") {
      if (u < 0x80) return (u & 1) ? ~(u >> 1) : u >> 1;
      const h = Math.floor(u / 2);
      return u % 2 === 1 ? -h - 1 : h;
    }
    const i = u >> 1n;
    const v = (u & 1n) ? ~i : i;
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  }

  /** Reads a float64. */
  float(): number {
    const src = this.src;
    if (this.pos >= this.msgEnd) corrupt("unexpected end of message reading a float");
    const b = src[this.pos++];
    floatView.setBigUint64(0, 0n);
    if (b < 0x80) {
      floatBytes[7] = b;
    } else {
      const n = 256 - b;
      if (n > 8) throw new GobError("corrupt", "encoded unsigned integer out of range");
      if (this.pos + n > this.msgEnd) {
        corrupt(`invalid uint data length ${n}: exceeds input size ${this.msgEnd - this.pos}`);
      }
      for (let i = 8 - n; i < 8; i++) floatBytes[i] = src[this.pos++];
    }
    return floatView.getFloat64(0, true);
  }

  /** Reads length-prefixed bytes (a copy). */
  bytes(): Uint8Array {
    const n = this.length("byte slice length");
    const out = this.src.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Reads a length-prefixed string. */
  string(): string {
    const n = this.length("string length");
    const src = this.src;
    const start = this.pos;
    this.pos += n;
    if (n <= 32) {
      for (let i = start; i < start + n; i++) {
        if (src[i] >= 0x80) return utf8.decode(src.subarray(start, start + n));
      }
      return n <= 16
        ? ascii16(src, start, n)
        : ascii16(src, start, 16) + ascii16(src, start + 16, n - 16);
    }
    return utf8.decode(src.subarray(start, start + n));
  }

  // ---- messages and type definitions ----

  /** Go's `recvMessage`: positions on the next message, which must be buffered. */
  #recvMessage(midValue: boolean): void {
    if (this.pos >= this.limit) {
      if (!this.done) this.#needMore(this.limit + 1);
      if (midValue) throw new GobError("unexpected-eof", "unexpected EOF");
      throw new GobError("eof", "EOF");
    }
    const src = this.src;
    let p = this.pos;
    const b = src[p++];
    let n = b;
    if (b >= 0x80) {
      const k = 256 - b;
      if (k > 8) corrupt("encoded unsigned integer out of range (message length)");
      if (p + k > this.limit) {
        if (!this.done) this.#needMore(p + k);
        throw new GobError("unexpected-eof", "unexpected EOF in message length");
      }
      n = 0;
      for (let i = 0; i < k; i++) n = n * 256 + src[p++];
    }
    if (n > this.maxMessageSize) {
      throw new GobError(
        "limit",
        `invalid message length ${n}: exceeds the maximum message size ${this.maxMessageSize}`,
      );
    }
    if (n === 0) corrupt("empty message");
    if (p + n > this.limit) {
      if (!this.done) this.#needMore(p + n);
      throw new GobError("unexpected-eof", "unexpected EOF: message truncated");
    }
    this.pos = p;
    this.msgEnd = p + n;
  }

  /** Ends the value in progress (decoded, or failed for good): the next starts afresh. */
  endValue(): void {
    this.#defsTaken = false;
  }

  /** Abandons the attempt until the buffered input reaches `end` (a position in `src`). */
  #needMore(end: number): never {
    this.#wantOffset = this.base + end;
    throw NEED_MORE;
  }

  /**
   * Go's `decodeTypeSequence`: reads type definitions until a value's type id
   * appears, and returns it. A top-level definition is a message of its own,
   * taken for good once read (as Go does): an attempt that then waits for the
   * value's message does not read it again.
   */
  typeSequence(isInterface: boolean): number {
    let first = true;
    for (;;) {
      if (this.pos >= this.msgEnd) this.#recvMessage(isInterface || !first || this.#defsTaken);
      const id = this.int();
      if (typeof id !== "number" || id > 0x7fffffff || id < -0x7fffffff) {
        corrupt(`type id out of range: ${id}`);
      }
      if (id >= 0) return id;
      this.#recvType(-id);
      if (this.pos < this.msgEnd) {
        if (!isInterface) corrupt("extra data in buffer");
        this.uint();
      }
      if (!isInterface) {
        this.#addedTypes = [];
        this.#committed = this.pos;
        this.#defsTaken = true;
      }
      first = false;
    }
  }

  #recvType(id: number): void {
    if (id < FIRST_USER_ID || this.wire.has(id)) corrupt("duplicate type received");
    const kinds = this.#readWireType(id);
    // One kind is the type's meaning everywhere except where Go looks for a
    // particular kind (see `wireFor`): Go's skipping checks array, map,
    // slice, struct, then the marshalers, and so does everything here.
    let w = kinds[0];
    if (kinds.length > 1) {
      for (const k of KIND_PRECEDENCE) {
        const found = kinds.find((x) => x.kind === k);
        if (found) {
          w = found;
          break;
        }
      }
      this.#variants.set(id, kinds);
    }
    this.wire.set(id, w);
    this.#addedTypes.push(id);
  }

  /**
   * The definition of type `id` as the given kind, where Go asks for one kind
   * (decoding into a local array, map, slice or struct reads that kind of a
   * definition that sets several), or null if the definition does not set it.
   */
  wireFor(id: number, kind: WireType["kind"]): WireType | null {
    const w = this.wire.get(id);
    if (!w) return null;
    if (w.kind === kind) return w;
    return this.#variants.get(id)?.find((x) => x.kind === kind) ?? null;
  }

  /** Walks a struct's field deltas, calling `field` for each field number. */
  #fields(max: number, field: (n: number) => void): void {
    let fieldnum = -1;
    while (this.pos < this.msgEnd) {
      const delta = this.count("field delta");
      if (delta === 0) return;
      if (delta > max - fieldnum) corrupt("bad data: field numbers out of bounds");
      fieldnum += delta;
      field(fieldnum);
    }
  }

  #typeIdField(): number {
    const id = this.int();
    if (typeof id !== "number" || id < 0 || id > 0x7fffffff) corrupt(`bad type id ${id}`);
    return id;
  }

  /**
   * Reads a `wireType` value. Go decodes it as an ordinary struct, so a
   * definition may set more than one kind; every kind set is returned, in
   * field order. No kind at all is an error.
   */
  #readWireType(defId: number): WireType[] {
    const KINDS = ["array", "slice", "struct", "map", "gob", "binary", "text"] as const;
    const result: WireType[] = [];
    this.#fields(6, (k) => {
      const kind = KINDS[k];
      let name = "";
      let id = 0;
      let elem = 0, key = 0, len = 0;
      const fields: WireField[] = [];
      const max = kind === "array" || kind === "map"
        ? 2
        : kind === "slice" || kind === "struct"
        ? 1
        : 0;
      this.#fields(max, (f) => {
        if (f === 0) {
          this.#fields(1, (c) => {
            if (c === 0) name = this.string();
            else id = this.#typeIdField();
          });
        } else if (kind === "array") {
          if (f === 1) elem = this.#typeIdField();
          else {
            const l = this.int();
            if (typeof l !== "number" || l < 0) corrupt(`bad array length ${l}`);
            len = l;
          }
        } else if (kind === "map") {
          if (f === 1) key = this.#typeIdField();
          else elem = this.#typeIdField();
        } else if (kind === "slice") {
          elem = this.#typeIdField();
        } else if (kind === "struct") {
          const n = this.length("field count");
          for (let i = 0; i < n; i++) {
            let fname = "", fid = 0;
            this.#fields(1, (c) => {
              if (c === 0) fname = this.string();
              else fid = this.#typeIdField();
            });
            fields.push({ name: fname, id: fid });
          }
        }
      });
      switch (kind) {
        case "array":
          result.push({ kind, name, id, elem, len });
          break;
        case "slice":
          result.push({ kind, name, id, elem });
          break;
        case "struct":
          result.push({ kind, name, id, fields });
          break;
        case "map":
          result.push({ kind, name, id, key, elem });
          break;
        default:
          result.push({ kind, name, id });
      }
    });
    if (result.length === 0) corrupt(`type definition ${defId} has no kind`);
    return result;
  }

  /** A readable name for a wire type id, for messages. */
  typeString(id: number, seen: Set<number> = new Set()): string {
    if (BUILTIN_NAMES[id]) return BUILTIN_NAMES[id];
    const w = this.wire.get(id);
    if (!w) return `<unknown type ${id}>`;
    if (seen.has(id)) return w.name || `<type ${id}>`;
    seen.add(id);
    switch (w.kind) {
      case "array":
        return `[${w.len}]${this.typeString(w.elem, seen)}`;
      case "slice":
        return `[]${this.typeString(w.elem, seen)}`;
      case "map":
        return `map[${this.typeString(w.key, seen)}]${this.typeString(w.elem, seen)}`;
      case "struct":
        return w.name || `struct {${w.fields.map((f) => ` ${f.name}`).join(";")} }`;
      default:
        return w.name || `<${w.kind} marshaler>`;
    }
  }

  /** The wire type with id `id`; an error if it was never defined. */
  wireOf(id: number): WireType {
    const w = this.wire.get(id);
    if (!w) corrupt(`unknown type id or corrupted data: ${id}`);
    return w;
  }

  // ---- values ----

  /** Decodes the value of type `id` that follows, into `type` or as plain values. */
  value(id: number, type: Type | undefined): unknown {
    if (type === undefined) {
      // As Go's skipping does at top level, a definition with a struct kind is a struct here.
      const sw = this.wireFor(id, "struct");
      if (sw === null) {
        const op = this.#plainOp(id);
        this.singletonDelta();
        return op(this);
      }
      return this.#plainStruct(id, sw as StructWire)(this);
    }
    // Fast path: the same descriptor and wire type as the last value (a stream of records).
    if (type === this.#lastType && id === this.#lastId) {
      if (!this.#lastIsStruct) this.singletonDelta();
      return this.#lastOp!(this);
    }
    const ut = userType(type);
    const base = ut.base;
    if (ut.external === null && base.kind === "struct") {
      const w = id >= FIRST_USER_ID ? this.wireFor(id, "struct") : null;
      if (w === null) {
        mismatch(
          `type mismatch in decoder: want struct type ${base}; got non-struct ${
            this.typeString(id)
          }`,
        );
      }
      // Go checks a definition's marshaler kinds against fields, not against a
      // top-level struct (`compileDec`): a struct kind beside them decodes here.
      const op = w === this.wire.get(id) && !this.#variants.has(id)
        ? this.#typedOp(id, base)
        : (this.checkComplete(id), this.#structOp(w as StructWire, base as StructType<unknown>));
      this.#remember(type, id, op, true);
      return op(this);
    }
    const op = this.#typedOp(id, base);
    this.#remember(type, id, op, false);
    this.singletonDelta();
    return op(this);
  }

  #remember(type: Type, id: number, op: DecOp, isStruct: boolean): void {
    this.#lastType = type;
    this.#lastId = id;
    this.#lastOp = op;
    this.#lastIsStruct = isStruct;
  }

  /**
   * Reads and discards one value of type `id` (Go's `Decode(nil)`): it is
   * parsed and checked, but nothing is built, so the cost is proportional to
   * the bytes it occupies.
   */
  skip(id: number): void {
    const sw = this.wireFor(id, "struct");
    if (sw === null) {
      const op = this.skipOp(id);
      this.singletonDelta();
      op(this);
    } else this.#skipStruct(sw as StructWire)(this);
  }

  /** Enters one level of nesting, enforcing `maxDepth`; pair with `depth--`. */
  enter(): void {
    if (++this.depth > this.maxDepth) {
      throw new GobError("limit", `invalid nesting depth: more than ${this.maxDepth} levels`);
    }
  }

  /**
   * Checks that type `id` and every type it refers to are defined (Go
   * reports an undefined component when it compiles a plan), without
   * recursion, so a chain of thousands of nested types is no risk to the stack.
   */
  checkComplete(id: number): void {
    if (id < FIRST_USER_ID || this.#complete.has(id)) return;
    const stack = [id];
    const seen = new Set<number>([id]);
    while (stack.length > 0) {
      const at = stack.pop()!;
      const w = this.wireOf(at);
      const more = w.kind === "struct"
        ? w.fields.map((f) => f.id)
        : w.kind === "map"
        ? [w.key, w.elem]
        : w.kind === "array" || w.kind === "slice"
        ? [w.elem]
        : [];
      for (const v of this.#variants.get(at) ?? []) {
        if (v.kind === "struct") more.push(...v.fields.map((f) => f.id));
        else if (v.kind === "map") more.push(v.key, v.elem);
        else if (v.kind === "array" || v.kind === "slice") more.push(v.elem);
      }
      for (const m of more) {
        if (m >= FIRST_USER_ID && !seen.has(m) && !this.#complete.has(m)) {
          seen.add(m);
          stack.push(m);
        }
        if (m < FIRST_USER_ID && !BUILTIN_NAMES[m]) {
          corrupt(`unknown type id or corrupted data: ${m}`);
        }
      }
    }
    for (const s of seen) this.#complete.add(s);
  }

  // ---- skipping (Go's ignore ops) ----

  /**
   * The op that reads past a value of wire type `id` and builds nothing, as
   * Go's `decIgnoreOpFor`. Component ops are looked up when first needed, so
   * building one never recurses through the type graph.
   */
  skipOp(id: number): DecOp {
    const cached = this.#skipOps.get(id);
    if (cached) return cached;
    this.checkComplete(id);
    const op = this.#buildSkip(id);
    this.#skipOps.set(id, op);
    return op;
  }

  #buildSkip(id: number): DecOp {
    switch (id) {
      case BOOL:
      case INT:
      case UINT:
      case FLOAT:
        return skipUintOp;
      case COMPLEX:
        return skipComplexOp;
      case STRING:
      case BYTES:
        return skipBytesOp;
      case INTERFACE:
        return (d) => d.#skipInterface();
    }
    const w = this.wireOf(id);
    switch (w.kind) {
      case "slice": {
        let elem: DecOp | null = null;
        return (d) => {
          const n = d.length("slice length");
          elem ??= d.skipOp(w.elem);
          d.enter();
          for (let i = 0; i < n; i++) elem(d);
          d.depth--;
        };
      }
      case "array": {
        let elem: DecOp | null = null;
        return (d) => {
          const n = d.count("array length");
          if (n !== w.len) corrupt(`length mismatch in ignoreArray: ${n} != ${w.len}`);
          if (n > d.msgEnd - d.pos) {
            corrupt(`decoding array: length exceeds input size (${n} elements)`);
          }
          elem ??= d.skipOp(w.elem);
          d.enter();
          for (let i = 0; i < n; i++) elem(d);
          d.depth--;
        };
      }
      case "map": {
        let key: DecOp | null = null, elem: DecOp | null = null;
        return (d) => {
          const n = d.count("map length");
          if (n > (d.msgEnd - d.pos) / 2) corrupt(`invalid map length ${n}: exceeds input size`);
          key ??= d.skipOp(w.key);
          elem ??= d.skipOp(w.elem);
          d.enter();
          for (let i = 0; i < n; i++) {
            key(d);
            elem(d);
          }
          d.depth--;
        };
      }
      case "struct":
        return this.#skipStruct(w);
      default:
        return skipBytesOp;
    }
  }

  #skipStruct(w: StructWire): DecOp {
    const ids = w.fields.map((f) => f.id);
    const n = ids.length;
    let ops: DecOp[] | null = null;
    return (d) => {
      ops ??= ids.map((fid) => d.skipOp(fid));
      d.enter();
      let fieldnum = -1;
      while (d.pos < d.msgEnd) {
        const delta = d.count("field delta");
        if (delta === 0) break;
        if (delta > n - 1 - fieldnum) corrupt("bad data: field numbers out of bounds");
        fieldnum += delta;
        ops[fieldnum](d);
      }
      d.depth--;
    };
  }

  #skipInterface(): void {
    const n = this.count("interface type name length");
    if (n === 0) return;
    if (n > 1024) corrupt(`name too long (${n} bytes)`);
    if (n > this.msgEnd - this.pos) corrupt(`invalid type name length ${n}: exceeds input size`);
    this.pos += n;
    this.enter();
    const id = this.typeSequence(true);
    this.uint(); // the value's byte count: not trusted (the value is parsed instead)
    this.skip(id);
    this.depth--;
  }

  // ---- typed plans ----

  #typedOp(id: number, local: AnyType): DecOp {
    let byId = this.#typedOps.get(local);
    if (!byId) this.#typedOps.set(local, byId = new Map());
    const cached = byId.get(id);
    if (cached) return cached;
    if (this.#buildDepth >= MAX_EAGER_BUILD_DEPTH) {
      // A descriptor nested this deep is built a level at a time, when a
      // value first reaches it, so building never exhausts the stack.
      let deferred: DecOp | null = null;
      return (d) => (deferred ??= d.#typedOp(id, local))(d);
    }
    let real: DecOp | null = null;
    byId.set(id, (d) => real!(d));
    this.#buildDepth++;
    try {
      real = this.#buildTyped(id, local);
    } catch (e) {
      byId.delete(id);
      throw e;
    } finally {
      this.#buildDepth--;
    }
    byId.set(id, real);
    return real;
  }

  #incompatible(id: number, local: AnyType): never {
    mismatch(`decoding into local type ${local}, received remote type ${this.typeString(id)}`);
  }

  #buildTyped(id: number, local: AnyType): DecOp {
    if (local.kind === "ptr" || local.kind === "lazy") {
      return this.#typedOp(id, userType(local).base);
    }
    if (local.kind in SCALAR_WIRE) {
      if (SCALAR_WIRE[local.kind] !== id) this.#incompatible(id, local);
      return scalarOp(local as ScalarType<unknown>);
    }
    if (local.kind === "interface") {
      if (id !== INTERFACE) this.#incompatible(id, local);
      return (d) => d.#interface(true);
    }
    if (id < FIRST_USER_ID) this.#incompatible(id, local);
    this.checkComplete(id);
    // Go's compatibleType: a definition with a marshaler kind matches only a
    // local type with exactly that flavour, and the other way round.
    const kinds = this.#variants.get(id) ?? [this.wireOf(id)];
    const flavors = kinds.filter((k) =>
      k.kind === "gob" || k.kind === "binary" || k.kind === "text"
    );
    if (local.kind === "marshaler") {
      if (flavors.length !== 1 || flavors[0].kind !== local.flavor) this.#incompatible(id, local);
    } else if (flavors.length > 0) this.#incompatible(id, local);
    const w = local.kind === "marshaler"
      ? flavors[0]
      : this.wireFor(id, local.kind as WireType["kind"]) ?? this.#incompatible(id, local);
    switch (local.kind) {
      case "marshaler": {
        const codec = local.codec;
        return (d) => {
          const bytes = d.bytes();
          try {
            return codec.decode(bytes);
          } catch (e) {
            if (e instanceof GobError) throw e;
            throw new GobError("corrupt", `${local}: ${(e as Error)?.message ?? e}`, { cause: e });
          }
        };
      }
      case "slice": {
        if (w.kind !== "slice") this.#incompatible(id, local);
        const elem = this.#typedOp(w.elem, canonical(local.elem));
        const closures: DecOp = (d) => {
          const n = d.length("slice length");
          d.enter();
          const out = new Array(n);
          for (let i = 0; i < n; i++) out[i] = elem(d);
          d.depth--;
          return out;
        };
        return canGenerate
          ? tiered(closures, () => generateSliceOp(local.elem, w.elem, elem))
          : closures;
      }
      case "array": {
        if (w.kind !== "array" || w.len !== local.length) this.#incompatible(id, local);
        const elem = this.#typedOp(w.elem, canonical(local.elem));
        const len = local.length;
        return (d) => {
          const n = d.count("array length");
          if (n !== len) corrupt(`length mismatch in decodeArray: ${n} != ${len}`);
          if (n > d.msgEnd - d.pos) {
            corrupt(`decoding array: length exceeds input size (${n} elements)`);
          }
          d.enter();
          const out = new Array(n);
          for (let i = 0; i < n; i++) out[i] = elem(d);
          d.depth--;
          return out;
        };
      }
      case "map": {
        if (w.kind !== "map") this.#incompatible(id, local);
        const key = this.#typedOp(w.key, canonical(local.key));
        const elem = this.#typedOp(w.elem, canonical(local.elem));
        const byValue = KEYED_BY_VALUE.has(userType(local.key).base.kind);
        const closures: DecOp = (d) => mapOp(d, key, elem, byValue);
        if (!canGenerate || byValue) return closures;
        return tiered(
          closures,
          () => generateMapOp(local.key, w.key, key, local.elem, w.elem, elem),
        );
      }
      case "struct": {
        if (w.kind !== "struct") this.#incompatible(id, local);
        return this.#structOp(w, local);
      }
      default:
        return this.#incompatible(id, local);
    }
  }

  #structOp(w: Extract<WireType, { kind: "struct" }>, local: StructType<unknown>): DecOp {
    const localFields = local.fields;
    const byGoName = new Map(localFields.map((f) => [f.goName, f]));
    const n = w.fields.length;
    const props: (string | null)[] = new Array(n);
    const fieldOps: DecOp[] = new Array(n);
    let matched = 0;
    for (let i = 0; i < n; i++) {
      const wf = w.fields[i];
      if (wf.name === "") corrupt(`empty name for remote field of type ${w.name}`);
      const lf = byGoName.get(wf.name);
      if (lf) {
        try {
          fieldOps[i] = this.#typedOp(wf.id, canonical(lf.type));
        } catch (e) {
          if (e instanceof GobError && e.code === "type-mismatch") {
            mismatch(
              `wrong type (${lf.type}) for received field ${w.name}.${wf.name}: ${e.message}`,
            );
          }
          throw e;
        }
        props[i] = lf.prop;
        matched++;
      } else {
        fieldOps[i] = this.skipOp(wf.id);
        props[i] = null;
      }
    }
    if (matched === 0 && localFields.length > 0 && n > 0) {
      mismatch(
        `type mismatch: no fields matched compiling decoder for ${local.name || String(local)}`,
      );
    }
    const zero = structZero(local);
    const closures: DecOp = (d) => {
      d.enter();
      const obj = zero();
      let fieldnum = -1;
      while (d.pos < d.msgEnd) {
        const delta = d.count("field delta");
        if (delta === 0) break;
        if (delta > n - 1 - fieldnum) corrupt("bad data: field numbers out of bounds");
        fieldnum += delta;
        const v = fieldOps[fieldnum](d);
        const p = props[fieldnum];
        if (p !== null) obj[p] = v;
      }
      d.depth--;
      return obj;
    };
    return canGenerate
      ? tiered(closures, () => generateStructOp(w, local, props, fieldOps))
      : closures;
  }

  // ---- interfaces ----

  /**
   * Reads the head of an interface value: the concrete type's name, any type
   * definitions that come with it, its type id and byte count. Returns null
   * for a nil interface; the concrete value follows.
   */
  interfaceHeader(): { name: string; id: number } | null {
    const n = this.count("interface type name length");
    if (n === 0) return null;
    if (n > 1024) corrupt(`name too long (${n} bytes)`);
    if (n > this.msgEnd - this.pos) corrupt(`invalid type name length ${n}: exceeds input size`);
    const name = utf8.decode(this.src.subarray(this.pos, this.pos + n));
    this.pos += n;
    const id = this.typeSequence(true);
    this.uint(); // the value's byte count: not to be trusted (Go ignores it too)
    return { name, id };
  }

  /** Whether the value of wire type `id` is sent as a struct (no singleton delta). */
  isStruct(id: number): boolean {
    return this.wireFor(id, "struct") !== null;
  }

  /** Reads the singleton field delta that precedes a top-level non-struct value. */
  singletonDelta(): void {
    if (this.count("singleton delta") !== 0) {
      corrupt("decode: corrupted data: non-zero delta for singleton");
    }
  }

  #interface(typed: boolean): InterfaceValue | null {
    const n = this.count("interface type name length");
    if (n === 0) return null;
    if (n > 1024) corrupt(`name too long (${n} bytes)`);
    if (n > this.msgEnd - this.pos) corrupt(`invalid type name length ${n}: exceeds input size`);
    const name = utf8.decode(this.src.subarray(this.pos, this.pos + n));
    this.pos += n;
    let type: AnyType | undefined;
    if (typed) {
      type = lookupRegistered(name);
      if (!type) {
        throw new GobError(
          "unregistered",
          `name not registered for interface: ${JSON.stringify(name)}`,
        );
      }
    }
    this.enter();
    const id = this.typeSequence(true);
    this.uint(); // the value's byte count: not to be trusted (Go ignores it too)
    const value = this.value(id, type);
    this.depth--;
    return { name, value };
  }

  // ---- plain (descriptor-less) plans ----

  #plainOp(id: number): DecOp {
    const cached = this.#plainOps.get(id);
    if (cached) return cached;
    this.checkComplete(id);
    const op = this.#buildPlain(id);
    this.#plainOps.set(id, op);
    return op;
  }

  /** Plain ops look their component ops up when first needed: building one never recurses. */
  #buildPlain(id: number): DecOp {
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
        return (d) => d.bytes();
      case INTERFACE:
        return (d) => d.#interface(false);
    }
    const w = this.wireOf(id);
    switch (w.kind) {
      case "slice": {
        let elem: DecOp | null = null;
        return (d) => {
          const n = d.length("slice length");
          elem ??= d.#plainOp(w.elem);
          d.enter();
          const out = new Array(n);
          for (let i = 0; i < n; i++) out[i] = elem(d);
          d.depth--;
          return out;
        };
      }
      case "array": {
        let elem: DecOp | null = null;
        return (d) => {
          const n = d.count("array length");
          if (n !== w.len) corrupt(`length mismatch in ignoreArray: ${n} != ${w.len}`);
          if (n > d.msgEnd - d.pos) {
            corrupt(`decoding array: length exceeds input size (${n} elements)`);
          }
          elem ??= d.#plainOp(w.elem);
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
          this.wire.get(w.key)?.kind === "struct" || this.wire.get(w.key)?.kind === "array";
        return (d) => {
          key ??= d.#plainOp(w.key);
          elem ??= d.#plainOp(w.elem);
          d.enter();
          const m = mapOp(d, key, elem, byValue);
          d.depth--;
          return m;
        };
      }
      case "struct":
        return this.#buildPlainStruct(id, w);
      default: {
        const name = w.name;
        const flavor = w.kind;
        return (d) => new Opaque(name, flavor, d.bytes());
      }
    }
  }

  /** The plain op of a struct definition (`sw`, which may be a second kind of type `id`). */
  #plainStruct(id: number, sw: StructWire): DecOp {
    if (this.wire.get(id) === sw) return this.#plainOp(id);
    this.checkComplete(id);
    return this.#buildPlainStruct(id, sw);
  }

  /**
   * A struct as an object with every wire field: fields absent from the wire
   * get their zero values, charged to `zeroFill`; a struct with no fields is
   * the one shared frozen {@linkcode EMPTY_STRUCT}.
   */
  #buildPlainStruct(id: number, w: StructWire): DecOp {
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
      ops ??= ids.map((fid) => d.#plainOp(fid));
      d.enter();
      const vals: unknown[] = new Array(n).fill(NONE);
      let present = 0;
      let fieldnum = -1;
      while (d.pos < d.msgEnd) {
        const delta = d.count("field delta");
        if (delta === 0) break;
        if (delta > n - 1 - fieldnum) corrupt("bad data: field numbers out of bounds");
        fieldnum += delta;
        vals[fieldnum] = ops[fieldnum](d);
        present++;
      }
      if (present < n) {
        d.chargeZero(n - present);
        selfish ??= d.selfFields(id, w);
        for (let i = 0; i < n; i++) {
          if (vals[i] === NONE) vals[i] = selfish[i] ? null : d.zeroValue(ids[i]);
        }
      }
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) setProp(obj, names[i], vals[i]);
      d.depth--;
      return obj;
    };
  }

  // ---- zero values of wire types ----

  /** Takes `n` from the zero-fill allowance of the current top-level value. */
  chargeZero(n: number): void {
    this.zeroFill -= n;
    if (this.zeroFill < 0) {
      throw new GobError(
        "limit",
        `zero values to fill in for fields absent from the wire exceed maxZeroFill (${this.maxZeroFill})`,
      );
    }
  }

  #zeroCosts = new Map<number, number>();

  /**
   * How many parts the zero value of wire type `id` has beyond itself: the
   * fields of a struct and elements of an array, with theirs (a field whose
   * type contains its struct is `null` and costs nothing). Infinite for an
   * array that contains itself. Computed once per type, with an explicit
   * stack, so that an enormous zero value is refused before any of it is built.
   */
  zeroCost(id: number): number {
    const memo = this.#zeroCosts;
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
      const w = this.wire.get(at);
      let parts: number[] = [];
      if (w?.kind === "struct") {
        const selfish = this.selfFields(at, w);
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

  /**
   * The zero value of wire type `id` as a plain value, for a field absent from
   * the wire; its cost is charged to the zero-fill allowance before any of it
   * is built. A struct field whose type contains the struct itself is `null`.
   */
  zeroValue(id: number): unknown {
    const cost = this.zeroCost(id);
    if (cost > 0) this.chargeZero(cost);
    return this.#buildZero(id);
  }

  #buildZero(id: number): unknown {
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
    const w = this.wire.get(id);
    if (!w) return null;
    switch (w.kind) {
      case "slice":
        return [];
      case "array": {
        this.enter();
        const first = w.len > 0 ? this.#buildZero(w.elem) : null;
        // Primitive zeros are shared; objects (structs, arrays, ...) are built one by one.
        const out = new Array(w.len).fill(first);
        if (typeof first === "object" && first !== null) {
          for (let i = 1; i < w.len; i++) out[i] = this.#buildZero(w.elem);
        }
        this.depth--;
        return out;
      }
      case "struct": {
        const n = w.fields.length;
        if (n === 0) return EMPTY_STRUCT;
        this.enter();
        const selfish = this.selfFields(id, w);
        const obj: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const f = w.fields[i];
          setProp(obj, f.name, selfish[i] ? null : this.#buildZero(f.id));
        }
        this.depth--;
        return obj;
      }
      default:
        return null; // maps (a map not sent is nil, as in Go) and custom-encoded types
    }
  }

  #selfFields = new Map<number, boolean[]>();

  /**
   * For each field of struct `id`, whether its type contains the struct
   * itself by value (through structs and arrays); such a field's zero value
   * is `null`. Computed once per type with an explicit stack.
   */
  selfFields(id: number, w: StructWire): boolean[] {
    const cached = this.#selfFields.get(id);
    if (cached && w === this.wire.get(id)) return cached;
    const out = w.fields.map((f) => {
      const stack = [f.id];
      const seen = new Set<number>();
      while (stack.length > 0) {
        const at = stack.pop()!;
        if (at === id) return true;
        if (seen.has(at)) continue;
        seen.add(at);
        const x = this.wire.get(at);
        if (x?.kind === "struct") { for (const g of x.fields) stack.push(g.id); }
        else if (x?.kind === "array") stack.push(x.elem);
      }
      return false;
    });
    if (w === this.wire.get(id)) this.#selfFields.set(id, out);
    return out;
  }
}

function setProp(obj: Record<string, unknown>, name: string, v: unknown): void {
  if (name === "__proto__") {
    Object.defineProperty(obj, name, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else obj[name] = v;
}

/** Local key kinds whose values are objects: map entries are matched by value, as Go's `==`. */
const KEYED_BY_VALUE: ReadonlySet<string> = new Set([
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
function mapOp(d: DecoderCore, key: DecOp, elem: DecOp, byValue = false): Map<unknown, unknown> {
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

function overflow(t: ScalarType<unknown>, v: unknown): never {
  throw new GobError("overflow", `value for "${t}" out of range: ${v}`);
}

function scalarOp(t: ScalarType<unknown>): DecOp {
  switch (t.kind) {
    case "bool":
      return (d) => d.uint() !== 0;
    case "int": {
      if (t.big) {
        return (d) => {
          const v = d.int();
          return typeof v === "bigint" ? v : BigInt(v);
        };
      }
      if (t.bits === 64) {
        return (d) => {
          const v = d.int();
          if (typeof v !== "number") overflow(t, v);
          return v;
        };
      }
      const max = 2 ** (t.bits - 1) - 1, min = -(2 ** (t.bits - 1));
      return (d) => {
        const v = d.int();
        if (typeof v !== "number" || v > max || v < min) overflow(t, v);
        return v;
      };
    }
    case "uint": {
      if (t.big) {
        return (d) => {
          const v = d.uint();
          return typeof v === "bigint" ? v : BigInt(v);
        };
      }
      const max = t.bits === 64 ? MAX_SAFE : 2 ** t.bits - 1;
      return (d) => {
        const v = d.uint();
        if (typeof v !== "number" || v > max) overflow(t, v);
        return v;
      };
    }
    case "float":
      if (t.bits === 32) {
        return (d) => {
          const v = d.float();
          if (Math.abs(v) > 3.4028234663852886e38 && Number.isFinite(v)) overflow(t, v);
          return v;
        };
      }
      return (d) => d.float();
    case "complex":
      if (t.bits === 32) {
        return (d) => {
          const re = d.float(), im = d.float();
          const max = 3.4028234663852886e38;
          if (
            (Math.abs(re) > max && Number.isFinite(re)) ||
            (Math.abs(im) > max && Number.isFinite(im))
          ) {
            overflow(t, `(${re}+${im}i)`);
          }
          return { re, im };
        };
      }
      return (d) => ({ re: d.float(), im: d.float() });
    case "string":
      return (d) => d.string();
    default:
      return (d) => d.bytes();
  }
}

// ---- short ASCII strings ----

const fcc = String.fromCharCode;

/**
 * `n` (at most 16) ASCII bytes as a string: one `fromCharCode` call with the
 * bytes as arguments, much faster than `TextDecoder` or concatenation for the
 * short strings records are made of.
 */
function ascii16(s: Uint8Array, p: number, n: number): string {
  switch (n) {
    case 0:
      return "";
    case 1:
      return fcc(s[p]);
    case 2:
      return fcc(s[p], s[p + 1]);
    case 3:
      return fcc(s[p], s[p + 1], s[p + 2]);
    case 4:
      return fcc(s[p], s[p + 1], s[p + 2], s[p + 3]);
    case 5:
      return fcc(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4]);
    case 6:
      return fcc(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5]);
    case 7:
      return fcc(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6]);
    case 8:
      return fcc(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6], s[p + 7]);
    default: // 9 to 16: eight at a time
      return fcc(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6], s[p + 7]) +
        ascii16(s, p + 8, n - 8);
  }
}

// ---- generated typed plans ----
//
// Struct, slice and map plans are compiled with `new Function`, one function
// per (wire type, descriptor) pairing: each has its own inline caches (a
// shared loop over a table of ops sees every struct and every op), common
// scalars are read inline, and a struct is built as one object literal with
// its fields in descriptor order, so every decoded value of a descriptor has
// the same shape. The generated code makes the same checks, in the same
// order, as the closures it replaces, which remain the fallback where code
// generation is not allowed (CSP).

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

function generateStructOp(
  w: Extract<WireType, { kind: "struct" }>,
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

function generateSliceOp(elemType: Type, wireElem: number, elem: DecOp): DecOp {
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

function generateMapOp(
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

const structZeros = new WeakMap<StructType<unknown>, () => Record<string, unknown>>();

/** A factory for the zero value of a struct descriptor (all fields, stable shape). */
function structZero(t: StructType<unknown>): () => Record<string, unknown> {
  let z = structZeros.get(t);
  if (z) return z;
  if (t.fields.length === 0) {
    z = () => EMPTY_STRUCT;
    structZeros.set(t, z);
    return z;
  }
  let real: (() => Record<string, unknown>) | null = null;
  structZeros.set(t, () => real!());
  const zeros = t.fields.map((f) => zeroFor(f.type, t));
  const props = t.fields.map((f) => f.prop);
  real = () => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < props.length; i++) setProp(obj, props[i], zeros[i]());
    return obj;
  };
  structZeros.set(t, real);
  z = real;
  return z;
}

function zeroFor(type: Type, owner: StructType<unknown>): () => unknown {
  const t = canonical(type);
  switch (t.kind) {
    case "bool":
      return () => false;
    case "int":
    case "uint":
      return t.big ? () => 0n : () => 0;
    case "float":
      return () => 0;
    case "complex":
      return () => ({ re: 0, im: 0 });
    case "string":
      return () => "";
    case "bytes":
      return () => new Uint8Array(0);
    case "slice":
      return () => [];
    case "map":
      return () => null; // a map not sent is nil, as in Go (an empty map is sent)
    case "array": {
      const elem = zeroFor(t.elem, owner);
      const len = t.length;
      return () => Array.from({ length: len }, elem);
    }
    case "struct":
      return t === owner ? () => null : () => structZero(t)();
    case "marshaler": {
      const codec = t.codec;
      return codec.zero ? () => codec.zero!() : () => null;
    }
    default:
      return () => null; // pointers, interfaces
  }
}

// ---- one value at a time ------------------------------------------------------------------

/** Builds the value of type id `id` from the core's input (or skips it, or renders it). */
export type ValueReader = (core: DecoderCore, id: number) => unknown;

/** Consumes the rest of a bad message, so a caller that goes on starts at the next one. */
function consumeBad(core: DecoderCore, e: unknown): unknown {
  if (e instanceof GobError && e.code !== "eof" && core.msgEnd > core.pos) core.pos = core.msgEnd;
  return e;
}

/**
 * Decodes the next value with `read`: its type definitions, then the value's message. Errors
 * come out as `GobError`s that say at which stream offset the value started; {@linkcode NEED_MORE}
 * passes through.
 */
export function decodeValue(core: DecoderCore, read: ValueReader): unknown {
  const start = core.offset;
  try {
    const id = core.typeSequence(false);
    const v = read(core, id);
    core.pos = core.msgEnd; // anything left in the message after the value is ignored, as in Go
    core.endValue();
    return v;
  } catch (e) {
    if (e === NEED_MORE) throw e;
    core.endValue();
    if (e instanceof GobError) {
      if (e.code === "eof") throw e;
      throw new GobError(e.code, `${e.message} (value at stream offset ${start})`, {
        cause: e.cause,
      });
    }
    if (e instanceof RangeError) {
      // V8's two: the call stack ran out (nesting), or a string or array would pass its maximum.
      const what = /call stack/i.test(e.message)
        ? "value nested too deeply for the JavaScript stack (lower maxDepth)"
        : "value too large for JavaScript";
      throw new GobError("limit", `${what}: ${e.message} (value at stream offset ${start})`, {
        cause: e,
      });
    }
    throw new GobError("corrupt", `decoding failed: ${(e as Error)?.message ?? e}`, { cause: e });
  }
}

/**
 * Decodes the next value with `read` if all of its messages are buffered, else rolls the core
 * back and returns `null` (feed it more, then try again). A bad message is consumed before its
 * error is thrown, so a caller that goes on starts at the next one. The decoders of `codec.ts`
 * and the rpc codec drive the core through this.
 */
export function takeValue(core: DecoderCore, read: ValueReader): { value: unknown } | null {
  if (!core.ready()) return null;
  const mark = core.mark();
  try {
    return { value: decodeValue(core, read) };
  } catch (e) {
    if (e !== NEED_MORE) throw consumeBad(core, e);
    core.rollback(mark);
    return null;
  }
}
