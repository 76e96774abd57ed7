/**
 * Shutdown as Lambda does it: with an extension registered, Lambda sends the runtime SIGTERM and
 * kills it about 500 ms later. The runtime then runs what the function brought for it, in order:
 *
 * 1. the SIGTERM listeners the function registered itself, Deno's
 *    (`Deno.addSignalListener("SIGTERM", …)`) and Node's (`process.on("SIGTERM", …)`, which Deno
 *    routes through the former): Deno calls them first, as they were registered first;
 * 2. the `onShutdown` option of `start` (and, in a concurrent environment, every worker's);
 * 3. whatever work those left pending (a Powertools or OpenTelemetry flush, an HTTP request):
 *    the runtime waits for the empty event loop, at most until {@linkcode SHUTDOWN_BUDGET_MS}
 *    after the signal;
 *
 * then exits with status 0. With OpenTelemetry on, the runtime's exporter sends what is left as
 * part of step 2 (`telemetry.ts`).
 *
 * So that the runtime knows at init that the function wants SIGTERM (it must register its
 * internal extension before the first `next`), the runtime's entry points wrap
 * `Deno.addSignalListener` before the function's module body runs ({@linkcode watchSigterm}).
 *
 * @module
 */

import { waitForEmptyEventLoop } from "./event_loop.ts";
import { activeLogger } from "./logging.ts";

/**
 * How long after SIGTERM the runtime waits for the function's shutdown work before it exits:
 * under Lambda's grace period of about 500 ms, with room for the exit itself.
 */
export const SHUTDOWN_BUDGET_MS = 400;

let wanted = false;
let watching = false;
// The platform's own function, kept before the wrap: the runtime's listener does not count.
type AddSignalListener = (signal: string, handler: () => void) => void;
let addSignalListener: AddSignalListener | undefined;

/**
 * Wraps `Deno.addSignalListener` so that a SIGTERM listener the function registers (directly, or
 * through Node's `process.on`) is seen. Idempotent; a no-op where `Deno` is not the platform.
 */
export function watchSigterm(): void {
  if (watching) return;
  watching = true;
  const deno = (globalThis as unknown as { Deno?: { addSignalListener?: AddSignalListener } })
    .Deno;
  if (!deno || typeof deno.addSignalListener !== "function") return;
  const original: AddSignalListener = addSignalListener = deno.addSignalListener.bind(deno);
  try {
    deno.addSignalListener = (signal: string, handler: () => void) => {
      if (signal === "SIGTERM") wanted = true;
      return original(signal, handler);
    };
  } catch {
    // A platform that forbids the wrap: only `onShutdown` asks for SIGTERM then.
  }
}

/** Whether the function registered a SIGTERM listener of its own (see {@linkcode watchSigterm}). */
export function functionWantsSigterm(): boolean {
  return wanted;
}

/**
 * Installs the runtime's SIGTERM listener: runs `hooks` (the `onShutdown` options), waits for the
 * work left pending within {@linkcode SHUTDOWN_BUDGET_MS} of the signal, then exits 0.
 */
export function onSigterm(hooks: () => unknown): void {
  const add: AddSignalListener = addSignalListener ??
    ((signal, handler) => Deno.addSignalListener(signal as "SIGTERM", handler));
  add("SIGTERM", async () => {
    const deadline = Date.now() + SHUTDOWN_BUDGET_MS;
    try {
      await hooks();
    } catch (e) {
      activeLogger().logEvent("ERROR", `onShutdown failed: ${String(e)}`, undefined, undefined);
    }
    const left = deadline - Date.now();
    if (left > 0) {
      const wait = waitForEmptyEventLoop();
      let timer: number | undefined;
      await Promise.race([
        wait.promise,
        new Promise<void>((r) => {
          const t = timer = setTimeout(r, left) as unknown as number;
          // The budget's timer must not be what keeps the loop from emptying.
          Deno.unrefTimer(t);
        }),
      ]);
      wait.cancel();
      clearTimeout(timer);
    }
    Deno.exit(0);
  });
}
