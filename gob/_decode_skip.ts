/**
 * Skip plans, as Go's ignore ops (`decIgnoreOpFor`): they read past a value
 * and check it, building nothing, so skipping costs in proportion to the
 * bytes. Used for `Decode(nil)`, for struct fields the descriptor does not
 * have, and by an rpc codec that discards a body.
 *
 * @module
 */

import {
  cachedPlan,
  corrupt,
  type DecoderCore,
  type DecOp,
  type StructWire,
  topLevelPlan,
} from "./_decode_core.ts";
import { nextField } from "./_field_delta.ts";
import { BOOL, BYTES, COMPLEX, FLOAT, INT, INTERFACE, STRING, UINT } from "./typeinfo.ts";

const skipUintOp: DecOp = (d) => d.skipUint();
const skipComplexOp: DecOp = (d) => {
  d.skipUint();
  d.skipUint();
};
const skipBytesOp: DecOp = (d) => {
  // Not `d.pos += d.length(…)`: that adds to the position from before the length was read.
  const n = d.length("byte slice length");
  d.pos += n;
};

/**
 * Reads and discards one top-level value of type `id` (Go's `Decode(nil)`):
 * it is parsed and checked, but nothing is built, so the cost is
 * proportional to the bytes it occupies.
 */
export function skipValue(d: DecoderCore, id: number): undefined {
  topLevelPlan(d, id, skipOp, otherSkipStruct)(d);
}

/** The skip op of a struct definition `sw` that is a second kind of its type. */
const otherSkipStruct = (_d: DecoderCore, _id: number, sw: StructWire) => skipStruct(sw);

/**
 * The op that reads past a value of wire type `id` and builds nothing, as
 * Go's `decIgnoreOpFor`. Component ops are looked up when first needed, so
 * building one never recurses through the type graph.
 */
export function skipOp(d: DecoderCore, id: number): DecOp {
  return cachedPlan(d, d.skipOps, id, buildSkip);
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
    case "slice":
    case "array": {
      let elem: DecOp | null = null;
      const len = w.kind === "array" ? w.len : -1;
      return (d) => {
        const n = len < 0 ? d.length("slice length") : d.arrayLength(len, "ignoreArray");
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
    for (let f = nextField(d, -1, n); f >= 0; f = nextField(d, f, n)) ops[f](d);
    d.depth--;
  };
}

function skipInterfaceOp(d: DecoderCore): void {
  const n = d.interfaceNameLength();
  if (n === 0) return;
  d.pos += n;
  d.concreteValue(skipValue);
}
