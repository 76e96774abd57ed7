/**
 * Decoding one value from a decoder core (`_decode_core.ts`, the stream
 * state): its type definitions, then its message, with errors that say where
 * the value started and a rollback when a message has not arrived yet. The
 * readers here decode into descriptors or skip; the schemaless reader is
 * `plainValue` in `_decode_plain.ts`, loaded only by what decodes without a
 * descriptor.
 *
 * @module
 */

import { type DecoderCore, NEED_MORE } from "./_decode_core.ts";
import { GobError } from "./error.ts";

export {
  DecoderCore,
  type DecoderOptions,
  EMPTY_STRUCT,
  LARGE_MESSAGE,
  NEED_MORE,
} from "./_decode_core.ts";
export { typedValue } from "./_decode_typed.ts";
export { skipValue } from "./_decode_skip.ts";

/** Builds the value of type id `id` from the core's input (or skips it, or renders it). */
export type ValueReader = (core: DecoderCore, id: number) => unknown;

/** Consumes the rest of a bad message, so a caller that goes on starts at the next one. */
function consumeBad(core: DecoderCore, e: unknown): unknown {
  if (e instanceof GobError && e.code !== "eof" && core.msgEnd > core.pos) core.pos = core.msgEnd;
  return e;
}

/**
 * Decodes the next value with `read`: its type definitions, then the value's message. Errors
 * come out as `GobError`s that say at which stream offset the value started; {@linkcode NEED_MORE}
 * passes through.
 */
export function decodeValue(core: DecoderCore, read: ValueReader): unknown {
  const start = core.offset;
  try {
    const id = core.typeSequence(false);
    const v = read(core, id);
    core.pos = core.msgEnd; // anything left in the message after the value is ignored, as in Go
    core.endValue();
    return v;
  } catch (e) {
    if (e === NEED_MORE) throw e;
    core.endValue();
    if (e instanceof GobError) {
      if (e.code === "eof") throw e;
      throw new GobError(e.code, `${e.message} (value at stream offset ${start})`, {
        cause: e.cause,
      });
    }
    if (e instanceof RangeError) {
      // V8's two: the call stack ran out (nesting), or a string or array would pass its maximum.
      const what = /call stack/i.test(e.message)
        ? "value nested too deeply for the JavaScript stack (lower maxDepth)"
        : "value too large for JavaScript";
      throw new GobError("limit", `${what}: ${e.message} (value at stream offset ${start})`, {
        cause: e,
      });
    }
    throw new GobError("corrupt", `decoding failed: ${(e as Error)?.message ?? e}`, { cause: e });
  }
}

/**
 * Decodes the next value with `read` if all of its messages are buffered, else rolls the core
 * back and returns `null` (feed it more, then try again). A bad message is consumed before its
 * error is thrown, so a caller that goes on starts at the next one. The decoders of `codec.ts`
 * and the rpc codec drive the core through this.
 */
export function takeValue(core: DecoderCore, read: ValueReader): { value: unknown } | null {
  if (!core.ready()) return null;
  const mark = core.mark();
  try {
    return { value: decodeValue(core, read) };
  } catch (e) {
    if (e !== NEED_MORE) throw consumeBad(core, e);
    core.rollback(mark);
    return null;
  }
}
