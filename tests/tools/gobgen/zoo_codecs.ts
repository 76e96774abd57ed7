/**
 * Codecs for the custom-encoded types of tests/go/internal/gob-zoo, as a user
 * writes them for `deno task gob gen --codecs` (see zoo_types_codecs.ts).
 *
 * @module
 */

import { GobError, type MarshalerCodec } from "../../../gob/mod.ts";

/** `zoo.Money`: GobEncode writes the cents as decimal text (value receiver: zero is omitted). */
export const Money: MarshalerCodec<bigint> = {
  encode: (cents) => new TextEncoder().encode(String(cents)),
  decode: (bytes) => BigInt(new TextDecoder().decode(bytes)),
  isZero: (cents) => cents === 0n,
  zero: () => 0n,
};

/** A `zoo.Version`. */
export interface Version {
  /** Major version. */
  major: number;
  /** Minor version. */
  minor: number;
}

/** `zoo.Version`: MarshalBinary writes two big-endian uint16 (pointer receiver: always sent). */
export const Version: MarshalerCodec<Version> = {
  encode: (v) => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint16(0, v.major);
    new DataView(out.buffer).setUint16(2, v.minor);
    return out;
  },
  decode: (bytes) => {
    if (bytes.length !== 4) throw new GobError("corrupt", "version: want 4 bytes");
    const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
    return { major: view.getUint16(0), minor: view.getUint16(2) };
  },
  isZero: () => false,
  zero: () => ({ major: 0, minor: 0 }),
};
