/**
 * Lambda's two CPU architectures and what each is called by Deno, npm and ELF.
 *
 * @module
 */

import { type Cpu, CPUS, elfMachine, hostCpu } from "../ground/qemu.ts";

export { elfMachine };

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
  /** The CPU, as Deno and qemu-user name it (`ground/qemu.ts`). */
  cpu: Cpu;
}

/** The targets, by Lambda architecture. */
export const TARGETS: Readonly<Record<Arch, Target>> = {
  x86_64: {
    arch: "x86_64",
    triple: "x86_64-unknown-linux-gnu",
    denoPackage: "@deno/linux-x64-glibc",
    elfMachine: CPUS.x86_64.elfMachine,
    cpu: "x86_64",
  },
  arm64: {
    arch: "arm64",
    triple: "aarch64-unknown-linux-gnu",
    denoPackage: "@deno/linux-arm64-glibc",
    elfMachine: CPUS.aarch64.elfMachine,
    cpu: "aarch64",
  },
};

/** The architecture of the machine running the build, if it is one Lambda has. */
export function hostArch(): Arch | undefined {
  const cpu = hostCpu();
  return Object.values(TARGETS).find((t) => t.cpu === cpu)?.arch;
}

/** The name of an ELF machine number, for messages. */
export function machineName(machine: number | undefined): string {
  if (machine === undefined) return "not an ELF executable";
  for (const t of Object.values(TARGETS)) if (t.elfMachine === machine) return `${t.arch} ELF`;
  return `ELF for machine ${machine}`;
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
