import assert from "node:assert/strict";
import { Decoder, encode, Encoder, registerName, t } from "../../gob/mod.ts";

async function jsonOf(bytes: Uint8Array): Promise<string[]> {
  const dec = new Decoder(bytes);
  const out: string[] = [];
  for (;;) {
    try {
      out.push(await dec.decodeJSON());
    } catch {
      return out;
    }
  }
}

Deno.test("decodeJSON: exact integers, special floats, complex, bytes", async () => {
  const Rec = t.struct("JRec", {
    I: t.bigInt64,
    U: t.bigUint64,
    F: t.float64,
    G: t.float64,
    C: t.complex128,
    B: t.bytes,
  });
  const [line] = await jsonOf(encode(Rec, {
    I: -(2n ** 63n),
    U: 2n ** 64n - 1n,
    F: NaN,
    G: -Infinity,
    C: { re: 1.5, im: -2 },
    B: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
  }));
  assert.equal(
    line,
    '{"I":-9223372036854775808,"U":18446744073709551615,"F":"NaN","G":"-Inf","C":[1.5,-2],"B":"3q2+7w=="}',
  );
});

Deno.test("decodeJSON: maps sorted like encoding/json; other keys as pairs", async () => {
  const M = t.struct("JMaps", {
    S: t.map(t.string, t.int),
    I: t.map(t.int, t.string),
    B: t.map(t.bool, t.int),
  });
  const [line] = await jsonOf(encode(M, {
    S: new Map([["b", 2], ["a", 1]]),
    I: new Map([[10, "ten"], [9, "nine"]]),
    B: new Map([[true, 1]]),
  }));
  assert.equal(line, '{"S":{"a":1,"b":2},"I":{"10":"ten","9":"nine"},"B":[[true,1]]}');
});

Deno.test("decodeJSON: zero-filled structs, recursive fields null, interfaces, marshalers", async () => {
  const Node: t.Type<unknown> = t.struct("JNode", () => ({ V: t.int, Next: t.ptr(Node) }));
  const Inner = t.struct("JInner", { A: t.string, L: t.slice(t.int) });
  const Rec = t.struct("JOuter", { N: Node, In: Inner, Any: t.any, T: t.time, Big: t.bigInt });
  registerName("main.JInner", Inner);
  const enc = new Encoder();
  const bytes = new Uint8Array([
    ...enc.marshal(Rec, {
      N: { V: 1, Next: null },
      In: { A: "", L: [] },
      Any: { name: "main.JInner", value: { A: "x", L: [1] } },
      T: undefined as never,
      Big: 5n,
    }),
  ]);
  const [line] = await jsonOf(bytes);
  assert.equal(
    line,
    '{"N":{"V":1,"Next":null},"In":{"A":"","L":[]},"Any":{"type":"main.JInner","value":{"A":"x","L":[1]}},"T":null,"Big":{"type":"","bytes":"AgU="}}',
  );
});

Deno.test("gob dump prints the sample stream as JSON lines and its types as Go", async () => {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../tools/gob_cli.ts", import.meta.url).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const sample = new URL("../../testdata/sample.gob", import.meta.url).pathname;
  const dump = await run("dump", sample);
  assert.equal(dump.code, 0, dump.stderr);
  const lines = dump.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.length >= 2);
  assert.equal(typeof lines[0].Name, "string");
  const types = await run("dump", "--types", sample);
  assert.equal(types.code, 0, types.stderr);
  assert.match(types.stdout, /^type \w+ struct \{\n\t\w+ /m);
  const bad = await run("dump", "/nonexistent/file.gob");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cannot open/);
});
