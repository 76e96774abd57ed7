/**
 * The gob command-line tool.
 *
 * ```sh
 * deno task gob dump [FILE|-]           # each top-level value as one JSON line
 * deno task gob dump --types [FILE|-]   # the type definitions, in Go syntax
 * ```
 *
 * The JSON mapping is documented in `gob/json.ts`.
 *
 * @module
 */

import { Decoder, GobError } from "../gob/mod.ts";

const USAGE = `usage: gob dump [--types] [FILE|-]

  dump           print each top-level value of a gob stream as one JSON line
  --types        print the stream's type definitions in Go syntax instead
  FILE           the gob stream to read; "-" or nothing reads standard input
  --max-message  largest message accepted, in bytes (default 64 MiB)
`;

/** Runs the CLI with the given arguments; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== "dump") {
    console.error(`gob: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let types = false;
  let file = "-";
  let maxMessageSize: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--types") types = true;
    else if (a === "--max-message") maxMessageSize = Number(rest[++i]);
    else if (a.startsWith("--")) {
      console.error(`gob dump: unknown flag ${a}\n\n${USAGE}`);
      return 2;
    } else file = a;
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
      if (types) {
        const defs = dec.typeDefinitions();
        if (defs.length > printed) {
          await out.write(enc.encode(defs.slice(printed).join("\n\n") + "\n\n"));
          printed = defs.length;
        }
      } else {
        await out.write(enc.encode(line + "\n"));
      }
    }
    return 0;
  } catch (e) {
    const msg = e instanceof GobError ? e.message : String(e);
    console.error(`gob dump: ${file === "-" ? "stdin" : file}: ${msg}`);
    return 1;
  } finally {
    out.releaseLock();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
