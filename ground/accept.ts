/**
 * The accept loop every server of the library runs (the rpc server, the emulator's platform):
 * platform-neutral, so it lives beside the transport rather than in it (the npm build swaps the
 * transport module for a `node:net` one and re-exports this).
 *
 * @module
 */

/** Options of {@link acceptLoop}. */
export interface AcceptOptions {
  /** Called with each accept error before its back-off (default: ignore). */
  onError?: (error: unknown) => void;
  /** Whether the owner has closed the listener on purpose: an error then ends the loop. */
  closed?: () => boolean;
}

/** The first back-off after a failed accept, in ms (Go's `http.Server.Serve`: 5 ms). */
export const ACCEPT_BACKOFF_MIN = 5;
/** The longest back-off between failed accepts, in ms (Go: 1 s). */
export const ACCEPT_BACKOFF_MAX = 1000;

/**
 * Accepts connections from `listener` and hands each to `handle`, until the listener is closed.
 *
 * An accept that fails does not end the loop: a peer that connects and resets at once makes
 * `accept` throw (`NotConnected` on Deno), and so does running out of file descriptors. Like Go's
 * servers, the loop retries after a back-off that starts at 5 ms and doubles up to 1 s, and
 * resets after a successful accept. Only a closed listener (its iteration ends, or `closed()`
 * says so) ends the loop.
 */
export async function acceptLoop<C>(
  listener: AsyncIterable<C>,
  handle: (conn: C) => void,
  options: AcceptOptions = {},
): Promise<void> {
  const it = listener[Symbol.asyncIterator]();
  let delay = 0;
  for (;;) {
    let r: IteratorResult<C>;
    try {
      r = await it.next();
    } catch (e) {
      if (options.closed?.() || isClosedError(e)) return;
      options.onError?.(e);
      delay = delay === 0 ? ACCEPT_BACKOFF_MIN : Math.min(delay * 2, ACCEPT_BACKOFF_MAX);
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (options.closed?.()) return;
      continue;
    }
    if (r.done) return;
    delay = 0;
    handle(r.value);
  }
}

/** Whether `e` says the listener itself is closed (Deno's `BadResource`/`Interrupted`). */
function isClosedError(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === "BadResource" || name === "Interrupted";
}
