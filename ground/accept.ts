/**
 * The accept loop every listener of the library runs (the rpc server, so the go1.x runtime, and
 * the emulator's Runtime API): platform-independent, over any async iterable of connections, so
 * it stays when the npm build swaps `transport.ts` for its `node:net` version.
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
 * An accept that fails does not end the loop. A failure of one connection (a peer that connected
 * and reset before it was accepted: `NotConnected`, `ConnectionReset`, `ConnectionAborted` on
 * Deno) is skipped at once, as Go's runtime skips `ECONNABORTED`: a storm of them must not slow
 * the accepting of others. Any other failure (no file descriptors left) is retried, like Go's
 * servers, after a back-off that starts at 5 ms and doubles up to 1 s, and resets after a
 * successful accept. Only a closed listener (its iteration ends, or `closed()` says so) ends the
 * loop. `onError` is told of every failure.
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
      if (isPeerError(e)) continue;
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

/** Whether `e` is about one connection only: its peer reset it before it was accepted. */
function isPeerError(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === "NotConnected" || name === "ConnectionReset" || name === "ConnectionAborted";
}

/** Whether `e` says the listener itself is closed (Deno's `BadResource`/`Interrupted`). */
function isClosedError(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === "BadResource" || name === "Interrupted";
}
