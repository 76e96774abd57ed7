/**
 * Encodes the performance guard's streams in a fresh process and prints
 * `{ name: [hex of each Encode call] }` as JSON (a SHA-256 digest for messages
 * over 4 KiB). Used by `perf_guard_test.ts`:
 *
 *   deno run -A tests/gob/_perf_guard_encode.ts
 *
 * @module
 */

import { Encoder } from "../../gob/mod.ts";
import { guardStreams } from "./_perf_guard_values.ts";

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

async function sha256(b: Uint8Array): Promise<string> {
  return "sha256:" +
    toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", b as Uint8Array<ArrayBuffer>)));
}

const out: Record<string, string[]> = {};
for (const [name, steps] of Object.entries(guardStreams())) {
  const enc = new Encoder();
  out[name] = [];
  for (const s of steps) {
    const bytes = enc.marshal(s.type, s.value);
    out[name].push(bytes.length > 4096 ? await sha256(bytes) : toHex(bytes));
  }
}
console.log(JSON.stringify(out, null, 2));
