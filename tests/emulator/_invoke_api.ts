/**
 * The emulator's Invoke API (`serveInvokeApi`) on a free loopback port for the length of a test.
 *
 * @module
 */

import type { FunctionPool } from "../../emulator/pool.ts";
import { serveInvokeApi, type ServeOptions } from "../../emulator/invoke_api.ts";

/**
 * Serves `pool` with the Invoke API on a free port of 127.0.0.1 while `f` runs with that port;
 * then stops the server and closes the pool.
 */
export async function withInvokeApi(
  pool: FunctionPool,
  f: (port: number) => Promise<void>,
  options: Pick<ServeOptions, "functionName"> = {},
): Promise<void> {
  const ac = new AbortController();
  let port = 0;
  const server = serveInvokeApi(pool, {
    ...options,
    port: 0,
    signal: ac.signal,
    onListen: (a) => (port = a.port),
  });
  try {
    await f(port);
  } finally {
    ac.abort();
    await server.finished;
    await pool.close();
  }
}
