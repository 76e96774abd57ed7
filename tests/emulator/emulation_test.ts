/**
 * Functions built for the other architecture, run by the emulator through qemu-user
 * (`emulator/emulation.ts`): which bootstraps need it and how they are started, and a real arm64
 * Go function (aws-lambda-go, `GOARCH=arm64`) answering in both protocols. The arm64
 * `--runtime deno` packages are run in `tests/packaging/arm64_test.ts`.
 */
import assert from "node:assert/strict";
import { EMULATED_INIT_TIMEOUT_MS, INIT_TIMEOUT_MS, LocalFunction } from "../../emulator/mod.ts";
import { emulationFor } from "../../emulator/emulation.ts";
import { main } from "../../emulator/cli.ts";
import { DENO_RUNNER_VARIABLE } from "../../protocol/launcher.ts";
import { type Cpu, CPUS, hostCpu, QemuError } from "../../ground/qemu.ts";
import { hasGo } from "../_support/go.ts";
import { arm64Test } from "../_support/qemu.ts";

const GO_MODULE_DIR = new URL("../go/", import.meta.url).pathname;

/** A copy of /bin/true whose ELF header says `cpu` (it only has to look like one). */
async function elfFor(path: string, cpu: Cpu): Promise<void> {
  const bytes = await Deno.readFile("/bin/true");
  new DataView(bytes.buffer).setUint16(18, CPUS[cpu].elfMachine, true);
  await Deno.writeFile(path, bytes, { mode: 0o755 });
}

const other: Cpu = hostCpu() === "aarch64" ? "x86_64" : "aarch64";

Deno.test({
  name:
    "emulationFor: a bootstrap of this machine runs as it is; an unreadable one is left to fail",
  ignore: hostCpu() === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-emulation-" });
    try {
      await elfFor(`${dir}/native`, hostCpu()!);
      assert.equal(emulationFor(`${dir}/native`), undefined);
      assert.equal(emulationFor(`${dir}/missing`), undefined);
      // A launcher beside a deno of this machine.
      await Deno.mkdir(`${dir}/pkg`);
      await Deno.writeTextFile(`${dir}/pkg/bootstrap`, "#!/bin/sh\nexec ./deno\n");
      await elfFor(`${dir}/pkg/deno`, hostCpu()!);
      assert.equal(emulationFor(`${dir}/pkg/bootstrap`), undefined);
      const fn = await LocalFunction.start({ bootstrap: `${dir}/native`, eager: false });
      assert.equal(fn.emulation, undefined);
      assert.equal(fn.initTimeoutMs, INIT_TIMEOUT_MS);
      await fn.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("emulationFor: the other architecture without qemu-user is a QemuError, at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-emulation-" });
  try {
    await elfFor(`${dir}/bootstrap`, other);
    assert.throws(
      () => emulationFor(`${dir}/bootstrap`, { qemu: `${dir}/no-qemu` }),
      (e: unknown) => e instanceof QemuError && /no-qemu is not an executable file/.test(e.message),
    );
    await assert.rejects(
      LocalFunction.start({ bootstrap: `${dir}/bootstrap`, qemu: `${dir}/no-qemu` }),
      QemuError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: --qemu names the qemu-user; one that is not there is an error (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-emulation-" });
  try {
    await elfFor(`${dir}/bootstrap`, other);
    const said: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => said.push(args.join(" "));
    try {
      assert.equal(await main(["invoke", `${dir}/bootstrap`, "--qemu", `${dir}/no-qemu`]), 2);
    } finally {
      console.error = error;
    }
    assert.match(said.join("\n"), /error: qemu-user \S+\/no-qemu is not an executable file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

arm64Test(
  "emulationFor: an ELF of the other architecture runs under qemu; a launcher runs its deno so",
  async () => {
    if (hostCpu() === "aarch64") return; // arm64 binaries run natively there
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-emulation-" }));
    try {
      await elfFor(`${dir}/bootstrap`, "aarch64");
      const elf = emulationFor(`${dir}/bootstrap`)!;
      assert.equal(elf.cpu, "aarch64");
      assert.deepEqual(elf.command, [
        elf.qemu.program,
        "-L",
        elf.qemu.ldPrefix,
        `${dir}/bootstrap`,
      ]);
      assert.deepEqual(elf.env, {});
      await Deno.mkdir(`${dir}/pkg`);
      await Deno.writeTextFile(`${dir}/pkg/bootstrap`, "#!/bin/sh\nexec ./deno\n");
      await elfFor(`${dir}/pkg/deno`, "aarch64");
      const pkg = emulationFor(`${dir}/pkg/bootstrap`)!;
      assert.deepEqual(pkg.command, [`${dir}/pkg/bootstrap`]);
      assert.deepEqual(pkg.env, {
        [DENO_RUNNER_VARIABLE]: pkg.qemu.program,
        QEMU_LD_PREFIX: pkg.qemu.ldPrefix,
      });
      const fn = await LocalFunction.start({ bootstrap: `${dir}/pkg/bootstrap`, eager: false });
      assert.equal(fn.emulation?.cpu, "aarch64");
      assert.equal(fn.initTimeoutMs, EMULATED_INIT_TIMEOUT_MS);
      await fn.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

arm64Test("emulator: an arm64 Go function (aws-lambda-go) answers in both protocols", async () => {
  if (!hasGo) throw new Error("this test builds an arm64 Go function: `go` is not on PATH");
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-emulation-" }));
  try {
    const build = await new Deno.Command("go", {
      args: ["build", "-o", `${dir}/bootstrap`, "./cmd/goecho"],
      cwd: GO_MODULE_DIR,
      env: { GOOS: "linux", GOARCH: "arm64", CGO_ENABLED: "0" },
      stderr: "piped",
    }).output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    for (const protocol of ["runtime-api", "go1x"] as const) {
      const fn = await LocalFunction.start({
        bootstrap: `${dir}/bootstrap`,
        protocol,
        timeoutMs: 60_000,
      });
      try {
        assert.equal(fn.emulation?.cpu, hostCpu() === "aarch64" ? undefined : "aarch64");
        const event = { protocol, n: [1, 2, 3], s: "<&>" };
        const r = await fn.invoke(event);
        assert.ok(r.ok, `${protocol}: ${new TextDecoder().decode(r.payload)}\n${r.logs}`);
        assert.deepEqual(JSON.parse(new TextDecoder().decode(r.payload)), event);
      } finally {
        await fn.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
