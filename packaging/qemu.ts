/**
 * qemu-user: runs a Linux binary built for the other Lambda architecture on this machine, one
 * process at a time, translating its instructions and passing its system calls to this kernel.
 * It is how an arm64 package's `deno` runs on an x86_64 machine (and the other way round): the
 * build primes the arm64 package's start-up cache with it (`build.ts`, `start_cache.ts`), and the
 * emulator runs arm64 packages through it (`emulator/function.ts`).
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

import { type Arch, TARGETS } from "./targets.ts";

/** A qemu-user that can run binaries of one architecture here. */
export interface QemuUser {
  /** The architecture it runs. */
  arch: Arch;
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

/** The Debian packages that give qemu-user and the C library `arch`'s Deno binary needs. */
export function qemuPackages(arch: Arch): string[] {
  const deb = arch === "arm64" ? "arm64" : "amd64";
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
 * Finds a qemu-user for `arch` and the C library it needs. Throws a {@linkcode QemuError} saying
 * what is missing (and how to install it) when there is none.
 */
export function findQemuUser(arch: Arch, options: FindQemuOptions = {}): QemuUser {
  const target = TARGETS[arch];
  const install = `install it with \`apt-get install ${qemuPackages(arch).join(" ")}\``;
  const path = options.path ?? Deno.env.get("PATH") ?? "";
  let program: string | undefined;
  if (options.qemu !== undefined) {
    program = options.qemu.includes("/") ? options.qemu : onPath(options.qemu, path);
    if (program === undefined || !isExecutable(program)) {
      throw new QemuError(`qemu-user ${options.qemu} is not an executable file`);
    }
    if (!program.startsWith("/")) program = `${Deno.cwd()}/${program}`;
  } else {
    const names = [`qemu-${target.qemuCpu}-static`, `qemu-${target.qemuCpu}`];
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
  const loader = (prefix: string) => `${prefix.replace(/\/+$/, "")}/lib/${target.dynamicLoader}`;
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
    ldPrefix = [`/usr/${target.gnuTriple}`, "/"].find((p) => isFile(loader(p)));
    if (ldPrefix === undefined) {
      throw new QemuError(
        `the ${arch} C library is missing (no ${loader(`/usr/${target.gnuTriple}`)}): ${install}`,
      );
    }
  }
  return { arch, program, ldPrefix };
}

/**
 * The command words that run a binary for `qemu.arch` through qemu-user: put them before the
 * binary and its arguments.
 */
export function qemuRunner(qemu: QemuUser): string[] {
  return [qemu.program, "-L", qemu.ldPrefix];
}
