/**
 * Reading a request body under a size limit, enforced while reading: a declared
 * `Content-Length` over the limit is refused before a byte is read, and a chunked body is cut
 * off as soon as it passes the limit, so a peer cannot make the emulator buffer more than the
 * limit (Lambda's Invoke API and Function URLs refuse such requests the same way).
 *
 * @module
 */

import { concat } from "../ground/bytes.ts";

/** A body read whole, or how much was seen when it passed the limit. */
export type LimitedBody =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; /** Bytes declared or read when the limit was passed. */ seen: number };

/** Reads `req`'s body, at most `limit` bytes (see the module docs). */
export async function readLimited(req: Request, limit: number): Promise<LimitedBody> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    await req.body?.cancel().catch(() => {});
    return { ok: false, seen: Number(declared) };
  }
  if (req.body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, seen: total };
    }
    parts.push(value);
  }
  return { ok: true, bytes: concat(parts) };
}
