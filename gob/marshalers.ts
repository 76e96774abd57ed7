/**
 * Ready-made descriptors for Go types with custom gob encodings:
 * `time.Time`, `*big.Int` and `*big.Rat`.
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

  /** Go's zero time, 0001-01-01 00:00:00 UTC. */
  static readonly zero: GoTime = new GoTime(-UNIX_TO_INTERNAL);

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

  /** The same instant as a `Date` (nanoseconds truncated to milliseconds). */
  toDate(): Date {
    return new Date(Number(this.unixSeconds) * 1000 + Math.floor(this.nanoseconds / 1_000_000));
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

  /** RFC 3339 text with nanoseconds, as Go prints it with `time.RFC3339Nano`. */
  toString(): string {
    const off = this.zoneOffset ?? 0;
    const local = new Date((Number(this.unixSeconds) + off) * 1000);
    const iso = local.toISOString().slice(0, 19);
    const frac = this.nanoseconds === 0
      ? ""
      : "." + String(this.nanoseconds).padStart(9, "0").replace(/0+$/, "");
    if (this.zoneOffset === null) return `${iso}${frac}Z`;
    const sign = off < 0 ? "-" : "+";
    const a = Math.abs(off);
    const hh = String(Math.floor(a / 3600)).padStart(2, "0");
    const mm = String(Math.floor((a % 3600) / 60)).padStart(2, "0");
    return `${iso}${frac}${sign}${hh}:${mm}`;
  }
}

/** Go's `time.Time`, exactly, as a {@linkcode GoTime}. */
export const time: Type<GoTime> = gobEncoder<GoTime>("time.Time", {
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
export const date: Type<Date> = gobEncoder<Date>("time.Time", {
  encode: (v) => {
    if (!(v instanceof Date)) throw new GobError("encode", "time.Time value must be a Date");
    return GoTime.fromDate(v).marshalBinary();
  },
  decode: (b) => GoTime.unmarshalBinary(b).toDate(),
  isZero: (v) => v.getTime() === ZERO_DATE_MS,
  zero: () => new Date(ZERO_DATE_MS),
});

function magnitudeBytes(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  let hex = x.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesMagnitude(b: Uint8Array): bigint {
  let hex = "";
  for (const x of b) hex += x.toString(16).padStart(2, "0");
  return hex === "" ? 0n : BigInt("0x" + hex);
}

/** Go's `big.Int` (the value type); most Go code uses `*big.Int`: see {@linkcode bigInt}. */
export const bigIntValue: Type<bigint> = gobEncoder<bigint>("math/big.Int", {
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
export const bigInt: Type<bigint | null> = ptr(bigIntValue);

/** A rational number: numerator and (positive) denominator. */
export interface Rational {
  /** Numerator (carries the sign). */
  num: bigint;
  /** Denominator, positive. */
  den: bigint;
}

/** Go's `big.Rat` (the value type); see {@linkcode bigRat}. */
export const bigRatValue: Type<Rational> = gobEncoder<Rational>("math/big.Rat", {
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
export const bigRat: Type<Rational | null> = ptr(bigRatValue);

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
