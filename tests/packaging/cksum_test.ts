/** The launcher's checksums are POSIX `cksum`'s: compared with the system's tool. */
import assert from "node:assert/strict";
import { cksum } from "../../packaging/cksum.ts";

Deno.test("cksum: the first number POSIX cksum prints, for any length", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sizes = [0, 1, 255, 256, 257, 65_536, 70_001, 1 << 20];
    const files = sizes.map((n, i) => {
      const data = new Uint8Array(n);
      for (let k = 0; k < n; k++) data[k] = (k * 31 + i * 7) & 0xff;
      return { path: `${dir}/f${i}`, data };
    });
    for (const f of files) await Deno.writeFile(f.path, f.data);
    const out = await new Deno.Command("cksum", { args: files.map((f) => f.path) }).output();
    assert.ok(out.success);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    assert.deepEqual(lines, files.map((f) => `${cksum(f.data)} ${f.data.length} ${f.path}`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
