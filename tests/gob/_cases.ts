/**
 * The TypeScript side of the golden vectors in `testdata/gob/vectors.json`
 * (produced by `tests/go/cmd/gobvectors`): for every Go case, the descriptors
 * mirroring its Go types and the values it encodes, in the same order.
 *
 * Importing this module registers the interface concrete types (as the Go
 * program's `init` does); registration must not allocate type ids.
 *
 * @module
 */

import { GobError, GoTime, registerName, t } from "../../gob/mod.ts";
import type { Type } from "../../gob/mod.ts";

/** One Encode call. */
export interface Step {
  // deno-lint-ignore no-explicit-any
  type: Type<any>;
  value: unknown;
  /** What decoding Go's bytes must give when it differs from `value` (omitted zero fields, lossy strings). */
  expect?: unknown;
  /**
   * Go's bytes for this step cannot be written from TypeScript (an invalid-UTF-8
   * Go string, a NaN payload): the step is still encoded (so later steps see the
   * same encoder state) but its bytes are not compared.
   */
  noEncode?: string;
}

/** A golden case: `warm` values go to a throwaway encoder first (process history), then `steps`. */
export interface GoldenCase {
  warm?: Step[];
  steps: Step[];
}

const s = (type: Type<unknown>, value: unknown, extra: Partial<Step> = {}): Step => ({
  type,
  value,
  ...extra,
});

/**
 * A Go time.Time: `unix` seconds since 1970 (UTC), nanoseconds and the zone
 * offset in seconds (`"utc"` for time.UTC).
 */
export function goTime(unix: bigint, nsec: number, offset: number | "utc"): GoTime {
  return new GoTime(unix, nsec, offset === "utc" ? null : offset);
}

const ZERO_TIME = () => goTime(-62135596800n, 0, "utc");

// ---- descriptors (mirroring tests/go/cmd/gobvectors/main.go) ----

export const Point = t.struct("Point", { X: t.int, Y: t.int });
export const Inner = t.struct("Inner", { A: t.int });
export const Outer = t.struct("Outer", {
  I: Inner,
  P: t.ptr(Inner),
  B: t.int,
  Arr: t.array(t.int, 2),
});
export const Sq = t.struct("Sq", { S: t.int });
export const F = t.struct("F", {
  B: t.bool,
  I: t.int,
  U: t.uint,
  Fl: t.float64,
  C: t.complex128,
  S: t.string,
  By: t.bytes,
  Sl: t.slice(t.int),
  M: t.map(t.string, t.int),
  P: t.ptr(t.int),
  E: t.any,
  St: Inner,
  A: t.array(t.int, 2),
  T: t.time,
  Big: t.ptr(t.bigInt),
});
export const WithInts = t.struct("WithInts", { Xs: t.slice(t.int) });
export const IntList = t.slice(t.int, { name: "IntList" });
export const Dict = t.map(t.string, t.int, { name: "Dict" });
export const MA = t.struct("MA", { X: t.int });
export const MB = t.struct("MB", { Y: t.string });
export const MC = t.struct("MC", { Z: t.bool });
export const MD = t.struct("MD", { W: t.float64 });
export const ME = t.struct("ME", { V: t.bytes });
export const Multi = t.struct("Multi", {
  A: MA,
  B: t.slice(MB),
  C: t.map(t.string, MC),
  D: t.array(MD, 2),
  E: t.ptr(ME),
  F: t.slice(t.int),
  G: t.map(t.int, t.string),
});
// deno-lint-ignore no-explicit-any
export const Node: Type<any> = t.struct("Node", () => ({ V: t.int, Next: t.ptr(Node) }));
// deno-lint-ignore no-explicit-any
export const RS: Type<any> = t.slice(t.lazy(() => RS), { name: "RS" });
// deno-lint-ignore no-explicit-any
export const RM: Type<any> = t.map(t.string, t.lazy(() => RM), { name: "RM" });
// deno-lint-ignore no-explicit-any
export const Tree: Type<any> = t.struct(
  "Tree",
  () => ({ L: t.ptr(Tree), R: t.ptr(Tree), V: t.int }),
);
export const Holder = t.struct("Holder", { Name: t.string, Sh: t.any });
export const Box = t.struct("Box", { In: t.any });
export const PtrT = t.struct("PtrT", { P: t.int });
export const WithTime = t.struct("WithTime", { T: t.time, N: t.int });
export const WithBig = t.struct("WithBig", {
  B: t.bigIntValue, // big.Int
  P: t.bigInt, // *big.Int
  R: t.bigRat, // *big.Rat
  N: t.int,
});
export const Empty = t.struct("Empty", {});
export const AnonEmpty = t.struct("", {});
export const WithChan = t.struct("WithChan", { A: t.int, B: t.string, D: t.int });
export const Bytes4 = t.struct("Bytes4", {
  A: t.array(t.uint8, 4),
  B: t.array(t.uint8, 3),
  S: t.bytes,
});
export const Strs = t.struct("Strs", { S: t.string, L: t.slice(t.string) });
export const Ints = t.struct("Ints", {
  I8: t.int8,
  I16: t.int16,
  I32: t.int32,
  I64: t.bigInt64,
  U8: t.uint8,
  U16: t.uint16,
  U32: t.uint32,
  U64: t.bigUint64,
  I: t.int,
  U: t.uint,
  P: t.uintptr,
});
export const Cplx = t.struct("Cplx", { C64: t.complex64, C128: t.complex128 });
export const Flt = t.struct("Flt", { F32: t.float32, F64: t.float64, L32: t.slice(t.float32) });
export const Emb = t.struct("Emb", { Inner, X: t.int });
export const Priv = t.struct("Priv", { A: t.int, C: t.string });
export const PP = t.struct("PP", { P: t.ptr(t.ptr(t.int)) });
export const Key = t.struct("Key", { A: t.int, B: t.string });
export const KeyMap = t.struct("KeyMap", { M: t.map(Key, t.string) });
const sparseFields: Record<string, Type<number>> = {};
for (let i = 0; i < 20; i++) sparseFields[`F${i}`] = t.int;
export const Sparse = t.struct("Sparse", sparseFields);
export const Deep = t.slice(t.slice(t.slice(t.int)), { name: "Deep" });
export const WithPtrs = t.struct("WithPtrs", { L: t.slice(t.ptr(Point)) });
export const WithMaps = t.struct("WithMaps", {
  A: t.map(t.string, t.slice(t.int)),
  B: t.map(t.int, Point),
});
export const WithIP = t.struct("WithIP", { IP: t.bytes });

const enc = new TextEncoder();
const dec = new TextDecoder();
export const Upper = t.gobEncoder<string>("Upper", {
  encode: (v) => enc.encode(v.toUpperCase()),
  decode: (b) => dec.decode(b),
  isZero: (v) => v === "",
  zero: () => "",
});
export const BinM = t.binaryMarshaler<number>("BinM", {
  encode: (v) => new Uint8Array([v >> 8, v & 0xff]),
  decode: (b) => {
    if (b.length !== 2) throw new GobError("corrupt", "BinM: bad length");
    return (b[0] << 8) | b[1];
  },
  isZero: (v) => v === 0,
  zero: () => 0,
});
export const TextM = t.struct("TextM", { V: t.int });
export const WithMarshalers = t.struct("WithMarshalers", {
  U: Upper,
  B: BinM,
  T: TextM,
  N: t.int,
});

// interface concrete types, as gob.Register in the Go program's init
registerName("main.Sq", Sq);
registerName("main.Box", Box);
registerName("*main.PtrT", PtrT);
registerName("time.Time", t.time);
registerName("map[string]int", t.map(t.string, t.int));
registerName("main.Point", Point);
registerName("[]interface {}", t.slice(t.any));
registerName("main.Upper", Upper);

// ---- values ----

const iv = (name: string, value: unknown) => ({ name, value });
const m = <K, V>(...entries: [K, V][]) => new Map<K, V>(entries);
const u8 = (...b: number[]) => new Uint8Array(b);
const T2009 = () => goTime(1257894000n, 0, "utc");

function fZero(): Record<string, unknown> {
  return {
    B: false,
    I: 0,
    U: 0,
    Fl: 0,
    C: { re: 0, im: 0 },
    S: "",
    By: u8(),
    Sl: [],
    M: null,
    P: null,
    E: null,
    St: { A: 0 },
    A: [0, 0],
    T: ZERO_TIME(),
    Big: null,
  };
}

const points = (...ps: [number, number][]) => ps.map(([X, Y]) => ({ X, Y }));

/** All golden cases by name (lazy: values are built when a case runs). */
export const cases: Record<string, () => GoldenCase> = {
  uint_boundaries: () => ({
    steps: [
      0n,
      0x0Fn,
      0xFFn,
      0xFFFFn,
      0xFFFFFFn,
      0xFFFFFFFFn,
      0xFFFFFFFFFFn,
      0xFFFFFFFFFFFFn,
      0xFFFFFFFFFFFFFFn,
      0xFFFFFFFFFFFFFFFFn,
      0x1111n,
      0x1111111111111111n,
      0x8888888888888888n,
      1n << 63n,
      127n,
      128n,
      255n,
      256n,
    ].map((v) => s(t.bigUint64, v)),
  }),
  uint_small: () => ({
    steps: [
      s(t.uint, 0),
      s(t.uint, 7),
      s(t.uint, 256),
      s(t.uint8, 255),
      s(t.uint16, 65535),
      s(t.uint32, 4294967295),
    ],
  }),
  int_boundaries: () => ({
    steps: [0, 1, -1, 63, -64, 64, -65, 127, -128, 128, -129, 7].map((v) => s(t.int, v)),
  }),
  int_sizes: () => ({
    steps: [
      s(t.int8, -128),
      s(t.int8, 127),
      s(t.int16, -32768),
      s(t.int16, 32767),
      s(t.int32, -2147483648),
      s(t.int32, 2147483647),
    ],
  }),
  int64_extremes: () => ({
    steps: [
      -(1n << 63n),
      (1n << 63n) - 1n,
      1n << 53n,
      (1n << 53n) + 1n,
      -(1n << 53n),
      -(1n << 53n) - 1n,
      (1n << 53n) - 1n,
    ].map((v) => s(t.bigInt64, v)),
  }),
  uint64_extremes: () => ({
    steps: [(1n << 64n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n].map((v) => s(t.bigUint64, v)),
  }),
  bools: () => ({ steps: [s(t.bool, true), s(t.bool, false)] }),
  float64_specials: () => ({
    steps: [
      17.0,
      0,
      -0,
      // math.NaN() is 0x7FF8000000000001: a JS NaN is written with Go's bits
      NaN,
      Infinity,
      -Infinity,
      1.5,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      -2.25,
    ].map((v) => s(t.float64, v)),
  }),
  float32_values: () => ({
    steps: [
      Math.fround(0.1),
      3.4028234663852886e38,
      1.401298464324817e-45,
      -Infinity,
      -1.5,
    ].map((v) => s(t.float32, v)),
  }),
  complex_values: () => ({
    steps: [
      s(t.complex128, { re: 1, im: 2 }),
      s(t.complex64, { re: 1, im: 2 }),
      s(t.complex128, { re: 0, im: 0 }),
      s(t.complex128, { re: Infinity, im: -0.5 }),
    ],
  }),
  strings: () => ({
    steps: [
      s(t.string, "hi"),
      s(t.string, ""),
      s(t.string, "héllo, 世界"),
      s(t.string, "\ufffd\ufffd", { noEncode: "invalid UTF-8 Go string ff fe" }),
    ],
  }),
  bytes: () => ({
    steps: [
      s(t.bytes, u8(1, 2)),
      s(t.bytes, u8()),
      s(t.bytes, u8()),
      s(t.bytes, u8(0xff, 0, 0x80)),
    ],
  }),
  long_string: () => ({ steps: [s(t.string, "abcdefghij".repeat(30))] }),
  long_slice: () => ({
    steps: [s(t.slice(t.int), Array.from({ length: 200 }, (_, i) => i * 1000))],
  }),
  point_stream: () => ({
    steps: [
      s(Point, { X: 22, Y: 33 }),
      s(Point, { X: 22, Y: 33 }),
      s(Point, { X: 0, Y: 0 }),
      s(Point, { X: -1, Y: 0 }),
    ],
  }),
  point_pointer_toplevel: () => ({ steps: [s(t.ptr(Point), { X: 1, Y: 2 })] }),
  empty_struct: () => ({ steps: [s(Empty, {}), s(Empty, {})] }),
  empty_struct_anon: () => ({ steps: [s(AnonEmpty, {})] }),
  outer_zero: () => ({ steps: [s(Outer, { I: { A: 0 }, P: null, B: 0, Arr: [0, 0] })] }),
  outer_full: () => ({
    steps: [s(Outer, { I: { A: 1 }, P: { A: 2 }, B: 3, Arr: [0, 0] })],
  }),
  outer_ptr_to_zero: () => ({
    steps: [
      s(Outer, { I: { A: 0 }, P: { A: 0 }, B: 0, Arr: [0, 0] }),
    ],
  }),
  f_zero: () => ({ steps: [s(F, { ...fZero(), M: null }, { expect: fZero() })] }),
  f_zeroish: () => {
    const v = { ...fZero(), Fl: -0, By: u8(), Sl: [], M: new Map(), P: 0, Big: 0n };
    return {
      // a non-nil pointer to a zero big.Int is sent (isZero of a pointer is IsNil)
      steps: [s(F, v, { expect: { ...fZero(), M: new Map(), Big: 0n } })],
    };
  },
  f_full: () => ({
    steps: [
      s(F, {
        B: true,
        I: -3,
        U: 4,
        Fl: 2.5,
        C: { re: 1, im: -1 },
        S: "s",
        By: u8(9),
        Sl: [0, 1],
        M: m(["k", 0]),
        P: 5,
        E: iv("main.Sq", { S: 7 }),
        St: { A: 8 },
        A: [0, 9],
        T: T2009(),
        Big: -300n,
      }),
    ],
  }),
  array_int3_zero: () => ({ steps: [s(t.array(t.int, 3), [0, 0, 0])] }),
  array_int3: () => ({ steps: [s(t.array(t.int, 3), [1, -2, 3])] }),
  array_string2: () => ({ steps: [s(t.array(t.string, 2), ["", "x"])] }),
  array_uint8: () => ({ steps: [s(t.array(t.uint8, 4), [1, 2, 0, 255])] }),
  array_empty: () => ({ steps: [s(t.array(t.int, 0), [])] }),
  bytes_struct: () => ({
    steps: [s(Bytes4, { A: [1, 2, 3, 4], B: [0, 0, 7], S: u8(5) })],
  }),
  map_string_int: () => ({ steps: [s(t.map(t.string, t.int), m(["a", 1]))] }),
  map_int_string: () => ({ steps: [s(t.map(t.int, t.string), m([-1, ""]))] }),
  map_nil_and_empty: () => ({
    steps: [
      s(t.map(t.string, t.int), null, { expect: new Map() }), // nil map: null
      s(t.map(t.string, t.int), new Map()),
    ],
  }),
  map_struct_key: () => ({
    steps: [s(KeyMap, { M: m([{ A: 1, B: "a" }, "v"]) })],
  }),
  map_float_nan_key: () => ({
    steps: [
      s(t.map(t.float64, t.string), m([NaN, "nan"])),
    ],
  }),
  with_maps: () => ({
    steps: [s(WithMaps, { A: m(["x", [1, 2]]), B: m([3, { X: 4, Y: 5 }]) })],
  }),
  slice_int: () => ({ steps: [s(t.slice(t.int), [1, 2, 3])] }),
  slice_nil_toplevel: () => ({ steps: [s(t.slice(t.int), []), s(t.slice(t.int), [])] }),
  slice_string: () => ({ steps: [s(t.slice(t.string), ["a", ""])] }),
  slice_nested: () => ({
    steps: [s(t.slice(t.slice(t.int)), [[1], [], [], [2, 3]])],
  }),
  slice_deep_named: () => ({ steps: [s(Deep, [[[1]], []])] }),
  slice_points: () => ({ steps: [s(t.slice(Point), points([1, 2], [0, 0]))] }),
  slice_point_ptrs: () => ({ steps: [s(t.slice(t.ptr(Point)), points([1, 2], [0, 0]))] }),
  with_ptr_slice: () => ({ steps: [s(WithPtrs, { L: points([1, 2]) })] }),
  slice_float32: () => ({ steps: [s(t.slice(t.float32), [0.5, -0])] }),
  delta2_toplevel_slice: () => ({ steps: [s(t.slice(t.int), [1])] }),
  delta2_struct_field: () => ({ steps: [s(WithInts, { Xs: [1] })] }),
  delta2_slice_then_struct: () => ({
    steps: [s(t.slice(t.int), [1]), s(WithInts, { Xs: [1] })],
  }),
  delta2_struct_then_slice: () => ({
    steps: [s(WithInts, { Xs: [1] }), s(t.slice(t.int), [1])],
  }),
  delta2_history_toplevel_first: () => ({
    warm: [s(t.slice(t.int), [1])],
    steps: [s(WithInts, { Xs: [1] })],
  }),
  delta2_history_field_first: () => ({
    warm: [s(WithInts, { Xs: [1] })],
    steps: [s(t.slice(t.int), [1])],
  }),
  history_point_ids: () => ({
    warm: [s(Node, { V: 0, Next: null })],
    steps: [s(Point, { X: 1, Y: 2 })],
  }),
  named_slice: () => ({ steps: [s(IntList, [4, 5])] }),
  named_map: () => ({ steps: [s(Dict, m(["z", 26]))] }),
  named_float: () => ({ steps: [s(t.float64, 36.6)] }),
  multi_defs: () => ({
    steps: [
      s(Multi, {
        A: { X: 1 },
        B: [{ Y: "b" }],
        C: m(["c", { Z: true }]),
        D: [{ W: 1.5 }, { W: 0 }],
        E: { V: u8(1) },
        F: [2],
        G: m([3, "g"]),
      }),
      s(Multi, {
        A: { X: 0 },
        B: [],
        C: null, // nil maps are omitted; an empty Map is sent (count 0)
        D: [{ W: 0 }, { W: 0 }],
        E: null,
        F: [],
        G: null,
      }, {
        expect: {
          A: { X: 0 },
          B: [],
          C: null,
          D: [{ W: 0 }, { W: 0 }],
          E: null,
          F: [],
          G: null,
        },
      }),
    ],
  }),
  recursive_node: () => ({
    steps: [s(Node, { V: 1, Next: { V: 2, Next: null } })],
  }),
  recursive_rs: () => ({ steps: [s(RS, [[], []])] }),
  recursive_rm: () => ({ steps: [s(RM, m(["a", new Map()]))] }),
  recursive_tree: () => ({
    steps: [
      s(Tree, {
        L: { L: null, R: null, V: 1 },
        R: { L: null, R: { L: null, R: null, V: 3 }, V: 0 },
        V: 2,
      }),
    ],
  }),
  interface_holder: () => ({
    steps: [
      s(Holder, { Name: "h", Sh: iv("main.Sq", { S: 3 }) }),
      s(Holder, { Name: "h", Sh: iv("main.Sq", { S: 3 }) }),
      s(Holder, { Name: "h", Sh: null }),
    ],
  }),
  interface_nil: () => ({ steps: [s(Holder, { Name: "h", Sh: null })] }),
  interface_builtins: () => ({
    steps: [
      iv("int", 5),
      iv("string", "s"),
      iv("int8", -2),
      iv("[]int", [1]),
      iv("[]uint8", u8(1)),
      iv("float64", 2.5),
      iv("bool", true),
      iv("uint", 0),
    ].map((v) => s(Holder, { Name: "", Sh: v })),
  }),
  interface_slice_mixed: () => ({
    steps: [s(t.slice(t.any), [iv("int", 1), iv("string", "a"), null])],
  }),
  interface_slice_defs: () => ({
    steps: [
      s(t.slice(t.any), [
        iv("main.Sq", { S: 1 }),
        iv("main.Point", { X: 2, Y: 3 }),
        iv("main.Sq", { S: 4 }),
      ]),
    ],
  }),
  interface_nested: () => ({
    steps: [
      s(Holder, {
        Name: "n",
        Sh: iv("main.Box", { In: iv("main.Box", { In: iv("main.Sq", { S: 2 }) }) }),
      }),
      s(Holder, { Name: "", Sh: iv("main.Box", { In: iv("main.Point", { X: 1, Y: 1 }) }) }),
    ],
  }),
  interface_ptr_name: () => ({
    steps: [s(Holder, { Name: "", Sh: iv("*main.PtrT", { P: 4 }) })],
  }),
  interface_map: () => ({
    steps: [s(Holder, { Name: "", Sh: iv("map[string]int", m(["m", 1])) })],
  }),
  interface_time: () => ({
    steps: [s(Holder, { Name: "", Sh: iv("time.Time", T2009()) })],
  }),
  interface_gobencoder: () => ({
    steps: [
      s(Holder, { Name: "", Sh: iv("main.Upper", "abc") }, {
        expect: { Name: "", Sh: iv("main.Upper", "ABC") },
      }),
    ],
  }),
  interface_toplevel_ptr: () => ({ steps: [s(t.any, iv("main.Sq", { S: 2 }))] }),
  time_fields: () => ({
    steps: [s(WithTime, { T: T2009(), N: 1 }), s(WithTime, { T: ZERO_TIME(), N: 1 })],
  }),
  time_offset: () => ({
    steps: [
      s(WithTime, { T: goTime(1257894000n - 3630n, 123456789, 3630), N: 0 }),
      s(WithTime, { T: goTime(25199n, 1, -7 * 3600), N: 0 }),
    ],
  }),
  time_negative_seconds_offset: () => ({
    steps: [s(WithTime, { T: goTime(946684800n + 30n, 0, -30), N: 0 })],
  }),
  time_toplevel: () => ({ steps: [s(t.time, T2009()), s(t.time, ZERO_TIME())] }),
  bigint_toplevel: () => ({
    steps: [1000n, -5n, 0n, 123456789012345678901234567890n].map((v) => s(t.bigInt, v)),
  }),
  bigint_field: () => ({
    steps: [
      s(WithBig, { B: -1n, P: 256n, R: { num: 3n, den: 4n }, N: 1 }),
      s(WithBig, { B: 0n, P: null, R: null, N: 0 }),
    ],
  }),
  bigrat_toplevel: () => ({
    steps: [
      s(t.bigRat, { num: 3n, den: 4n }),
      s(t.bigRat, { num: -1n, den: 3n }),
      s(t.bigRat, { num: 0n, den: 1n }),
    ],
  }),
  marshalers: () => ({
    steps: [
      s(WithMarshalers, { U: "abc", B: 0x0102, T: { V: 7 }, N: 1 }, {
        expect: { U: "ABC", B: 0x0102, T: { V: 7 }, N: 1 },
      }),
      s(WithMarshalers, { U: "", B: 0, T: { V: 0 }, N: 0 }),
    ],
  }),
  gobencoder_toplevel: () => ({
    steps: [s(Upper, "xyz", { expect: "XYZ" })],
  }),
  net_ip: () => {
    const ip = u8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4);
    return { steps: [s(t.bytes, ip), s(WithIP, { IP: ip })] };
  },
  chan_field_ignored: () => ({ steps: [s(WithChan, { A: 1, B: "b", D: 2 })] }),
  ints_struct_max: () => ({
    steps: [
      s(Ints, {
        I8: 127,
        I16: 32767,
        I32: 2147483647,
        I64: (1n << 63n) - 1n,
        U8: 255,
        U16: 65535,
        U32: 4294967295,
        U64: (1n << 64n) - 1n,
        I: 2 ** 53 - 1,
        U: 2 ** 53 - 1,
        P: 0xdeadbeef,
      }),
    ],
  }),
  ints_struct_min: () => ({
    steps: [
      s(Ints, {
        I8: -128,
        I16: -32768,
        I32: -2147483648,
        I64: -(1n << 63n),
        U8: 0,
        U16: 0,
        U32: 0,
        U64: 0n,
        I: -(2 ** 53 - 1),
        U: 0,
        P: 0,
      }),
    ],
  }),
  cplx_struct: () => ({
    steps: [
      s(Cplx, { C64: { re: 1.5, im: -2 }, C128: { re: NaN, im: -Infinity } }),
      s(Cplx, { C64: { re: 0, im: 0 }, C128: { re: 0, im: 1 } }),
    ],
  }),
  flt_struct: () => ({
    steps: [
      s(Flt, {
        F32: Math.fround(0.1),
        F64: -0.5,
        L32: [3.4028234663852886e38, 1.401298464324817e-45, NaN],
      }),
    ],
  }),
  strs_struct: () => ({
    steps: [
      s(Strs, { S: "a\ufffdb", L: ["", "\ufffd(", "ok"] }, {
        noEncode: "invalid UTF-8 Go strings",
      }),
    ],
  }),
  embedded: () => ({ steps: [s(Emb, { Inner: { A: 1 }, X: 2 })] }),
  unexported_field: () => ({ steps: [s(Priv, { A: 1, C: "c" })] }),
  ptr_ptr: () => ({
    steps: [s(PP, { P: 0 }, { expect: { P: null } }), s(PP, { P: 7 })],
  }),
  sparse_fields: () => {
    const z = (over: Record<string, number>) => {
      const o: Record<string, number> = {};
      for (let i = 0; i < 20; i++) o[`F${i}`] = 0;
      return { ...o, ...over };
    };
    return { steps: [s(Sparse, z({ F3: 1, F19: 2 })), s(Sparse, z({ F0: 1 }))] };
  },
  stream_mixed: () => ({
    steps: [
      s(Point, { X: 1, Y: 2 }),
      s(t.slice(t.int), [3]),
      s(Point, { X: 4, Y: 5 }),
      s(Holder, { Name: "", Sh: iv("main.Point", { X: 6, Y: 7 }) }),
      s(t.string, "end"),
      s(Node, { V: 8, Next: null }),
      s(Holder, { Name: "", Sh: iv("main.Sq", { S: 9 }) }),
      s(Point, { X: 0, Y: 0 }),
    ],
  }),
};

/** Descriptors for the `target` column of `testdata/gob/bad.json` (`nil`: schemaless). */
// deno-lint-ignore no-explicit-any
export const badTargets: Record<string, Type<any> | null> = {
  nil: null,
  ET2: t.struct("ET2", { X: t.string }),
  Point,
  int: t.int,
  int8: t.int8,
  uint: t.uint,
  float32: t.float32,
  string: t.string,
  "[]int": t.slice(t.int),
  "[2]int": t.array(t.int, 2),
  "[3]int": t.array(t.int, 3),
  Small: t.struct("Small", { A: t.array(t.int, 2) }),
  "map[string]int": t.map(t.string, t.int),
  "[]*struct{}": t.slice(t.ptr(t.struct("", {}))),
  "struct{}": t.struct("", {}),
  Holder,
  RS,
  WithInts,
  OnlyN: t.struct("OnlyN", { N: t.int }),
};
