/**
 * The server's fairness between connections: a connection with many requests already received
 * is served a turn's worth of them (rpc/server.ts, `TURN`: 32 requests) before the others get a
 * turn.
 *
 * Judged by Go: `tests/go/cmd/rpcflood` pipelines 20,000 calls of the shortest name (`F.T`) on one
 * connection and, on another, 2,000 `Arith.Multiply` calls with Go's net/rpc client. Every
 * request of both is in the kernel before the server accepts either connection, so the order in
 * which the server answers them depends on its own loop, not on when either process gets the CPU:
 * the test counts, at each answer to the client, the flood's calls answered since the one before.
 * Each socket read lets the other connections in anyway, but one read holds up to 64 KiB (3,000
 * of the flood's calls): without the turns the flood is answered 700 calls in a row, or up to all
 * of it, between two of the client's; with them, 32.
 */

import assert from "node:assert/strict";
import { listen, method, t } from "../../rpc/mod.ts";
import { buildGo, goTest } from "../_support/go.ts";
import { TURN } from "../../rpc/server.ts";
import { arithServer } from "./_services.ts";

/**
 * The most flood calls answered between two answers to the client that still shows turns: one
 * turn is 32; the rest is room for the event loop's order (a turn cut by a socket read, timers
 * firing in another order). Without turns the fewest seen are 760 (at a load average of 5).
 */
const MOST_BETWEEN = 4 * TURN;

/** The flood's calls and the client's (their requests fit the kernel's default buffers). */
const FLOOD = 20_000;
const CALLS = 2_000;

/** What `rpcflood` prints once every answer is in. */
interface FloodResult {
  flood: { answers: number; errors: string[] };
  client: { calls: number; wrong: number; errors: string[] };
}

goTest("fairness: a flood of tiny pipelined calls gives the other connections turns", async () => {
  const bin = await buildGo("cmd/rpcflood");
  const errors: unknown[] = [];
  let flooded = 0;
  /** The number of the flood's calls answered when each of the client's was. */
  const at: number[] = [];
  const server = arithServer({ onError: (e) => errors.push(e) }, () => at.push(flooded));
  server.register("F", { T: method(t.int, t.int, (n) => (flooded++, n)) });
  // Not served yet: the kernel completes both connections and buffers their requests.
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const peer = new Deno.Command(bin, {
    args: ["-addr", `127.0.0.1:${port}`, "-flood", `${FLOOD}`, "-calls", `${CALLS}`],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(peer.stderr).text();
  const stdout = peer.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  for (let r; !out.includes("\n") && !(r = await stdout.read()).done;) out += r.value;
  let serving: Promise<void> | undefined;
  try {
    // (Awaited only on failure: its stderr ends when it exits.)
    if (!out.startsWith("SENT\n")) assert.fail(`rpcflood: ${out}${await stderr}`);
    serving = server.serve(listener);
    for (let r; !(r = await stdout.read()).done;) out += r.value;
    assert.ok((await peer.status).success, `rpcflood failed: ${await stderr}`);
    const result: FloodResult = JSON.parse(out.slice("SENT\n".length));
    assert.deepEqual(result.client, { calls: CALLS, wrong: 0, errors: [] });
    assert.deepEqual(result.flood, { answers: FLOOD, errors: [] });
    assert.deepEqual(errors, []);

    assert.equal(at.length, CALLS);
    // The client was served while the flood was, not after it.
    assert.ok(at[0] < at[CALLS - 1], "some of the flood's calls were answered among the client's");
    assert.ok(
      at[CALLS - 1] < FLOOD / 2,
      `${at[CALLS - 1]} of the flood's calls were answered before the client's last`,
    );
    let most = 0;
    for (let i = 1; i < CALLS; i++) most = Math.max(most, at[i] - at[i - 1]);
    assert.ok(
      most <= MOST_BETWEEN,
      `${most} of the flood's calls answered in a row between two of the client's ` +
        `(at most ${MOST_BETWEEN})`,
    );
  } finally {
    listener.close();
    await server.close({ timeout: 500 });
    await serving;
    await peer.status;
  }
});
