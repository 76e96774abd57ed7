import assert from "node:assert/strict";
import { goEscape, goJSON } from "../../ground/go_json.ts";

Deno.test("goJSON: Go's HTML-safe escaping of <, >, &, U+2028 and U+2029", () => {
  assert.equal(goJSON({ s: "<a>&\u2028\u2029é" }), '{"s":"\\u003ca\\u003e\\u0026\\u2028\\u2029é"}');
  assert.equal(goJSON("plain"), '"plain"');
  assert.equal(goEscape('{"k":"a<b"}'), '{"k":"a\\u003cb"}');
});
