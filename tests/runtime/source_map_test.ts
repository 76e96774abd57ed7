/**
 * The source-map decoder against Deno's own: the same module bundled twice by `deno bundle`, once
 * with an inline map (which Deno applies to stacks itself) and once with the external map the
 * build ships (which our decoder applies). Every frame must land on the same file, line and column.
 */

import assert from "node:assert/strict";
import { decodeVlq, encodeVlq, SourceMap, SourceMapError } from "../../runtime/source_map.ts";
import { repoPath } from "./_platform.ts";

const dec = new TextDecoder();

async function bundle(sourcemap: "inline" | "external", out: string): Promise<void> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--no-config",
      "--platform",
      "deno",
      "--minify",
      "--keep-names",
      "--sourcemap",
      sourcemap,
      "--output",
      out,
      repoPath("tests/runtime/fixtures/mapped/thrower.ts"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(r.success, dec.decode(r.stderr));
}

async function stacksOf(file: string): Promise<string[]> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const m = await import(${JSON.stringify(`file://${file}`)}); ` +
      "console.log(JSON.stringify(m.stacks()));",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(r.success, dec.decode(r.stderr));
  return JSON.parse(dec.decode(r.stdout));
}

const LOCATION = /\((?:file:\/\/)?(.*):(\d+):(\d+)\)$|at (?:file:\/\/)?(\/.*):(\d+):(\d+)$/;

function locations(stack: string): [string, number, number][] {
  return stack.split("\n").flatMap((l) => {
    const m = LOCATION.exec(l);
    if (!m) return [];
    return [[m[1] ?? m[4], Number(m[2] ?? m[5]), Number(m[3] ?? m[6])]];
  });
}

Deno.test("source maps: our decoder maps frames where Deno's own does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-sourcemap-" });
  try {
    await bundle("inline", `${dir}/inline.js`);
    await bundle("external", `${dir}/external.js`);
    const expected = (await stacksOf(`${dir}/inline.js`)).map(locations);
    const raw = (await stacksOf(`${dir}/external.js`)).map(locations);
    const map = new SourceMap(await Deno.readTextFile(`${dir}/external.js.map`));
    const fixtures = repoPath("tests/runtime/fixtures/mapped/");
    let mapped = 0;
    raw.forEach((frames, i) => {
      const ours = frames.filter(([file]) => file.endsWith("external.js")).map(([, l, c]) => {
        const o = map.lookup(l, c);
        assert.ok(o, `no mapping for ${l}:${c}`);
        mapped++;
        return [o.source.replace(/^.*\//, ""), o.line, o.column];
      });
      const deno = expected[i].filter(([file]) => file.startsWith(fixtures)).map((
        [file, l, c],
      ) => [file.replace(/^.*\//, ""), l, c]);
      assert.deepEqual(ours, deno);
    });
    assert.ok(mapped >= 7, `frames mapped: ${mapped}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("source maps: VLQ segments, negative deltas, ignoreList, bad input", () => {
  // Line 1: col 0 → a.ts 1:1; col 10 → b.ts 3:5. Line 2 (";"): col 4 → a.ts 4:3 (deltas
  // carried across lines and negative).
  const map = new SourceMap(JSON.stringify({
    version: 3,
    sources: ["a.ts", "b.ts"],
    names: [],
    mappings: "AAAA,UCEI;IDCF",
    ignoreList: [1],
  }));
  assert.deepEqual(map.lookup(1, 1), { source: "a.ts", line: 1, column: 1, ignored: false });
  assert.deepEqual(map.lookup(1, 9), { source: "a.ts", line: 1, column: 1, ignored: false });
  assert.deepEqual(map.lookup(1, 11), { source: "b.ts", line: 3, column: 5, ignored: true });
  assert.deepEqual(map.lookup(2, 5), { source: "a.ts", line: 4, column: 3, ignored: false });
  assert.equal(map.lookup(2, 1), undefined, "nothing before the first segment");
  assert.equal(map.lookup(9, 1), undefined, "no such line");
  assert.throws(() => new SourceMap("{}"), SourceMapError);
  assert.throws(
    () => new SourceMap('{"sources":[],"mappings":"A!"}').lookup(1, 1),
    SourceMapError,
  );
});

Deno.test("source map: the one VLQ codec round-trips every field a map can hold", () => {
  const fields = [0, 1, -1, 15, -16, 16, 1023, -1024, 2 ** 31 - 1, -(2 ** 31), 2 ** 40];
  assert.equal(encodeVlq([0, 0, 1, -1]), "AACD");
  assert.deepEqual(decodeVlq("AACD"), [0, 0, 1, -1]);
  assert.deepEqual(decodeVlq(encodeVlq(fields)), fields);
  assert.deepEqual(decodeVlq("xAACD,", 1, 5), [0, 0, 1, -1], "a slice of a line");
  assert.throws(() => decodeVlq("g"), SourceMapError, "a field cut short");
  assert.throws(() => decodeVlq("A!"), SourceMapError);
});
