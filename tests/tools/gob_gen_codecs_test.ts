/**
 * `deno task gob gen --codecs MODULE --bigint`: the custom-encoded types of
 * tests/go/internal/gob-zoo take the user's codecs (tests/tools/gobgen/
 * zoo_codecs.ts) and int64/uint64 are bigints, so Go's full-range values
 * (`gobzoo -big64`) decode and re-encode to Go's bytes exactly. (A file of its
 * own: its descriptors register the same Go names as zoo_types.ts's.)
 */

import assert from "node:assert/strict";
import { Encoder, register, t } from "../../gob/mod.ts";
import { goTest, runGo } from "../_support/go.ts";
import * as zoo from "./gobgen/zoo_types_codecs.ts";
import { concat, decodeSequence, hex, STREAM_ORDER } from "./_gobgen.ts";

goTest("descriptors with codecs and bigints round-trip Go's stream byte for byte", async () => {
  register(zoo.Circle);
  register(t.ptr(zoo.Square));
  register(zoo.Kind);
  register(zoo.Tags);
  register(zoo.geo_Coord);
  const goBytes = await runGo("cmd/gobzoo", ["-big64"]);
  const types = STREAM_ORDER.map((name) => zoo[name] as t.Type<unknown>);
  const values = decodeSequence(goBytes, types);

  const full = values[0] as zoo.Everything;
  assert.equal(full.I64, -(2n ** 63n));
  assert.equal(full.U64, 2n ** 64n - 1n);
  assert.equal(full.Money, 1999n);
  assert.equal(full.MoneyP, -5n);
  assert.deepEqual(full.Ver, { major: 1, minor: 26 });
  const zero = values[1] as zoo.Everything;
  assert.equal(zero.Money, 0n); // a zero Money (value receiver) is not sent
  assert.deepEqual(zero.Ver, { major: 0, minor: 0 }); // a pointer receiver's is
  assert.equal(values[6], 250n);

  const enc = new Encoder();
  assert.equal(hex(concat(values.map((v, i) => enc.marshal(types[i], v)))), hex(goBytes));
});
