// The AWS SDK is pinned here rather than in deno.json: a test-only package stays out of what
// `deno task demo` downloads.
// deno-lint-ignore-file no-import-prefix
/**
 * The emulator's Invoke API against the real AWS SDK for JavaScript
 * (`@aws-sdk/client-lambda`, pointed at 127.0.0.1): `Invoke`, and
 * `InvokeWithResponseStream` with its binary event stream, chunk by chunk.
 */
import assert from "node:assert/strict";
import {
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { FunctionPool } from "../../emulator/pool.ts";
import { withInvokeApi } from "./_invoke_api.ts";

const STREAMER = new URL("./fixtures/streamer.ts", import.meta.url).pathname;
const utf8 = new TextEncoder();
const text = new TextDecoder();

async function withSdk(fn: (client: LambdaClient) => Promise<void>): Promise<void> {
  const pool = new FunctionPool({ entry: STREAMER, protocol: "runtime-api", stderr: "piped" });
  await withInvokeApi(pool, async (port) => {
    const client = new LambdaClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      await fn(client);
    } finally {
      client.destroy();
    }
  });
}

Deno.test({
  name: "AWS SDK: Invoke and InvokeWithResponseStream against serve",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSdk(async (client) => {
      const plain = await client.send(
        new InvokeCommand({
          FunctionName: "function",
          Payload: utf8.encode('{"parts":["a","b"]}'),
        }),
      );
      assert.equal(plain.StatusCode, 200);
      assert.equal(text.decode(plain.Payload), "ab");

      const streamed = await client.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: "function",
          Payload: utf8.encode('{"parts":["a","b","c"]}'),
        }),
      );
      const chunks: { at: number; data: string }[] = [];
      let complete: unknown = null;
      const t0 = performance.now();
      for await (const event of streamed.EventStream!) {
        if (event.PayloadChunk?.Payload) {
          chunks.push({
            at: performance.now() - t0,
            data: text.decode(event.PayloadChunk.Payload),
          });
        }
        if (event.InvokeComplete) complete = event.InvokeComplete;
      }
      assert.deepEqual(chunks.map((c) => c.data), ["a", "b", "c"]);
      assert.ok(chunks[2].at - chunks[0].at >= 60, "chunks arrive as the function writes them");
      assert.deepEqual(complete, {});

      const failed = await client.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: "function",
          Payload: utf8.encode('{"parts":["a","b"],"fail":true}'),
        }),
      );
      const events = [];
      for await (const event of failed.EventStream!) events.push(event);
      assert.equal(text.decode(events[0].PayloadChunk?.Payload), "a");
      assert.deepEqual(events.at(-1)?.InvokeComplete, {
        ErrorCode: "RangeError",
        ErrorDetails: "failed mid-stream",
      });
    }),
});
