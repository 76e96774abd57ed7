/**
 * A small ZIP writer for Lambda deployment packages: deflate through the Web-standard
 * `CompressionStream("deflate-raw")`, CRC-32 (the ground floor's), and the Unix file mode in each entry's
 * external attributes (made by "Unix", version 3.0) so that `bootstrap` stays executable once
 * Lambda unpacks it into `/var/task`.
 *
 * What it writes is plain PKZIP 2.0: no ZIP64 (Lambda's 250 MB unzipped limit is far below 4 GiB),
 * no data descriptors, UTF-8 names (flag bit 11), one fixed timestamp for reproducible archives.
 *
 * @example
 * ```ts
 * import { writeZip } from "./zip.ts";
 * const zip = await writeZip([
 *   { name: "bootstrap", data: new TextEncoder().encode("#!/bin/sh\necho hi\n"), mode: 0o755 },
 * ]);
 * await Deno.writeFile("bootstrap.zip", zip);
 * ```
 *
 * @module
 */

import { crc32 } from "../ground/bytes.ts";

/** One file of an archive. */
export interface ZipEntry {
  /** The path inside the archive, `/`-separated, no leading `/`. */
  name: string;
  /** The file's bytes. */
  data: Uint8Array;
  /** Unix permission bits (e.g. `0o755` for an executable); default `0o644`. */
  mode?: number;
  /**
   * `data` already compressed (by {@linkcode compressEntry}, e.g. kept in a cache): written as is
   * instead of deflating `data` again.
   */
  compressed?: CompressedData;
}

/** An entry's data compressed ahead of time: its CRC-32 and its raw-deflated bytes. */
export interface CompressedData {
  /** The CRC-32 of the uncompressed data. */
  crc32: number;
  /** The data, raw-deflated. */
  deflated: Uint8Array;
}

/** Computes what {@linkcode ZipEntry.compressed} holds for `data`. */
export async function compressEntry(data: Uint8Array): Promise<CompressedData> {
  return { crc32: crc32(data), deflated: await deflateRaw(data) };
}

/** Options of {@link writeZip}. */
export interface ZipOptions {
  /**
   * The modification time recorded for every entry. Default: 1980-01-01 00:00 (the earliest DOS
   * time), so the same inputs always give the same bytes.
   */
  date?: Date;
  /** Deflate entries (default) or store them; an entry deflate does not shrink is stored. */
  compress?: boolean;
}

/** Raw-deflates `data` with the platform's `CompressionStream`. */
export async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("deflate-raw"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
const UTF8_FLAG = 1 << 11;
const MADE_BY_UNIX = (3 << 8) | 20; // host system 3 (Unix), spec version 2.0
const S_IFREG = 0o100000;

/** An entry ready to be laid out: its name's bytes, its CRC, and its body as stored. */
interface PreparedEntry {
  name: Uint8Array;
  crc: number;
  body: Uint8Array;
  /** 0 stored, 8 deflated. */
  method: number;
  /** The uncompressed size. */
  size: number;
  mode: number;
}

/** Checks the entries' names and sizes and compresses each where that makes it smaller. */
async function prepareEntries(entries: ZipEntry[], options: ZipOptions): Promise<PreparedEntry[]> {
  const encoder = new TextEncoder();
  const seen = new Set<string>();
  const prepared: PreparedEntry[] = [];
  for (const e of entries) {
    if (!e.name || e.name.startsWith("/") || e.name.split("/").includes("..")) {
      throw new Error(`zip: bad entry name ${JSON.stringify(e.name)}`);
    }
    if (seen.has(e.name)) throw new Error(`zip: duplicate entry ${JSON.stringify(e.name)}`);
    seen.add(e.name);
    const name = encoder.encode(e.name);
    const crc = e.compressed?.crc32 ?? crc32(e.data);
    let body = e.data;
    let method = 0;
    if (options.compress !== false && e.data.length > 0) {
      const deflated = e.compressed?.deflated ?? await deflateRaw(e.data);
      if (deflated.length < e.data.length) {
        body = deflated;
        method = 8;
      }
    }
    if (body.length > 0xfffffffe || e.data.length > 0xfffffffe) {
      throw new Error(`zip: ${e.name} is too large for a non-ZIP64 archive`);
    }
    prepared.push({ name, crc, body, method, size: e.data.length, mode: e.mode ?? 0o644 });
  }
  return prepared;
}

/** Writes a ZIP archive of `entries`, in the order given. */
export async function writeZip(entries: ZipEntry[], options: ZipOptions = {}): Promise<Uint8Array> {
  const { date, time } = dosDateTime(options.date ?? new Date(Date.UTC(1980, 0, 1)));
  const prepared = await prepareEntries(entries, options);

  let total = END_RECORD;
  for (const p of prepared) {
    total += LOCAL_HEADER + CENTRAL_HEADER + 2 * p.name.length + p.body.length;
  }
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  let off = 0;
  const offsets: number[] = [];
  for (const p of prepared) {
    offsets.push(off);
    v.setUint32(off, 0x04034b50, true);
    v.setUint16(off + 4, 20, true); // version needed
    v.setUint16(off + 6, UTF8_FLAG, true);
    v.setUint16(off + 8, p.method, true);
    v.setUint16(off + 10, time, true);
    v.setUint16(off + 12, date, true);
    v.setUint32(off + 14, p.crc, true);
    v.setUint32(off + 18, p.body.length, true);
    v.setUint32(off + 22, p.size, true);
    v.setUint16(off + 26, p.name.length, true);
    v.setUint16(off + 28, 0, true);
    out.set(p.name, off + LOCAL_HEADER);
    off += LOCAL_HEADER + p.name.length;
    out.set(p.body, off);
    off += p.body.length;
  }
  const centralStart = off;
  prepared.forEach((p, i) => {
    v.setUint32(off, 0x02014b50, true);
    v.setUint16(off + 4, MADE_BY_UNIX, true);
    v.setUint16(off + 6, 20, true);
    v.setUint16(off + 8, UTF8_FLAG, true);
    v.setUint16(off + 10, p.method, true);
    v.setUint16(off + 12, time, true);
    v.setUint16(off + 14, date, true);
    v.setUint32(off + 16, p.crc, true);
    v.setUint32(off + 20, p.body.length, true);
    v.setUint32(off + 24, p.size, true);
    v.setUint16(off + 28, p.name.length, true);
    // extra length, comment length, disk number, internal attributes: 0
    v.setUint32(off + 38, ((S_IFREG | (p.mode & 0o7777)) << 16) >>> 0, true);
    v.setUint32(off + 42, offsets[i], true);
    out.set(p.name, off + CENTRAL_HEADER);
    off += CENTRAL_HEADER + p.name.length;
  });
  const centralSize = off - centralStart;
  v.setUint32(off, 0x06054b50, true);
  v.setUint16(off + 8, prepared.length, true);
  v.setUint16(off + 10, prepared.length, true);
  v.setUint32(off + 12, centralSize, true);
  v.setUint32(off + 16, centralStart, true);
  return out;
}

/** What {@linkcode writeZipFile} wrote. */
export interface ZipFile {
  /** The zip's path. */
  zip: string;
  /** The zip's size in bytes. */
  zipBytes: number;
  /** The entries' sizes added up: the package unzipped. */
  unzippedBytes: number;
  /** Each entry: its name, size and Unix mode (0o644 when it has none). */
  files: { name: string; bytes: number; mode: number }[];
}

/** Zips `entries` (as {@linkcode writeZip}) into the file `path`, and measures them. */
export async function writeZipFile(path: string, entries: ZipEntry[]): Promise<ZipFile> {
  const zip = await writeZip(entries);
  await Deno.writeFile(path, zip);
  // In the order build.json has always listed them.
  return {
    files: entries.map((e) => ({ name: e.name, bytes: e.data.length, mode: e.mode ?? 0o644 })),
    unzippedBytes: entries.reduce((n, e) => n + e.data.length, 0),
    zip: path,
    zipBytes: zip.length,
  };
}
