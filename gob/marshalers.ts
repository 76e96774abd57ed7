/**
 * Ready-made descriptors for Go types with custom gob encodings:
 * `time.Time`, `*big.Int` and `*big.Rat`.
 *
 * Every top-level value here is marked pure (`@__PURE__`) so that a bundle drops those a program
 * does not use: the `t` namespace re-exports them all, and a go1.x function, which uses none,
 * would otherwise load them at every start.
 *
 * @module
 */

import { GobError } from "./error.ts";
import { gobEncoder, type MarshalerCodec, ptr, type Type } from "./types.ts";

/** Seconds from 0001-01-01 (Go's internal epoch) to 1970-01-01. */
const UNIX_TO_INTERNAL = 62135596800n;

function bad(what: string): never {
  throw new GobError("corrupt", what);
}

/**
 * A Go `time.Time` with nothing lost: seconds, nanoseconds and zone offset.
 * JavaScript's `Date` keeps only milliseconds and no zone; convert with
 * {@linkcode GoTime.toDate} and {@linkcode GoTime.fromDate}.
 */
export class GoTime {
  /** Seconds since the Unix epoch. */
  readonly unixSeconds: bigint;
  /** Nanoseconds within the second, 0 to 999,999,999. */
  readonly nanoseconds: number;
  /** Zone offset in seconds east of UTC, or `null` for UTC itself. */
  readonly zoneOffset: number | null;

  /** Creates a time from its parts. */
  constructor(unixSeconds: bigint, nanoseconds = 0, zoneOffset: number | null = null) {
    if (!Number.isInteger(nanoseconds) || nanoseconds < 0 || nanoseconds > 999_999_999) {
      throw new GobError("encode", `GoTime: nanoseconds out of range: ${nanoseconds}`);
    }
    this.unixSeconds = unixSeconds;
    this.nanoseconds = nanoseconds;
    this.zoneOffset = zoneOffset;
  }

  static #zero: GoTime | undefined;
  /** Go's zero time, 0001-01-01 00:00:00 UTC (made when first asked for: see the module docs). */
  static get zero(): GoTime {
    return GoTime.#zero ??= new GoTime(-UNIX_TO_INTERNAL);
  }

  /** The time of a `Date`, in UTC. */
  static fromDate(date: Date): GoTime {
    const ms = date.getTime();
    if (!Number.isFinite(ms)) throw new GobError("encode", "GoTime: invalid Date");
    const sec = Math.floor(ms / 1000);
    return new GoTime(BigInt(sec), (ms - sec * 1000) * 1_000_000);
  }

  /** Whether this is Go's zero time (`time.Time{}`). */
  isZero(): boolean {
    return this.unixSeconds === -UNIX_TO_INTERNAL && this.nanoseconds === 0 &&
      this.zoneOffset === null;
  }

  /**
   * The same instant as a `Date` (nanoseconds truncated to milliseconds).
   * Throws a `GobError` (code `overflow`) for a time outside the range of a
   * `Date` (±8.64e15 ms around 1970, about ±273,790 years), which Go's int64
   * seconds easily exceed.
   */
  toDate(): Date {
    const ms = this.unixSeconds * 1000n + BigInt(Math.floor(this.nanoseconds / 1_000_000));
    if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) {
      throw new GobError(
        "overflow",
        `time ${this} is outside the range of a JavaScript Date; decode it with t.time`,
      );
    }
    return new Date(Number(ms));
  }

  /** Go's `MarshalBinary` encoding (versions 1 and 2). */
  marshalBinary(): Uint8Array {
    let offsetMin = -1;
    let offsetSec = 0;
    let version = 1;
    if (this.zoneOffset !== null) {
      const off = this.zoneOffset;
      if (off % 60 !== 0) {
        version = 2;
        offsetSec = off % 60;
      }
      offsetMin = Math.trunc(off / 60);
      if (offsetMin < -32768 || offsetMin === -1 || offsetMin > 32767) {
        throw new GobError("encode", "Time.MarshalBinary: unexpected zone offset");
      }
    }
    const out = new Uint8Array(version === 2 ? 16 : 15);
    const v = new DataView(out.buffer);
    out[0] = version;
    v.setBigInt64(1, this.unixSeconds + UNIX_TO_INTERNAL);
    v.setInt32(9, this.nanoseconds);
    v.setInt16(13, offsetMin);
    if (version === 2) v.setInt8(15, offsetSec);
    return out;
  }

  /** Go's `UnmarshalBinary`. */
  static unmarshalBinary(b: Uint8Array): GoTime {
    if (b.length === 0) bad("Time.UnmarshalBinary: no data");
    const version = b[0];
    if (version !== 1 && version !== 2) bad("Time.UnmarshalBinary: unsupported version");
    if (b.length !== (version === 2 ? 16 : 15)) bad("Time.UnmarshalBinary: invalid length");
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const sec = v.getBigInt64(1);
    const nsec = v.getInt32(9);
    if (nsec < 0 || nsec > 999_999_999) bad("Time.UnmarshalBinary: nanoseconds out of range");
    let offset = v.getInt16(13) * 60;
    if (version === 2) offset += v.getInt8(15);
    return new GoTime(sec - UNIX_TO_INTERNAL, nsec, offset === -60 ? null : offset);
  }

  /**
   * RFC 3339 text with nanoseconds, exactly as Go prints it with
   * `time.RFC3339Nano`, for every year Go can hold (years past 9999 in full,
   * negative years with a minus sign).
   */
  toString(): string {
    const off = this.zoneOffset ?? 0;
    const local = this.unixSeconds + BigInt(off);
    let days = local / 86400n;
    let secs = Number(local % 86400n);
    if (secs < 0) {
      secs += 86400;
      days -= 1n;
    }
    const { year, month, day } = civilFromDays(days);
    const two = (n: number) => String(n).padStart(2, "0");
    const y = year < 0n ? `-${String(-year).padStart(4, "0")}` : String(year).padStart(4, "0");
    const clock = `${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${
      two(secs % 60)
    }`;
    const frac = this.nanoseconds === 0
      ? ""
      : "." + String(this.nanoseconds).padStart(9, "0").replace(/0+$/, "");
    let zone = "Z";
    if (off !== 0) {
      const minutes = Math.trunc(off / 60); // Go prints hours and minutes, truncating seconds
      const a = Math.abs(minutes);
      zone = `${minutes < 0 ? "-" : "+"}${two(Math.floor(a / 60))}:${two(a % 60)}`;
    }
    return `${y}-${two(month)}-${two(day)}T${clock}${frac}${zone}`;
  }
}

/** Largest magnitude of a `Date`'s time value, in milliseconds. */
const MAX_DATE_MS = 8_640_000_000_000_000n;

/** The proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's algorithm). */
function civilFromDays(days: bigint): { year: bigint; month: number; day: number } {
  const z = days + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = Number(z - era * 146097n); // [0, 146096]
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  ); // [0, 399]
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365]
  const mp = Math.floor((5 * doy + 2) / 153); // [0, 11]
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = BigInt(yoe) + era * 400n + (month <= 2 ? 1n : 0n);
  return { year, month, day };
}

/** Go's `time.Time`, exactly, as a {@linkcode GoTime}. */
export const time: Type<GoTime> = /* @__PURE__ */ gobEncoder<GoTime>("time.Time", {
  encode: (v) => {
    if (!(v instanceof GoTime)) throw new GobError("encode", "time.Time value must be a GoTime");
    return v.marshalBinary();
  },
  decode: (b) => GoTime.unmarshalBinary(b),
  isZero: (v) => v.isZero(),
  zero: () => GoTime.zero,
});

const ZERO_DATE_MS = Number(-UNIX_TO_INTERNAL) * 1000;

/** Go's `time.Time` as a JavaScript `Date` (millisecond precision, zone dropped). */
export const date: Type<Date> = /* @__PURE__ */ gobEncoder<Date>("time.Time", {
  encode: (v) => {
    if (!(v instanceof Date)) throw new GobError("encode", "time.Time value must be a Date");
    return GoTime.fromDate(v).marshalBinary();
  },
  decode: (b) => GoTime.unmarshalBinary(b).toDate(),
  isZero: (v) => v.getTime() === ZERO_DATE_MS,
  zero: () => new Date(ZERO_DATE_MS),
});

const HEX_DIGITS = /* @__PURE__ */ new TextEncoder().encode("0123456789abcdef");
/** Each hex digit's value by its character code, -1 for other characters. */
const HEX_VALUES = /* @__PURE__ */ (() => {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    values[HEX_DIGITS[i]] = i;
    if (i >= 10) values["ABCDEF".charCodeAt(i - 10)] = i;
  }
  return values;
})();
const utf8 = /* @__PURE__ */ new TextDecoder(); // hex digits are ASCII: its fast path
/** Each byte's two hex digits as one 16-bit unit, in the platform's byte order. */
const HEX_PAIRS = /* @__PURE__ */ (() => {
  const pairs = new Uint16Array(256);
  const bytes = new Uint8Array(pairs.buffer);
  for (let i = 0; i < 256; i++) {
    bytes[2 * i] = HEX_DIGITS[i >> 4];
    bytes[2 * i + 1] = HEX_DIGITS[i & 15];
  }
  return pairs;
})();
const ascii = /* @__PURE__ */ new TextEncoder();

// Conversions go through hexadecimal text, which V8 converts to and from a
// bigint in linear time (a byte-by-byte shift-and-add is quadratic).

/** The big-endian bytes of a non-negative bigint (none for zero). */
function magnitudeBytes(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  const hex = ascii.encode(x.toString(16));
  const odd = hex.length % 2;
  const out = new Uint8Array((hex.length + odd) / 2);
  let h = 0;
  if (odd) out[0] = HEX_VALUES[hex[h++]];
  for (let i = odd; i < out.length; i++, h += 2) {
    out[i] = (HEX_VALUES[hex[h]] << 4) | HEX_VALUES[hex[h + 1]];
  }
  return out;
}

/** The non-negative bigint of big-endian bytes. */
function bytesMagnitude(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  const pairs = new Uint16Array(1 + b.length); // "0x", then two hex digits per byte
  const text = new Uint8Array(pairs.buffer);
  text[0] = 0x30;
  text[1] = 0x78;
  for (let i = 0; i < b.length; i++) pairs[i + 1] = HEX_PAIRS[b[i]];
  return BigInt(utf8.decode(text));
}

/** Go's `big.Int` (the value type); most Go code uses `*big.Int`: see {@linkcode bigInt}. */
export const bigIntValue: Type<bigint> = /* @__PURE__ */ gobEncoder<bigint>("math/big.Int", {
  encode: (v) => {
    if (typeof v !== "bigint") throw new GobError("encode", "big.Int value must be a bigint");
    const mag = magnitudeBytes(v < 0n ? -v : v);
    const out = new Uint8Array(mag.length + 1);
    out[0] = (1 << 1) | (v < 0n ? 1 : 0);
    out.set(mag, 1);
    return out;
  },
  decode: (b) => {
    if (b.length === 0) return 0n;
    if (b[0] >> 1 !== 1) bad(`Int.GobDecode: encoding version ${b[0] >> 1} not supported`);
    const mag = bytesMagnitude(b.subarray(1));
    return b[0] & 1 ? -mag : mag;
  },
  zero: () => 0n,
});

/** Go's `*big.Int` as a `bigint` (`null` is a nil pointer). */
export const bigInt: Type<bigint | null> = /* @__PURE__ */ ptr(bigIntValue);

/** A rational number: numerator and (positive) denominator. */
export interface Rational {
  /** Numerator (carries the sign). */
  num: bigint;
  /** Denominator, positive. */
  den: bigint;
}

/** Go's `big.Rat` (the value type); see {@linkcode bigRat}. */
export const bigRatValue: Type<Rational> = /* @__PURE__ */ gobEncoder<Rational>("math/big.Rat", {
  encode: (v) => {
    if (typeof v?.num !== "bigint" || typeof v?.den !== "bigint" || v.den <= 0n) {
      throw new GobError("encode", "big.Rat value must be {num: bigint, den: bigint > 0}");
    }
    const num = magnitudeBytes(v.num < 0n ? -v.num : v.num);
    const den = magnitudeBytes(v.den);
    const out = new Uint8Array(5 + num.length + den.length);
    out[0] = (1 << 1) | (v.num < 0n ? 1 : 0);
    new DataView(out.buffer).setUint32(1, num.length);
    out.set(num, 5);
    out.set(den, 5 + num.length);
    return out;
  },
  decode: (b) => {
    if (b.length === 0) return { num: 0n, den: 1n };
    if (b.length < 5) bad("Rat.GobDecode: buffer too small");
    if (b[0] >> 1 !== 1) bad(`Rat.GobDecode: encoding version ${b[0] >> 1} not supported`);
    const n = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(1);
    if (5 + n > b.length) bad("Rat.GobDecode: invalid length");
    const num = bytesMagnitude(b.subarray(5, 5 + n));
    const den = bytesMagnitude(b.subarray(5 + n));
    return { num: b[0] & 1 ? -num : num, den: den === 0n ? 1n : den };
  },
  zero: () => ({ num: 0n, den: 1n }),
});

/** Go's `*big.Rat` (`null` is a nil pointer). */
export const bigRat: Type<Rational | null> = /* @__PURE__ */ ptr(bigRatValue);

/**
 * A codec that keeps a custom encoding as its bytes: decoding gives what the
 * Go type's GobEncode / MarshalBinary wrote, encoding sends the bytes back
 * unchanged. `null` (a field that was not sent) is not sent. Generated
 * descriptors use it for marshaler types until given a real codec.
 */
export const encodedBytes: MarshalerCodec<Uint8Array | null> = {
  encode: (v) => {
    if (!(v instanceof Uint8Array)) {
      throw new GobError("encode", "custom-encoded value must be a Uint8Array of its encoding");
    }
    return v;
  },
  decode: (b) => b.slice(),
};
