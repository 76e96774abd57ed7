/**
 * `deno task gob dump --types=ts`: descriptors from a stream's own type
 * definitions (names as sent, field kinds as on the wire), for when there is
 * no Go source. They are committed (tests/tools/gobgen/zoo_wire_types.ts),
 * regenerated here, and decode tests/go/cmd/gobzoo's stream to the same
 * values: re-encoded with them, it reads back as the same JSON lines.
 */

import assert from "node:assert/strict";
import { Decoder, Encoder, GobError, registerName, t } from "../../gob/mod.ts";
import { goTest, runGo } from "../_support/go.ts";
import * as wire from "./gobgen/zoo_wire_types.ts";
import { assertGolden, cli, concat, decodeSequence } from "./_gobgen.ts";

const PKG_PATH = "gopherless.test/peers/internal/gob-zoo";

goTest("dump --types=ts writes the committed descriptors for Go's stream", async () => {
  const goBytes = await runGo("cmd/gobzoo");
  const out = await cli(["dump", "--types=ts", "--import", "../../../gob/mod.ts", "-"], goBytes);
  assert.equal(out.code, 0, out.stderr);
  await assertGolden("zoo_wire_types.ts", out.stdout);
  assert.match(out.stdout, /^\/\/ From the type definitions of the gob stream standard input\.$/m);
});

goTest("dump --types=ts descriptors decode the stream they came from", async () => {
  const goBytes = await runGo("cmd/gobzoo");
  // The stream names interface values' types only as registered; the user
  // registers the wire descriptors under those names.
  registerName(`${PKG_PATH}.Circle`, wire.Circle);
  registerName("*zoo.Square", t.ptr(wire.Square));
  registerName(`${PKG_PATH}.Kind`, t.named(`${PKG_PATH}.Kind`, t.int));
  registerName(`${PKG_PATH}.Tags`, wire.Tags);
  registerName(`${PKG_PATH}/geo.v2.Coord`, wire.Coord);
  // Top-level values by their wire types (Kind is sent as a plain int).
  const types = [
    wire.Everything,
    wire.Everything,
    wire.Node,
    wire.Tree,
    wire.Index,
    t.int,
    wire.Money,
    wire.Everything,
    wire.Everything,
  ] as t.Type<unknown>[];
  const values = decodeSequence(goBytes, types);
  const full = values[0] as wire.Everything;
  assert.equal(full.Kind, 3); // field kinds as on the wire: Go's int8 arrives as an int
  assert.deepEqual(full.Shape, {
    name: `${PKG_PATH}.Circle`,
    value: { Center: { X: 1, Y: 1 }, R: 2 },
  });
  // A custom encoding stays its bytes: time.Time's MarshalBinary, version 1 (UTC).
  assert.ok(full.When instanceof Uint8Array);
  assert.equal(full.When[0], 1);
  assert.equal(full.Root.Next?.Val, 2); // the wire has no pointers; recursion needs one
  const enc = new Encoder();
  const again = concat(values.map((v, i) => enc.marshal(types[i], v)));
  assert.deepEqual(decodeSequence(again, types), values);
  // Read without descriptors, the two streams hold the same values. Only the
  // name of a custom-encoded type Go sent without one (*big.Int, *big.Rat)
  // differs: an unnamed descriptor is spelled like Go's unnamed struct.
  const unnamed = (line: string) => line.replaceAll('"type":"struct {}"', '"type":""');
  const goLines = await jsonLines(goBytes);
  assert.equal(goLines.length, types.length);
  assert.deepEqual((await jsonLines(again)).map(unnamed), goLines);
});

/** Every value of the stream as JSON; only a clean end of stream ends it. */
async function jsonLines(bytes: Uint8Array): Promise<string[]> {
  const dec = new Decoder(bytes);
  const out: string[] = [];
  for (;;) {
    try {
      out.push(await dec.decodeJSON());
    } catch (e) {
      if (e instanceof GobError && e.code === "eof") return out;
      throw e;
    }
  }
}
