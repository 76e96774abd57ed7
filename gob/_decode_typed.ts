/**
 * Typed plans, as Go's `decode.go` engines: one plan per (wire type,
 * descriptor) pairing, checked for compatibility the way Go's
 * `compatibleType` checks, built once per stream and cached in the core.
 * Struct, slice and map plans start as the closures here and are replaced by
 * generated code once they have run a few times (`_decode_generated.ts`).
 *
 * @module
 */

import {
  corrupt,
  type DecoderCore,
  type DecOp,
  mismatch,
  type StructWire,
} from "./_decode_core.ts";
import { nextField } from "./_field_delta.ts";
import { generateMapOp, generateSliceOp, generateStructOp } from "./_decode_generated.ts";
import { KEYED_BY_VALUE, mapOp } from "./_decode_map.ts";
import { SCALAR_WIRE, scalarOp } from "./_decode_scalar.ts";
import { skipOp } from "./_decode_skip.ts";
import { structZero } from "./_decode_zero_typed.ts";
import { canGenerate, tiered } from "./codegen.ts";
import { GobError } from "./error.ts";
import {
  canonical,
  FIRST_USER_ID,
  INTERFACE,
  lookupRegistered,
  userType,
  type WireType,
} from "./typeinfo.ts";
import type { AnyType, InterfaceValue, ScalarType, StructType, Type } from "./types.ts";

/** Nesting of typed plans built in one go; deeper components are built when first reached. */
const MAX_EAGER_BUILD_DEPTH = 64;

/** Decodes the top-level value of wire type `id` that follows into descriptor `type`. */
export function typedValue(d: DecoderCore, id: number, type: Type): unknown {
  // Fast path: the same descriptor and wire type as the last value (a stream of records).
  if (type === d.lastType && id === d.lastId) {
    if (!d.lastIsStruct) d.singletonDelta();
    return d.lastOp!(d);
  }
  const ut = userType(type);
  const base = ut.base;
  if (ut.external === null && base.kind === "struct") {
    const w = id >= FIRST_USER_ID ? d.wireFor(id, "struct") : null;
    if (w === null) {
      mismatch(
        `type mismatch in decoder: want struct type ${base}; got non-struct ${d.typeString(id)}`,
      );
    }
    // Go checks a definition's marshaler kinds against fields, not against a
    // top-level struct (`compileDec`): a struct kind beside them decodes here.
    const op = w === d.wire.get(id) && d.variantsOf(id) === undefined
      ? typedOp(d, id, base)
      : (d.checkComplete(id), structOp(d, w as StructWire, base as StructType<unknown>));
    remember(d, type, id, op, true);
    return op(d);
  }
  const op = typedOp(d, id, base);
  remember(d, type, id, op, false);
  d.singletonDelta();
  return op(d);
}

function remember(d: DecoderCore, type: Type, id: number, op: DecOp, isStruct: boolean): void {
  d.lastType = type;
  d.lastId = id;
  d.lastOp = op;
  d.lastIsStruct = isStruct;
}

/** The typed plan for wire type `id` decoded into `local`, built once per stream. */
export function typedOp(core: DecoderCore, id: number, local: AnyType): DecOp {
  let byId = core.typedOps.get(local);
  if (!byId) core.typedOps.set(local, byId = new Map());
  const cached = byId.get(id);
  if (cached) return cached;
  if (core.buildDepth >= MAX_EAGER_BUILD_DEPTH) {
    // A descriptor nested this deep is built a level at a time, when a
    // value first reaches it, so building never exhausts the stack.
    let deferred: DecOp | null = null;
    return (d) => (deferred ??= typedOp(d, id, local))(d);
  }
  let real: DecOp | null = null;
  byId.set(id, (d) => real!(d));
  core.buildDepth++;
  try {
    real = buildTyped(core, id, local);
  } catch (e) {
    byId.delete(id);
    throw e;
  } finally {
    core.buildDepth--;
  }
  byId.set(id, real);
  return real;
}

function incompatible(d: DecoderCore, id: number, local: AnyType): never {
  mismatch(`decoding into local type ${local}, received remote type ${d.typeString(id)}`);
}

function buildTyped(core: DecoderCore, id: number, local: AnyType): DecOp {
  if (local.kind === "ptr" || local.kind === "lazy") {
    return typedOp(core, id, userType(local).base);
  }
  if (local.kind in SCALAR_WIRE) {
    if (SCALAR_WIRE[local.kind] !== id) incompatible(core, id, local);
    return scalarOp(local as ScalarType<unknown>);
  }
  if (local.kind === "interface") {
    if (id !== INTERFACE) incompatible(core, id, local);
    return typedInterface;
  }
  if (id < FIRST_USER_ID) incompatible(core, id, local);
  core.checkComplete(id);
  // Go's compatibleType: a definition with a marshaler kind matches only a
  // local type with exactly that flavour, and the other way round.
  const kinds = core.variantsOf(id) ?? [core.wireOf(id)];
  const flavors = kinds.filter((k) => k.kind === "gob" || k.kind === "binary" || k.kind === "text");
  if (local.kind === "marshaler") {
    if (flavors.length !== 1 || flavors[0].kind !== local.flavor) incompatible(core, id, local);
  } else if (flavors.length > 0) incompatible(core, id, local);
  const w = local.kind === "marshaler"
    ? flavors[0]
    : core.wireFor(id, local.kind as WireType["kind"]) ?? incompatible(core, id, local);
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
      if (w.kind !== "slice") incompatible(core, id, local);
      const elem = typedOp(core, w.elem, canonical(local.elem));
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
      if (w.kind !== "array" || w.len !== local.length) incompatible(core, id, local);
      const elem = typedOp(core, w.elem, canonical(local.elem));
      const len = local.length;
      return (d) => {
        const n = d.arrayLength(len, "decodeArray");
        d.enter();
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = elem(d);
        d.depth--;
        return out;
      };
    }
    case "map": {
      if (w.kind !== "map") incompatible(core, id, local);
      const key = typedOp(core, w.key, canonical(local.key));
      const elem = typedOp(core, w.elem, canonical(local.elem));
      const byValue = KEYED_BY_VALUE.has(userType(local.key).base.kind);
      const closures: DecOp = (d) => mapOp(d, key, elem, byValue);
      if (!canGenerate || byValue) return closures;
      return tiered(
        closures,
        () => generateMapOp(local.key, w.key, key, local.elem, w.elem, elem),
      );
    }
    case "struct": {
      if (w.kind !== "struct") incompatible(core, id, local);
      return structOp(core, w, local);
    }
    default:
      return incompatible(core, id, local);
  }
}

function structOp(core: DecoderCore, w: StructWire, local: StructType<unknown>): DecOp {
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
        fieldOps[i] = typedOp(core, wf.id, canonical(lf.type));
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
      fieldOps[i] = skipOp(core, wf.id);
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
    for (let f = nextField(d, -1, n); f >= 0; f = nextField(d, f, n)) {
      const v = fieldOps[f](d);
      const p = props[f];
      if (p !== null) obj[p] = v;
    }
    d.depth--;
    return obj;
  };
  return canGenerate
    ? tiered(closures, () => generateStructOp(w, local, props, fieldOps))
    : closures;
}

/** An interface value decoded into the registered descriptor of its concrete type's name. */
function typedInterface(d: DecoderCore): InterfaceValue | null {
  const name = d.interfaceName();
  if (name === null) return null;
  const type = lookupRegistered(name);
  if (!type) {
    throw new GobError(
      "unregistered",
      `name not registered for interface: ${JSON.stringify(name)}`,
    );
  }
  return { name, value: d.concreteValue((d, id) => typedValue(d, id, type)) };
}
