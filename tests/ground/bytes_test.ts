import assert from "node:assert/strict";
import { concat, crc32, decodeBase64, encodeBase64 } from "../../ground/bytes.ts";

const enc = new TextEncoder();
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("concat: joins parts; a single part is returned as is", () => {
  const a = Uint8Array.of(1, 2);
  const b = Uint8Array.of(3);
  assert.deepEqual(concat([a, b]), Uint8Array.of(1, 2, 3));
  assert.deepEqual(concat([a, new Uint8Array(0), b], 3), Uint8Array.of(1, 2, 3));
  assert.deepEqual(concat([]), new Uint8Array(0));
  assert.equal(concat([a]), a);
});

Deno.test("base64: RFC 4648 vectors, every byte value, and input past one 32 KiB slice", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ];
  for (const [plain, b64] of vectors) {
    assert.equal(encodeBase64(enc.encode(plain)), b64);
    assert.deepEqual(decodeBase64(b64), enc.encode(plain));
  }
  assert.deepEqual(decodeBase64(encodeBase64(ALL_BYTES)), ALL_BYTES);
  const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31) & 0xff);
  assert.deepEqual(decodeBase64(encodeBase64(big)), big);
  // Whitespace is skipped, padding optional (forgiving base64).
  assert.deepEqual(decodeBase64(" Zm9v\r\nYmE "), enc.encode("fooba"));
  assert.throws(() => decodeBase64("Zm9v!"), SyntaxError);
  assert.throws(() => decodeBase64("Z"), SyntaxError);
});

Deno.test("base64: the fallback (no Uint8Array.fromBase64/toBase64, as on Node 20) agrees", async () => {
  // A fresh process where the platform methods are removed before the module loads.
  const url = new URL("../../ground/bytes.ts", import.meta.url).href;
  const code = `
    delete Uint8Array.prototype.toBase64;
    delete Uint8Array.fromBase64;
    const { encodeBase64, decodeBase64 } = await import(${JSON.stringify(url)});
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const big = Uint8Array.from({ length: 100003 }, (_, i) => (i * 31) & 0xff);
    let bad = "accepted";
    try { decodeBase64("Zm9v!"); } catch (e) { bad = e.name; }
    console.log(JSON.stringify({
      all: encodeBase64(all),
      big: encodeBase64(big),
      back: Array.from(decodeBase64(encodeBase64(all))),
      ws: Array.from(decodeBase64(" Zm9v\\r\\nYmE ")),
      bad,
    }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const got = JSON.parse(new TextDecoder().decode(out.stdout));
  const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31) & 0xff);
  assert.equal(got.all, encodeBase64(ALL_BYTES));
  assert.equal(got.big, encodeBase64(big));
  assert.deepEqual(got.back, Array.from(ALL_BYTES));
  assert.deepEqual(got.ws, Array.from(enc.encode("fooba")));
  assert.equal(got.bad, "SyntaxError");
});

Deno.test("crc32: the standard check value", () => {
  assert.deepEqual(crc32(enc.encode("123456789")), 0xcbf43926);
  assert.deepEqual(crc32(new Uint8Array()), 0);
  // continuing a CRC over a second chunk equals the CRC of the whole
  assert.deepEqual(crc32(enc.encode("56789"), crc32(enc.encode("1234"))), 0xcbf43926);
});
