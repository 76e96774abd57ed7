/**
 * The gob decoder's stream state, as Go's `decoder.go`: the buffered input,
 * the primitives every plan reads with (bounded by the current message),
 * message framing, and the type definitions received. The plans that turn
 * bytes into values live beside it, one kind to a module: typed
 * (`_decode_typed.ts`), plain (`_decode_plain.ts`), skipping
 * (`_decode_skip.ts`); the core caches what they build and drops it when a
 * rollback forgets the types it was built from.
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

import { GobError } from "./error.ts";
import { releaseBuffer } from "../ground/bytes.ts";
import { BUILTIN_NAMES, FIRST_USER_ID, type WireType } from "./typeinfo.ts";
import type { AnyType, Type } from "./types.ts";
import { primaryKind, readWireType } from "./_decode_wire_type.ts";

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
   * a zero struct it contains. A field whose zero value the allowance no longer
   * holds is left out of the result (an absent property), so that a stream
   * declaring an enormous zero value decodes, as in Go, without building it.
   * Default 1,048,576 (2^20). Typed decodes fill in the zero values of their
   * own descriptors and are not counted.
   */
  maxZeroFill?: number;
}

/** A decode plan: reads one value of a wire type at the read position. */
export type DecOp = (d: DecoderCore) => unknown;
/** The wire definition of a struct type. */
export type StructWire = Extract<WireType, { kind: "struct" }>;

/**
 * The value of every struct type without fields (Go's `struct{}`, which has
 * no storage either): one frozen object, so a million of them cost nothing.
 */
export const EMPTY_STRUCT: Readonly<Record<string, never>> = Object.freeze({});

const DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024;
/**
 * The least a {@linkcode DecoderCore.reserve} makes room for, and the size from which a decoded
 * `[]byte` may be a view of the received message instead of a copy (see `bytes`).
 */
export const LARGE_MESSAGE = 64 * 1024;
/**
 * How far ahead of the bytes received a {@linkcode DecoderCore.reserve} allocates, as a multiple
 * of them: a peer that announces a large message and sends little of it makes the decoder hold at
 * most this many times what it sent (a server's memory budget charges what was received).
 */
const RESERVE_AHEAD = 4;
const DEFAULT_MAX_DEPTH = 2500;
const DEFAULT_MAX_ZERO_FILL = 1 << 20;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const floatView = new DataView(new ArrayBuffer(8));
const floatBytes = new Uint8Array(floatView.buffer);
const utf8 = new TextDecoder();

/** Throws the error for input that is not a valid gob stream. */
export function corrupt(message: string): never {
  throw new GobError("corrupt", message);
}

/** Throws the error for a stream that does not fit the descriptor it is decoded into. */
export function mismatch(message: string): never {
  throw new GobError("type-mismatch", message);
}

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
  /** Largest message accepted, in bytes. */
  readonly maxMessageSize: number;
  /** Deepest nesting of values. */
  readonly maxDepth: number;
  /** Wire types received on this stream, by id. */
  readonly wire: Map<number, WireType> = new Map();
  #addedTypes: number[] = [];
  /** Every kind of the definitions that set more than one (rare; see `wireFor`). */
  #variants = new Map<number, WireType[]>();
  /** Zero values a descriptor-less decode may still fill in for the current top-level value. */
  zeroFill = 0;
  /** The zero-fill allowance of each top-level value. */
  readonly maxZeroFill: number;
  /** Type ids whose every component type is known to be defined. */
  #complete = new Set<number>();

  // Plans built from this stream's wire types by the plan modules, kept here because a
  // rollback that forgets a type must drop every plan built from it.

  /** Typed plans by descriptor and wire type id (`_decode_typed.ts`). */
  readonly typedOps: Map<AnyType, Map<number, DecOp>> = new Map();
  /** How many typed plans are being built, one inside the other. */
  buildDepth = 0;
  /** The last typed value's descriptor: a stream of records skips the plan lookup. */
  lastType: Type | null = null;
  /** The last typed value's wire type id. */
  lastId = -1;
  /** The last typed value's plan. */
  lastOp: DecOp | null = null;
  /** Whether the last typed value was a struct (sent without a singleton delta). */
  lastIsStruct = false;
  /** Plain plans by wire type id (`_decode_plain.ts`). */
  readonly plainOps: Map<number, DecOp> = new Map();
  /** Skip plans by wire type id (`_decode_skip.ts`). */
  readonly skipOps: Map<number, DecOp> = new Map();
  /** Parts of each wire type's zero value (`_decode_zero_wire.ts`). */
  readonly zeroCosts: Map<number, number> = new Map();
  /** Per struct wire type, which fields contain the struct itself (`_decode_zero_wire.ts`). */
  readonly selfFields: Map<number, boolean[]> = new Map();

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
      if (buf !== this.src) this.#release();
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

  /**
   * How many bytes past those received the next message a value needs still lacks (the one the
   * last attempt waited for, else the one at the read position), or 0 when none is known to lack
   * any (its length prefix not yet received, or over the size limit, which decoding reports).
   */
  get missing(): number {
    const wanted = this.#wantOffset - (this.base + this.limit);
    if (wanted > 0) return wanted;
    // No attempt was made (`ready` saw the message at the read position incomplete): that one.
    const src = this.src;
    let p = this.pos;
    if (p >= this.limit) return 0;
    const b = src[p++];
    let n = b;
    if (b >= 0x80) {
      const k = 256 - b;
      if (k > 8 || p + k > this.limit) return 0;
      n = 0;
      for (let i = 0; i < k; i++) n = n * 256 + src[p++];
    }
    return n > this.maxMessageSize ? 0 : Math.max(0, p + n - this.limit);
  }

  /**
   * Space to receive up to `want` more bytes straight into, after those buffered: at most
   * {@linkcode RESERVE_AHEAD} times the bytes buffered ahead of them, and at least
   * {@linkcode LARGE_MESSAGE}. Grown to what the message needs, not doubled, so a message whose
   * length is known costs one buffer of about its size. Fill it, then {@linkcode commit} what was
   * written. Only call between values (after a rollback), as `feed`.
   */
  reserve(want: number): Uint8Array {
    const pending = this.limit - this.pos;
    const ahead = Math.min(want, Math.max(LARGE_MESSAGE, pending * RESERVE_AHEAD));
    if (!this.#owned || pending + ahead > this.src.length - this.pos) {
      const buf = new Uint8Array(pending + ahead);
      buf.set(this.src.subarray(this.pos, this.limit), 0);
      this.#release();
      this.base += this.pos;
      this.src = buf;
      this.limit = pending;
      this.pos = this.msgEnd = 0;
      this.#owned = true;
    }
    return this.src.subarray(this.limit, this.limit + ahead);
  }

  /**
   * Frees the memory of the buffer being replaced now, if it is the decoder's own (nothing
   * decoded from it is a view of it: `byteSlice` disowns a buffer it lends): detached, a large
   * buffer does not wait for the garbage collector.
   */
  #release(): void {
    if (this.#owned) releaseBuffer(this.src, LARGE_MESSAGE);
  }

  /** Adds the `n` bytes written into the space {@linkcode reserve} gave. */
  commit(n: number): void {
    this.limit += n;
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
      this.typedOps.clear();
      this.plainOps.clear();
      this.skipOps.clear();
      this.#complete.clear();
      this.selfFields.clear();
      this.zeroCosts.clear();
      this.lastType = null;
      this.lastOp = null;
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

  /**
   * Reads the length of an array of `len` elements: it must be `len` (else Go's "length
   * mismatch in `op`") and no more than the bytes left, each element taking one at the least.
   */
  arrayLength(len: number, op: "decodeArray" | "ignoreArray"): number {
    const n = this.count("array length");
    if (n !== len) corrupt(`length mismatch in ${op}: ${n} != ${len}`);
    if (n > this.msgEnd - this.pos) {
      corrupt(`decoding array: length exceeds input size (${n} elements)`);
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

  /**
   * Reads a `[]byte` value: as {@linkcode bytes}, but a large slice that is most of a buffer
   * ending with its message is a view of it (no payload-sized copy; the decoder then never writes
   * into that buffer again, so the view is the caller's as a copy would be).
   */
  byteSlice(): Uint8Array {
    const n = this.length("byte slice length");
    const src = this.src;
    const start = this.pos;
    this.pos += n;
    if (
      n >= LARGE_MESSAGE && n * 2 >= src.buffer.byteLength && this.msgEnd === src.length &&
      this.limit === src.length
    ) {
      this.#owned = false;
      return src.subarray(start, start + n);
    }
    return src.slice(start, start + n);
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
    const kinds = readWireType(this, id);
    // One kind is the type's meaning everywhere except where Go looks for a
    // particular kind (see `wireFor`).
    if (kinds.length > 1) this.#variants.set(id, kinds);
    this.wire.set(id, primaryKind(kinds));
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

  /** Every kind a definition sets, when it sets more than one (rare; see `wireFor`). */
  variantsOf(id: number): readonly WireType[] | undefined {
    return this.#variants.get(id);
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

  // ---- nesting and completeness ----

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

  // ---- interfaces ----

  /**
   * Reads the concrete type's name that opens an interface value; null for a
   * nil interface. Its type definitions, id and byte count follow.
   */
  interfaceName(): string | null {
    const n = this.interfaceNameLength();
    if (n === 0) return null;
    const name = utf8.decode(this.src.subarray(this.pos, this.pos + n));
    this.pos += n;
    return name;
  }

  /**
   * Reads the byte length of the concrete type's name that opens an interface value (0 for a
   * nil interface), checked against Go's bound and the bytes left; the name follows.
   */
  interfaceNameLength(): number {
    const n = this.count("interface type name length");
    if (n > 1024) corrupt(`name too long (${n} bytes)`);
    if (n > this.msgEnd - this.pos) corrupt(`invalid type name length ${n}: exceeds input size`);
    return n;
  }

  /**
   * Reads the head of an interface value: the concrete type's name, any type
   * definitions that come with it, its type id and byte count. Returns null
   * for a nil interface; the concrete value follows.
   */
  interfaceHeader(): { name: string; id: number } | null {
    const name = this.interfaceName();
    if (name === null) return null;
    const id = this.typeSequence(true);
    this.uint(); // the value's byte count: not to be trusted (Go ignores it too)
    return { name, id };
  }

  /**
   * Reads the rest of an interface value once its name is read, one nesting level down: the type
   * definitions that come with it, its type id, its byte count (not to be trusted: Go ignores it
   * too, and the value is parsed instead), then the value itself with `read`.
   */
  concreteValue<T>(read: (d: DecoderCore, id: number) => T): T {
    this.enter();
    const id = this.typeSequence(true);
    this.uint();
    const value = read(this, id);
    this.depth--;
    return value;
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
}

/**
 * The plan for wire type `id` in `cache` (one of a core's plan caches), built by `build` the
 * first time, once the type and every type it refers to are known to be defined.
 */
export function cachedPlan<Op>(
  d: DecoderCore,
  cache: Map<number, Op>,
  id: number,
  build: (d: DecoderCore, id: number) => Op,
): Op {
  const cached = cache.get(id);
  if (cached) return cached;
  d.checkComplete(id);
  const op = build(d, id);
  cache.set(id, op);
  return op;
}

/**
 * The plan for the top-level value of wire type `id` that follows, the singleton delta that
 * precedes a value other than a struct read. As Go's skipping does at top level, a type whose
 * definition sets the struct kind (among others) is a struct here: its plan is `plan`'s when
 * the struct is the type's own kind, else `structPlan` builds one for that definition.
 */
export function topLevelPlan<Op>(
  d: DecoderCore,
  id: number,
  plan: (d: DecoderCore, id: number) => Op,
  structPlan: (d: DecoderCore, id: number, sw: StructWire) => Op,
): Op {
  const sw = d.wireFor(id, "struct");
  if (sw === null) {
    const op = plan(d, id);
    d.singletonDelta();
    return op;
  }
  return sw === d.wire.get(id) ? plan(d, id) : structPlan(d, id, sw as StructWire);
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
