/**
 * Go's `net/rpc/jsonrpc` codec: one JSON object per request and response,
 * each followed by a newline.
 *
 * - request: `{"method":"Arith.Multiply","params":[{"A":7,"B":8}],"id":0}`
 * - response: `{"id":0,"result":56,"error":null}`, or
 *   `{"id":0,"result":null,"error":"divide by zero"}` on failure.
 *
 * As in Go, the server echoes the request's `id` verbatim, whatever JSON it is
 * (a string, a huge number); a request without `params` gets
 * "jsonrpc: request body missing params"; input is a stream of JSON values
 * (newlines are not required between them); member names match
 * case-insensitively. Bodies are shaped by their gob type descriptors (see
 * `typed_json.ts`).
 *
 * @module
 */

import type { Type } from "../gob/mod.ts";
import type {
  ClientCodec,
  CodecLimits,
  RequestHeader,
  ResponseHeader,
  ServerCodec,
} from "./codec.ts";
import type { Scanner } from "../ground/reader.ts";
import { goEscape } from "../ground/go_json.ts";
import { fromReadError, RpcError } from "./errors.ts";
import { fromJSON, needsRawNumbers, parseJSON, quote, toJSON, zeroOf } from "./typed_json.ts";
import type { Channel } from "./channel.ts";

const utf8 = new TextDecoder();
const textEncoder = new TextEncoder();

/** A top-level member of a scanned JSON object: byte offsets within the unit. */
interface Member {
  keyStart: number;
  keyEnd: number;
  valStart: number;
  valEnd: number;
}

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '{}[],:" \t\r\n') DELIM[c.charCodeAt(0)] = 1;

/**
 * Finds where one JSON value ends in a byte stream, like Go's `json.Decoder`,
 * and records the spans of a top-level object's members.
 */
export class JSONScanner implements Scanner {
  #depth = 0;
  #inStr = false;
  #esc = false;
  #seen = false;
  #scalar = false;
  // member tracking (depth 1): 0 expect key, 1 in key, 2 after key, 3 expect value, 4 in value
  #mstate = 0;
  #cur: Member = { keyStart: 0, keyEnd: 0, valStart: 0, valEnd: 0 };
  /** End of the last significant byte, relative to the unit's start (the buffer moves between feeds). */
  #lastSig = 0;
  /** The members of the last object scanned (offsets relative to its first byte). */
  members: Member[] = [];

  reset(): void {
    this.#depth = 0;
    this.#inStr = false;
    this.#esc = false;
    this.#seen = false;
    this.#scalar = false;
    this.#mstate = 0;
    this.members = [];
  }

  blank(): boolean {
    return !this.#seen;
  }

  finish(): number {
    // A bare scalar at the very end of the stream is complete.
    return this.#scalar && !this.#inStr ? this.#lastSig : -1;
  }

  feed(buf: Uint8Array, start: number, from: number): number {
    for (let i = from; i < buf.length; i++) {
      const c = buf[i];
      if (this.#inStr) {
        if (this.#esc) this.#esc = false;
        else if (c === 0x5c) this.#esc = true;
        else if (c === 0x22) {
          this.#inStr = false;
          this.#lastSig = i + 1 - start;
          if (this.#depth === 0) return i + 1; // a top-level string
          if (this.#depth === 1 && this.#mstate === 1) {
            this.#cur.keyEnd = i + 1 - start;
            this.#mstate = 2;
          }
        }
        continue;
      }
      if (WS[c]) {
        if (this.#scalar) return i;
        continue;
      }
      if (!this.#seen) {
        this.#seen = true;
        if (c !== 0x7b && c !== 0x5b && c !== 0x22) this.#scalar = true;
      }
      if (this.#scalar) {
        if (DELIM[c]) return i;
        this.#lastSig = i + 1 - start;
        continue;
      }
      const d = this.#depth;
      if (d === 1 && this.#mstate === 3) {
        this.#cur.valStart = i - start;
        this.#mstate = 4;
      }
      switch (c) {
        case 0x22: // "
          this.#inStr = true;
          if (d === 1 && this.#mstate === 0) {
            this.#cur = { keyStart: i - start, keyEnd: 0, valStart: 0, valEnd: 0 };
            this.#mstate = 1;
          }
          break;
        case 0x7b: // {
        case 0x5b: // [
          this.#depth++;
          if (d === 0) this.#mstate = c === 0x7b ? 0 : 5;
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (d === 1 && this.#mstate === 4) this.#endMember();
          this.#depth--;
          if (this.#depth <= 0) return i + 1;
          break;
        case 0x3a: // :
          if (d === 1 && this.#mstate === 2) this.#mstate = 3;
          break;
        case 0x2c: // ,
          if (d === 1 && this.#mstate === 4) {
            this.#endMember();
            this.#mstate = 0;
          }
          break;
      }
      this.#lastSig = i + 1 - start;
    }
    return -1;
  }

  #endMember(): void {
    this.#cur.valEnd = this.#lastSig;
    this.members.push(this.#cur);
  }
}

/** Go's `json.Compact` plus HTML escaping, for echoing a raw id. */
function compactRaw(raw: string): string {
  let out = "";
  let inStr = false;
  let esc = false;
  for (const ch of raw) {
    if (inStr) {
      if (esc) esc = false;
      else if (ch === "\\") esc = true;
      else if (ch === '"') inStr = false;
    } else if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") continue;
    else if (ch === '"') inStr = true;
    out += ch;
  }
  return goEscape(out);
}

/**
 * Go's json matching of a member name: case-insensitive, and of several
 * matching members the last one wins.
 */
function lookup(obj: Record<string, unknown>, name: string): unknown {
  let found: unknown = undefined;
  for (const k in obj) {
    if (k === name || k.toLowerCase() === name) found = obj[k];
  }
  return found;
}

/** The raw text of member `name` in a scanned unit (as {@link lookup} picks it), or undefined. */
function rawMember(unit: Uint8Array, members: Member[], name: string): string | undefined {
  let found: Member | undefined;
  for (const m of members) {
    let k: string;
    try {
      k = JSON.parse(utf8.decode(unit.subarray(m.keyStart, m.keyEnd)));
    } catch {
      continue;
    }
    if (k === name || k.toLowerCase() === name) found = m;
  }
  return found ? utf8.decode(unit.subarray(found.valStart, found.valEnd)) : undefined;
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : typeof v;
}

async function readObject(
  ch: Channel,
  scanner: JSONScanner,
  limits: CodecLimits,
  goType: string,
): Promise<{ unit: Uint8Array; obj: Record<string, unknown> } | null> {
  let unit: Uint8Array | null;
  try {
    unit = await ch.reader.readScanned(scanner, limits.maxMessageSize);
  } catch (e) {
    throw fromReadError(e);
  }
  if (unit === null) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(utf8.decode(unit));
  } catch (e) {
    throw new RpcError("protocol", `jsonrpc: invalid JSON: ${(e as Error).message}`);
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new RpcError(
      "protocol",
      `json: cannot unmarshal ${jsonType(obj)} into Go value of type ${goType}`,
    );
  }
  return { unit, obj: obj as Record<string, unknown> };
}

/** The server side of Go's jsonrpc codec. */
export class JSONServerCodec implements ServerCodec {
  #ch: Channel;
  #limits: CodecLimits;
  #scanner = new JSONScanner();
  #seq = 0;
  #pending = new Map<number, string>();
  #params: unknown = undefined;
  #paramsRaw: string | undefined;

  /** Serves one connection. */
  constructor(channel: Channel, limits: CodecLimits) {
    this.#ch = channel;
    this.#limits = limits;
  }

  async readRequestHeader(): Promise<RequestHeader | null> {
    this.#params = undefined;
    this.#paramsRaw = undefined;
    const r = await readObject(this.#ch, this.#scanner, this.#limits, "jsonrpc.serverRequest");
    if (r === null) return null;
    const { unit, obj } = r;
    const method = lookup(obj, "method");
    if (method !== undefined && method !== null && typeof method !== "string") {
      throw new RpcError(
        "protocol",
        `json: cannot unmarshal ${
          jsonType(method)
        } into Go struct field serverRequest.method of type string`,
      );
    }
    const id = lookup(obj, "id");
    const idRaw = id === undefined || id === null
      ? "null"
      : compactRaw(rawMember(unit, this.#scanner.members, "id") ?? JSON.stringify(id));
    this.#params = lookup(obj, "params");
    if (this.#params !== undefined && this.#params !== null) {
      this.#paramsRaw = rawMember(unit, this.#scanner.members, "params");
    }
    const seq = ++this.#seq;
    this.#pending.set(seq, idRaw);
    return { serviceMethod: (method as string | null | undefined) ?? "", seq };
  }

  readRequestBody<T>(type: Type<T> | null): Promise<T | undefined> {
    if (type === null) return Promise.resolve(undefined);
    let params = this.#params;
    if (params === undefined || params === null) {
      throw new RpcError("codec", "jsonrpc: request body missing params");
    }
    if (!Array.isArray(params)) {
      throw new RpcError(
        "codec",
        `json: cannot unmarshal ${jsonType(params)} into Go value of type [1]interface {}`,
      );
    }
    if (params.length === 0) return Promise.resolve(zeroOf(type));
    if (this.#paramsRaw !== undefined && needsRawNumbers(type)) {
      params = parseJSON(this.#paramsRaw) as unknown[];
    }
    return Promise.resolve(fromJSON(type, (params as unknown[])[0]));
  }

  writeResponse(header: ResponseHeader, type: Type | null, body: unknown): void {
    const id = this.#pending.get(header.seq);
    if (id === undefined) throw new RpcError("protocol", "invalid sequence number in response");
    let line: string;
    if (header.error !== "") {
      line = `{"id":${id},"result":null,"error":${quote(header.error)}}\n`;
    } else {
      const result = type === null ? "null" : toJSON(type, body);
      line = `{"id":${id},"result":${result},"error":null}\n`;
    }
    this.#pending.delete(header.seq);
    this.#ch.writer.send(textEncoder.encode(line));
  }

  flush(): Promise<void> {
    return this.#ch.writer.flushed();
  }

  get backlog(): number {
    return this.#ch.writer.backlog;
  }

  close(): Promise<void> {
    return this.#ch.close();
  }
}

/** The client side of Go's jsonrpc codec. */
export class JSONClientCodec implements ClientCodec {
  #ch: Channel;
  #limits: CodecLimits;
  #scanner = new JSONScanner();
  #pending = new Map<number, string>();
  #result: unknown = undefined;
  #resultRaw: string | undefined;

  /** Speaks jsonrpc on one connection. */
  constructor(channel: Channel, limits: CodecLimits) {
    this.#ch = channel;
    this.#limits = limits;
  }

  writeRequest(header: RequestHeader, type: Type, body: unknown): void {
    const params = toJSON(type, body);
    this.#pending.set(header.seq, header.serviceMethod);
    const line = `{"method":${
      quote(header.serviceMethod)
    },"params":[${params}],"id":${header.seq}}\n`;
    this.#ch.writer.send(textEncoder.encode(line));
  }

  async readResponseHeader(): Promise<ResponseHeader | null> {
    this.#result = undefined;
    this.#resultRaw = undefined;
    const r = await readObject(this.#ch, this.#scanner, this.#limits, "jsonrpc.clientResponse");
    if (r === null) return null;
    const { unit, obj } = r;
    const idv = lookup(obj, "id");
    let seq = 0;
    if (idv !== undefined && idv !== null) {
      if (typeof idv !== "number" || !Number.isInteger(idv) || idv < 0) {
        throw new RpcError(
          "protocol",
          `json: cannot unmarshal ${
            jsonType(idv)
          } into Go struct field clientResponse.id of type uint64`,
        );
      }
      seq = idv;
    }
    const serviceMethod = this.#pending.get(seq) ?? "";
    this.#pending.delete(seq);
    const result = lookup(obj, "result");
    const err = lookup(obj, "error");
    let error = "";
    if ((err !== undefined && err !== null) || result === undefined || result === null) {
      if (typeof err !== "string") {
        throw new RpcError(
          "protocol",
          `invalid error ${err === undefined || err === null ? "<nil>" : JSON.stringify(err)}`,
        );
      }
      error = err === "" ? "unspecified error" : err;
    }
    this.#result = result;
    if (result !== undefined && result !== null) {
      this.#resultRaw = rawMember(unit, this.#scanner.members, "result");
    }
    return { serviceMethod, seq, error };
  }

  readResponseBody<T>(type: Type<T> | null): Promise<T | undefined> {
    if (type === null) return Promise.resolve(undefined);
    let result = this.#result;
    if (this.#resultRaw !== undefined && needsRawNumbers(type)) {
      result = parseJSON(this.#resultRaw);
    }
    return Promise.resolve(fromJSON(type, result ?? null));
  }

  close(): Promise<void> {
    return this.#ch.close(250);
  }
}

/** Factory for {@link JSONServerCodec}. */
export function jsonServerCodec(channel: Channel, limits: CodecLimits): ServerCodec {
  return new JSONServerCodec(channel, limits);
}

/** Factory for {@link JSONClientCodec}. */
export function jsonClientCodec(channel: Channel, limits: CodecLimits): ClientCodec {
  return new JSONClientCodec(channel, limits);
}
