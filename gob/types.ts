/**
 * Type descriptors: the Go types a gob stream carries, and the JavaScript
 * values they map to.
 *
 * A descriptor plays the part of a Go type: it tells the encoder what to send
 * and the decoder what to build. Descriptors are plain immutable objects;
 * build them once (at module level) and reuse them, since the codec caches its
 * compiled plans per descriptor.
 *
 * ```ts
 * import * as t from "./types.ts";
 * const Point = t.struct("Point", { X: t.int, Y: t.int });
 * type Point = t.Infer<typeof Point>; // { X: number; Y: number }
 * ```
 *
 * Go names: a named type's name may be qualified with its package path
 * (`"main.Point"`, `"github.com/acme/geo.Point"`); an unqualified name is in
 * package `main`. Go puts the unqualified name (`Point`) on the wire and uses
 * the qualified one when registering interface types.
 *
 * @module
 */

import { GobError } from "./error.ts";

/** The kind of a descriptor, as the codec dispatches on it. */
export type Kind =
  | "bool"
  | "int"
  | "uint"
  | "float"
  | "complex"
  | "string"
  | "bytes"
  | "interface"
  | "array"
  | "slice"
  | "map"
  | "struct"
  | "ptr"
  | "marshaler"
  | "lazy";

/**
 * A gob type descriptor for a Go type whose JavaScript values have type `T`.
 * Create them with the constructors of this module, never by hand.
 */
export interface Type<T = unknown> {
  /** What kind of Go type this is. */
  readonly kind: Kind;
  /** Go's `reflect.Type.Name()`: the bare name of a named type, `""` for unnamed ones. */
  readonly name: string;
  /** Go's `reflect.Type.String()`, such as `main.Point` or `[]int`. */
  toString(): string;
  /** Phantom member carrying the value type for inference; never present at run time. */
  readonly __value?: T;
}

/** The JavaScript value type of a descriptor. */
export type Infer<D> = D extends Type<infer T> ? T : never;

/** A Go complex number. */
export interface Complex {
  /** Real part. */
  re: number;
  /** Imaginary part. */
  im: number;
}

/**
 * A value of a Go interface type: the name under which its concrete type is
 * registered (`main.Sq`, `int`, `[]string`) and the concrete value. A nil
 * interface is `null`.
 */
export interface InterfaceValue {
  /** The registered name of the concrete type. */
  name: string;
  /** The concrete value. */
  value: unknown;
}

/** Converts a user type's value to and from its custom binary encoding. */
export interface MarshalerCodec<V> {
  /** Returns the encoding of `value` (GobEncode / MarshalBinary / MarshalText). */
  encode(value: V): Uint8Array;
  /** Builds a value from its encoding (GobDecode / UnmarshalBinary / UnmarshalText). */
  decode(bytes: Uint8Array): V;
  /**
   * Whether a struct field holding `value` is omitted, as Go omits zero
   * values. Defaults to omitting only `null` and `undefined`.
   */
  isZero?(value: V): boolean;
  /** The value of a struct field that was not sent. Defaults to `null`. */
  zero?(): V;
}

/** Which of Go's custom-encoding interfaces a marshaler type implements. */
export type MarshalerFlavor = "gob" | "binary" | "text";

/** Options for named composite types. */
export interface NamedOptions {
  /** The Go type's name, for named slices, arrays and maps (`type RS []RS`). */
  name?: string | GoTypeName;
}

/**
 * A named Go type's name in parts, for a package whose name is not the last
 * element of its path (`gopkg.in/yaml.v3` is package `yaml`, `example.com/go-geo`
 * may be package `geo`): Go spells pointers and composites with the package
 * name (`*yaml.Node`, `[]yaml.Node`) and registers with the path.
 */
export interface GoTypeName {
  /** Go's `reflect.Type.PkgPath()`: the import path, `main` in a main package. */
  readonly pkgPath: string;
  /** The package's name, as in its `package` clause. */
  readonly pkgName: string;
  /** Go's `reflect.Type.Name()`, such as `Point` or `Pair[int,main.Point]`. */
  readonly name: string;
}

/**
 * Splits `path.Name`: the type name follows the last dot before any type
 * arguments (a path may hold dots, as in `gopkg.in/yaml.v3.Node`; type
 * arguments may hold paths, as in `geo.Box[example.com/x.Y]`), and the
 * package name is taken to be the path's last element.
 */
function parseGoName(qualified: string | GoTypeName): GoTypeName {
  if (typeof qualified !== "string") return qualified;
  if (qualified === "") return { name: "", pkgPath: "", pkgName: "" };
  const bracket = qualified.indexOf("[");
  const head = bracket < 0 ? qualified : qualified.slice(0, bracket);
  const dot = head.lastIndexOf(".");
  if (dot < 0) return { name: qualified, pkgPath: "main", pkgName: "main" };
  const pkgPath = qualified.slice(0, dot);
  return {
    name: qualified.slice(dot + 1),
    pkgPath,
    pkgName: pkgPath.slice(pkgPath.lastIndexOf("/") + 1),
  };
}

abstract class BaseType<T> implements Type<T> {
  abstract readonly kind: Kind;
  readonly name: string;
  /** Package path of a named type (`main`, `math/big`); `""` for unnamed types. */
  readonly pkgPath: string;
  /** Package name of a named type (`main`, `big`). */
  readonly pkgName: string;
  /** Phantom member carrying the value type; never present at run time. */
  declare readonly __value?: T;

  constructor(qualified: string | GoTypeName) {
    const n = parseGoName(qualified);
    this.name = n.name;
    this.pkgPath = n.pkgPath;
    this.pkgName = n.pkgName;
  }

  /** The unnamed form of the type's Go string. */
  protected abstract literal(): string;

  /** Go's `reflect.Type.String()`. */
  toString(): string {
    if (this.name === "") return this.literal();
    return this.pkgName === "" ? this.name : `${this.pkgName}.${this.name}`;
  }
}

/** Signed and unsigned integers, floats, complex numbers, strings, booleans and `[]byte`. */
export class ScalarType<T> extends BaseType<T> {
  /** The descriptor kind. */
  readonly kind: "bool" | "int" | "uint" | "float" | "complex" | "string" | "bytes";
  /** Width in bits for numbers (64 for `int`/`uint`), 0 otherwise. */
  readonly bits: number;
  /** Whether values are `bigint` rather than `number`. */
  readonly big: boolean;
  readonly #goName: string;

  /** @internal Use the predefined scalars (`int`, `string`, ...) and `named`. */
  constructor(
    kind: ScalarType<T>["kind"],
    goName: string,
    bits: number,
    big: boolean,
    defined?: string | GoTypeName,
  ) {
    super(defined ?? { name: goName === "[]uint8" ? "" : goName, pkgPath: "", pkgName: "" });
    this.kind = kind;
    this.bits = bits;
    this.big = big;
    this.#goName = goName;
  }

  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return this.#goName;
  }

  /** Go's `reflect.Type.String()`. */
  override toString(): string {
    return this.pkgPath === "" ? this.#goName : super.toString();
  }

  /** @internal The same scalar under a defined type's name (see `named`). */
  withName(name: string | GoTypeName): ScalarType<T> {
    return new ScalarType(this.kind, this.#goName, this.bits, this.big, name);
  }
}

/** Go's `interface{}` (and any other interface type). */
export class InterfaceType extends BaseType<InterfaceValue | null> {
  /** The descriptor kind. */
  readonly kind = "interface" as const;
  /** @internal Use `any` or `iface`. */
  constructor(qualified: string | GoTypeName = "") {
    super(qualified);
  }
  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return "interface {}";
  }
}

/** A Go slice `[]T`. */
export class SliceType<T> extends BaseType<T[]> {
  /** The descriptor kind. */
  readonly kind = "slice" as const;
  /** The element type. */
  readonly elem: Type<T>;
  /** @internal Use `slice`. */
  constructor(elem: Type<T>, qualified: string | GoTypeName = "") {
    super(qualified);
    this.elem = elem;
  }
  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return `[]${this.elem}`;
  }
}

/** A Go array `[N]T`. */
export class ArrayType<T> extends BaseType<T[]> {
  /** The descriptor kind. */
  readonly kind = "array" as const;
  /** The element type. */
  readonly elem: Type<T>;
  /** The array length. */
  readonly length: number;
  /** @internal Use `array`. */
  constructor(elem: Type<T>, length: number, qualified: string | GoTypeName = "") {
    super(qualified);
    this.elem = elem;
    this.length = length;
  }
  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return `[${this.length}]${this.elem}`;
  }
}

/** A Go map `map[K]V`, as a JavaScript `Map`; `null` is a nil map. */
export class MapType<K, V> extends BaseType<Map<K, V> | null> {
  /** The descriptor kind. */
  readonly kind = "map" as const;
  /** The key type. */
  readonly key: Type<K>;
  /** The element type. */
  readonly elem: Type<V>;
  /** @internal Use `map`. */
  constructor(key: Type<K>, elem: Type<V>, qualified: string | GoTypeName = "") {
    super(qualified);
    this.key = key;
    this.elem = elem;
  }
  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return `map[${this.key}]${this.elem}`;
  }
}

/** A Go pointer `*T`: transparent on the wire; `null` is nil. */
export class PtrType<T> extends BaseType<T | null> {
  /** The descriptor kind. */
  readonly kind = "ptr" as const;
  /** The pointed-to type. */
  readonly elem: Type<T>;
  /** @internal Use `ptr`. */
  constructor(elem: Type<T>) {
    super("");
    this.elem = elem;
  }
  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return `*${this.elem}`;
  }
}

/** A forward reference, for recursive types. */
export class LazyType<T> extends BaseType<T> {
  /** The descriptor kind. */
  readonly kind = "lazy" as const;
  #thunk: (() => Type<T>) | null;
  #target: Type<T> | null = null;
  /** @internal Use `lazy`. */
  constructor(thunk: () => Type<T>) {
    super("");
    this.#thunk = thunk;
  }
  /** The referenced descriptor. */
  get target(): Type<T> {
    if (this.#target === null) {
      const thunk = this.#thunk!;
      this.#thunk = null;
      const target = thunk();
      if (target === undefined || target === null) {
        throw new GobError("encode", "lazy type reference resolved to nothing");
      }
      this.#target = target;
    }
    return this.#target;
  }
  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return String(resolve(this));
  }
  /** Go's `reflect.Type.String()`. */
  override toString(): string {
    return String(resolve(this));
  }
}

/** One field of a struct descriptor. */
export interface StructField {
  /** The JavaScript property name. */
  readonly prop: string;
  /** The Go field name (exported, so capitalised). */
  readonly goName: string;
  /** The field's type. */
  readonly type: Type;
}

/** A field whose Go name differs from its JavaScript property name. */
export interface FieldSpec<T> {
  /** The Go field name. */
  readonly go: string;
  /** The field's type. */
  readonly type: Type<T>;
}

/** Struct fields: JavaScript property name → descriptor or `field(goName, descriptor)`. */
export type Fields = Record<string, Type<unknown> | FieldSpec<unknown>>;

/** The JavaScript object type of a struct with the given fields. */
export type InferFields<F> = {
  [K in keyof F]: F[K] extends FieldSpec<infer V> ? V : F[K] extends Type<infer V> ? V : never;
};

/** A Go struct. */
export class StructType<T> extends BaseType<T> {
  /** The descriptor kind. */
  readonly kind = "struct" as const;
  #spec: Fields | (() => Fields) | null;
  #fields: readonly StructField[] | null = null;

  /** @internal Use `struct`. */
  constructor(qualified: string | GoTypeName, spec: Fields | (() => Fields)) {
    super(qualified);
    this.#spec = spec;
  }

  /** The fields in declaration order (the order Go numbers them). */
  get fields(): readonly StructField[] {
    if (this.#fields === null) {
      const spec = typeof this.#spec === "function" ? this.#spec() : this.#spec!;
      this.#spec = null;
      const fields: StructField[] = [];
      const seen = new Set<string>();
      for (const [prop, f] of Object.entries(spec)) {
        const isSpec = typeof f === "object" && f !== null && "go" in f && "type" in f &&
          !("kind" in f);
        const goName = isSpec ? (f as FieldSpec<unknown>).go : prop;
        const type = isSpec ? (f as FieldSpec<unknown>).type : f as Type;
        if (!type || typeof type !== "object" || !("kind" in type)) {
          throw new GobError("encode", `struct ${this}: field ${prop} has no type descriptor`);
        }
        if (!/^\p{Lu}/u.test(goName)) {
          throw new GobError(
            "encode",
            `struct ${this}: Go field name ${
              JSON.stringify(goName)
            } is not exported (gob sends only exported fields)`,
          );
        }
        if (seen.has(goName)) {
          throw new GobError("encode", `struct ${this}: duplicate Go field name ${goName}`);
        }
        seen.add(goName);
        fields.push({ prop, goName, type });
      }
      this.#fields = fields;
    }
    return this.#fields;
  }

  /** The Go type string of the unnamed form. */
  protected literal(): string {
    const fs = this.fields;
    return fs.length === 0
      ? "struct {}"
      : `struct { ${fs.map((f) => `${f.goName} ${f.type}`).join("; ")} }`;
  }
}

/** A Go type with a custom encoding (GobEncoder, BinaryMarshaler or TextMarshaler). */
export class MarshalerType<V> extends BaseType<V> {
  /** The descriptor kind. */
  readonly kind = "marshaler" as const;
  /** Which interface the Go type implements. */
  readonly flavor: MarshalerFlavor;
  /** The conversion to and from bytes. */
  readonly codec: MarshalerCodec<V>;
  /** @internal Use `gobEncoder`, `binaryMarshaler` or `textMarshaler`. */
  constructor(flavor: MarshalerFlavor, qualified: string | GoTypeName, codec: MarshalerCodec<V>) {
    super(qualified);
    this.flavor = flavor;
    this.codec = codec;
  }
  /** The Go type string of the unnamed form. */
  protected literal(): string {
    return "struct {}";
  }
}

/** Any descriptor, as the codec sees it. */
export type AnyType =
  | ScalarType<unknown>
  | InterfaceType
  | SliceType<unknown>
  | ArrayType<unknown>
  | MapType<unknown, unknown>
  | PtrType<unknown>
  | LazyType<unknown>
  | StructType<unknown>
  | MarshalerType<unknown>;

/** Follows lazy references to the descriptor they name. */
export function resolve<T>(type: Type<T>): Type<T> {
  let t = type as AnyType;
  for (let i = 0; t.kind === "lazy"; i++) {
    if (i > 1000) throw new GobError("encode", "lazy type reference cycle");
    t = t.target as AnyType;
  }
  if (!(t instanceof BaseType)) {
    throw new GobError("encode", `not a gob type descriptor: ${String(t)}`);
  }
  return t as Type<T>;
}

// ---- scalars ----

/** Go `bool`. */
export const bool: Type<boolean> = new ScalarType<boolean>("bool", "bool", 0, false);
/** Go `int` (64-bit) as a JavaScript number; decoding a value past 2^53 is an error. */
export const int: Type<number> = new ScalarType<number>("int", "int", 64, false);
/** Go `int8`. */
export const int8: Type<number> = new ScalarType<number>("int", "int8", 8, false);
/** Go `int16`. */
export const int16: Type<number> = new ScalarType<number>("int", "int16", 16, false);
/** Go `int32` (also `rune`). */
export const int32: Type<number> = new ScalarType<number>("int", "int32", 32, false);
/** Go `int64` as a JavaScript number; decoding a value past 2^53 is an error. */
export const int64: Type<number> = new ScalarType<number>("int", "int64", 64, false);
/** Go `uint` (64-bit) as a JavaScript number. */
export const uint: Type<number> = new ScalarType<number>("uint", "uint", 64, false);
/** Go `uint8` (also `byte`). */
export const uint8: Type<number> = new ScalarType<number>("uint", "uint8", 8, false);
/** Go `uint16`. */
export const uint16: Type<number> = new ScalarType<number>("uint", "uint16", 16, false);
/** Go `uint32`. */
export const uint32: Type<number> = new ScalarType<number>("uint", "uint32", 32, false);
/** Go `uint64` as a JavaScript number. */
export const uint64: Type<number> = new ScalarType<number>("uint", "uint64", 64, false);
/** Go `uintptr`. */
export const uintptr: Type<number> = new ScalarType<number>("uint", "uintptr", 64, false);
/** Go `int64` over its full range, as a `bigint`. */
export const bigInt64: Type<bigint> = new ScalarType<bigint>("int", "int64", 64, true);
/** Go `uint64` over its full range, as a `bigint`. */
export const bigUint64: Type<bigint> = new ScalarType<bigint>("uint", "uint64", 64, true);
/** Go `float32`. */
export const float32: Type<number> = new ScalarType<number>("float", "float32", 32, false);
/** Go `float64`. */
export const float64: Type<number> = new ScalarType<number>("float", "float64", 64, false);
/** Go `complex64`. */
export const complex64: Type<Complex> = new ScalarType<Complex>("complex", "complex64", 32, false);
/** Go `complex128`. */
export const complex128: Type<Complex> = new ScalarType<Complex>(
  "complex",
  "complex128",
  64,
  false,
);
/**
 * Go `string`. Go strings are bytes; values are decoded as UTF-8 (invalid
 * sequences become U+FFFD), so use `bytes` where arbitrary bytes must survive.
 */
export const string: Type<string> = new ScalarType<string>("string", "string", 0, false);
/** Go `[]byte`, as a `Uint8Array`. */
export const bytes: Type<Uint8Array> = new ScalarType<Uint8Array>("bytes", "[]uint8", 0, false);
/** Go `interface{}` / `any`: a `{ name, value }` pair or `null`. */
export const any: Type<InterfaceValue | null> = new InterfaceType();

// ---- composites ----

const sliceCache = new WeakMap<Type, SliceType<unknown>>();
const ptrCache = new WeakMap<Type, PtrType<unknown>>();
const arrayCache = new WeakMap<Type, Map<number, ArrayType<unknown>>>();
const mapCache = new WeakMap<Type, WeakMap<Type, MapType<unknown, unknown>>>();

/** Go slice `[]T` (a named slice type with `{ name }`). */
export function slice<T>(elem: Type<T>, options: NamedOptions = {}): Type<T[]> {
  checkType(elem, "slice element");
  if (elem === uint8 as Type) {
    throw new GobError("encode", "gob sends []uint8 as bytes: use the bytes descriptor for []byte");
  }
  if (options.name) return new SliceType(elem, options.name);
  let s = sliceCache.get(elem);
  if (!s) sliceCache.set(elem, s = new SliceType(elem as Type));
  return s as SliceType<T>;
}

/** Go array `[length]T`. */
export function array<T>(elem: Type<T>, length: number, options: NamedOptions = {}): Type<T[]> {
  checkType(elem, "array element");
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new GobError("encode", `invalid array length ${length}`);
  }
  if (options.name) return new ArrayType(elem, length, options.name);
  let byLen = arrayCache.get(elem);
  if (!byLen) arrayCache.set(elem, byLen = new Map());
  let a = byLen.get(length);
  if (!a) byLen.set(length, a = new ArrayType(elem as Type, length));
  return a as ArrayType<T>;
}

/**
 * Go map `map[K]V`, as a JavaScript `Map`. A nil map is `null`: a struct field
 * holding one is not sent, and decodes as `null`; an empty `Map` is sent.
 */
function mapOf<K, V>(
  key: Type<K>,
  elem: Type<V>,
  options: NamedOptions = {},
): Type<Map<K, V> | null> {
  checkType(key, "map key");
  checkType(elem, "map element");
  if (options.name) return new MapType(key, elem, options.name);
  let byElem = mapCache.get(key);
  if (!byElem) mapCache.set(key, byElem = new WeakMap());
  let m = byElem.get(elem);
  if (!m) byElem.set(elem, m = new MapType(key as Type, elem as Type));
  return m as MapType<K, V>;
}
export { mapOf as map };

/** Go pointer `*T`: transparent on the wire; `null` is a nil pointer. */
export function ptr<T>(elem: Type<T>): Type<T | null> {
  checkType(elem, "pointer element");
  let p = ptrCache.get(elem);
  if (!p) ptrCache.set(elem, p = new PtrType(elem as Type));
  return p as PtrType<T>;
}

/** A forward reference to a descriptor defined later, for recursive types. */
export function lazy<T>(thunk: () => Type<T>): Type<T> {
  return new LazyType(thunk);
}

/**
 * Go struct. `name` is the Go type name (`""` for an anonymous struct);
 * `fields` maps JavaScript property names to descriptors in Go declaration
 * order, or is a function returning them, for types that refer to themselves.
 */
export function struct<F extends Fields>(
  name: string | GoTypeName,
  fields: F | (() => F),
): Type<InferFields<F>> {
  return new StructType<InferFields<F>>(name, fields);
}

/**
 * A defined Go type over a scalar or `[]byte` (`type Celsius float64`,
 * `type Blob []byte`): the same values and wire encoding, under its own name,
 * which Go uses to register it for interface values and to spell composites
 * of it (`[]main.Celsius`).
 */
export function named<T>(name: string | GoTypeName, scalar: Type<T>): Type<T> {
  if (!(scalar instanceof ScalarType) || scalar.pkgPath !== "") {
    throw new GobError("encode", `named: ${String(scalar)} is not a predefined scalar descriptor`);
  }
  return scalar.withName(name);
}

/** A struct field whose Go name (`goName`) differs from its JavaScript property name. */
export function field<T>(goName: string, type: Type<T>): FieldSpec<T> {
  checkType(type, `field ${goName}`);
  return { go: goName, type };
}

/** A named Go interface type (on the wire, the same as `any`). */
export function iface(name: string | GoTypeName): Type<InterfaceValue | null> {
  return new InterfaceType(name);
}

/** A Go type implementing `GobEncoder`/`GobDecoder`. */
export function gobEncoder<V>(name: string | GoTypeName, codec: MarshalerCodec<V>): Type<V> {
  return new MarshalerType("gob", name, codec);
}

/** A Go type implementing `encoding.BinaryMarshaler`/`BinaryUnmarshaler`. */
export function binaryMarshaler<V>(name: string | GoTypeName, codec: MarshalerCodec<V>): Type<V> {
  return new MarshalerType("binary", name, codec);
}

/**
 * A Go type implementing `encoding.TextMarshaler`/`TextUnmarshaler`. Go's
 * encoder never sends this flavour (it prefers the other two); it decodes it.
 */
export function textMarshaler<V>(name: string | GoTypeName, codec: MarshalerCodec<V>): Type<V> {
  return new MarshalerType("text", name, codec);
}

function checkType(t: unknown, what: string): void {
  if (!(t instanceof BaseType)) {
    throw new GobError("encode", `${what} is not a gob type descriptor`);
  }
}
