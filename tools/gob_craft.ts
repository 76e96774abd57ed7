/**
 * Writes gob streams byte by byte: type definitions with any kinds set and
 * value messages with any bytes, so a stream can say what no Go encoder
 * would. Used by the fuzzer to mutate type definitions and by the hostile
 * input tests.
 *
 * ```ts
 * import { concat, message, Payload, typeDef } from "./gob_craft.ts";
 * const stream = concat(
 *   typeDef(65, { struct: { name: "Point", fields: [["X", 2], ["Y", 2]] } }),
 *   message(new Payload().int(65).uint(1).int(22).uint(1).int(33).uint(0)),
 * ); // what Go writes for Point{22, 33}
 * ```
 *
 * @module
 */

import { EncBuffer } from "../gob/buffer.ts";
import { concat as concatBytes } from "../ground/bytes.ts";

/** A struct field in a definition: name and type id. */
export type FieldDef = [name: string, id: number];

/** A type definition as written on the wire: one or more kinds set. */
export type KindDef =
  | { array: { elem: number; len: number; name?: string } }
  | { slice: { elem: number; name?: string } }
  | { struct: { fields: FieldDef[]; name?: string } }
  | { map: { key: number; elem: number; name?: string } }
  | { gob: { name?: string } }
  | { binary: { name?: string } }
  | { text: { name?: string } };

/** Builds the bytes of one message payload (the length prefix is added by {@linkcode message}). */
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
  return concatBytes(parts);
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
  const order = ["array", "slice", "struct", "map", "gob", "binary", "text"];
  const sorted = [...kinds].sort((a, b) =>
    order.indexOf(Object.keys(a)[0]) - order.indexOf(Object.keys(b)[0])
  );
  let last = -1;
  for (const k of sorted) {
    const kind = Object.keys(k)[0];
    const field = order.indexOf(kind);
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
      const marshaler = "gob" in k ? k.gob : "binary" in k ? k.binary : k.text;
      commonType(p, marshaler.name, id);
      p.uint(0);
    }
  }
  p.uint(0);
  return message(p);
}

// Predefined type ids (Go's `tBool` ... `tInterface`): gob's own, so a crafted stream names
// the types the decoder knows.
export { BOOL, BYTES, COMPLEX, FLOAT, INT, INTERFACE, STRING, UINT } from "../gob/typeinfo.ts";
