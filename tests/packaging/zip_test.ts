import assert from "node:assert/strict";
import { writeZip } from "../../packaging/zip.ts";
import { readZip, sha256 } from "./_helpers.ts";
import { toolTest, unzipInto } from "../_support/tools.ts";

const enc = new TextEncoder();

Deno.test("zip: entries, modes, methods and CRCs read back with Python's zipfile", async () => {
  const big = enc.encode("gopherless ".repeat(10_000));
  const random = crypto.getRandomValues(new Uint8Array(4096));
  const entries = [
    { name: "bootstrap", data: enc.encode("#!/bin/sh\necho hi\n"), mode: 0o755 },
    { name: "lib/data.txt", data: big },
    { name: "random.bin", data: random, mode: 0o600 },
    { name: "empty", data: new Uint8Array() },
    { name: "ünïcode.txt", data: enc.encode("x") },
  ];
  const dir = await Deno.makeTempDir();
  try {
    const zip = await writeZip(entries);
    await Deno.writeFile(`${dir}/a.zip`, zip);
    const infos = await readZip(`${dir}/a.zip`);
    assert.deepEqual(infos.map((i) => i.name), entries.map((e) => e.name));
    for (const [i, e] of entries.entries()) {
      assert.deepEqual(infos[i].mode, 0o100000 | (e.mode ?? 0o644), e.name);
      assert.deepEqual(infos[i].size, e.data.length);
      assert.deepEqual(infos[i].system, 3, "made by Unix");
      assert.deepEqual(infos[i].sha256, await sha256(e.data));
    }
    assert.deepEqual(infos[1].method, 8, "compressible data is deflated");
    assert.deepEqual(infos[2].method, 0, "random data is stored");
    assert.ok(zip.length < big.length / 10);
    // reproducible
    assert.deepEqual(await sha256(await writeZip(entries)), await sha256(zip));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

toolTest(["unzip"], {
  name: "zip: unzip lists the executable bit and extracts a runnable bootstrap",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const zip = await writeZip([
        { name: "bootstrap", data: enc.encode("#!/bin/sh\necho ran\n"), mode: 0o755 },
        { name: "handler.js", data: enc.encode("1"), mode: 0o644 },
      ]);
      await Deno.writeFile(`${dir}/f.zip`, zip);
      const list = await new Deno.Command("unzip", {
        args: ["-Z", `${dir}/f.zip`],
        stdout: "piped",
      })
        .output();
      const text = new TextDecoder().decode(list.stdout);
      assert.ok(/-rwxr-xr-x .* unx .* bootstrap/.test(text), text);
      assert.ok(/-rw-r--r-- .* unx .* handler\.js/.test(text), text);
      await unzipInto(`${dir}/f.zip`, `${dir}/x`);
      const ran = await new Deno.Command(`${dir}/x/bootstrap`, { stdout: "piped" }).output();
      assert.deepEqual(new TextDecoder().decode(ran.stdout), "ran\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("zip: bad names are refused", async () => {
  for (const name of ["", "/abs", "a/../b", ".."]) {
    await assert.rejects(
      writeZip([{ name, data: new Uint8Array(1) }]),
      { message: `zip: bad entry name ${JSON.stringify(name)}` },
      name,
    );
  }
  await assert.rejects(
    writeZip([{ name: "a", data: new Uint8Array(1) }, { name: "a", data: new Uint8Array(2) }]),
    { message: 'zip: duplicate entry "a"' },
  );
});
