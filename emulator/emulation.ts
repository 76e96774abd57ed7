/**
 * Running a function built for the other Lambda architecture (an arm64 package on an x86_64
 * machine, or the reverse) through qemu-user (`packaging/qemu.ts`), as shipped:
 *
 * - a `bootstrap` that is an ELF executable for the other architecture (a `--runtime compiled`
 *   binary, a Go function built with `GOARCH=arm64`) is started as `qemu-<cpu> -L <prefix>
 *   bootstrap`;
 * - a `bootstrap` script beside a `deno` for the other architecture (a `--runtime deno` package)
 *   is started as it is, with the launcher told to run its `deno` through qemu
 *   (`DENO_RUNNER_VARIABLE` in `packaging/launcher.ts`, and `QEMU_LD_PREFIX`): the launcher, its
 *   V8 flags and its start-up cache copy run exactly as on Lambda.
 *
 * Emulated code runs several times slower than native code, so the emulator's times (init,
 * duration) are the emulated ones; Lambda's init limit still applies unless the caller raises it.
 *
 * @module
 */

import { DENO_RUNNER_VARIABLE } from "../packaging/launcher.ts";
import { findQemuUser, qemuRunner, type QemuUser } from "../packaging/qemu.ts";
import {
  type Arch,
  archOfMachine,
  elfMachine,
  hostArch,
  readHeadSync,
} from "../packaging/targets.ts";

/** How a function built for another architecture is started here. */
export interface Emulation {
  /** The architecture the function is built for. */
  arch: Arch;
  /** The qemu-user that runs it. */
  qemu: QemuUser;
  /** The command to start instead of the bootstrap alone. */
  command: string[];
  /** Variables added to the function's environment. */
  env: Record<string, string>;
}

function headOf(path: string): Uint8Array | undefined {
  try {
    return readHeadSync(path);
  } catch {
    return undefined;
  }
}

/** The Lambda architecture `head` (an ELF header) is for, when it is not this machine's. */
function foreignArch(head: Uint8Array | undefined): Arch | undefined {
  if (head === undefined) return undefined;
  const arch = archOfMachine(elfMachine(head));
  return arch !== undefined && arch !== hostArch() ? arch : undefined;
}

/**
 * How to start `bootstrap` (a path) when it, or the `deno` beside it, is built for the other
 * Lambda architecture; `undefined` when it runs here as it is (or cannot be read: starting it
 * then fails as Lambda's would). Throws a `QemuError` when it needs qemu-user and there is none.
 */
export function emulationFor(
  bootstrap: string,
  options: { qemu?: string } = {},
): Emulation | undefined {
  const head = headOf(bootstrap);
  if (head === undefined) return undefined;
  const elf = foreignArch(head);
  if (elf !== undefined) {
    const qemu = findQemuUser(elf, { qemu: options.qemu });
    return { arch: elf, qemu, command: [...qemuRunner(qemu), bootstrap], env: {} };
  }
  // "#!": a script, such as a --runtime deno package's launcher, which runs the deno beside it.
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const slash = bootstrap.lastIndexOf("/");
  const dir = slash < 0 ? "." : bootstrap.slice(0, slash) || "/";
  const deno = foreignArch(headOf(`${dir}/deno`));
  if (deno === undefined) return undefined;
  const qemu = findQemuUser(deno, { qemu: options.qemu });
  return {
    arch: deno,
    qemu,
    command: [bootstrap],
    env: { [DENO_RUNNER_VARIABLE]: qemu.program, QEMU_LD_PREFIX: qemu.ldPrefix },
  };
}
