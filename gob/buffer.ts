/**
 * The growable output buffer the encoder writes gob's primitives into.
 *
 * Every message buffer starts with {@linkcode SPACE_FOR_LENGTH} reserved bytes
 * so its length prefix can be written in place when the message is done, as
 * Go's encoder does; no message is ever copied to be prefixed.
 *
 * @module
 */

/** Bytes reserved at the head of each message buffer for its length (Go's `maxLength`). */
export const SPACE_FOR_LENGTH = 9;

/**
 * The size from which a write larger than the buffer grows it to what it needs (and
 * {@linkcode LARGE_SLACK} for what follows) rather than to the next power of two: a payload of
 * megabytes costs one buffer of about its size, not one of up to twice it.
 */
const LARGE_WRITE = 64 * 1024;
/** Room left after a large write for the rest of its message (the fields after a payload). */
const LARGE_SLACK = 16 * 1024;

const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);
const utf8 = new TextEncoder();
const TWO_32 = 2 ** 32;

/** A growable byte buffer with gob's encodings of unsigned, signed, float and string values. */
export class EncBuffer {
  /** The bytes written; valid up to `len`. */
  buf: Uint8Array;
  /** Number of bytes written. */
  len = 0;

  /** Creates a buffer with the given initial capacity. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    // At least doubled either way, so a buffer filled by many writes is copied a bounded number
    // of times.
    if (n >= LARGE_WRITE && need > cap) cap = need + LARGE_SLACK;
    else while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Empties the buffer, keeping the reserved space for a length prefix. */
  resetMessage(): void {
    this.len = SPACE_FOR_LENGTH;
  }

  /** Appends raw bytes. */
  write(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Appends one byte. */
  byte(b: number): void {
    if (this.len >= this.buf.length) this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Appends an unsigned integer (a non-negative safe integer) in gob's encoding. */
  uint(u: number): void {
    if (u < 0x80) {
      if (this.len >= this.buf.length) this.ensure(1);
      this.buf[this.len++] = u;
      return;
    }
    this.ensure(9);
    const buf = this.buf;
    if (u < TWO_32) {
      const n = u < 0x100 ? 1 : u < 0x10000 ? 2 : u < 0x1000000 ? 3 : 4;
      buf[this.len++] = 256 - n;
      for (let k = (n - 1) * 8; k >= 0; k -= 8) buf[this.len++] = (u >>> k) & 0xff;
      return;
    }
    const hi = Math.floor(u / TWO_32);
    const lo = u >>> 0;
    const nh = hi < 0x100 ? 1 : hi < 0x10000 ? 2 : hi < 0x1000000 ? 3 : 4;
    buf[this.len++] = 256 - (nh + 4);
    for (let k = (nh - 1) * 8; k >= 0; k -= 8) buf[this.len++] = (hi >>> k) & 0xff;
    buf[this.len++] = lo >>> 24;
    buf[this.len++] = (lo >>> 16) & 0xff;
    buf[this.len++] = (lo >>> 8) & 0xff;
    buf[this.len++] = lo & 0xff;
  }

  /** Appends an unsigned 64-bit integer given as a bigint. */
  uintBig(u: bigint): void {
    if (u <= 0x1fffffffffffffn) {
      this.uint(Number(u));
      return;
    }
    scratch.setBigUint64(0, u);
    let k = 0;
    while (scratchBytes[k] === 0) k++; // u > 2^53, so k < 2
    this.ensure(9);
    this.buf[this.len++] = 256 - (8 - k);
    this.buf.set(scratchBytes.subarray(k), this.len);
    this.len += 8 - k;
  }

  /** Appends a signed integer (a safe integer) in gob's zig-zag encoding. */
  int(i: number): void {
    if (i >= 0) {
      if (i < 0x40) {
        if (this.len >= this.buf.length) this.ensure(1);
        this.buf[this.len++] = i << 1;
      } else this.uint(i * 2);
    } else if (i >= -0x10000000000000) {
      this.uint(-i * 2 - 1);
    } else {
      this.intBig(BigInt(i));
    }
  }

  /** Appends a signed 64-bit integer given as a bigint. */
  intBig(i: bigint): void {
    this.uintBig(i < 0n ? ((-i - 1n) << 1n) | 1n : i << 1n);
  }

  /**
   * Appends a float in gob's byte-reversed encoding. JavaScript has one NaN;
   * a float64 NaN is sent with the bits of Go's `math.NaN()`, a float32 one
   * (`goNaN` false) with the quiet NaN Go's float32 conversion leaves.
   */
  float(f: number, goNaN = true): void {
    if (f !== f && goNaN) {
      scratch.setBigUint64(0, 0x7ff8000000000001n, true);
    } else scratch.setFloat64(0, f, true);
    let k = 0;
    while (k < 8 && scratchBytes[k] === 0) k++;
    if (k === 8) {
      this.byte(0);
      return;
    }
    this.ensure(9);
    if (k === 7 && scratchBytes[7] < 0x80) {
      this.buf[this.len++] = scratchBytes[7];
      return;
    }
    this.buf[this.len++] = 256 - (8 - k);
    for (; k < 8; k++) this.buf[this.len++] = scratchBytes[k];
  }

  /** Appends a length-prefixed UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    if (n < 128) {
      // ASCII fast path: one length byte, one byte per char.
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.len;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[start] = n;
        this.len = p;
        return;
      }
    }
    // General path: encode after the largest possible prefix, then close the gap.
    this.ensure(n * 3 + SPACE_FOR_LENGTH);
    const at = this.len + SPACE_FOR_LENGTH;
    const { written } = utf8.encodeInto(s, this.buf.subarray(at));
    this.uint(written);
    if (this.len !== at) this.buf.copyWithin(this.len, at, at + written);
    this.len += written;
  }

  /** Appends length-prefixed bytes. */
  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.write(b);
  }
}
