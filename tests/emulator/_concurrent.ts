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
  isolate: string;
  pid: number;
}

/**
 * Each invocation saw its own request id (in its context and in `InvokeStore`), its own store
 * value, and a deadline of its own: the timeout after it was taken, within the run's bounds.
 * `sent[i].requestId` is checked when given (an emulator that takes the caller's ids).
 */
export function checkIsolation(
  sent: { tag: string; requestId?: string }[],
  seen: Seen[],
  bounds: { timeoutMs: number; sentAt: number; until: number },
): void {
  assert.equal(seen.length, sent.length);
  const ids = new Set<string>();
  for (const [i, s] of seen.entries()) {
    assert.equal(s.tag, sent[i].tag);
    assert.equal(s.storedTag, sent[i].tag, `the store of ${s.tag} held another invocation's value`);
    assert.equal(s.storeRequestId, s.requestId, `${s.tag}: InvokeStore's request id`);
    if (sent[i].requestId) assert.equal(s.requestId, sent[i].requestId);
    ids.add(s.requestId);
    // Lambda's deadline header has millisecond precision; the fixture adds the remaining time.
    assert.ok(
      s.deadlineMs >= bounds.sentAt + bounds.timeoutMs - 5 &&
        s.deadlineMs <= bounds.until + bounds.timeoutMs + 5,
      `${s.tag}: deadline ${s.deadlineMs - bounds.sentAt} ms after sending`,
    );
  }
  assert.equal(ids.size, sent.length, "every invocation had its own request id");
}
