/**
 * The options of `http(handler, options)` (`handler.ts`), read by the request builder
 * (`request.ts`) and the result shaping (`result.ts`).
 *
 * @module
 */

/** Options of `http` (`handler.ts`). */
export interface HttpOptions {
  /**
   * Remove the API Gateway stage from the front of the path (`/prod/users` → `/users`) when the
   * path starts with it. Needed for HTTP APIs with a named stage (their `rawPath` includes it),
   * harmless elsewhere. Default `false`.
   */
  stripStage?: boolean;
  /**
   * Overrides the text-or-base64 decision for a response body: return `true` for base64,
   * `false` for text (bytes that are not UTF-8 are then decoded lossily), `undefined` for the
   * default (see the module docs).
   */
  isBase64Encoded?: (response: Response) => boolean | undefined;
  /**
   * How the Function URL (or REST API) invokes the function, as its `InvokeMode` says. The event
   * does not tell: a function behind a `RESPONSE_STREAM` URL must say so. With
   * `RESPONSE_STREAM`, responses to Function URL and REST API events go out as HTTP-integration
   * streams (the body sent as the `Response` produces it); HTTP API and ALB events, which cannot
   * stream, still get buffered results. Default `BUFFERED`.
   */
  invokeMode?: "BUFFERED" | "RESPONSE_STREAM";
}
