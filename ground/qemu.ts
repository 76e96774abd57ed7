/**
 * qemu-user: runs a Linux binary built for the other Lambda architecture on this machine, one
 * process at a time, translating its instructions and passing its system calls to this kernel.
 * It is how an arm64 package's `deno` runs on an x86_64 machine (and the other way round): the
 * build primes the arm64 package's start-up cache with it (`packaging/build.ts`), and the emulator
 * runs arm64 packages through it (`emulator/emulation.ts`). It is on the ground floor because
 * both of those tools use it, and neither may import the other.
 *
 * It needs two things, both in Debian's and Ubuntu's archives:
 *
 * - the `qemu-<cpu>` program: `qemu-aarch64-static` from `qemu-user-static` (or `qemu-aarch64`
 *   from `qemu-user`), found on `PATH` or named by path;
 * - the target's C library, since Deno's binary is linked against glibc: `libc6-arm64-cross`,
 *   `libgcc-s1-arm64-cross` and `libstdc++6-arm64-cross` put it under `/usr/aarch64-linux-gnu`,
 *   which qemu is given as its library prefix (`-L`, or `QEMU_LD_PREFIX`).
 *
 * ```sh
 * apt-get install qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross libstdc++6-arm64-cross
 * qemu-aarch64-static -L /usr/aarch64-linux-gnu dist/arm64/deno --version
 * ```
 *
 * Nothing here needs the kernel's `binfmt_misc` registration (which containers rarely have):
 * the program is always started through qemu explicitly.
 *
 * @module
 */

/** A CPU architecture Lambda has, as Deno names it (`Deno.build.arch`). */
export type Cpu = "x86_64" | "aarch64";

/** What running a Linux binary of one {@linkcode Cpu} takes. */
export interface CpuInfo {
  /** The ELF `e_machine` of its binaries. */
  elfMachine: number;
  /** Debian's name for it (`dpkg --print-architecture`), as in `libc6-<name>-cross`. */
  debianArch: string;
  /**
   * The GNU triple Debian's cross C libraries are installed under (`/usr/<triple>`), where
   * qemu-user finds its dynamic loader and C library on a machine of another CPU.
   */
  gnuTriple: string;
  /** The dynamic loader a glibc binary for it names (`PT_INTERP`, under `/lib`). */
  dynamicLoader: string;
}

/** The CPUs, by name; qemu-user's program for one is `qemu-<name>` (or `qemu-<name>-static`). */
export const CPUS: Readonly<Record<Cpu, CpuInfo>> = {
  x86_64: {
    elfMachine: 62, // EM_X86_64
    debianArch: "amd64",
    gnuTriple: "x86_64-linux-gnu",
    dynamicLoader: "ld-linux-x86-64.so.2",
  },
  aarch64: {
    elfMachine: 183, // EM_AARCH64
    debianArch: "arm64",
    gnuTriple: "aarch64-linux-gnu",
    dynamicLoader: "ld-linux-aarch64.so.1",
  },
};

/** This machine's CPU, when it is Linux on one of {@linkcode CPUS}. */
export function hostCpu(): Cpu | undefined {
  if (Deno.build.os !== "linux") return undefined;
  return Deno.build.arch in CPUS ? Deno.build.arch as Cpu : undefined;
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

/** The CPU an ELF machine number is for, if it is one of {@linkcode CPUS}. */
export function cpuOfMachine(machine: number | undefined): Cpu | undefined {
  for (const [cpu, info] of Object.entries(CPUS)) {
    if (info.elfMachine === machine) return cpu as Cpu;
  }
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

/** A qemu-user that can run binaries of one CPU here. */
export interface QemuUser {
  /** The CPU it runs. */
  cpu: Cpu;
  /** The qemu-user program (absolute path). */
  program: string;
  /** The directory qemu finds the architecture's dynamic loader and C library under (`-L`). */
  ldPrefix: string;
}

/** Options of {@linkcode findQemuUser}. */
export interface FindQemuOptions {
  /**
   * The qemu-user program: a path, or a name looked up on `PATH`. Default: `qemu-<cpu>-static`,
   * then `qemu-<cpu>`, on `PATH`.
   */
  qemu?: string;
  /**
   * The library prefix. Default: `$QEMU_LD_PREFIX`, else `/usr/<gnu triple>` (Debian's cross
   * libraries), else `/` when the architecture's loader is installed natively (multiarch).
   */
  ldPrefix?: string;
  /** The `PATH` to search. Default: this process's. */
  path?: string;
}

/** No usable qemu-user; the message says what is missing and how to install it. */
export class QemuError extends Error {
  /** Always `"QemuError"`. */
  override name = "QemuError";
}

/** The Debian packages that give qemu-user and the C library a Deno binary for `cpu` needs. */
export function qemuPackages(cpu: Cpu): string[] {
  const deb = CPUS[cpu].debianArch;
  return [
    "qemu-user-static",
    `libc6-${deb}-cross`,
    `libgcc-s1-${deb}-cross`,
    `libstdc++6-${deb}-cross`,
  ];
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && ((st.mode ?? 0o755) & 0o111) !== 0;
  } catch {
    return false;
  }
}

function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    const candidate = `${dir.replace(/\/+$/, "")}/${name}`;
    if (isExecutable(candidate)) return candidate.startsWith("/") ? candidate : undefined;
  }
  return undefined;
}

/**
 * Finds a qemu-user for `cpu` and the C library it needs. Throws a {@linkcode QemuError} saying
 * what is missing (and how to install it) when there is none.
 */
export function findQemuUser(cpu: Cpu, options: FindQemuOptions = {}): QemuUser {
  const info = CPUS[cpu];
  const arch = cpu === "aarch64" ? "arm64" : cpu; // as Lambda names it, for messages
  const install = `install it with \`apt-get install ${qemuPackages(cpu).join(" ")}\``;
  const path = options.path ?? Deno.env.get("PATH") ?? "";
  let program: string | undefined;
  if (options.qemu !== undefined) {
    program = options.qemu.includes("/") ? options.qemu : onPath(options.qemu, path);
    if (program === undefined || !isExecutable(program)) {
      throw new QemuError(`qemu-user ${options.qemu} is not an executable file`);
    }
    if (!program.startsWith("/")) program = `${Deno.cwd()}/${program}`;
  } else {
    const names = [`qemu-${cpu}-static`, `qemu-${cpu}`];
    for (const name of names) {
      program = onPath(name, path);
      if (program !== undefined) break;
    }
    if (program === undefined) {
      throw new QemuError(
        `no qemu-user for ${arch} on PATH (${names.join(" or ")}): ${install}`,
      );
    }
  }
  const loader = (prefix: string) => `${prefix.replace(/\/+$/, "")}/lib/${info.dynamicLoader}`;
  const given = options.ldPrefix ?? (Deno.env.get("QEMU_LD_PREFIX") || undefined);
  let ldPrefix: string | undefined;
  if (given !== undefined) {
    if (!isFile(loader(given))) {
      throw new QemuError(
        `the ${arch} C library is not under ${given} (no ${loader(given)}): ${install}`,
      );
    }
    ldPrefix = given;
  } else {
    ldPrefix = [`/usr/${info.gnuTriple}`, "/"].find((p) => isFile(loader(p)));
    if (ldPrefix === undefined) {
      throw new QemuError(
        `the ${arch} C library is missing (no ${loader(`/usr/${info.gnuTriple}`)}): ${install}`,
      );
    }
  }
  return { cpu, program, ldPrefix };
}

/**
 * The command words that run a binary for `qemu.cpu` through qemu-user: put them before the
 * binary and its arguments.
 */
export function qemuRunner(qemu: QemuUser): string[] {
  return [qemu.program, "-L", qemu.ldPrefix];
}
