/**
 * The header of a V8 code cache: what `v8::ScriptCompiler::CreateCodeCache` returns, and what
 * Deno keeps per module in `DENO_DIR/v8_code_cache_v2`. V8 (`SerializedCodeData`,
 * `src/snapshot/code-serializer.h`) starts it with seven 32-bit little-endian words, padded to
 * 32 bytes: magic number, V8 version hash, source hash, flag hash, read-only snapshot checksum,
 * payload length, payload checksum. Before using a cache V8 checks each against its own, and
 * compiles from source when one differs.
 *
 * @module
 */

const MAGIC = 0;
const VERSION_HASH = 4;
const SOURCE_HASH = 8;
const FLAG_HASH = 12;
const SNAPSHOT_CHECKSUM = 16;
const PAYLOAD_LENGTH = 20;
/** The header's size on a 64-bit V8 (28 bytes of words, padded to the pointer size). */
const HEADER_SIZE = 32;

function word(data: Uint8Array, offset: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, true);
}

/** Whether `data` has a header this module understands: its payload length accounts for it. */
function wellFormed(data: Uint8Array): boolean {
  return data.length > HEADER_SIZE && word(data, PAYLOAD_LENGTH) === data.length - HEADER_SIZE;
}

/**
 * The flag hash in `cache`'s header: V8's hash of its flags that change code, which V8 compares
 * with its own before it takes the cache; `undefined` for a header this module does not know.
 * Heap sizes and the background-task flags do not enter it (`CODE_FLAGS` in `launcher.ts`).
 */
export function flagHashOf(cache: Uint8Array): number | undefined {
  return wellFormed(cache) ? word(cache, FLAG_HASH) : undefined;
}

/**
 * `cache` with the flag hash of `reference`, or `undefined` when the two were not made by the
 * same V8 for the same source (magic number, version hash, source hash, read-only snapshot
 * checksum), or either header is not the one this module knows.
 *
 * V8 refuses a cache made under V8 flags other than its own, and compiles the source again; the
 * start-up cache (`start_cache.ts`) makes some modules' caches under `--no-lazy`, which compiles
 * every function ahead of its first call, and gives them the flag hash of the same module's cache
 * made under the launcher's flags, so that V8 takes them. Nothing in such a cache depends on that
 * flag: V8 compiles many functions ahead of their first call without it (those it guesses run at
 * once, such as a function in parentheses), and a cache made after a script has run (Node's
 * `script.createCachedData()`) holds the functions compiled lazily in the meantime.
 */
export function withFlagHashOf(cache: Uint8Array, reference: Uint8Array): Uint8Array | undefined {
  if (!wellFormed(cache) || !wellFormed(reference)) return undefined;
  for (const offset of [MAGIC, VERSION_HASH, SOURCE_HASH, SNAPSHOT_CHECKSUM]) {
    if (word(cache, offset) !== word(reference, offset)) return undefined;
  }
  const out = cache.slice();
  out.set(reference.subarray(FLAG_HASH, FLAG_HASH + 4), FLAG_HASH);
  return out;
}
