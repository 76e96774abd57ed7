/**
 * Running a function built for the other Lambda architecture (an arm64 package on an x86_64
 * machine, or the reverse) through qemu-user (`ground/qemu.ts`), as shipped:
 *
 * - a `bootstrap` that is an ELF executable for the other architecture (a `--runtime compiled`
 *   binary, a Go function built with `GOARCH=arm64`) is started as `qemu-<cpu> -L <prefix>
 *   bootstrap`;
 * - a `bootstrap` script beside a `deno` for the other architecture (a `--runtime deno` package)
 *   is started as it is, with the launcher told to run its `deno` through qemu
 *   (`DENO_RUNNER_VARIABLE` in `protocol/launcher.ts`, and `QEMU_LD_PREFIX`): the launcher, its
 *   V8 flags and its start-up cache copy run exactly as on Lambda.
 *
 * Emulated code runs several times slower than native code, so the emulator's times (init,
 * duration) are the emulated ones; Lambda's init limit still applies unless the caller raises it.
 *
 * @module
 */

import { DENO_RUNNER_VARIABLE, PACKAGED_DENO } from "../protocol/launcher.ts";
import {
  type Cpu,
  cpuOfMachine,
  elfMachine,
  findQemuUser,
  hostCpu,
  qemuRunner,
  type QemuUser,
  readHeadSync,
} from "../ground/qemu.ts";

/** How a function built for another architecture is started here. */
export interface Emulation {
  /** The CPU the function is built for. */
  cpu: Cpu;
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

/** The CPU `head` (an ELF header) is for, when it is another than this machine's. */
function foreignCpu(head: Uint8Array | undefined): Cpu | undefined {
  if (head === undefined) return undefined;
  const cpu = cpuOfMachine(elfMachine(head));
  return cpu !== undefined && cpu !== hostCpu() ? cpu : undefined;
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
  const slash = bootstrap.lastIndexOf("/");
  const dir = slash < 0 ? "." : bootstrap.slice(0, slash) || "/";
  const elf = foreignCpu(head);
  if (elf !== undefined) {
    const qemu = findQemuUser(elf, { qemu: options.qemu });
    // A --runtime deno package's native launcher (a `deno` beside it) cannot exec the foreign
    // deno itself where the kernel has no binfmt_misc entry for it: given the runner, it leaves
    // the start to its script, which runs deno (and its copying step) through it.
    const env: Record<string, string> = foreignCpu(headOf(`${dir}/${PACKAGED_DENO}`)) === elf
      ? { [DENO_RUNNER_VARIABLE]: qemu.program, QEMU_LD_PREFIX: qemu.ldPrefix }
      : {};
    return { cpu: elf, qemu, command: [...qemuRunner(qemu), bootstrap], env };
  }
  // "#!": a script, such as a --runtime deno package's launcher, which runs the deno beside it.
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const deno = foreignCpu(headOf(`${dir}/${PACKAGED_DENO}`));
  if (deno === undefined) return undefined;
  const qemu = findQemuUser(deno, { qemu: options.qemu });
  return {
    cpu: deno,
    qemu,
    command: [bootstrap],
    env: { [DENO_RUNNER_VARIABLE]: qemu.program, QEMU_LD_PREFIX: qemu.ldPrefix },
  };
}
