/**
 * Helpers of the HTTP adapter tests: load a fixture event, run a Lambda handler through the real
 * invoke core (JSON in, JSON out, as Lambda would), decode results.
 *
 * @module
 */

import { createInvoker, type InvokeResult } from "../../runtime/invoke.ts";
import type { LambdaHandler } from "../../runtime/types.ts";
import { splitPrelude } from "../../http/stream.ts";

/** A fixture event (a fresh copy each call). */
export function fixture(name: string): Record<string, unknown> {
  const path = new URL(`./fixtures/${name}.json`, import.meta.url);
  return JSON.parse(Deno.readTextFileSync(path)) as Record<string, unknown>;
}

let seq = 0;

/** Runs one invoke of `handler` with `event`. */
export async function invokeRaw(
  handler: LambdaHandler<never, unknown>,
  event: unknown,
  streaming = false,
): Promise<InvokeResult> {
  const invoker = createInvoker(handler as LambdaHandler, { setTraceEnv: false, streaming });
  return await invoker.invoke({
    payload: new TextEncoder().encode(JSON.stringify(event)),
    requestId: `req-${++seq}`,
    deadlineMs: Date.now() + 30_000,
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:test",
  });
}

/** Runs one invoke and returns the JSON result; fails on an invoke error. */
export async function invokeJson<T = Record<string, unknown>>(
  handler: LambdaHandler<never, unknown>,
  event: unknown,
): Promise<T> {
  const r = await invokeRaw(handler, event);
  if (!r.ok) throw new Error(`invoke failed: ${JSON.stringify(r.error)}`);
  return JSON.parse(new TextDecoder().decode(r.payload)) as T;
}

/** Reads a whole byte stream. */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Runs one streaming invoke and splits the HTTP-integration stream it produced. */
export async function invokeHttpStream(
  handler: LambdaHandler<never, unknown>,
  event: unknown,
): Promise<{ contentType: string; metadata: Record<string, unknown>; body: string }> {
  const r = await invokeRaw(handler, event, true);
  if (!r.ok) throw new Error(`invoke failed: ${JSON.stringify(r.error)}`);
  if (!r.stream) throw new Error("the result was not streamed");
  const bytes = await collect(r.stream);
  const split = splitPrelude(bytes);
  if (!split) throw new Error(`no prelude in ${JSON.stringify(new TextDecoder().decode(bytes))}`);
  return {
    contentType: r.contentType,
    metadata: split.metadata as Record<string, unknown>,
    body: new TextDecoder().decode(split.body),
  };
}

/** Base64 → bytes. */
export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Bytes → base64. */
export function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}
