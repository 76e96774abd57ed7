/**
 * The checksum of POSIX `cksum` (CRC-32 with polynomial 0x04C11DB7, most significant bit first,
 * the length appended, inverted): what the `--runtime deno` launcher can check a shipped file
 * against with a tool every Linux has, at the speed of CRC-32.
 *
 * @example
 * ```ts
 * import { cksum } from "./cksum.ts";
 * cksum(new TextEncoder().encode("hello\n")); // 3015617425, as `printf 'hello\n' | cksum`
 * ```
 *
 * @module
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** The POSIX `cksum` checksum of `data` (the first number `cksum` prints). */
export function cksum(data: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < data.length; i++) {
    crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ data[i]) & 0xff]) >>> 0;
  }
  // The length, least significant byte first, as few bytes as it takes.
  for (let n = data.length; n > 0; n = Math.floor(n / 256)) {
    crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ n) & 0xff]) >>> 0;
  }
  return ~crc >>> 0;
}
