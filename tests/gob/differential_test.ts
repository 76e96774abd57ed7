/**
 * Differential tests against Go's encoding/gob (`tests/go/cmd/gobpeer`).
 *
 * Every top-level value is a `Root` (see the Go file for why), and every corpus
 * starts with the fixed PRELUDE value, which uses each interface concrete type
 * once in a fixed order: type ids are process-wide in Go and in gopherless, so
 * a process that encodes the prelude first allocates the same ids as Go.
 *
 * - Go gen → TS decode → TS re-encode (fresh Encoder) → identical bytes;
 *   Go echo of the TS output → identical bytes.
 * - TS gen (seeded PRNG) → TS encode → Go echo → identical bytes; TS decodes
 *   Go's echo to values deep-equal to the originals.
 * - Go gen -bigmaps (maps up to 6 entries, order random) → TS decode → TS
 *   encode → `gobpeer json` of both streams equal.
 */

import assert from "node:assert/strict";
import { Decoder, Encoder, GoTime, registerName, t } from "../../gob/mod.ts";
import type { Infer } from "../../gob/mod.ts";
import { goTest, runGo } from "../_support/go.ts";
import { concat } from "../../ground/bytes.ts";

const PEER = "cmd/gobpeer";
const SEEDS = [1, 2, 3];
const COUNT = 300;

// ---- descriptors (mirroring tests/go/cmd/gobpeer/main.go) ----

const Point = t.struct("Point", { X: t.int, Y: t.int });
const Key = t.struct("Key", { A: t.int, B: t.string });
const Inner = t.struct("Inner", {
  Name: t.string,
  Pt: Point,
  Tags: t.slice(t.string),
  Opt: t.ptr(Point),
});
interface ListV {
  V: number;
  Next: ListV | null;
}
interface TreeV {
  V: string;
  L: TreeV | null;
  R: TreeV | null;
}
// deno-lint-ignore no-explicit-any
const List: any = t.struct("List", () => ({ V: t.int, Next: t.ptr(List) }));
// deno-lint-ignore no-explicit-any
const Tree: any = t.struct("Tree", () => ({ V: t.string, L: t.ptr(Tree), R: t.ptr(Tree) }));
const Leaf = t.struct("Leaf", { V: t.int32 });
const Box = t.struct("Box", { In: t.any });
const IntList = t.slice(t.int, { name: "IntList" });

const Root = t.struct("Root", {
  Seq: t.int,
  B: t.bool,
  I: t.int,
  I8: t.int8,
  I16: t.int16,
  I32: t.int32,
  I64: t.bigInt64,
  U: t.uint,
  U8: t.uint8,
  U16: t.uint16,
  U32: t.uint32,
  U64: t.bigUint64,
  Uptr: t.uintptr,
  F32: t.float32,
  F64: t.float64,
  C64: t.complex64,
  C128: t.complex128,
  S: t.string,
  Bytes: t.bytes,
  Arr: t.array(t.int, 3),
  ByteArr: t.array(t.uint8, 4),
  StrArr: t.array(t.string, 2),
  Ints: t.slice(t.int),
  Strs: t.slice(t.string),
  Nested: t.slice(t.slice(t.int)),
  Floats: t.slice(t.float64),
  MapSI: t.map(t.string, t.int),
  MapIS: t.map(t.int, t.string),
  MapKS: t.map(Key, t.string),
  MapSP: t.map(t.string, Point),
  Pt: Point,
  PtPtr: t.ptr(Point),
  Pts: t.slice(Point),
  PtPtrs: t.slice(t.ptr(Point)),
  IntPtr: t.ptr(t.int),
  In: Inner,
  Any: t.any,
  Anys: t.slice(t.any),
  List: t.ptr(List),
  Tree: t.ptr(Tree),
  T: t.time,
  Times: t.slice(t.time),
  Big: t.ptr(t.bigInt),
  Named: IntList,
  Temp: t.float64, // Celsius: a named float64 is just float on the wire
});
type RootV = Infer<typeof Root>;

registerName("main.Point", Point);
registerName("*main.Leaf", Leaf);
registerName("main.Box", Box);
registerName("map[string]int", t.map(t.string, t.int));
registerName("time.Time", t.time);
registerName("[]interface {}", t.slice(t.any));

// ---- values ----

const iv = (name: string, value: unknown) => ({ name, value });
const goTime = (unix: bigint, nsec: number, offset: number | "utc") =>
  new GoTime(unix, nsec, offset === "utc" ? null : offset);
const ZERO_TIME = (): GoTime => goTime(-62135596800n, 0, "utc");

function zeroRoot(seq: number): RootV {
  return {
    Seq: seq,
    B: false,
    I: 0,
    I8: 0,
    I16: 0,
    I32: 0,
    I64: 0n,
    U: 0,
    U8: 0,
    U16: 0,
    U32: 0,
    U64: 0n,
    Uptr: 0,
    F32: 0,
    F64: 0,
    C64: { re: 0, im: 0 },
    C128: { re: 0, im: 0 },
    S: "",
    Bytes: new Uint8Array(0),
    Arr: [0, 0, 0],
    ByteArr: [0, 0, 0, 0],
    StrArr: ["", ""],
    Ints: [],
    Strs: [],
    Nested: [],
    Floats: [],
    MapSI: new Map(),
    MapIS: new Map(),
    MapKS: new Map(),
    MapSP: new Map(),
    Pt: { X: 0, Y: 0 },
    PtPtr: null,
    Pts: [],
    PtPtrs: [],
    IntPtr: null,
    In: { Name: "", Pt: { X: 0, Y: 0 }, Tags: [], Opt: null },
    Any: null,
    Anys: [],
    List: null,
    Tree: null,
    T: ZERO_TIME(),
    Times: [],
    Big: null,
    Named: [],
    Temp: 0,
  } as RootV;
}

/** Same as the Go program's prelude(). */
function prelude(): RootV {
  const r = zeroRoot(0);
  r.Anys = [
    iv("int", 1),
    iv("int8", -1),
    iv("uint", 1),
    iv("string", "s"),
    iv("float64", 1.5),
    iv("bool", true),
    iv("[]int", [1]),
    iv("[]uint8", new Uint8Array([1])),
    iv("[]string", ["a"]),
    iv("main.Point", { X: 1, Y: 2 }),
    iv("*main.Leaf", { V: 3 }),
    iv("main.Box", { In: iv("int", 4) }),
    iv("map[string]int", new Map([["k", 1]])),
    iv("time.Time", goTime(1577934245n, 6, "utc")),
    iv("[]interface {}", [iv("int", 5)]),
  ];
  return r;
}

// ---- TS generator (mulberry32) ----

class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    let x = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const WORDS = [
  "",
  "a",
  "gopher",
  "héllo",
  "世界",
  "emoji 🦫",
  "tab\there",
  "x".repeat(200),
  "\0nul",
];

class Gen {
  constructor(readonly r: Rng) {}
  safeInt(): number {
    const r = this.r;
    switch (r.int(6)) {
      case 0:
        return r.pick([0, 1, -1, MAX_SAFE, -MAX_SAFE, 127, 128, -128, -129, 255, 256, 2 ** 31]);
      case 1:
        return Math.floor((r.next() * 2 - 1) * MAX_SAFE);
      default:
        return r.int(2001) - 1000;
    }
  }
  safeUint(): number {
    return this.r.chance(0.3)
      ? this.r.pick([0, 1, 127, 128, 255, 256, 65535, 2 ** 32, MAX_SAFE])
      : this.r.int(1000);
  }
  i64(): bigint {
    const e = [
      0n,
      1n,
      -1n,
      -(1n << 63n),
      (1n << 63n) - 1n,
      1n << 53n,
      (1n << 53n) + 1n,
      -(1n << 53n) - 1n,
    ];
    return this.r.chance(0.5) ? this.r.pick(e) : BigInt(this.safeInt()) * BigInt(this.r.int(1000));
  }
  u64(): bigint {
    const e = [0n, 1n, (1n << 64n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n];
    return this.r.chance(0.5)
      ? this.r.pick(e)
      : BigInt(this.r.int(2 ** 31)) * BigInt(this.r.int(2 ** 31));
  }
  f64(allowNegZero: boolean): number {
    const e = [
      0,
      1,
      -1,
      NaN,
      Infinity,
      -Infinity,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      2 ** 53,
      2 ** 53 + 2,
      0.1,
    ];
    if (allowNegZero) e.push(-0);
    return this.r.chance(0.5)
      ? this.r.pick(e)
      : (this.r.next() - 0.5) * 10 ** (this.r.int(40) - 20);
  }
  f32(): number {
    const e = [0, 1, -1, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45];
    return this.r.chance(0.5) ? this.r.pick(e) : Math.fround((this.r.next() - 0.5) * 1000);
  }
  str(): string {
    if (this.r.chance(0.7)) return this.r.pick(WORDS);
    let s = "";
    for (let i = this.r.int(20); i > 0; i--) {
      let c = 0x20 + this.r.int(0x3000);
      if (c >= 0xd800 && c < 0xe000) c = 0x41;
      s += String.fromCodePoint(c);
    }
    return s;
  }
  bytes(): Uint8Array {
    const b = new Uint8Array(this.r.int(40));
    for (let i = 0; i < b.length; i++) b[i] = this.r.int(256);
    return b;
  }
  point() {
    return { X: this.safeInt(), Y: this.safeInt() };
  }
  ints(n: number): number[] {
    return Array.from({ length: n }, () => this.safeInt());
  }
  time(): GoTime {
    const r = this.r;
    const unix = BigInt(r.int(8000000000) - 4000000000);
    const nsec = r.int(1e9);
    switch (r.int(3)) {
      case 0:
        return goTime(unix, nsec, "utc");
      case 1:
        return goTime(unix, nsec, (r.int(27 * 60) - 13 * 60) * 60);
      default:
        return goTime(unix, nsec, r.int(20000)); // seconds offset, v2 (positive: see gobpeer)
    }
  }
  big(): bigint | null {
    const v = this.r.chance(0.5)
      ? BigInt(this.safeInt())
      : (this.r.chance(0.5) ? -1n : 1n) << BigInt(this.r.int(300));
    return v === 0n ? null : v;
  }
  anyV(depth: number): { name: string; value: unknown } | null {
    const r = this.r;
    switch (r.int(16)) {
      case 0:
        return iv("int", this.safeInt());
      case 1:
        return iv("int8", r.int(256) - 128);
      case 2:
        return iv("uint", this.safeUint());
      case 3:
        return iv("string", this.str());
      case 4:
        return iv("float64", this.f64(true));
      case 5:
        return iv("bool", r.chance(0.5));
      case 6:
        return iv("[]int", this.ints(r.int(4)));
      case 7:
        return iv("[]uint8", this.bytes());
      case 8:
        return iv("[]string", [this.str()]);
      case 9:
        return iv("main.Point", this.point());
      case 10:
        return iv("*main.Leaf", { V: r.int(1000) + 1 });
      case 11:
        return iv("main.Box", { In: depth > 0 ? this.anyV(depth - 1) : null });
      case 12:
        return iv(
          "map[string]int",
          new Map(r.chance(0.5) ? [[this.str(), this.safeInt()]] : []),
        );
      case 13:
        return iv("time.Time", this.time());
      case 14:
        return iv("[]interface {}", depth > 0 ? [this.anyV(depth - 1), null] : []);
      default:
        return null;
    }
  }
  tree(depth: number): TreeV | null {
    if (depth === 0 || this.r.chance(0.3)) return null;
    return { V: this.str(), L: this.tree(depth - 1), R: this.tree(depth - 1) };
  }
  root(seq: number): RootV {
    const r = this.r;
    const v = zeroRoot(seq) as Record<string, unknown>;
    const p = 0.35;
    const maybe = (k: string, f: () => unknown) => {
      if (r.chance(p)) v[k] = f();
    };
    maybe("B", () => true);
    maybe("I", () => this.safeInt());
    maybe("I8", () => r.int(256) - 128);
    maybe("I16", () => r.int(65536) - 32768);
    maybe("I32", () => r.int(2 ** 32) - 2 ** 31);
    maybe("I64", () => this.i64());
    maybe("U", () => this.safeUint());
    maybe("U8", () => r.int(256));
    maybe("U16", () => r.int(65536));
    maybe("U32", () => r.int(2 ** 32));
    maybe("U64", () => this.u64());
    maybe("Uptr", () => this.safeUint());
    maybe("F32", () => this.f32());
    maybe("F64", () => this.f64(false));
    maybe("C64", () => ({ re: this.f32(), im: this.f32() }));
    maybe("C128", () => ({ re: this.f64(false), im: this.f64(false) }));
    maybe("S", () => this.str());
    maybe("Bytes", () => this.bytes());
    maybe("Arr", () => [this.safeInt(), 0, this.safeInt()]);
    maybe("ByteArr", () => [r.int(256), 0, 255, r.int(256)]);
    maybe("StrArr", () => [this.str(), this.str()]);
    maybe("Ints", () => this.ints(r.int(10)));
    maybe("Strs", () => Array.from({ length: r.int(5) }, () => this.str()));
    maybe("Nested", () => Array.from({ length: r.int(4) }, () => this.ints(r.int(3))));
    maybe("Floats", () => Array.from({ length: r.int(5) }, () => this.f64(true)));
    maybe("MapSI", () => new Map(r.chance(0.7) ? [[this.str(), this.safeInt()]] : []));
    maybe("MapIS", () => new Map(r.chance(0.7) ? [[this.safeInt(), this.str()]] : []));
    maybe(
      "MapKS",
      () => new Map(r.chance(0.7) ? [[{ A: this.safeInt(), B: this.str() }, this.str()]] : []),
    );
    maybe("MapSP", () => new Map(r.chance(0.7) ? [[this.str(), this.point()]] : []));
    maybe("Pt", () => this.point());
    maybe("PtPtr", () => this.point());
    maybe("Pts", () => Array.from({ length: r.int(4) }, () => this.point()));
    maybe("PtPtrs", () => Array.from({ length: r.int(4) }, () => this.point()));
    maybe("IntPtr", () => this.safeInt() || 7);
    maybe("In", () => ({
      Name: this.str(),
      Pt: this.point(),
      Tags: r.chance(0.5) ? [this.str(), this.str()] : [],
      Opt: r.chance(0.5) ? this.point() : null,
    }));
    if (r.chance(0.6)) v.Any = this.anyV(4);
    maybe("Anys", () => Array.from({ length: r.int(5) }, () => this.anyV(3)));
    maybe("List", () => {
      let l: ListV | null = null;
      const d = r.chance(0.05) ? 500 : r.int(6);
      for (let i = 0; i < d; i++) l = { V: this.safeInt(), Next: l };
      return l;
    });
    maybe("Tree", () => this.tree(5));
    maybe("T", () => this.time());
    maybe("Times", () => Array.from({ length: r.int(3) }, () => this.time()));
    maybe("Big", () => this.big());
    maybe("Named", () => this.ints(r.int(4)));
    maybe("Temp", () => this.f64(false));
    return v as RootV;
  }
}

function tsCorpus(seed: number, count: number): RootV[] {
  const g = new Gen(new Rng(seed));
  const out = [prelude()];
  for (let i = 1; i < count; i++) out.push(g.root(i));
  return out;
}

// ---- helpers ----

function encodeAll(values: RootV[]): { bytes: Uint8Array; parts: Uint8Array[] } {
  const enc = new Encoder();
  const parts = values.map((v) => enc.marshal(Root, v));
  return { bytes: concat(parts), parts };
}

async function decodeAll(bytes: Uint8Array): Promise<RootV[]> {
  const out: RootV[] = [];
  for await (const v of new Decoder(bytes).values(Root)) out.push(v as RootV);
  return out;
}

/** Points at the first differing value when two streams differ. */
function assertSameBytes(got: Uint8Array, want: Uint8Array, parts: Uint8Array[], what: string) {
  if (got.length === want.length && got.every((b, i) => b === want[i])) return;
  let i = 0;
  while (i < got.length && i < want.length && got[i] === want[i]) i++;
  let off = 0, value = 0;
  while (value < parts.length && off + parts[value].length <= i) off += parts[value++].length;
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  let j = i + 1;
  while (j < got.length && j < want.length && got[j] === want[j]) j++;
  assert.fail(
    `${what}: streams differ at byte ${i} (value #${value}, offset ${
      i - off
    } in it), next at ${j}; ` +
      `lengths ${got.length} vs ${want.length}\n` +
      `got:  …${hex(got.subarray(Math.max(0, i - 16), i + 32))}\n` +
      `want: …${hex(want.subarray(Math.max(0, i - 16), i + 32))}\n` +
      `next: got …${hex(got.subarray(Math.max(0, j - 24), j + 24))}\n` +
      `      want …${hex(want.subarray(Math.max(0, j - 24), j + 24))}`,
  );
}

// Allocate type ids the way a fresh Go process that starts with the prelude does.
new Encoder().marshal(Root, prelude());

// ---- tests ----

goTest(
  "differential: Go gen → TS decode → TS encode is byte-identical; Go echoes TS",
  async (tc) => {
    for (const seed of SEEDS) {
      await tc.step(`seed ${seed}`, async () => {
        const goBytes = await runGo(PEER, ["gen", "-seed", String(seed), "-count", String(COUNT)]);
        const values = await decodeAll(goBytes);
        assert.equal(values.length, COUNT);
        values.forEach((v, i) => assert.equal(v.Seq, i));
        const { bytes, parts } = encodeAll(values);
        assertSameBytes(bytes, goBytes, parts, `seed ${seed}: TS re-encoding of Go's corpus`);
        const echoed = await runGo(PEER, ["echo"], bytes);
        assertSameBytes(echoed, bytes, parts, `seed ${seed}: Go echo of TS output`);
      });
    }
  },
);

goTest(
  "differential: TS gen → Go echo is byte-identical and decodes to the same values",
  async (tc) => {
    for (const seed of SEEDS) {
      await tc.step(`seed ${seed}`, async () => {
        const values = tsCorpus(seed, COUNT);
        const { bytes, parts } = encodeAll(values);
        const echoed = await runGo(PEER, ["echo"], bytes);
        assertSameBytes(echoed, bytes, parts, `seed ${seed}: Go echo of the TS corpus`);
        const back = await decodeAll(echoed);
        assert.equal(back.length, values.length);
        for (let i = 0; i < values.length; i++) {
          assert.deepStrictEqual(back[i], values[i], `seed ${seed}: value #${i}`);
        }
      });
    }
  },
);

goTest("differential: big maps (structural, via gobpeer json)", async () => {
  const goBytes = await runGo(PEER, ["gen", "-seed", "42", "-count", "200", "-bigmaps"]);
  const values = await decodeAll(goBytes);
  const { bytes } = encodeAll(values);
  const [want, got] = await Promise.all([
    runGo(PEER, ["json"], goBytes),
    runGo(PEER, ["json"], bytes),
  ]);
  const w = new TextDecoder().decode(want).split("\n");
  const g = new TextDecoder().decode(got).split("\n");
  assert.equal(g.length, w.length);
  for (let i = 0; i < w.length; i++) assert.equal(g[i], w[i], `value #${i}`);
});
