/**
 * One hostile-input case, run in a child process with a capped heap by
 * `hostile_test.ts`: if a decode amplified its input, the child (not the test
 * runner) would die. Prints one JSON line: the outcome and the heap in use.
 *
 *   deno run -A --v8-flags=--max-old-space-size=N tests/gob/_hostile_child.ts CASE [FILE]
 *
 * @module
 */

import { RequestType } from "../../rpc/gob_codec.ts";
import { decode, Decoder, GobError, t } from "../../gob/mod.ts";
import { arrayAmplifier, headerAmplifier, structAmplifier } from "./_hostile.ts";

const Point = t.struct("Point", { X: t.int, Y: t.int });
const [name, file] = Deno.args;

const streams: Record<string, () => Uint8Array> = {
  struct: () => structAmplifier(40),
  array: () => arrayAmplifier(1 << 24),
  header: () => headerAmplifier(40),
  empties: () => Deno.readFileSync(file),
  bigint: () => Deno.readFileSync(file),
};
const [stream, how] = name.split(":");
const bytes = streams[stream]();

async function run(): Promise<unknown> {
  switch (how) {
    case "point":
      return decode(bytes, Point);
    case "request":
      return decode(bytes, RequestType);
    case "plain": {
      const v = decode(bytes);
      return Array.isArray(v) ? { length: v.length, allSame: v.every((x) => x === v[0]) } : v;
    }
    case "json":
      return await new Decoder(bytes).decodeJSON();
    case "skip":
      await new Decoder(bytes).skip();
      return "skipped";
    case "bigint": {
      const v = decode(bytes, t.bigInt, { maxMessageSize: 1 << 30 });
      return `${v!.toString(2).length} bits`;
    }
  }
  throw new Error(`unknown case ${name}`);
}

let out: Record<string, unknown>;
try {
  out = { ok: true, value: await run() };
} catch (e) {
  if (!(e instanceof GobError)) throw e;
  out = { ok: false, code: e.code, message: e.message };
}
out.heapMiB = Math.round(Deno.memoryUsage().heapUsed / (1 << 20));
console.log(JSON.stringify(out));
