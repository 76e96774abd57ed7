/**
 * The hash the `--runtime deno` launcher checks the shipped start-up cache against before it
 * copies it (`packaging/native/start.c`, whose `cache_hash` this is): four 32-bit
 * multiply-xorshift lanes over the little-endian 32-bit words (word k in lane k mod 4), the bytes
 * past the last whole 16 one at a time in the first lane, the lanes folded in pairs into 16
 * lowercase hex digits. It is for damage (a flipped bit, a file cut short), not for an adversary:
 * whoever can change the package can change its launcher too. In C it runs at several GB/s, some
 * 0.2 ms for a 1.6 MB cache, where a CRC-32 a byte at a time took several.
 *
 * @example
 * ```ts
 * import { cacheHash } from "./cache_hash.ts";
 * cacheHash(new Uint8Array(0)); // "3002bb0b6ec4edbf"
 * ```
 *
 * @module
 */

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;

/** The hash of `data` (see the module docs). */
export function cacheHash(data: Uint8Array): string {
  const n = data.length;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // The high 32 bits of a length: lengths past 2^32 are seeded as C seeds them.
  let a = (0x9e3779b9 ^ n) >>> 0;
  let b = (0x85ebca6b ^ Math.floor(n / 0x1_0000_0000)) >>> 0;
  let c = 0xc2b2ae35;
  let d = 0x27d4eb2f;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    a = Math.imul(a ^ view.getUint32(i, true), 0x9e3779b1);
    a = (a ^ (a >>> 15)) >>> 0;
    b = Math.imul(b ^ view.getUint32(i + 4, true), 0xc2b2ae35);
    b = (b ^ (b >>> 13)) >>> 0;
    c = Math.imul(c ^ view.getUint32(i + 8, true), 0x85ebca6b);
    c = (c ^ (c >>> 16)) >>> 0;
    d = Math.imul(d ^ view.getUint32(i + 12, true), 0x27d4eb2f);
    d = (d ^ (d >>> 15)) >>> 0;
  }
  for (; i < n; i++) {
    a = Math.imul(a ^ data[i], 0x9e3779b1);
    a = (a ^ (a >>> 15)) >>> 0;
  }
  const hi = (a ^ rotl(c, 16)) >>> 0;
  const lo = (b ^ rotl(d, 16)) >>> 0;
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}
