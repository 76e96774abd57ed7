/**
 * Finding qemu-user and the other architecture's C library (`ground/qemu.ts`), against stand-in
 * directories: what is found where, and what a missing piece's error says.
 */
import assert from "node:assert/strict";
import {
  cpuOfMachine,
  CPUS,
  elfMachine,
  findQemuUser,
  hostCpu,
  QemuError,
  qemuPackages,
  qemuRunner,
  readHeadSync,
} from "../../ground/qemu.ts";

/** A directory with `bin/` (for PATH) and an arm64 library prefix holding only the loader. */
async function standIns(): Promise<{ dir: string; bin: string; prefix: string }> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "gopherless-qemu-" }));
  const bin = `${dir}/bin`;
  const prefix = `${dir}/usr/aarch64-linux-gnu`;
  await Deno.mkdir(bin);
  await Deno.mkdir(`${prefix}/lib`, { recursive: true });
  await Deno.writeTextFile(`${prefix}/lib/ld-linux-aarch64.so.1`, "");
  return { dir, bin, prefix };
}

async function executable(path: string): Promise<void> {
  await Deno.writeTextFile(path, "#!/bin/sh\n");
  await Deno.chmod(path, 0o755);
}

Deno.test("findQemuUser: qemu-<cpu>-static, then qemu-<cpu>, on PATH; the library prefix", async () => {
  const { dir, bin, prefix } = await standIns();
  try {
    const path = `/nonexistent:${bin}`;
    await executable(`${bin}/qemu-aarch64`);
    assert.deepEqual(findQemuUser("aarch64", { path, ldPrefix: prefix }), {
      cpu: "aarch64",
      program: `${bin}/qemu-aarch64`,
      ldPrefix: prefix,
    });
    await executable(`${bin}/qemu-aarch64-static`);
    const q = findQemuUser("aarch64", { path, ldPrefix: prefix });
    assert.equal(q.program, `${bin}/qemu-aarch64-static`);
    assert.deepEqual(qemuRunner(q), [`${bin}/qemu-aarch64-static`, "-L", prefix]);
    // Named: by path, or by a name on PATH.
    await executable(`${dir}/my-qemu`);
    assert.equal(
      findQemuUser("aarch64", { qemu: `${dir}/my-qemu`, ldPrefix: prefix }).program,
      `${dir}/my-qemu`,
    );
    assert.equal(
      findQemuUser("aarch64", { qemu: "qemu-aarch64", path, ldPrefix: prefix }).program,
      `${bin}/qemu-aarch64`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findQemuUser: a missing qemu or C library says what to install", async () => {
  const { dir, bin, prefix } = await standIns();
  try {
    const install =
      "apt-get install qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross libstdc++6-arm64-cross";
    assert.throws(
      () => findQemuUser("aarch64", { path: bin, ldPrefix: prefix }),
      (e: unknown) =>
        e instanceof QemuError &&
        e.message.includes(
          "no qemu-user for arm64 on PATH (qemu-aarch64-static or qemu-aarch64)",
        ) &&
        e.message.includes(install),
    );
    // A file that is not executable is no qemu.
    await Deno.writeTextFile(`${bin}/qemu-aarch64-static`, "");
    assert.throws(() => findQemuUser("aarch64", { path: bin, ldPrefix: prefix }), QemuError);
    assert.throws(
      () => findQemuUser("aarch64", { qemu: `${dir}/none`, ldPrefix: prefix }),
      /qemu-user \S+\/none is not an executable file/,
    );
    await executable(`${bin}/qemu-aarch64`);
    assert.throws(
      () => findQemuUser("aarch64", { path: bin, ldPrefix: dir }),
      (e: unknown) =>
        e instanceof QemuError &&
        e.message.includes(`the arm64 C library is not under ${dir}`) &&
        e.message.includes(install),
    );
    assert.deepEqual(qemuPackages("x86_64"), [
      "qemu-user-static",
      "libc6-amd64-cross",
      "libgcc-s1-amd64-cross",
      "libstdc++6-amd64-cross",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("elfMachine and cpuOfMachine: this deno's binary is this machine's CPU", () => {
  const head = readHeadSync(Deno.execPath());
  const cpu = cpuOfMachine(elfMachine(head));
  assert.equal(cpu, hostCpu());
  assert.equal(CPUS[cpu!].elfMachine, elfMachine(head));
  assert.equal(
    elfMachine(new TextEncoder().encode("#!/bin/sh\necho not an ELF file\n")),
    undefined,
  );
  assert.equal(cpuOfMachine(40 /* EM_ARM, 32-bit */), undefined);
});
