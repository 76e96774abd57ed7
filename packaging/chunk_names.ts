/**
 * Names for a split bundle's chunks that depend only on what the package holds.
 *
 * `deno bundle --code-splitting` names each chunk `<stem>-<hash>.js`, and its hash covers the
 * paths of the chunk's sources relative to the working directory and the output directory: the
 * same function built from another folder, or with another `TMPDIR`, gets other chunk names, so
 * other bytes in every file that imports a chunk, and another `bootstrap.zip`. Renaming each chunk
 * after a hash of its own code (with the names of the chunks it imports left out, so that the
 * order of renaming does not matter) makes the names a function of the code alone. The new hash
 * has the length of esbuild's, so no column moves and the source maps stay valid.
 *
 * @module
 */

/** esbuild's chunk names: a stem, a dash, eight base-32 characters. */
const CHUNK_NAME = /^(.+)-([A-Z0-9]{8})\.js$/;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The first `length` base-32 characters of `bytes`. */
function base32(bytes: Uint8Array, length: number): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length === length) break;
  }
  return out;
}

/**
 * New names for the chunks of `code` (file name → source; the entry included), from each chunk's
 * own code: a map from every renamed chunk's old name to its new one. Names that are not
 * esbuild's (`<stem>-<8 characters>.js`) are kept.
 */
export async function contentChunkNames(
  code: ReadonlyMap<string, string>,
  chunks: ReadonlySet<string>,
): Promise<Map<string, string>> {
  const renamed = [...chunks].filter((n) => CHUNK_NAME.test(n)).sort();
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of renamed) {
    let text = code.get(name) ?? "";
    // Another chunk's name stands for that chunk's code, which its own hash covers.
    for (const other of renamed) text = text.replaceAll(other, "\0");
    const stem = CHUNK_NAME.exec(name)![1];
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${stem}\0${text}`)),
    );
    const next = `${stem}-${base32(digest, 8)}.js`;
    if (taken.has(next)) throw new Error(`two chunks of the bundle have the same code: ${next}`);
    taken.add(next);
    out.set(name, next);
  }
  return out;
}

/** `text` with every old chunk name of `names` replaced by its new one. */
export function renameChunkReferences(text: string, names: ReadonlyMap<string, string>): string {
  if (names.size === 0) return text;
  // One pass, so that a new name is never taken for an old one.
  const any = new RegExp([...names.keys()].map((n) => n.replaceAll(".", "\\.")).join("|"), "g");
  return text.replace(any, (name) => names.get(name)!);
}
