/**
 * Lambda's two CPU architectures and what each is called by Deno, npm and ELF.
 *
 * @module
 */

/** A Lambda architecture, spelled as Lambda spells it. */
export type Arch = "x86_64" | "arm64";

/** Everything the build needs to know about one architecture. */
export interface Target {
  /** Lambda's name (`--architectures`). */
  arch: Arch;
  /** The Rust target triple `deno compile --target` takes. */
  triple: string;
  /** The npm package that ships Deno's binary for this target. */
  denoPackage: string;
  /** The ELF `e_machine` of binaries for this target. */
  elfMachine: number;
  /** qemu-user's name for this CPU (`qemu-<name>`, `qemu-<name>-static`). */
  qemuCpu: string;
  /**
   * The GNU triple Debian's cross C libraries are installed under (`/usr/<triple>`), where
   * qemu-user finds this target's dynamic loader and C library on another machine.
   */
  gnuTriple: string;
  /** The dynamic loader a glibc binary for this target names (`PT_INTERP`, under `/lib`). */
  dynamicLoader: string;
}

/** The targets, by Lambda architecture. */
export const TARGETS: Readonly<Record<Arch, Target>> = {
  x86_64: {
    arch: "x86_64",
    triple: "x86_64-unknown-linux-gnu",
    denoPackage: "@deno/linux-x64-glibc",
    elfMachine: 62, // EM_X86_64
    qemuCpu: "x86_64",
    gnuTriple: "x86_64-linux-gnu",
    dynamicLoader: "ld-linux-x86-64.so.2",
  },
  arm64: {
    arch: "arm64",
    triple: "aarch64-unknown-linux-gnu",
    denoPackage: "@deno/linux-arm64-glibc",
    elfMachine: 183, // EM_AARCH64
    qemuCpu: "aarch64",
    gnuTriple: "aarch64-linux-gnu",
    dynamicLoader: "ld-linux-aarch64.so.1",
  },
};

/** The architecture of the machine running the build, if it is one Lambda has. */
export function hostArch(): Arch | undefined {
  if (Deno.build.os !== "linux") return undefined;
  if (Deno.build.arch === "x86_64") return "x86_64";
  if (Deno.build.arch === "aarch64") return "arm64";
  return undefined;
}

/**
 * The ELF machine of the executable whose first bytes are `head`, or `undefined` when they are
 * not an ELF header.
 */
export function elfMachine(head: Uint8Array): number | undefined {
  if (head.length < 20) return undefined;
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
    return undefined;
  }
  const littleEndian = head[5] !== 2;
  return new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(18, littleEndian);
}

/** The name of an ELF machine number, for messages. */
export function machineName(machine: number | undefined): string {
  if (machine === undefined) return "not an ELF executable";
  for (const t of Object.values(TARGETS)) if (t.elfMachine === machine) return `${t.arch} ELF`;
  return `ELF for machine ${machine}`;
}

/** The Lambda architecture of an ELF machine number, if it is one of Lambda's. */
export function archOfMachine(machine: number | undefined): Arch | undefined {
  for (const t of Object.values(TARGETS)) if (t.elfMachine === machine) return t.arch;
  return undefined;
}

/** Reads the first bytes of a file (enough for an ELF header), synchronously. */
export function readHeadSync(path: string, n = 64): Uint8Array {
  const f = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = f.readSync(buf.subarray(got));
      if (r === null) break;
      got += r;
    }
    return buf.subarray(0, got);
  } finally {
    f.close();
  }
}

/** Reads the first bytes of a file (enough for an ELF header). */
export async function readHead(path: string, n = 64): Promise<Uint8Array> {
  const f = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = await f.read(buf.subarray(got));
      if (r === null) break;
      got += r;
    }
    return buf.subarray(0, got);
  } finally {
    f.close();
  }
}
