/**
 * Go's type table: type ids, wire type definitions and the interface
 * registry, kept process-wide exactly as `encoding/gob` keeps them.
 *
 * Byte-exactness with Go depends on this module: Go allocates user type ids
 * from 65 in the order its `newTypeObject` first meets each type, names a type
 * after the context where it was first created, and sends definitions in the
 * order its encoder walks them. The functions here follow `type.go`
 * (`getBaseType`, `getType`, `newTypeObject`, `buildTypeInfo`) step by step.
 *
 * @module
 */

import { GobError } from "./error.ts";
import * as t from "./types.ts";
import type { AnyType, MarshalerFlavor, Type } from "./types.ts";

/** Predefined type ids (Go's `tBool` ... `tInterface`, and the wire types). */
export const BOOL = 1,
  INT = 2,
  UINT = 3,
  FLOAT = 4,
  BYTES = 5,
  STRING = 6,
  COMPLEX = 7,
  INTERFACE = 8,
  WIRE_TYPE = 16,
  FIRST_USER_ID = 64;

/** Names of the predefined ids, for messages. */
export const BUILTIN_NAMES: Record<number, string> = {
  1: "bool",
  2: "int",
  3: "uint",
  4: "float",
  5: "[]byte",
  6: "string",
  7: "complex",
  8: "interface",
  16: "wireType",
  17: "arrayType",
  18: "CommonType",
  19: "sliceType",
  20: "structType",
  21: "fieldType",
  22: "[]*fieldType",
  23: "mapType",
};

/** A type definition as it travels (Go's `wireType`): exactly one kind is set. */
export type WireType =
  | { kind: "array"; name: string; id: number; elem: number; len: number }
  | { kind: "slice"; name: string; id: number; elem: number }
  | { kind: "struct"; name: string; id: number; fields: WireField[] }
  | { kind: "map"; name: string; id: number; key: number; elem: number }
  | { kind: MarshalerFlavor; name: string; id: number };

/** A struct field in a wire type definition. */
export interface WireField {
  /** The Go field name. */
  name: string;
  /** The field's type id. */
  id: number;
}

// ---- Go's gobType objects, keyed by type like Go's `types` map ----

interface GobTypeObj {
  id: number;
  name: string;
  wire: WireType | null; // null for builtins
}

const builtinObjs = new Map<number, GobTypeObj>();
function builtin(id: number): GobTypeObj {
  let o = builtinObjs.get(id);
  if (!o) builtinObjs.set(id, o = { id, name: BUILTIN_NAMES[id], wire: null });
  return o;
}

const types = new Map<AnyType, GobTypeObj>();
let nextId = FIRST_USER_ID;

function setTypeId(o: GobTypeObj): void {
  if (o.id !== 0) return;
  o.id = nextId++;
}

/** Go's `userTypeInfo`: the type as written, its base with pointers removed. */
export interface UserType {
  /** The type as written (canonical descriptor). */
  readonly user: AnyType;
  /** The type with all pointers removed. */
  readonly base: AnyType;
  /** Number of pointers removed. */
  readonly indir: number;
  /** The custom-encoding flavour, if the base type has one. */
  readonly external: MarshalerFlavor | null;
}

const canonCache = new WeakMap<Type, AnyType>();

/**
 * The canonical descriptor for a type: lazy references resolved, and unnamed
 * composites interned by their (canonical) components, so `[]Node` reached
 * through two different lazy references is one type, as in Go.
 */
export function canonical(type: Type): AnyType {
  let c = canonCache.get(type);
  if (c) return c;
  const r = t.resolve(type) as AnyType;
  c = r;
  if (r.name === "") {
    switch (r.kind) {
      case "slice":
        c = t.slice(canonical(r.elem)) as AnyType;
        break;
      case "array":
        c = t.array(canonical(r.elem), r.length) as AnyType;
        break;
      case "map":
        c = t.map(canonical(r.key), canonical(r.elem)) as AnyType;
        break;
      case "ptr":
        c = t.ptr(canonical(r.elem)) as AnyType;
        break;
    }
  }
  canonCache.set(type, c);
  return c;
}

const userTypes = new WeakMap<Type, UserType>();

/** Go's `validUserType`. */
export function userType(type: Type): UserType {
  let ut = userTypes.get(type);
  if (ut) return ut;
  const user = canonical(type);
  let base = user;
  let indir = 0;
  while (base.kind === "ptr") {
    base = canonical(base.elem);
    if (++indir > 100) throw new GobError("encode", `type ${user} is a cycle of pointers`);
  }
  ut = { user, base, indir, external: base.kind === "marshaler" ? base.flavor : null };
  userTypes.set(type, ut);
  return ut;
}

function getBaseType(name: string, type: AnyType): GobTypeObj {
  const ut = userType(type);
  return getType(name, ut, ut.base);
}

function getType(name: string, ut: UserType, rt: AnyType): GobTypeObj {
  const present = types.get(rt);
  if (present) return present;
  const o = newTypeObject(name, ut, rt);
  types.set(rt, o);
  return o;
}

function newTypeObject(name: string, ut: UserType, rt: AnyType): GobTypeObj {
  if (ut.external !== null) {
    const o: GobTypeObj = { id: 0, name, wire: null };
    setTypeId(o);
    o.wire = { kind: ut.external, name, id: o.id };
    return o;
  }
  switch (rt.kind) {
    case "bool":
      return builtin(BOOL);
    case "int":
      return builtin(INT);
    case "uint":
      return builtin(UINT);
    case "float":
      return builtin(FLOAT);
    case "complex":
      return builtin(COMPLEX);
    case "string":
      return builtin(STRING);
    case "bytes":
      return builtin(BYTES);
    case "interface":
      return builtin(INTERFACE);
    case "array": {
      const o: GobTypeObj = { id: 0, name, wire: null };
      types.set(rt, o);
      const elem = getBaseType("", canonical(rt.elem));
      setTypeId(o);
      o.wire = { kind: "array", name, id: o.id, elem: elem.id, len: rt.length };
      return o;
    }
    case "map": {
      const o: GobTypeObj = { id: 0, name, wire: null };
      types.set(rt, o);
      const key = getBaseType("", canonical(rt.key));
      const elem = getBaseType("", canonical(rt.elem));
      setTypeId(o);
      o.wire = { kind: "map", name, id: o.id, key: key.id, elem: elem.id };
      return o;
    }
    case "slice": {
      const o: GobTypeObj = { id: 0, name, wire: null };
      types.set(rt, o);
      const elemType = canonical(rt.elem);
      const elem = getBaseType(elemType.name, elemType);
      setTypeId(o);
      if (elem.id === 0) setTypeId(elem);
      o.wire = { kind: "slice", name, id: o.id, elem: elem.id };
      return o;
    }
    case "struct": {
      const o: GobTypeObj = { id: 0, name, wire: null };
      setTypeId(o);
      const fields: WireField[] = [];
      o.wire = { kind: "struct", name, id: o.id, fields };
      types.set(rt, o);
      for (const f of rt.fields) {
        const ft = canonical(f.type);
        const base = userType(ft).base;
        const tname = base.name !== "" ? base.name : String(base);
        const gt = getBaseType(tname, ft);
        if (gt.id === 0) setTypeId(gt);
        fields.push({ name: f.goName, id: gt.id });
      }
      return o;
    }
    default:
      throw new GobError("encode", `gob NewTypeObject can't handle type: ${rt}`);
  }
}

/** What the encoder needs of a top-level type: its id and its definition. */
export interface TypeInfo {
  /** The type id values of this type are sent with. */
  readonly id: number;
  /** The definition to send, or null for predefined types. */
  readonly wire: WireType | null;
}

const typeInfos = new Map<AnyType, TypeInfo>();

/** Go's `getTypeInfo`: builds (once per process) the id and definition of a type. */
export function getTypeInfo(ut: UserType): TypeInfo {
  const rt = ut.external !== null ? ut.user : ut.base;
  let info = typeInfos.get(rt);
  if (info) return info;
  try {
    const gt = getBaseType(rt.name, rt);
    let wire: WireType | null;
    if (ut.external !== null) {
      const userObj = getType(rt.name, ut, rt);
      wire = { kind: ut.external, name: userObj.name, id: userObj.id };
    } else {
      wire = gt.wire;
    }
    info = { id: gt.id, wire };
  } catch (e) {
    if (e instanceof GobError) throw e;
    throw new GobError("encode", `cannot describe type ${rt}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  typeInfos.set(rt, info);
  return info;
}

// ---- the interface registry (Go's gob.Register) ----

const nameToType = new Map<string, AnyType>();
const typeToName = new Map<AnyType, string>();
let basicsRegistered = false;

/**
 * Go's `registerBasics`: the basic types and slices of them, registered under their Go names.
 * Go does it when the package initialises; here the registry's first use does it, so that a
 * program that never sends an interface value (a go1.x function) does not pay for it at start.
 */
function registerBasics(): void {
  if (basicsRegistered) return;
  basicsRegistered = true;
  for (
    const b of [
      t.int,
      t.int8,
      t.int16,
      t.int32,
      t.int64,
      t.uint,
      t.uint8,
      t.uint16,
      t.uint32,
      t.uint64,
      t.float32,
      t.float64,
      t.complex64,
      t.complex128,
      t.uintptr,
      t.bool,
      t.string,
    ]
  ) {
    register(b);
    if (b !== t.uint8) register(t.slice(b as Type));
  }
  registerName("[]uint8", t.bytes);
}

/**
 * Registers a concrete type for use in interface values under an explicit
 * name (Go's `gob.RegisterName`). Both sides must use the same name.
 */
export function registerName(name: string, type: Type): void {
  registerBasics();
  const ut = userType(type);
  const prev = nameToType.get(name);
  if (prev && prev !== ut.user) {
    throw new GobError(
      "encode",
      `registering duplicate types for ${JSON.stringify(name)}: ${prev} != ${ut.user}`,
    );
  }
  const prevName = typeToName.get(ut.base);
  if (prevName !== undefined && prevName !== name) {
    throw new GobError(
      "encode",
      `registering duplicate names for ${ut.user}: ${JSON.stringify(prevName)} != ${
        JSON.stringify(name)
      }`,
    );
  }
  nameToType.set(name, ut.user);
  typeToName.set(ut.base, name);
}

/**
 * Registers a concrete type for use in interface values under the name Go's
 * `gob.Register` gives it: `pkgpath.Name` for a named type, `*pkg.Name` for a
 * pointer to one, the type string for unnamed types. Returns the name.
 */
export function register(type: Type): string {
  const ut = userType(type);
  const rt = ut.user;
  let name: string;
  if (rt.kind === "ptr" || rt.name === "") name = String(rt);
  else if (rt.pkgPath === "") name = rt.name;
  else name = `${rt.pkgPath}.${rt.name}`;
  registerName(name, type);
  return name;
}

/** The type registered under `name`, if any. */
export function lookupRegistered(name: string): AnyType | undefined {
  registerBasics();
  return nameToType.get(name);
}
