/**
 * The Runtime API driver: a {@linkcode RuntimeApiPlatform} per environment, pointed at by
 * `AWS_LAMBDA_RUNTIME_API`. The init is over at the first `next` poll (or failed at a post to
 * `/runtime/init/error`); an invocation is queued for the next poll, its deadline set when the
 * poll takes it; the answer is a posted error (passed through as posted, as Lambda returns it)
 * or a response read chunk by chunk into the sink, possibly ending in error trailers.
 *
 * @module
 */

import { parseErrorDocument } from "../protocol/lambda_error.ts";
import { modeVariable } from "../protocol/mode.ts";
import type {
  Driver,
  DriverAnswer,
  DriverCall,
  DriverInvocation,
  DriverOptions,
  InitResult,
  Sink,
} from "./driver.ts";
import {
  type PostedError,
  type RuntimeAnswer,
  RuntimeApiPlatform,
} from "./runtime_api_platform.ts";

function posted(e: PostedError): DriverAnswer {
  return {
    kind: "error",
    error: parseErrorDocument(e.body, e.errorType),
    payload: e.body,
    replace: false,
  };
}

/** Reads a response into `sink`; resolves with how it ended. Stops early when `cancelled`. */
async function readAnswer(
  answer: RuntimeAnswer,
  sink: Sink,
  cancelled: AbortSignal,
): Promise<DriverAnswer> {
  if (answer.kind === "error") return posted(answer.error);
  sink.head(answer.contentType);
  const reader = answer.body.getReader();
  const stop = () => reader.cancel().catch(() => {});
  cancelled.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await sink.write(value);
    }
  } catch {
    // the body was cut off: `done` reports it
  } finally {
    cancelled.removeEventListener("abort", stop);
  }
  const end = await answer.done;
  return end.error ? posted(end.error) : { kind: "ok" };
}

/** A Runtime API driver (see the module docs). */
export function runtimeApiDriver(options: DriverOptions): Driver {
  const platform = RuntimeApiPlatform.start({
    functionName: options.functionName,
    handler: options.handler,
  });
  return {
    environment: { [modeVariable("runtime-api")]: platform.address },
    get wantsSigterm() {
      return platform.extensionRegistered;
    },
    init(): Promise<InitResult> {
      return Promise.race([
        platform.ready.then((): InitResult => ({ ok: true })),
        platform.initError.then((e): InitResult => ({ ok: false, failure: { posted: e } })),
      ]);
    },
    invoke(invocation: DriverInvocation, sink: Sink): DriverCall {
      const { request } = invocation;
      const inv = platform.enqueue({
        requestId: request.requestId,
        payload: request.payload,
        timeoutMs: invocation.timeoutMs,
        functionArn: request.invokedFunctionArn,
        traceId: request.traceId,
        clientContext: typeof request.clientContext === "string"
          ? request.clientContext
          : request.clientContext && new TextDecoder().decode(request.clientContext),
        cognitoIdentity: request.identity
          ? JSON.stringify({
            cognitoIdentityId: request.identity.cognitoIdentityId ?? "",
            cognitoIdentityPoolId: request.identity.cognitoIdentityPoolId ?? "",
          })
          : undefined,
        tenantId: invocation.tenantId,
        maxResponseBytes: invocation.maxResponseBytes,
      });
      const cancel = new AbortController();
      return {
        delivered: inv.delivered,
        answer: inv.answer.then((a) => readAnswer(a, sink, cancel.signal)),
        cancel: () => cancel.abort(),
      };
    },
    close: () => platform.close(),
  };
}
