/**
 * Node's `callbackWaitsForEmptyEventLoop`, in Deno: tells when the event loop has nothing left to
 * do but the runtime's own waiting.
 *
 * Lambda's Node.js runtime answers a callback handler only once the event loop is empty (its
 * `process.on("beforeExit")` listener posts the result), so timers and I/O the handler left
 * pending run inside the invocation. Deno's equivalent of `beforeExit` is the `beforeunload`
 * event: dispatched when the loop runs dry, and cancelling it keeps the process going. The
 * runtime's own handles (the Runtime API's kept-alive connections, the go1.x listener and its
 * connections) would keep the loop busy forever, so while a waiter is registered they are
 * unref'd (they still work, but no longer hold the loop), and ref'd again when the last waiter
 * is told or cancelled.
 *
 * Deno cannot dispatch `beforeunload` while the main module's top-level `await` is pending: a
 * function that writes `await start(handler)` would have Deno report "Top-level await promise
 * never resolved" instead. Callback handlers are served with `start(handler)` not awaited (as
 * every example does); the documentation says so.
 *
 * @module
 */

/** A handle that can stop holding the event loop open (a `Deno.Conn`, a `Deno.Listener`). */
export interface LoopHandle {
  /** Holds the loop open again. */
  ref(): void;
  /** Stops holding the loop open. */
  unref(): void;
}

const handles = new Set<LoopHandle>();
const waiters = new Set<() => void>();
let listening = false;

/** Whether this platform has the event the wait needs (Deno has; Node's globals have not). */
export function canWaitForEmptyEventLoop(): boolean {
  return typeof globalThis.addEventListener === "function";
}

function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // a closed handle: nothing to hold
  }
}

function onBeforeUnload(e: Event): void {
  if (waiters.size === 0) return;
  e.preventDefault();
  const told = [...waiters];
  waiters.clear();
  for (const h of handles) quietly(() => h.ref());
  for (const w of told) w();
}

/**
 * Registers a runtime handle that must not keep the loop busy while an invocation waits for it
 * to empty. Returns the function that forgets it (call it when the handle is closed).
 */
export function trackLoopHandle(handle: LoopHandle): () => void {
  if (typeof handle.ref !== "function" || typeof handle.unref !== "function") return () => {};
  handles.add(handle);
  if (waiters.size > 0) quietly(() => handle.unref());
  return () => {
    handles.delete(handle);
  };
}

/** A pending wait for the empty event loop. */
export interface EmptyLoopWait {
  /** Resolves when nothing but the runtime's own handles is left in the event loop. */
  readonly promise: Promise<void>;
  /** Stops waiting (the invocation was settled otherwise); the promise then never resolves. */
  cancel(): void;
}

/** Waits until the event loop is empty (see the module docs). */
export function waitForEmptyEventLoop(): EmptyLoopWait {
  if (!listening) {
    listening = true;
    globalThis.addEventListener("beforeunload", onBeforeUnload);
  }
  let waiter!: () => void;
  const promise = new Promise<void>((resolve) => (waiter = resolve));
  if (waiters.size === 0) { for (const h of handles) quietly(() => h.unref()); }
  waiters.add(waiter);
  return {
    promise,
    cancel() {
      if (!waiters.delete(waiter) || waiters.size > 0) return;
      for (const h of handles) quietly(() => h.ref());
    },
  };
}
