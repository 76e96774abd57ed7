/**
 * Hand-made gob streams for the hostile-input tests, written byte by byte
 * (`tools/gob_craft.ts`): a type that sets two kinds, a field left out of a
 * struct whose zero value is enormous.
 *
 * @module
 */

import { concat, INT, message, Payload, STRING, typeDef, UINT } from "../../tools/gob_craft.ts";

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
