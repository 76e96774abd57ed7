/**
 * Encodes one golden case in a FRESH process (type ids are process-wide, as in
 * Go) and prints `{"name","warm","parts"}` as JSON. Used by golden_test.ts:
 *
 *   deno run -A tests/gob/_encode_case.ts CASE_NAME
 *
 * @module
 */

import { Encoder } from "../../gob/mod.ts";
import { cases } from "./_cases.ts";

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const name = Deno.args[0];
const mk = cases[name];
if (!mk) {
  console.error(`unknown case ${name}`);
  Deno.exit(2);
}
const c = mk();
let warm = "";
if (c.warm) {
  const w = new Encoder();
  for (const st of c.warm) warm += toHex(w.marshal(st.type, st.value));
}
const enc = new Encoder();
const parts: string[] = [];
for (const st of c.steps) parts.push(toHex(enc.marshal(st.type, st.value)));
console.log(JSON.stringify({ name, warm, parts }));
