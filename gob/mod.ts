/**
 * Go's `encoding/gob` for TypeScript: byte-exact with Go in both directions.
 *
 * Describe Go types with the descriptors of {@linkcode t}, then encode and
 * decode with {@linkcode Encoder}/{@linkcode Decoder} (streams) or
 * {@linkcode encode}/{@linkcode decode} (byte arrays). Without a descriptor,
 * `decode` builds plain JavaScript values from the types on the wire.
 *
 * ```ts
 * import { decode, encode, t } from "./mod.ts";
 *
 * const Point = t.struct("Point", { X: t.int, Y: t.int });
 * const bytes = encode(Point, { X: 22, Y: 33 }); // what Go's gob.NewEncoder(w).Encode(Point{22, 33}) writes
 * const p = decode(bytes, Point); // { X: 22, Y: 33 }
 * ```
 *
 * @module
 */

/**
 * The type descriptors: scalars (`t.int`, `t.string`, ...), constructors
 * (`t.struct`, `t.slice`, `t.map`, `t.ptr`, ...), ready-made marshalers
 * (`t.time`, `t.date`, `t.bigInt`, `t.bigRat`) and the `t.Type` / `t.Infer` types.
 */
export * as t from "./t.ts";

export type {
  Complex,
  Fields,
  FieldSpec,
  GoTypeName,
  Infer,
  InferFields,
  InterfaceValue,
  Kind,
  MarshalerCodec,
  MarshalerFlavor,
  NamedOptions,
  Type,
} from "./types.ts";
export { GobError, type GobErrorCode } from "./error.ts";
export {
  decode,
  decodeAll,
  type Decoded,
  Decoder,
  type DecoderOptions,
  encode,
  Encoder,
  PushDecoder,
} from "./codec.ts";
export type { HasReadable, HasWritable } from "./codec.ts";
export { Opaque } from "./_decode_plain.ts";
export { GoTime, type Rational } from "./marshalers.ts";
export { register, registerName } from "./typeinfo.ts";
export type { WireField, WireType } from "./typeinfo.ts";
