/**
 * The `awslambda` global of Lambda's Node.js runtime, so that code written for it runs unchanged:
 * `awslambda.streamifyResponse(handler)` and `awslambda.HttpResponseStream.from(stream,
 * metadata)`. Hono's `streamHandle` (`hono/aws-lambda`) is such code.
 *
 * Importing `http/mod.ts` (or the package root in a Lambda environment; see `_install.ts`)
 * installs the global: its members are merged into an existing `awslambda` object (`@aws/lambda-invoke-store`, which Powertools
 * and the AWS SDK import, creates an empty one), each kept when already there (code running on
 * Node's own runtime keeps Node's). Its type is the one
 * `@types/aws-lambda` declares; that declaration types `streamifyResponse`'s result as the
 * three-argument handler, so pass it to `start` through the {@linkcode streamifyResponse} export
 * (typed as the two-argument Lambda handler it really is) or with a cast.
 *
 * - `streamifyResponse(handler)`: `handler(event, responseStream, context)` writes to
 *   `responseStream`, a Node `Writable` (so `pipeline(source, responseStream)` works) with
 *   `setContentType(type)`. The returned Lambda handler gives the runtime a
 *   {@linkcode StreamingResponse} whose body is what is written, sent to Lambda as it arrives
 *   (with backpressure: a write waits while the runtime has not taken the previous chunks). The
 *   body ends at `end()`, or when the handler's promise resolves; if the handler rejects (or the
 *   stream is destroyed with an error) the body fails with that error, which reaches Lambda as the
 *   invocation's error (the error trailers once something was sent).
 * - `HttpResponseStream.from(responseStream, {statusCode, headers, cookies})`: sets the content
 *   type `application/vnd.awslambda.http-integration-response` and has the JSON prelude and its 8
 *   NUL bytes written before the first byte of the body (or at `end()` when there is none).
 *
 * @module
 */

import type { Writable } from "node:stream";
import { nodeStream } from "../runtime/lazy_node.ts";
import { type StreamingResponse, streamResponse } from "../runtime/streaming.ts";
import type { LambdaContext } from "../runtime/types.ts";
import { bufferedHttpResult, encodePrelude, HTTP_INTEGRATION_CONTENT_TYPE } from "./stream.ts";
import type { HttpResponseMetadata } from "./stream.ts";

/** The stream a streaming handler writes its response to (Node's `responseStream`). */
export interface ResponseStream extends Writable {
  /** Sets the content type of the response; effective until the first write. */
  setContentType(contentType: string): void;
}

/** A handler for {@linkcode streamifyResponse}, as Node's runtime calls it. */
export type StreamifyHandler<E = unknown> = (
  event: E,
  responseStream: ResponseStream,
  context: LambdaContext,
) => unknown;

/** The Lambda handler {@linkcode streamifyResponse} returns. */
export type StreamingHandler<E = unknown> = (
  event: E,
  context: LambdaContext,
) => StreamingResponse;

const HIGH_WATER_BYTES = 64 * 1024;

/** The streams {@linkcode streamifyResponse} hands to handlers. */
interface LambdaResponseStream extends ResponseStream {
  contentType: string;
  prelude: Uint8Array | null;
  readonly body: ReadableStream<Uint8Array>;
}

let responseStreamClass: (new () => LambdaResponseStream) | undefined;

/**
 * The class of {@linkcode LambdaResponseStream}, made on the first streamed response: it extends
 * `node:stream`'s `Writable`, and importing `node:stream` when this module loads cost every
 * function importing `http/mod.ts` (every HTTP function) Deno's Node.js stream polyfills at
 * start-up, streaming or not (see `runtime/lazy_node.ts`).
 */
function lambdaResponseStreamClass(): new () => LambdaResponseStream {
  return responseStreamClass ??= defineLambdaResponseStream(nodeStream().Writable);
}

function defineLambdaResponseStream(
  Base: typeof Writable,
): new () => LambdaResponseStream {
  return class LambdaResponseStream extends Base implements ResponseStream {
    contentType = "application/octet-stream";
    prelude: Uint8Array | null = null;
    readonly body: ReadableStream<Uint8Array>;
    #controller!: ReadableStreamDefaultController<Uint8Array>;
    #resume: (() => void) | null = null;
    #started = false;

    constructor() {
      super({ decodeStrings: true });
      this.body = new ReadableStream<Uint8Array>({
        start: (c) => {
          this.#controller = c;
        },
        pull: () => {
          const resume = this.#resume;
          this.#resume = null;
          resume?.();
        },
        cancel: (reason) => {
          this.destroy(reason instanceof Error ? reason : new Error(String(reason)));
        },
      }, new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }));
    }

    setContentType(contentType: string): void {
      if (!this.#started) this.contentType = contentType;
    }

    #start(): void {
      if (this.#started) return;
      this.#started = true;
      if (this.prelude) this.#controller.enqueue(this.prelude);
    }

    override _write(
      chunk: Uint8Array,
      _encoding: string,
      callback: (error?: Error | null) => void,
    ): void {
      try {
        this.#start();
        if (chunk.length > 0) {
          this.#controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        }
      } catch (e) {
        return callback(e as Error);
      }
      if ((this.#controller.desiredSize ?? 1) > 0) callback();
      else this.#resume = () => callback();
    }

    override _final(callback: (error?: Error | null) => void): void {
      try {
        this.#start();
        this.#controller.close();
        callback();
      } catch (e) {
        callback(e as Error);
      }
    }

    override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
      try {
        // Destroyed without an error before end(): the body ends where it is.
        if (error) this.#controller.error(error);
        else this.#controller.close();
      } catch {
        // already closed
      }
      const resume = this.#resume;
      this.#resume = null;
      resume?.();
      callback(error);
    }
  };
}

/**
 * Node's `awslambda.streamifyResponse`: turns `handler(event, responseStream, context)` into a
 * Lambda handler whose response is streamed (see the module docs).
 */
export function streamifyResponse<E = unknown>(handler: StreamifyHandler<E>): StreamingHandler<E> {
  return (event, context) => {
    const stream = new (lambdaResponseStreamClass())();
    let ret: unknown;
    try {
      ret = handler(event, stream, context);
    } catch (e) {
      stream.destroy(e instanceof Error ? e : new Error(String(e)));
      ret = undefined;
    }
    Promise.resolve(ret).then(
      () => {
        if (!stream.writableEnded && !stream.destroyed) stream.end();
      },
      (e: unknown) => {
        if (!stream.destroyed) stream.destroy(e instanceof Error ? e : new Error(String(e)));
      },
    );
    return streamResponse(stream.body, {
      contentType: () => stream.contentType,
      buffered: (bytes, contentType) =>
        contentType === HTTP_INTEGRATION_CONTENT_TYPE ? bufferedHttpResult(bytes) : bytes,
    });
  };
}

/** Node's `awslambda.HttpResponseStream`. */
export class HttpResponseStream {
  /**
   * Makes `responseStream` an HTTP-integration stream: content type
   * `application/vnd.awslambda.http-integration-response`, and `metadata` as the JSON prelude
   * (followed by 8 NUL bytes) before the body. Returns the same stream.
   */
  static from<S extends ResponseStream>(responseStream: S, metadata: HttpResponseMetadata): S {
    responseStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    if (responseStreamClass !== undefined && responseStream instanceof responseStreamClass) {
      responseStream.prelude = encodePrelude(metadata);
    } else {
      responseStream.write(encodePrelude(metadata));
    }
    return responseStream;
  }
}

/** The shape of the `awslambda` global. */
export interface AwsLambdaGlobal {
  /** See {@linkcode streamifyResponse}. */
  streamifyResponse: typeof streamifyResponse;
  /** See {@linkcode HttpResponseStream}. */
  HttpResponseStream: typeof HttpResponseStream;
}

/** Our `awslambda` object (also installed as the global; see the module docs). */
export const awslambda: AwsLambdaGlobal = { streamifyResponse, HttpResponseStream };

/**
 * Installs the `awslambda` global: merges {@linkcode awslambda}'s members into an existing
 * object (keeping members already set), or creates it. Returns the global.
 */
export function installAwsLambdaGlobal(): AwsLambdaGlobal {
  const g = globalThis as unknown as { awslambda?: Partial<AwsLambdaGlobal> };
  const target = g.awslambda ??= {};
  target.streamifyResponse ??= streamifyResponse;
  target.HttpResponseStream ??= HttpResponseStream;
  return target as AwsLambdaGlobal;
}
