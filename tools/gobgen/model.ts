/**
 * The gob view of a set of Go types, as `tools/gobgen/main.go` prints it
 * (from Go source) and `fromWire` builds it (from a stream's type
 * definitions), and its rendering as TypeScript descriptors.
 *
 * @module
 */

import type { GoTypeName } from "../../gob/mod.ts";

/** A type as gob sends it (mirrors `Type` in main.go). */
export type GoType =
  | { kind: "scalar"; name: ScalarName }
  | { kind: "bytes" }
  | { kind: "interface" }
  | { kind: "slice"; elem: GoType }
  | { kind: "array"; len?: number; elem: GoType }
  | { kind: "map"; key: GoType; elem: GoType }
  | { kind: "ptr"; elem: GoType }
  | { kind: "struct"; fields?: GoField[] }
  | { kind: "ref"; ref: string }
  | { kind: "builtin"; name: BuiltinName }
  | { kind: "marshaler"; flavor: "gob" | "binary" | "text" };

/** The scalar descriptors of `t` that a Go type maps to. */
export type ScalarName =
  | "bool"
  | "int"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "uintptr"
  | "float32"
  | "float64"
  | "complex64"
  | "complex128"
  | "string";

/** The library's ready-made descriptors for `time.Time` and the big numbers. */
export type BuiltinName = "time" | "bigInt" | "bigIntValue" | "bigRat" | "bigRatValue";

/** A struct field gob sends. */
export interface GoField {
  /** The Go field name. */
  name: string;
  /** Its type. */
  type: GoType;
}

/** A named type: one exported descriptor. */
export interface Decl {
  /** The TypeScript name of the descriptor and of its value type. */
  ident: string;
  /** The Go name, as reflect reports it. */
  go: GoTypeName;
  /** Whether the type is declared in a loaded package (rather than reached from one). */
  root: boolean;
  /** What gob sends for it. */
  type: GoType;
  /** A remark for the reader. */
  note?: string;
}

/** Exported types that were not generated, and why. */
export interface Skipped {
  /** The Go type name. */
  name: string;
  /** Why it has no descriptor. */
  reason: string;
}

/** The types to render. */
export interface Model {
  /** Where the types come from, for the header (package paths, or a stream). */
  source: string;
  /** The named types, in the order they are best read. */
  decls: Decl[];
  /** Exported types left out. */
  skipped: Skipped[];
}

/** How to render a model. */
export interface RenderOptions {
  /** The command that produced the file, for the header. */
  command: string;
  /** The module specifier the file imports the gob library from. */
  importFrom: string;
  /**
   * A module exporting one `t.MarshalerCodec` per custom-encoded type, named
   * like its descriptor; without it such types keep their encoded bytes
   * (`t.encodedBytes`).
   */
  codecs?: string;
  /** Map Go `int64`/`uint64` to `bigint` (`t.bigInt64`) instead of `number`. */
  bigint?: boolean;
}

/**
 * Names a generated module cannot declare: JavaScript's reserved words (in strict mode, as
 * modules are), `eval` and `arguments`, TypeScript's predefined types and the keywords no type
 * may be named (`object`, `number`, `unknown`, `as`, …), and the module's own `t`, `codecs` and
 * `globalThis`. A Go type named so gets a descriptor named otherwise; its Go name is unchanged.
 */
const RESERVED = new Set(
  ("any arguments as await bigint boolean break case catch class const continue debugger " +
    "default delete do else enum eval export extends false finally for function if implements " +
    "import in infer instanceof interface keyof let never new null number object package " +
    "private protected public readonly return static string super switch symbol this throw " +
    "true try typeof undefined unique unknown var void while with yield t codecs globalThis")
    .split(" "),
);

/** Makes a Go type name usable as a TypeScript identifier. */
export function safeIdent(name: string): string {
  let id = name.replace(/[^\p{L}\p{N}_$]+/gu, "_").replace(/^_+|_+$/g, "");
  if (id === "" || /^\p{N}/u.test(id)) id = `T${id}`;
  return RESERVED.has(id) ? `${id}_` : id;
}

/**
 * The model with every descriptor name one a module can declare: a name that is not (a Go
 * name from `gobgen`, such as `object` or `class`) gets {@linkcode safeIdent}'s spelling,
 * numbered if another type has it, and every reference follows.
 */
function withSafeIdents(model: Model): Model {
  const taken = new Set(model.decls.map((d) => d.ident));
  const rename = new Map<string, string>();
  for (const d of model.decls) {
    const base = safeIdent(d.ident);
    if (base === d.ident) continue;
    let id = base;
    for (let i = 2; taken.has(id); i++) id = `${base}_${i}`;
    taken.add(id);
    rename.set(d.ident, id);
  }
  if (rename.size === 0) return model;
  const fix = (x: GoType): GoType => {
    switch (x.kind) {
      case "ref":
        return { kind: "ref", ref: rename.get(x.ref) ?? x.ref };
      case "slice":
      case "ptr":
        return { ...x, elem: fix(x.elem) };
      case "array":
        return { ...x, elem: fix(x.elem) };
      case "map":
        return { ...x, key: fix(x.key), elem: fix(x.elem) };
      case "struct":
        return { ...x, fields: x.fields?.map((f) => ({ ...f, type: fix(f.type) })) };
      default:
        return x;
    }
  };
  return {
    ...model,
    decls: model.decls.map((d) => ({
      ...d,
      ident: rename.get(d.ident) ?? d.ident,
      type: fix(d.type),
    })),
  };
}

/** The names a generated file uses for itself; a type named the same is spelled another way. */
const GLOBALS = ["Map", "Uint8Array"];
const IMPORTED = ["GoTime", "Rational"];

/** Renders the descriptors as a TypeScript module. */
export function render(model: Model, options: RenderOptions): string {
  return new Renderer(withSafeIdents(model), options).module();
}

class Renderer {
  readonly #model: Model;
  readonly #opts: RenderOptions;
  readonly #byIdent = new Map<string, Decl>();
  /** Descriptors already initialised at the point being written. */
  readonly #defined = new Set<string>();
  readonly #imports = new Set<string>();
  readonly #taken: Set<string>;
  /** Packages whose names are not their paths' last elements, by path. */
  readonly #packages = new Map<string, { ident: string; pkgName: string }>();

  constructor(model: Model, opts: RenderOptions) {
    this.#model = model;
    this.#opts = opts;
    for (const d of model.decls) this.#byIdent.set(d.ident, d);
    this.#taken = new Set(model.decls.map((d) => d.ident));
  }

  module(): string {
    const body: string[] = [];
    for (const d of this.#order()) {
      body.push(this.#decl(d));
      this.#defined.add(d.ident);
    }
    const head = [
      `// Code generated by \`${this.#opts.command}\`; DO NOT EDIT.`,
      `// From ${this.#model.source}.`,
    ];
    for (const s of this.#model.skipped) head.push(`// Not generated: ${s.name}: ${s.reason}.`);
    const slots = this.#model.decls.filter((d) => d.type.kind === "marshaler");
    if (slots.length > 0) {
      head.push(
        this.#opts.codecs
          ? `// Custom encodings come from ${this.#opts.codecs}: ${
            slots.map((d) => d.ident).join(", ")
          }.`
          : `// Custom-encoded types keep their encoded bytes (t.encodedBytes); to decode them, ` +
            `pass --codecs MODULE exporting a t.MarshalerCodec named like each: ${
              slots.map((d) => d.ident).join(", ")
            }.`,
      );
    }
    const lines = [...head, ""];
    const from = JSON.stringify(this.#opts.importFrom);
    const types = [...this.#imports].sort().map((n) =>
      this.#taken.has(n) ? `type ${n} as ${n}_` : `type ${n}`
    );
    lines.push(`import { ${[...types, "t"].join(", ")} } from ${from};`);
    if (this.#opts.codecs && slots.length > 0) {
      lines.push(`import * as codecs from ${JSON.stringify(this.#opts.codecs)};`);
    }
    for (const [path, pkg] of this.#packages) {
      lines.push(
        "",
        `/** Go package \`${path}\`, which is package ${pkg.pkgName}. */`,
        `const ${pkg.ident} = { pkgPath: ${JSON.stringify(path)}, pkgName: ${
          JSON.stringify(pkg.pkgName)
        } };`,
      );
    }
    return [...lines, "", body.join("\n\n"), ""].join("\n");
  }

  /** Declarations ordered so each follows, where possible, those it uses. */
  #order(): Decl[] {
    const out: Decl[] = [];
    const state = new Map<string, "busy" | "done">();
    const visit = (d: Decl) => {
      if (state.has(d.ident)) return;
      state.set(d.ident, "busy");
      for (const r of refs(d.type)) {
        const dep = this.#byIdent.get(r);
        if (dep) visit(dep);
      }
      state.set(d.ident, "done");
      out.push(d);
    };
    for (const d of this.#model.decls) visit(d);
    return out;
  }

  /**
   * The name argument: `"path.Name"`, or `{ ...pkg_x, name }` for a package
   * not named after its path's last element, with one `pkg_x` per package.
   */
  #goName(go: GoTypeName): string {
    const qualified = go.pkgPath === "" ? go.name : `${go.pkgPath}.${go.name}`;
    const derived = go.pkgPath.slice(go.pkgPath.lastIndexOf("/") + 1);
    if (go.pkgPath === "" || go.pkgName === derived) return JSON.stringify(qualified);
    let pkg = this.#packages.get(go.pkgPath);
    if (pkg === undefined) {
      const base = safeIdent(`pkg_${go.pkgName}`);
      pkg = { ident: base, pkgName: go.pkgName };
      for (let i = 2; this.#taken.has(pkg.ident); i++) pkg.ident = `${base}_${i}`;
      this.#taken.add(pkg.ident);
      this.#packages.set(go.pkgPath, pkg);
    }
    return `{ ...${pkg.ident}, name: ${JSON.stringify(go.name)} }`;
  }

  #decl(d: Decl): string {
    const go = d.go.pkgPath === "" ? d.go.name : `${d.go.pkgPath}.${d.go.name}`;
    const doc = [
      go === ""
        ? "A custom-encoded type sent without a name (as Go sends `*big.Int` and `*big.Rat` fields)."
        : `Go type \`${go}\`${d.root ? "" : " (reached from the generated types)"}.`,
    ];
    if (d.note) doc.push(`(${d.note}.)`);
    let comment = `/** ${doc.join(" ")} */`;
    const name = this.#goName(d.go);
    const x = d.type;
    if (x.kind === "marshaler") {
      const ctor =
        { gob: "gobEncoder", binary: "binaryMarshaler", text: "textMarshaler" }[x.flavor];
      const codec = this.#opts.codecs ? `codecs.${d.ident}` : "t.encodedBytes";
      const how = { gob: "GobEncode", binary: "MarshalBinary", text: "MarshalText" }[x.flavor];
      comment = comment.replace(/ \*\/$/, ` Sent as the bytes of its ${how} method. */`);
      return `${comment}\nexport const ${d.ident} = t.${ctor}(${name}, ${codec});\n` +
        `/** The value of {@linkcode ${d.ident}}. */\nexport type ${d.ident} = t.Infer<typeof ${d.ident}>;`;
    }
    let valueType: string;
    let expr: string;
    switch (x.kind) {
      case "struct":
        valueType = this.#tsStruct(x.fields ?? []);
        expr = this.#struct(name, x.fields ?? []);
        break;
      case "slice":
        valueType = `${this.#ts(x.elem, true)}[]`;
        expr = `t.slice(${this.#desc(x.elem)}, { name: ${name} })`;
        break;
      case "array":
        valueType = `${this.#ts(x.elem, true)}[]`;
        expr = `t.array(${this.#desc(x.elem)}, ${x.len ?? 0}, { name: ${name} })`;
        break;
      case "map":
        valueType = this.#ts(x);
        expr = `t.map(${this.#desc(x.key)}, ${this.#desc(x.elem)}, { name: ${name} })`;
        break;
      case "interface":
        valueType = this.#ts(x);
        expr = `t.iface(${name})`;
        break;
      case "scalar":
      case "bytes":
        valueType = this.#ts(x);
        expr = `t.named(${name}, ${this.#desc(x)})`;
        break;
      default: // a defined pointer, or a type defined as time.Time or a big number
        valueType = this.#ts(x);
        expr = this.#desc(x);
    }
    const kw = x.kind === "struct" ? "interface" : "type";
    const typeDecl = kw === "interface"
      ? `export interface ${d.ident} ${valueType}`
      : `export type ${d.ident} = ${valueType};`;
    return `/** The value of {@linkcode ${d.ident}}. */\n${typeDecl}\n${comment}\n` +
      `export const ${d.ident}: t.Type<${d.ident}> = ${expr};`;
  }

  /** A struct descriptor: fields as a thunk when they use a descriptor not yet initialised. */
  #struct(name: string, fields: GoField[]): string {
    const later = fields.some((f) => refs(f.type).some((r) => !this.#defined.has(r)));
    const body = fields.map((f) => `${key(f.name)}: ${this.#desc(f.type, later)}`);
    const obj = `{ ${body.join(", ")} }`;
    return later ? `t.struct(${name}, () => (${obj}))` : `t.struct(${name}, ${obj})`;
  }

  /** The descriptor expression; `deferred` when evaluated after the module has initialised. */
  #desc(x: GoType, deferred = false): string {
    switch (x.kind) {
      case "scalar":
        if (this.#opts.bigint && x.name === "int64") return "t.bigInt64";
        if (this.#opts.bigint && x.name === "uint64") return "t.bigUint64";
        return `t.${x.name}`;
      case "bytes":
        return "t.bytes";
      case "interface":
        return "t.any";
      case "slice":
        return `t.slice(${this.#desc(x.elem, deferred)})`;
      case "array":
        return `t.array(${this.#desc(x.elem, deferred)}, ${x.len ?? 0})`;
      case "map":
        return `t.map(${this.#desc(x.key, deferred)}, ${this.#desc(x.elem, deferred)})`;
      case "ptr":
        return `t.ptr(${this.#desc(x.elem, deferred)})`;
      case "struct":
        return this.#struct('""', x.fields ?? []);
      case "ref":
        return deferred || this.#defined.has(x.ref) ? x.ref : `t.lazy(() => ${x.ref})`;
      case "builtin":
        return `t.${x.name}`;
      case "marshaler":
        throw new Error("a custom encoding belongs to a named type");
    }
  }

  /** The TypeScript value type; `elem` when it stands before `[]`. */
  #ts(x: GoType, elem = false): string {
    const paren = (s: string) => (elem ? `(${s})` : s);
    switch (x.kind) {
      case "scalar":
        if (x.name === "bool") return "boolean";
        if (x.name === "string") return "string";
        if (x.name.startsWith("complex")) return "t.Complex";
        if (this.#opts.bigint && (x.name === "int64" || x.name === "uint64")) return "bigint";
        return "number";
      case "bytes":
        return this.#global("Uint8Array");
      case "interface":
        return paren("t.InterfaceValue | null");
      case "slice":
      case "array":
        return `${this.#ts(x.elem, true)}[]`;
      case "map":
        return paren(`${this.#global("Map")}<${this.#ts(x.key)}, ${this.#ts(x.elem)}> | null`);
      case "ptr": {
        const elem = this.#ts(x.elem); // a pointer to a pointer is null in one way only
        return paren(elem.endsWith(" | null") ? elem : `${elem} | null`);
      }
      case "struct":
        return this.#tsStruct(x.fields ?? []);
      case "ref":
        return x.ref;
      case "builtin":
        switch (x.name) {
          case "time":
            return this.#imported("GoTime");
          case "bigInt":
            return paren("bigint | null");
          case "bigIntValue":
            return "bigint";
          case "bigRat":
            return paren(`${this.#imported("Rational")} | null`);
          case "bigRatValue":
            return this.#imported("Rational");
        }
        break;
      case "marshaler":
        break;
    }
    throw new Error(`no value type for ${x.kind}`);
  }

  #tsStruct(fields: GoField[]): string {
    // An empty struct: an object without properties (lint rejects `{}` and empty interfaces).
    if (fields.length === 0) return "{ [field: string]: never }";
    return `{ ${fields.map((f) => `${prop(f.name)}: ${this.#ts(f.type)}`).join("; ")} }`;
  }

  #global(name: string): string {
    if (!GLOBALS.includes(name)) throw new Error(`not a global: ${name}`);
    return this.#taken.has(name) ? `globalThis.${name}` : name;
  }

  #imported(name: string): string {
    if (!IMPORTED.includes(name)) throw new Error(`not an import: ${name}`);
    this.#imports.add(name);
    return this.#taken.has(name) ? `${name}_` : name;
  }
}

/** A property name in a type literal. */
function prop(name: string): string {
  return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name) ? name : JSON.stringify(name);
}

/**
 * A property name in an object literal: `__proto__` computed, since `{ __proto__: x }` sets
 * the object's prototype instead of declaring a field.
 */
function key(name: string): string {
  return name === "__proto__" ? '["__proto__"]' : prop(name);
}

/** The descriptors a type refers to. */
function refs(x: GoType, out: string[] = []): string[] {
  switch (x.kind) {
    case "ref":
      out.push(x.ref);
      break;
    case "slice":
    case "array":
    case "ptr":
      refs(x.elem, out);
      break;
    case "map":
      refs(x.key, out);
      refs(x.elem, out);
      break;
    case "struct":
      for (const f of x.fields ?? []) refs(f.type, out);
      break;
  }
  return out;
}
