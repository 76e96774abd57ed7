/**
 * Plans start as closures and are generated after {@linkcode GENERATE_AFTER} runs: every value
 * of the golden cases, encoded and decoded again and again with one encoder and one decoder,
 * gives the same bytes and the same value before its plans are generated and after.
 */

import assert from "node:assert/strict";
import { Encoder, PushDecoder } from "../../gob/mod.ts";
import { GENERATE_AFTER, tiered } from "../../gob/codegen.ts";
import { cases } from "./_cases.ts";

const ROUNDS = 2 * GENERATE_AFTER + 1;

Deno.test("tiered: a plan runs as closures, then as the generated plan, from its Nth run", () => {
  const ran: string[] = [];
  let generated = 0;
  const plan = tiered((x: number) => {
    ran.push(`closures ${x}`);
    return x;
  }, () => {
    generated++;
    return (x: number) => {
      ran.push(`generated ${x}`);
      return x;
    };
  });
  for (let i = 1; i <= GENERATE_AFTER + 1; i++) assert.equal(plan(i), i);
  assert.equal(generated, 1);
  assert.deepEqual(ran, [
    ...Array.from({ length: GENERATE_AFTER - 1 }, (_, i) => `closures ${i + 1}`),
    `generated ${GENERATE_AFTER}`,
    `generated ${GENERATE_AFTER + 1}`,
  ]);
});

Deno.test("tiered: every golden value has the same bytes and value before and after generation", () => {
  for (const [name, make] of Object.entries(cases)) {
    const steps = make().steps.filter((st) => !st.noEncode);
    const enc = new Encoder();
    const dec = new PushDecoder();
    let sent: Uint8Array[] | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      const bytes = steps.map((st) => enc.marshal(st.type, st.value));
      // The first round also sends the type definitions; from the second on, only values.
      if (round === 1) sent = bytes;
      if (round > 1) {
        for (let i = 0; i < steps.length; i++) {
          assert.deepEqual(bytes[i], sent![i], `${name} value #${i}, round ${round}`);
        }
      }
      for (let i = 0; i < steps.length; i++) {
        const st = steps[i];
        dec.push(bytes[i]);
        const got = dec.next(st.type);
        assert.ok(got !== null, `${name} value #${i}, round ${round}: incomplete`);
        assert.deepStrictEqual(
          got.value,
          "expect" in st ? st.expect : st.value,
          `${name} value #${i}, round ${round}`,
        );
      }
    }
  }
});
