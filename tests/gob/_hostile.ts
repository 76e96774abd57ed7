/**
 * Hand-made gob streams for the hostile-input tests and the fuzzer: type
 * definitions and values written byte by byte, so a stream can say what no Go
 * encoder would (a type that sets two kinds, a field left out of a struct
 * whose zero value is enormous).
 *
 * @module
 */

import { EncBuffer } from "../../gob/buffer.ts";

/** A struct field in a definition: name and type id. */
export type FieldDef = [name: string, id: number];

/** A type definition as written on the wire: one or more kinds set. */
export type KindDef =
  | { array: { elem: number; len: number; name?: string } }
  | { slice: { elem: number; name?: string } }
  | { struct: { fields: FieldDef[]; name?: string } }
  | { map: { key: number; elem: number; name?: string } }
  | { gob: { name?: string } };

/** Builds the bytes of one message payload. */
export class Payload {
  readonly #b = new EncBuffer(64);
  /** Appends an unsigned integer. */
  uint(u: number): this {
    this.#b.uint(u);
    return this;
  }
  /** Appends a signed integer. */
  int(i: number): this {
    this.#b.int(i);
    return this;
  }
  /** Appends a length-prefixed string. */
  string(s: string): this {
    this.#b.string(s);
    return this;
  }
  /** Appends raw bytes. */
  raw(...bytes: number[]): this {
    this.#b.write(new Uint8Array(bytes));
    return this;
  }
  /** The payload. */
  bytes(): Uint8Array {
    return this.#b.buf.slice(0, this.#b.len);
  }
}

/** A message: the payload with its length prefix. */
export function message(p: Payload | Uint8Array): Uint8Array {
  const payload = p instanceof Payload ? p.bytes() : p;
  const head = new EncBuffer(9);
  head.uint(payload.length);
  return concat(head.buf.subarray(0, head.len), payload);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function commonType(p: Payload, name: string | undefined, id: number): void {
  p.uint(1); // CommonType is field 0 of every kind
  if (name) p.uint(1).string(name).uint(1).int(id);
  else p.uint(2).int(id);
  p.uint(0);
}

/** The message defining type `id` with every kind given, in wireType field order. */
export function typeDef(id: number, ...kinds: KindDef[]): Uint8Array {
  const p = new Payload().int(-id);
  const order = ["array", "slice", "struct", "map", "gob"];
  const sorted = [...kinds].sort((a, b) =>
    order.indexOf(Object.keys(a)[0]) - order.indexOf(Object.keys(b)[0])
  );
  let last = -1;
  for (const k of sorted) {
    const kind = Object.keys(k)[0];
    const field = kind === "gob" ? 4 : order.indexOf(kind);
    p.uint(field - last);
    last = field;
    if ("array" in k) {
      commonType(p, k.array.name, id);
      p.uint(1).int(k.array.elem).uint(1).int(k.array.len).uint(0);
    } else if ("slice" in k) {
      commonType(p, k.slice.name, id);
      p.uint(1).int(k.slice.elem).uint(0);
    } else if ("struct" in k) {
      commonType(p, k.struct.name, id);
      p.uint(1).uint(k.struct.fields.length);
      for (const [name, fid] of k.struct.fields) p.uint(1).string(name).uint(1).int(fid).uint(0);
      p.uint(0);
    } else if ("map" in k) {
      commonType(p, k.map.name, id);
      p.uint(1).int(k.map.key).uint(1).int(k.map.elem).uint(0);
    } else {
      commonType(p, k.gob.name, id);
      p.uint(0);
    }
  }
  p.uint(0);
  return message(p);
}

/** Predefined type ids. */
export const INT = 2, UINT = 3, STRING = 6;

const POINT = 65;

/** A `Point{X: 1, Y: 2}` value of wire type 65, whose third field E (type 66) is sent empty. */
function pointWithEmptyE(): Uint8Array {
  return message(
    new Payload().int(POINT).uint(1).int(1).uint(1).int(2).uint(1).uint(0).uint(0),
  );
}

/** Type 66 and up: a struct holding two copies of a struct holding two copies of ..., `levels` deep. */
function doublingStructs(levels: number): Uint8Array[] {
  const defs: Uint8Array[] = [];
  for (let i = 0; i < levels; i++) {
    const next = i === levels - 1 ? INT : 67 + i;
    defs.push(typeDef(66 + i, { struct: { name: `L${i}`, fields: [["A", next], ["B", next]] } }));
  }
  return defs;
}

/**
 * The struct amplifier: Point{X, Y, E} where E's type holds two copies of a
 * struct that holds two copies of the next, `levels` deep. E is sent as an
 * empty struct, so its fields are absent: their zero value has 2^levels parts.
 */
export function structAmplifier(levels = 40): Uint8Array {
  return concat(
    typeDef(POINT, { struct: { name: "Point", fields: [["X", INT], ["Y", INT], ["E", 66]] } }),
    ...doublingStructs(levels),
    pointWithEmptyE(),
  );
}

/**
 * The same amplifier as an extra field E of a net/rpc request header:
 * Request{ServiceMethod: "Arith.Multiply", Seq: 1, E: {}}.
 */
export function headerAmplifier(levels = 40): Uint8Array {
  return concat(
    typeDef(POINT, {
      struct: { name: "Request", fields: [["ServiceMethod", STRING], ["Seq", UINT], ["E", 66]] },
    }),
    ...doublingStructs(levels),
    message(
      new Payload().int(POINT).uint(1).string("Arith.Multiply").uint(1).uint(1).uint(1).uint(0)
        .uint(0),
    ),
  );
}

/**
 * The array amplifier: Point{X, Y, E} where E is struct{A [n][n][n]int}. E is
 * sent empty, so A is absent: its zero value has n^3 elements.
 */
export function arrayAmplifier(n = 1 << 24): Uint8Array {
  return concat(
    typeDef(POINT, { struct: { name: "Point", fields: [["X", INT], ["Y", INT], ["E", 66]] } }),
    typeDef(66, { struct: { name: "E", fields: [["A", 67]] } }),
    typeDef(67, { array: { elem: 68, len: n } }),
    typeDef(68, { array: { elem: 69, len: n } }),
    typeDef(69, { array: { elem: INT, len: n } }),
    pointWithEmptyE(),
  );
}

/**
 * `depth` named struct types, each `{A next}`, the innermost `{X int}`, and a
 * value with X = 7: valid, and what Go writes for such types.
 */
export function nestedStructs(depth: number): Uint8Array {
  const defs: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) {
    const id = 65 + i;
    const last = i === depth - 1;
    defs.push(typeDef(id, {
      struct: { name: `T${i}`, fields: last ? [["X", INT]] : [["A", id + 1]] },
    }));
  }
  const v = new Payload().int(65);
  for (let i = 0; i < depth - 1; i++) v.uint(1);
  v.uint(1).int(7);
  for (let i = 0; i < depth; i++) v.uint(0);
  return concat(...defs, message(v));
}

/**
 * A type that sets two kinds (struct and slice) and a Point value of it: Go
 * decodes it into a Point, reading the struct kind.
 */
export function twoKinds(): Uint8Array {
  return concat(
    typeDef(POINT, {
      struct: { name: "Point", fields: [["X", INT], ["Y", INT]] },
    }, { slice: { elem: INT } }),
    message(new Payload().int(POINT).uint(1).int(1).uint(1).int(2).uint(0)),
  );
}

/** map[Key]string with Key{A int; B string}: the entries given, equal keys included. */
export function structKeyedMap(entries: [number, string, string][]): Uint8Array {
  const v = new Payload().int(67).uint(0).uint(entries.length);
  for (const [a, b, val] of entries) {
    if (a !== 0) v.uint(1).int(a);
    if (b !== "") v.uint(a !== 0 ? 1 : 2).string(b);
    v.uint(0).string(val);
  }
  return concat(
    typeDef(67, { map: { key: 66, elem: STRING } }),
    typeDef(66, { struct: { name: "Key", fields: [["A", INT], ["B", STRING]] } }),
    message(v),
  );
}

/** A time.Time value (type 65, GobEncoder "Time") with the given seconds since year 1. */
export function timeValue(secondsSinceYear1: bigint, nanos = 0, offsetMin = -1): Uint8Array {
  const enc = new Uint8Array(15);
  const dv = new DataView(enc.buffer);
  enc[0] = 1;
  dv.setBigInt64(1, secondsSinceYear1);
  dv.setInt32(9, nanos);
  dv.setInt16(13, offsetMin);
  const v = new Payload().int(65).uint(0).uint(enc.length).raw(...enc);
  return concat(typeDef(65, { gob: { name: "Time" } }), message(v));
}

/**
 * A []S of `count` empty S values, where S's one field has a name of
 * `nameLength` bytes: as JSON every element repeats the name, so the text
 * passes the longest string JavaScript can hold long before memory runs out.
 */
export function longFieldNames(nameLength = 1 << 20, count = 600): Uint8Array {
  const v = new Payload().int(66).uint(0).uint(count);
  for (let i = 0; i < count; i++) v.uint(0);
  return concat(
    typeDef(66, { slice: { elem: 65 } }),
    typeDef(65, { struct: { name: "S", fields: [["N" + "x".repeat(nameLength - 1), INT]] } }),
    message(v),
  );
}
