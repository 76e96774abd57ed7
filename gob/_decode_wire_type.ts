/**
 * One type definition as Go sends it: a `wireType` struct, read field by
 * field (Go's `decodeTypeSequence` decodes it as an ordinary value), and the
 * kind it means where a definition sets several.
 *
 * @module
 */

import { GobError } from "./error.ts";
import { nextField } from "./_field_delta.ts";
import type { WireField, WireType } from "./typeinfo.ts";

/** The primitives a definition is read with (the decoder core's). */
export interface WireReader {
  /** Read position. */
  pos: number;
  /** End of the current message. */
  readonly msgEnd: number;
  /** Reads a count that fits a JavaScript number. */
  count(what: string): number;
  /** Reads a length within the message. */
  length(what: string): number;
  /** Reads a signed integer. */
  int(): number | bigint;
  /** Reads a string. */
  string(): string;
}

function corrupt(message: string): never {
  throw new GobError("corrupt", message);
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

/**
 * The meaning of a definition that sets the kinds `kinds` (in field order),
 * except where Go looks for a particular kind: Go's skipping checks array,
 * map, slice, struct, then the marshalers, and so does everything here.
 */
export function primaryKind(kinds: readonly WireType[]): WireType {
  if (kinds.length > 1) {
    for (const k of KIND_PRECEDENCE) {
      const found = kinds.find((x) => x.kind === k);
      if (found) return found;
    }
  }
  return kinds[0];
}

/** Walks a struct's field deltas, calling `field` for each field number. */
function eachField(d: WireReader, max: number, field: (n: number) => void): void {
  for (let f = nextField(d, -1, max + 1); f >= 0; f = nextField(d, f, max + 1)) field(f);
}

function typeIdField(d: WireReader): number {
  const id = d.int();
  if (typeof id !== "number" || id < 0 || id > 0x7fffffff) corrupt(`bad type id ${id}`);
  return id;
}

/**
 * Reads a `wireType` value. Go decodes it as an ordinary struct, so a
 * definition may set more than one kind; every kind set is returned, in
 * field order. No kind at all is an error.
 */
export function readWireType(d: WireReader, defId: number): WireType[] {
  const KINDS = ["array", "slice", "struct", "map", "gob", "binary", "text"] as const;
  const result: WireType[] = [];
  eachField(d, 6, (k) => {
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
    eachField(d, max, (f) => {
      if (f === 0) {
        eachField(d, 1, (c) => {
          if (c === 0) name = d.string();
          else id = typeIdField(d);
        });
      } else if (kind === "array") {
        if (f === 1) elem = typeIdField(d);
        else {
          const l = d.int();
          if (typeof l !== "number" || l < 0) corrupt(`bad array length ${l}`);
          len = l;
        }
      } else if (kind === "map") {
        if (f === 1) key = typeIdField(d);
        else elem = typeIdField(d);
      } else if (kind === "slice") {
        elem = typeIdField(d);
      } else if (kind === "struct") {
        const n = d.length("field count");
        for (let i = 0; i < n; i++) {
          let fname = "", fid = 0;
          eachField(d, 1, (c) => {
            if (c === 0) fname = d.string();
            else fid = typeIdField(d);
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
