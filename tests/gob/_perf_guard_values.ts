/**
 * The values of the performance guard (`perf_guard_test.ts`): streams whose
 * bytes were recorded from the codec before its hot paths were optimized, so
 * an optimization that changes a single byte is caught. `_perf_guard_encode.ts`
 * encodes them in a fresh process (type ids are process-wide).
 *
 * @module
 */

import { register, t } from "../../gob/mod.ts";
import type { Type } from "../../gob/mod.ts";
import { Order, orders } from "../../benchmarks/_record.ts";

/** One Encode call. */
export interface GuardStep {
  // deno-lint-ignore no-explicit-any
  type: Type<any>;
  value: unknown;
  /** What decoding gives, when it differs from `value`. */
  expect?: unknown;
}

export const Point = t.struct("Point", { X: t.int, Y: t.int });

export const Leaf = t.struct("Leaf", { N: t.int8, S: t.string, B: t.bytes });

export const Sink = t.struct("Sink", {
  I: t.slice(t.int),
  I64: t.slice(t.int64),
  I32: t.int32,
  U: t.slice(t.uint),
  U8: t.uint8,
  U16: t.uint16,
  Big: t.bigInt64,
  BigU: t.bigUint64,
  F: t.slice(t.float64),
  F32: t.float32,
  C: t.complex128,
  S: t.slice(t.string),
  Empty: t.string,
  Ok: t.bool,
  No: t.bool,
  Raw: t.bytes,
  Arr: t.array(t.int, 3),
  M: t.map(t.int, t.string),
  MS: t.map(t.string, t.slice(t.int)),
  P: t.ptr(Leaf),
  Nil: t.ptr(Leaf),
  Leaves: t.slice(Leaf),
  Grid: t.slice(t.slice(t.int)),
  Any: t.any,
  Zero: t.int,
});

register(Leaf);

const ascii127 = "abcdefghij".repeat(12) + "klmnopq";
const ascii200 = "0123456789".repeat(20);

/** A value of every scalar edge the encoder's fast paths touch. */
export const sinkValue = {
  I: [
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 32,
    2 ** 40 + 3,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
  ],
  I64: [-(2 ** 52), 2 ** 52, 1e15],
  I32: -123456,
  U: [0, 127, 128, 255, 256, 2 ** 24, 2 ** 32 - 1, 2 ** 32, 2 ** 48, Number.MAX_SAFE_INTEGER],
  U8: 255,
  U16: 4242,
  Big: -0x7fffffffffffffffn - 1n,
  BigU: 0xffffffffffffffffn,
  F: [
    0,
    -0,
    1,
    -1,
    0.5,
    1.5,
    3.141592653589793,
    1e300,
    -1e-300,
    5e-324,
    17,
    2 ** 53,
    Infinity,
    -Infinity,
    0.1,
  ],
  F32: 1.100000023841858,
  C: { re: 1.5, im: -2 },
  S: [
    "",
    "a",
    ascii127,
    ascii127 + "r",
    ascii200,
    "héllo",
    "日本語",
    "😀 emoji",
    "a\u0000b",
    "x".repeat(31),
    "y".repeat(32),
    "ü".repeat(100),
  ],
  Empty: "",
  Ok: true,
  No: false,
  Raw: new Uint8Array([0, 1, 2, 254, 255]),
  Arr: [7, 0, -7],
  M: new Map([[1, "one"], [-2, "minus two"], [300, ""]]),
  MS: new Map([["a", [1, 2]], ["", []]]),
  P: { N: -128, S: "leaf", B: new Uint8Array([9]) },
  Nil: null,
  Leaves: [{ N: 1, S: "", B: new Uint8Array(0) }, { N: 0, S: "z", B: new Uint8Array([1, 2]) }],
  Grid: [[1, 2], [], [3]],
  Any: { name: "main.Leaf", value: { N: 5, S: "in iface", B: new Uint8Array(0) } },
  Zero: 0,
};

/** What an empty Sink decodes to. */
export const sinkZero = {
  I: [],
  I64: [],
  I32: 0,
  U: [],
  U8: 0,
  U16: 0,
  Big: 0n,
  BigU: 0n,
  F: [],
  F32: 0,
  C: { re: 0, im: 0 },
  S: [],
  Empty: "",
  Ok: false,
  No: false,
  Raw: new Uint8Array(0),
  Arr: [0, 0, 0],
  M: null, // a nil map
  MS: null,
  P: null,
  Nil: null,
  Leaves: [],
  Grid: [],
  Any: null,
  Zero: 0,
};

/** The guarded streams: name → the Encode calls on one encoder. */
export function guardStreams(): Record<string, GuardStep[]> {
  return {
    point: [{ type: Point, value: { X: 22, Y: 33 } }, { type: Point, value: { X: -1, Y: 0 } }],
    orders: orders(5).map((o) => ({ type: Order, value: o })),
    sink: [{ type: Sink, value: sinkValue }, { type: Sink, value: {}, expect: sinkZero }],
    // Messages with 3- and 4-byte length prefixes (recorded as SHA-256 digests).
    large: [
      { type: t.string, value: "q".repeat(70_000) },
      { type: t.slice(t.int), value: Array.from({ length: 5_000_000 }, (_, i) => i * 7 - 40) },
      { type: t.bytes, value: new Uint8Array(300).fill(7) },
    ],
    singletons: [
      { type: t.int, value: -300 },
      { type: t.string, value: "top" },
      { type: t.float64, value: 2.5 },
      { type: t.slice(t.string), value: ["a", "bé"] },
      { type: t.map(t.string, t.int), value: new Map([["k", 1]]) },
      { type: t.bool, value: true },
    ],
  };
}
