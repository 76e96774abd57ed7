/**
 * Go type names on descriptors: how a qualified name splits into package path
 * and type name, names given in parts (`GoTypeName`) and defined scalar types
 * (`t.named`), as `register` and the wire spell them.
 */

import assert from "node:assert/strict";
import { decode, encode, register, t } from "../../gob/mod.ts";

Deno.test("a qualified name splits at the last dot before any type arguments", () => {
  const node = t.struct("gopkg.in/yaml.v3.Node", { V: t.int }) as unknown as {
    pkgPath: string;
    name: string;
  };
  assert.equal(node.pkgPath, "gopkg.in/yaml.v3");
  assert.equal(node.name, "Node");
  const box = t.struct("example.com/geo.Box[example.com/x.Y]", { V: t.int });
  assert.equal(box.name, "Box[example.com/x.Y]");
  assert.equal(String(box), "geo.Box[example.com/x.Y]");
  assert.equal(t.struct("Point", {}).toString(), "main.Point");
});

Deno.test("a name in parts keeps a package name that is not the path's last element", () => {
  const Node = t.struct({ pkgPath: "gopkg.in/yaml.v3", pkgName: "yaml", name: "Node" }, {
    V: t.int,
  });
  assert.equal(String(Node), "yaml.Node");
  assert.equal(String(t.slice(Node)), "[]yaml.Node");
  assert.equal(register(Node), "gopkg.in/yaml.v3.Node");
  // Go registers a pointer by its type string (as gob.Register(&yaml.Node{}) does).
  const Doc = t.struct({ pkgPath: "gopkg.in/yaml.v3", pkgName: "yaml", name: "Doc" }, {});
  assert.equal(register(t.ptr(Doc)), "*yaml.Doc");
});

Deno.test("t.named: a defined scalar type is registered and spelled by its name", () => {
  const Celsius = t.named("example.com/temp.Celsius", t.float64);
  assert.equal(register(Celsius), "example.com/temp.Celsius");
  assert.equal(String(t.slice(Celsius)), "[]temp.Celsius");
  assert.equal(String(t.float64), "float64");
  // Same values and wire encoding as the scalar.
  assert.deepEqual(encode(Celsius, 21.5), encode(t.float64, 21.5));
  assert.equal(decode(encode(Celsius, -3), Celsius), -3);
  assert.throws(() => t.named("x.Y", t.slice(t.int)), /not a predefined scalar/);
});

Deno.test("t.encodedBytes keeps a custom encoding as its bytes", () => {
  const Money = t.gobEncoder("example.com/shop.Money", t.encodedBytes);
  const S = t.struct("S", { M: Money, N: t.int });
  const bytes = encode(S, { M: new Uint8Array([49, 50]), N: 1 });
  assert.deepEqual(decode(bytes, S), { M: new Uint8Array([49, 50]), N: 1 });
  assert.deepEqual(decode(encode(S, { M: null, N: 2 }), S), { M: null, N: 2 });
  assert.throws(() => encode(Money, "12" as unknown as Uint8Array), /Uint8Array/);
});
