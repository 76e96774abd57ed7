/**
 * A V8 code cache's header: the flag hash is taken over only between caches of one source made
 * by one V8, and only from headers laid out as expected.
 */
import assert from "node:assert/strict";
import { withFlagHashOf } from "../../packaging/v8_code_cache.ts";

/** A cache of `payload` bytes with the given header words (magic, version, source, flags, ro). */
function cache(words: number[], payload = 16): Uint8Array {
  const out = new Uint8Array(32 + payload);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  view.setUint32(20, payload, true);
  out.fill(0xab, 32);
  return out;
}

Deno.test("withFlagHashOf: takes the reference's flag hash and keeps everything else", () => {
  const eager = cache([0xc0de06b5, 1, 2, 0x5f5267f5, 3], 64);
  const lazy = cache([0xc0de06b5, 1, 2, 0x413496a9, 3], 16);
  const out = withFlagHashOf(eager, lazy)!;
  assert.equal(new DataView(out.buffer).getUint32(12, true), 0x413496a9);
  assert.deepEqual(out.subarray(0, 12), eager.subarray(0, 12));
  assert.deepEqual(out.subarray(16), eager.subarray(16));
  assert.equal(new DataView(eager.buffer).getUint32(12, true), 0x5f5267f5, "input untouched");
});

Deno.test("withFlagHashOf: another V8, another source or an unknown layout is refused", () => {
  const lazy = cache([0xc0de06b5, 1, 2, 9, 3]);
  assert.equal(withFlagHashOf(cache([0xc0de06b6, 1, 2, 8, 3]), lazy), undefined, "magic");
  assert.equal(withFlagHashOf(cache([0xc0de06b5, 7, 2, 8, 3]), lazy), undefined, "version");
  assert.equal(withFlagHashOf(cache([0xc0de06b5, 1, 5, 8, 3]), lazy), undefined, "source");
  assert.equal(withFlagHashOf(cache([0xc0de06b5, 1, 2, 8, 4]), lazy), undefined, "snapshot");
  const badLength = cache([0xc0de06b5, 1, 2, 8, 3]);
  new DataView(badLength.buffer).setUint32(20, 15, true);
  assert.equal(withFlagHashOf(badLength, lazy), undefined, "payload length");
  assert.equal(withFlagHashOf(new Uint8Array(8), lazy), undefined, "too short");
});
