/**
 * What the concurrent-environment tests check about each invocation's view of itself
 * (`tests/runtime/fixtures/concurrent.ts` reports it), under our emulator and under AWS's.
 *
 * @module
 */

import assert from "node:assert/strict";

/** What the fixture reports. */
export interface Seen {
  tag: string;
  storedTag: string;
  storeRequestId: string;
  requestId: string;
  deadlineMs: number;
  /** When the handler started (ms since the epoch). */
  startedAt: number;
  isolate: string;
  pid: number;
}

/** An invocation a test sent: its tag, the request id it gave (if any), when it sent it. */
export interface Sent {
  tag: string;
  requestId?: string;
  /** When the test sent it (ms since the epoch). */
  sentAt: number;
}

/**
 * Each invocation saw its own request id (in its context and in `InvokeStore`), its own store
 * value, and a deadline of its own: the timeout after the platform took it, so no earlier than
 * the timeout after it was sent, and no later than the timeout after its handler started (the
 * handler reads it after awaiting, when invocations sent after it have been taken: sent some
 * tens of milliseconds apart, a deadline shared between invocations falls outside one of the
 * bounds). `sent[i].requestId` is checked when given (an emulator that takes the caller's ids).
 */
export function checkIsolation(sent: Sent[], seen: Seen[], timeoutMs: number): void {
  assert.equal(seen.length, sent.length);
  const ids = new Set<string>();
  for (const [i, s] of seen.entries()) {
    assert.equal(s.tag, sent[i].tag);
    assert.equal(s.storedTag, sent[i].tag, `the store of ${s.tag} held another invocation's value`);
    assert.equal(s.storeRequestId, s.requestId, `${s.tag}: InvokeStore's request id`);
    if (sent[i].requestId) assert.equal(s.requestId, sent[i].requestId);
    ids.add(s.requestId);
    // Lambda's deadline header has millisecond precision, and so has the clock read here.
    assert.ok(
      s.deadlineMs >= sent[i].sentAt + timeoutMs - 2 && s.deadlineMs <= s.startedAt + timeoutMs + 2,
      `${s.tag}: deadline ${s.deadlineMs - sent[i].sentAt - timeoutMs} ms after the timeout ` +
        `from sending, ${s.deadlineMs - s.startedAt - timeoutMs} ms from the handler's start`,
    );
  }
  assert.equal(ids.size, sent.length, "every invocation had its own request id");
}

/**
 * Sends `count` invocations `gapMs` apart, each holding on so that they overlap (the first the
 * longest), through `invoke`; resolves what each saw and what was sent.
 */
export async function staggered<T>(
  count: number,
  gapMs: number,
  invoke: (event: { tag: string; ms: number }, sent: Sent) => Promise<T>,
): Promise<{ sent: Sent[]; answers: T[] }> {
  const sent: Sent[] = [];
  const answers: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
    const s: Sent = { tag: `t${i}`, requestId: crypto.randomUUID(), sentAt: Date.now() };
    sent.push(s);
    answers.push(invoke({ tag: s.tag, ms: gapMs * (count - i) + 50 }, s));
  }
  return { sent, answers: await Promise.all(answers) };
}
