/**
 * The gob command-line tool.
 *
 * ```sh
 * deno task gob dump [FILE|-]                # each top-level value as one JSON line
 * deno task gob dump --types [FILE|-]        # the type definitions, in Go syntax
 * deno task gob dump --types=ts [FILE|-]     # the type definitions as TypeScript descriptors
 * deno task gob gen ./geo --out geo_types.ts # TypeScript descriptors for a Go package's types
 * ```
 *
 * The JSON mapping is documented in `gob/_decode_json.ts`; the generated descriptors
 * in `tools/gobgen/model.ts`.
 *
 * @module
 */

import { Decoder, GobError } from "../gob/mod.ts";
import { render, type RenderOptions } from "./gobgen/model.ts";
import { buildGenerator, formatTs, GenError, loadPackages } from "./gobgen/run.ts";
import { fromWire } from "./gobgen/wire.ts";
import {
  type FlagTable,
  oneOf,
  parseCommandLine,
  UsageError,
  usageFailure,
  wholeNumber,
} from "../ground/command_line.ts";

/** The library module generated files import by default (this package's `gob` export). */
export const DEFAULT_IMPORT = "@gopherless/gopherless/gob";

const USAGE = `usage: gob dump [--types[=go|ts] [--import SPEC] [--codecs MODULE]] [FILE|-]
       gob gen PACKAGE... [--out FILE] [--type Name,...] [--import SPEC] [--codecs MODULE]
               [--bigint] [--generator BIN]

  dump           print each top-level value of a gob stream as one JSON line
  --types        print the stream's type definitions in Go syntax instead
  --types=ts     print TypeScript descriptors for them (names as sent, field kinds as on the wire)
  FILE           the gob stream to read; "-" or nothing reads standard input
  --max-message  largest message accepted, in bytes (default 64 MiB)

  gen            write TypeScript descriptors for the types of Go packages, loaded with Go's
                 type checker (needs go on PATH)
  PACKAGE        a package directory or pattern, as the go command takes it (./geo, ./...)
  --out FILE     write to FILE instead of standard output
  --type A,B     only these types (and the types they use); default: every exported type
  --import SPEC  the module the generated file imports the gob library from
                 (default ${DEFAULT_IMPORT}; also for dump --types=ts)
  --codecs SPEC  a module exporting a t.MarshalerCodec for each custom-encoded type, named like
                 its descriptor; without it such types keep their encoded bytes (also for dump)
  --bigint       Go int64 and uint64 as bigint (t.bigInt64, t.bigUint64) instead of number
  --generator    an already built tools/gobgen binary (default: build it, which the Go build
                 cache makes quick after the first time)
`;

/** Runs the CLI with the given arguments; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "dump") return await dump(rest);
  if (command === "gen") return await gen(rest);
  console.error(`gob: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  return 2;
}

/** The flags of `gob dump`. */
const DUMP_FLAGS = {
  types: { bare: "go" },
  "max-message": "string",
  import: "string",
  codecs: "string",
} as const satisfies FlagTable;

/** The flags of `gob gen`. */
const GEN_FLAGS = {
  out: "string",
  generator: "string",
  type: "strings",
  import: "string",
  codecs: "string",
  bigint: "boolean",
} as const satisfies FlagTable;

async function dump(rest: string[]): Promise<number> {
  let types: "" | "go" | "ts" = "";
  let file = "-";
  let importFrom = DEFAULT_IMPORT;
  let codecs: string | undefined;
  let maxMessageSize: number | undefined;
  try {
    const { flags, positional, help } = parseCommandLine(rest, DUMP_FLAGS);
    if (help) return main(["help"]);
    if (positional.length > 1) throw new UsageError(`one FILE, not ${positional.length}`);
    file = positional[0] ?? "-";
    if (flags.types !== undefined) types = oneOf("--types", flags.types, ["go", "ts"] as const);
    if (flags["max-message"] !== undefined) {
      maxMessageSize = wholeNumber(
        "--max-message",
        flags["max-message"],
        1,
        Number.MAX_SAFE_INTEGER,
        "a size in bytes",
      );
    }
    importFrom = flags.import ?? importFrom;
    codecs = flags.codecs;
  } catch (e) {
    return usageFailure(e, USAGE, "gob dump");
  }
  let readable: ReadableStream<Uint8Array>;
  try {
    readable = file === "-" ? Deno.stdin.readable : (await Deno.open(file)).readable;
  } catch (e) {
    console.error(`gob dump: cannot open ${file}: ${(e as Error).message}`);
    return 1;
  }
  const dec = new Decoder(readable, { maxMessageSize });
  const out = Deno.stdout.writable.getWriter();
  const enc = new TextEncoder();
  let printed = 0;
  try {
    for (;;) {
      let line: string;
      try {
        line = await dec.decodeJSON();
      } catch (e) {
        if (e instanceof GobError && e.code === "eof") break;
        throw e;
      }
      if (types === "go") {
        const defs = dec.typeDefinitions();
        if (defs.length > printed) {
          await out.write(enc.encode(defs.slice(printed).join("\n\n") + "\n\n"));
          printed = defs.length;
        }
      } else if (types === "") {
        await out.write(enc.encode(line + "\n"));
      }
    }
    if (types === "ts") {
      const name = file === "-" ? "standard input" : file;
      const model = fromWire(dec.wireTypes(), `the type definitions of the gob stream ${name}`);
      const command = `deno task gob dump --types=ts${
        importFrom === DEFAULT_IMPORT ? "" : ` --import ${importFrom}`
      }${codecs === undefined ? "" : ` --codecs ${codecs}`} ${file}`;
      const source = render(model, { command, importFrom, codecs });
      await out.write(enc.encode(await formatTs(source)));
    }
    return 0;
  } catch (e) {
    const msg = e instanceof GobError || e instanceof GenError ? e.message : String(e);
    console.error(`gob dump: ${file === "-" ? "stdin" : file}: ${msg}`);
    return 1;
  } finally {
    out.releaseLock();
  }
}

async function gen(rest: string[]): Promise<number> {
  let patterns: string[];
  const types: string[] = [];
  let outFile: string | null = null;
  const opts: RenderOptions = { command: `deno task gob gen ${rest.join(" ")}`, importFrom: "" };
  let importFrom = DEFAULT_IMPORT;
  let generator: string | null = null;
  try {
    const { flags, positional, help } = parseCommandLine(rest, GEN_FLAGS);
    if (help) return main(["help"]);
    patterns = positional;
    outFile = flags.out ?? null;
    generator = flags.generator ?? null;
    for (const list of flags.type ?? []) {
      types.push(...list.split(",").map((s) => s.trim()).filter((s) => s !== ""));
    }
    importFrom = flags.import ?? importFrom;
    if (flags.codecs !== undefined) opts.codecs = flags.codecs;
    if (flags.bigint) opts.bigint = true;
    if (patterns.length === 0) throw new UsageError("no Go package given");
  } catch (e) {
    return usageFailure(e, USAGE, "gob gen");
  }
  opts.importFrom = importFrom;
  // The header names the command without the machine-specific generator path.
  opts.command = opts.command.replace(/ --generator(=| )\S+/, "");
  let binDir: string | null = null;
  try {
    if (generator === null) binDir = await Deno.makeTempDir({ prefix: "gobgen-" });
    const bin = generator ?? await buildGenerator(binDir!);
    const model = await loadPackages(bin, { patterns, types });
    const source = await formatTs(render(model, opts));
    if (outFile === null) await Deno.stdout.write(new TextEncoder().encode(source));
    else await Deno.writeTextFile(outFile, source);
    return 0;
  } catch (e) {
    if (!(e instanceof GenError) && !(e instanceof Deno.errors.NotFound)) throw e;
    console.error(`gob gen: ${e.message}`);
    return 1;
  } finally {
    if (binDir !== null) await Deno.remove(binDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
