/**
 * The doorbells a Managed Instances function's isolates wake each other with
 * (`runtime/doorbell.ts`): a ring wakes the other end, both ways; a connection is handed only to
 * whoever expects its token; a closed end ends the other's listening.
 */

import assert from "node:assert/strict";
import { connectDoorbell, DoorbellListener } from "../../runtime/doorbell.ts";

/** `p`, or a rejection naming `what` after `ms`. */
async function within<T>(p: Promise<T>, what: string, ms = 2000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `f` is true, or rejects after `ms`. */
async function until(f: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("doorbell: a ring wakes the other end, both ways", async () => {
  const listener = DoorbellListener.open();
  const { token, bell } = listener.expect();
  const near = await connectDoorbell(listener.port, token);
  const far = await bell;
  let farWoken = 0;
  let nearWoken = 0;
  const farDone = far.listen(() => farWoken++);
  const nearDone = near.listen(() => nearWoken++);
  near.ring();
  await until(() => farWoken > 0);
  far.ring();
  await until(() => nearWoken > 0);
  near.close();
  await farDone; // the other end's listening ends with the connection
  await nearDone;
  listener.close();
});

Deno.test("doorbell: a connection is handed only to whoever expects its token", async () => {
  const listener = DoorbellListener.open();
  const { token, bell } = listener.expect();
  let handed = false;
  bell.then(() => (handed = true));
  const stranger = await connectDoorbell(listener.port, token + 1000);
  // Refused: the listener closes it, so its listening ends.
  await within(stranger.listen(() => {}), "the stranger refused");
  assert.equal(handed, false);
  const known = await connectDoorbell(listener.port, token);
  const far = await bell;
  assert.equal(handed, true);
  known.close();
  await far.listen(() => {});
  listener.close();
});

Deno.test("doorbell: a forgotten token is refused", async () => {
  const listener = DoorbellListener.open();
  const { token } = listener.expect();
  listener.forget(token);
  const late = await connectDoorbell(listener.port, token);
  await within(late.listen(() => {}), "the late one refused");
  listener.close();
});

Deno.test("doorbell: tokens are random, so no other process can take one by counting", () => {
  const listener = DoorbellListener.open();
  const tokens = Array.from({ length: 4 }, () => listener.expect().token);
  for (const t of tokens) assert.ok(Number.isInteger(t) && t > 0 && t < 2 ** 32, `${t}`);
  assert.equal(new Set(tokens).size, tokens.length);
  // Sequential tokens (1, 2, 3, …) could be sent by any local process before a worker's.
  assert.ok(tokens.some((t, i) => i > 0 && t !== tokens[i - 1] + 1), tokens.join(" "));
  listener.close();
});

Deno.test("doorbell: a connection that sends no token is closed; the expected one still arrives", async () => {
  const listener = DoorbellListener.open({ identifyMs: 100 });
  const { token, bell } = listener.expect();
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  // Closed by the listener: the silent connection reads its end.
  const got = await within(silent.read(new Uint8Array(8)), "the silent connection closed");
  assert.equal(got, null);
  silent.close();
  const known = await connectDoorbell(listener.port, token);
  const far = await within(bell, "the expected doorbell");
  known.close();
  await far.listen(() => {});
  listener.close();
});
