/**
 * Skip plans, as Go's ignore ops (`decIgnoreOpFor`): they read past a value
 * and check it, building nothing, so skipping costs in proportion to the
 * bytes. Used for `Decode(nil)`, for struct fields the descriptor does not
 * have, and by an rpc codec that discards a body.
 *
 * @module
 */

import { corrupt, type DecoderCore, type DecOp, type StructWire } from "./_decode_core.ts";
import { BOOL, BYTES, COMPLEX, FLOAT, INT, INTERFACE, STRING, UINT } from "./typeinfo.ts";

const skipUintOp: DecOp = (d) => d.skipUint();
const skipComplexOp: DecOp = (d) => {
  d.skipUint();
  d.skipUint();
};
const skipBytesOp: DecOp = (d) => {
  d.pos += d.length("byte slice length");
};

/**
 * Reads and discards one top-level value of type `id` (Go's `Decode(nil)`):
 * it is parsed and checked, but nothing is built, so the cost is
 * proportional to the bytes it occupies.
 */
export function skipValue(d: DecoderCore, id: number): undefined {
  const sw = d.wireFor(id, "struct");
  if (sw === null) {
    const op = skipOp(d, id);
    d.singletonDelta();
    op(d);
  } else skipStruct(sw as StructWire)(d);
}

/**
 * The op that reads past a value of wire type `id` and builds nothing, as
 * Go's `decIgnoreOpFor`. Component ops are looked up when first needed, so
 * building one never recurses through the type graph.
 */
export function skipOp(d: DecoderCore, id: number): DecOp {
  const cached = d.skipOps.get(id);
  if (cached) return cached;
  d.checkComplete(id);
  const op = buildSkip(d, id);
  d.skipOps.set(id, op);
  return op;
}

function buildSkip(core: DecoderCore, id: number): DecOp {
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
      return skipInterfaceOp;
  }
  const w = core.wireOf(id);
  switch (w.kind) {
    case "slice": {
      let elem: DecOp | null = null;
      return (d) => {
        const n = d.length("slice length");
        elem ??= skipOp(d, w.elem);
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
        elem ??= skipOp(d, w.elem);
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
        key ??= skipOp(d, w.key);
        elem ??= skipOp(d, w.elem);
        d.enter();
        for (let i = 0; i < n; i++) {
          key(d);
          elem(d);
        }
        d.depth--;
      };
    }
    case "struct":
      return skipStruct(w);
    default:
      return skipBytesOp;
  }
}

/** The skip plan of a struct definition. */
function skipStruct(w: StructWire): DecOp {
  const ids = w.fields.map((f) => f.id);
  const n = ids.length;
  let ops: DecOp[] | null = null;
  return (d) => {
    ops ??= ids.map((fid) => skipOp(d, fid));
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

function skipInterfaceOp(d: DecoderCore): void {
  const n = d.count("interface type name length");
  if (n === 0) return;
  if (n > 1024) corrupt(`name too long (${n} bytes)`);
  if (n > d.msgEnd - d.pos) corrupt(`invalid type name length ${n}: exceeds input size`);
  d.pos += n;
  d.enter();
  const id = d.typeSequence(true);
  d.uint(); // the value's byte count: not trusted (the value is parsed instead)
  skipValue(d, id);
  d.depth--;
}
