import assert from "node:assert/strict";
import { VERSION } from "../../protocol/version.ts";
import { USER_AGENT } from "../../runtime/runtime_api.ts";
import { GOPHERLESS_VERSION } from "../../packaging/layer.ts";

Deno.test("version: the code's one VERSION is deno.json's version, and names the runtime and the layer", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { version: string };
  assert.equal(VERSION, config.version);
  assert.ok(USER_AGENT.startsWith(`gopherless/${config.version} `), USER_AGENT);
  assert.equal(GOPHERLESS_VERSION, config.version);
});
