/**
 * Byte-array helpers every floor uses: {@link concat}, base64 both ways, CRC-32 and
 * {@link releaseBuffer}.
 *
 * Base64 goes through the platform's `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64`
 * where they exist (Deno, recent V8), and through `btoa`/`atob` elsewhere (Node 20, the oldest
 * Node the npm package supports): one fallback, here, for the whole library.
 *
 * @module
 */

/**
 * The concatenation of `parts`, `total` bytes long (computed when omitted). A single part is
 * returned as it is, not copied; otherwise the result is a new array.
 */
export function concat(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  if (total === undefined) {
    total = 0;
    for (const p of parts) total += p.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The platform's base64 methods (ES2026), absent on older engines such as Node 20. */
interface NativeBase64 {
  fromBase64?: (text: string) => Uint8Array;
}
interface NativeBase64Bytes {
  toBase64?: () => string;
}

const nativeFrom = (Uint8Array as NativeBase64).fromBase64;
const nativeTo = (new Uint8Array(0) as NativeBase64Bytes).toBase64;

/** Standard base64 (RFC 4648 §4, padded) of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  if (nativeTo) return nativeTo.call(bytes);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * The bytes of standard base64 `text`. ASCII whitespace is ignored and padding is optional (the
 * "forgiving" decoding of `atob` and `fromBase64`). Throws `SyntaxError` when malformed.
 */
export function decodeBase64(text: string): Uint8Array {
  try {
    if (nativeFrom) return nativeFrom(text);
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch (e) {
    throw new SyntaxError(`malformed base64: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 (IEEE 802.3, as ZIP, gzip and AWS's event-stream framing use) of `data`,
 * continuing from `crc`.
 */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  const t = CRC_TABLE;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The size from which {@linkcode releaseBuffer} frees a buffer by default. */
export const RELEASE_MIN = 64 * 1024;

/**
 * Frees the memory of `b`'s buffer now, when `b` is at least `min` bytes and most of that buffer:
 * detaches it (`ArrayBuffer.prototype.transfer(0)`), which frees its memory at once, where a dead
 * ArrayBuffer waits for the garbage collector (for large ones, until the process's ArrayBuffers
 * have grown by tens of MB: enough for a 128 MB function with 6 MB events to outgrow its memory).
 * Every view of the buffer becomes empty, so only for a buffer no one else holds a view of. A
 * no-op where the platform cannot detach (Node before 21), and for a shared or detached buffer.
 * Returns whether it freed the buffer.
 */
export function releaseBuffer(b: Uint8Array, min: number = RELEASE_MIN): boolean {
  const buffer = b.buffer as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer };
  if (
    b.length < min || b.length * 2 < buffer.byteLength || typeof buffer.transfer !== "function" ||
    !(buffer instanceof ArrayBuffer)
  ) return false;
  buffer.transfer(0);
  return true;
}
