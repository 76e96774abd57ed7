/**
 * AWS's binary event-stream framing (`application/vnd.amazon.eventstream`),
 * as Lambda's `InvokeWithResponseStream` answers with it: each message is
 *
 *     total length (u32) | headers length (u32) | prelude CRC-32 (u32)
 *     headers | payload | message CRC-32 (u32)
 *
 * with string headers `:event-type`, `:message-type` and `:content-type`.
 * Only what the emulator sends is implemented: encoding event messages.
 *
 * @module
 */

import { crc32 } from "../ground/bytes.ts";

const utf8 = new TextEncoder();
const STRING = 7;

/** Encodes one event-stream message with string `headers` and `payload`. */
export function encodeEventMessage(
  headers: Record<string, string>,
  payload: Uint8Array,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let headersLength = 0;
  for (const [name, value] of Object.entries(headers)) {
    const n = utf8.encode(name);
    const v = utf8.encode(value);
    const h = new Uint8Array(1 + n.length + 1 + 2 + v.length);
    h[0] = n.length;
    h.set(n, 1);
    h[1 + n.length] = STRING;
    new DataView(h.buffer).setUint16(2 + n.length, v.length);
    h.set(v, 4 + n.length);
    parts.push(h);
    headersLength += h.length;
  }
  const total = 12 + headersLength + payload.length + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headersLength);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  let p = 12;
  for (const h of parts) {
    out.set(h, p);
    p += h.length;
  }
  out.set(payload, p);
  p += payload.length;
  view.setUint32(p, crc32(out.subarray(0, p)));
  return out;
}

/** A `PayloadChunk` event carrying part of the function's response. */
export function payloadChunk(bytes: Uint8Array): Uint8Array {
  return encodeEventMessage({
    ":event-type": "PayloadChunk",
    ":content-type": "application/octet-stream",
    ":message-type": "event",
  }, bytes);
}

/** The `InvokeComplete` event that ends the stream (with the error, if any). */
export function invokeComplete(
  result: { errorCode?: string; errorDetails?: string; logResult?: string } = {},
): Uint8Array {
  const body: Record<string, string> = {};
  if (result.errorCode) body.ErrorCode = result.errorCode;
  if (result.errorDetails) body.ErrorDetails = result.errorDetails;
  if (result.logResult) body.LogResult = result.logResult;
  return encodeEventMessage({
    ":event-type": "InvokeComplete",
    ":content-type": "application/json",
    ":message-type": "event",
  }, utf8.encode(JSON.stringify(body)));
}
