/**
 * The gopherless emulator's command line: run a Lambda function locally, through either of the
 * protocols Lambda has for native binaries, with no AWS account.
 *
 * ```sh
 * deno run -A emulator/cli.ts invoke examples/hello.ts event.json
 * echo '{"name":"Ada"}' | deno run -A emulator/cli.ts invoke examples/hello.ts - --protocol go1x
 * deno run -A emulator/cli.ts invoke ./bootstrap --event-sample sqs
 * deno run -A emulator/cli.ts serve examples/hello.ts --port 9000
 * deno run -A emulator/cli.ts demo
 * ```
 *
 * `<function>` is a `.ts`/`.js` module (run with `deno run -A`), or an executable (a compiled
 * `bootstrap`, a Go binary, ...); `--cmd "prog args"` runs any command instead.
 *
 * @module
 */

import {
  type Emulation,
  type InvokeOutcome,
  LocalFunction,
  type LocalFunctionOptions,
  type Protocol,
} from "./function.ts";
import { FunctionPool } from "./pool.ts";
import { QemuError } from "../ground/qemu.ts";
import { type HttpEventKindOption, serveHttp } from "./http_serve.ts";
import { serveInvokeApi } from "./invoke_api.ts";
import {
  type FlagTable,
  parseCommandLine,
  UsageError,
  usageFailure,
} from "../ground/command_line.ts";

const USAGE = `gopherless emulator: run a Lambda function locally, as Lambda runs it.

Usage:
  invoke <function> [EVENT_FILE|-] [flags]   invoke once: payload on stdout, logs on stderr;
                                             exit 0 on success, 1 on a function error
  serve <function> [flags]                   Lambda's Invoke API on 127.0.0.1:9000
                                             (POST /2015-03-31/functions/function/invocations)
  serve --http <function> [flags]            an HTTP server on 127.0.0.1:9000: each request
                                             becomes a Function URL event (or --event-kind)
  demo                                       invoke examples/hello.ts through both protocols
  events                                     list the sample events

<function>: a .ts/.js module (run with deno run -A) or an executable (a compiled bootstrap,
a --runtime deno package's bootstrap). One built for the other architecture (arm64 here) runs
through qemu-user (docs/arm64.md).

Flags:
  --protocol go1x|runtime-api   the protocol (default runtime-api)
  --cmd "PROGRAM ARGS"          run this command as the function (instead of <function>)
  --env K=V                     an environment variable (repeatable)
  --timeout SECONDS             the function timeout (default 3)
  --memory MB                   the memory size (default 128): reported to the function, and
                                enforced (over it, the process is killed: Runtime.OutOfMemory)
  --function-name NAME          the function name (default function)
  --event-sample NAME           send a sample event: ${
  ["apigw-v1", "apigw-v2", "sqs", "s3", "eventbridge", "scheduled"].join(", ")
}
  --client-context JSON         the client context (invoke)
  --port N                      serve: the port (default 9000)
  --concurrency N               serve: most warm environments at once (default 4)
  --environment-concurrency N   invocations one environment takes at once (default 1); above 1
                                a Lambda Managed Instances environment (AWS_LAMBDA_MAX_CONCURRENCY)
  --watch                       serve: restart the function when a file under its
                                directory changes (.ts, .js, .json)
  --http                        serve: plain HTTP, requests turned into HTTP events
  --event-kind KIND             serve --http: function-url (default), apigw-v2, apigw-v1, alb
  --alb-multi-value             serve --http --event-kind alb: multi-value headers
  --quiet                       invoke: do not print the function's logs
  --qemu PROGRAM                the qemu-user for a function of the other architecture (default
                                qemu-aarch64-static or qemu-aarch64 on PATH, for arm64)
`;

/** Parsed command line. */
export interface CliArgs {
  /** The subcommand. */
  command: string;
  /** Positional arguments after it. */
  positional: string[];
  /** Flags (repeatable ones as arrays). */
  flags: Record<string, string | string[] | boolean>;
}

/** The emulator's flags (every subcommand reads the ones it uses). */
const FLAGS = {
  protocol: "string",
  cmd: "string",
  env: "strings",
  timeout: "string",
  memory: "string",
  "function-name": "string",
  "event-sample": "string",
  "client-context": "string",
  port: "string",
  concurrency: "string",
  "environment-concurrency": "string",
  "init-timeout": "string",
  qemu: "string",
  "event-kind": "string",
  quiet: "boolean",
  http: "boolean",
  "alb-multi-value": "boolean",
  watch: "boolean",
} as const satisfies FlagTable;
const EVENT_KINDS = ["function-url", "apigw-v2", "apigw-v1", "alb"];

export { UsageError } from "../ground/command_line.ts";

/** Parses `args` (the command line after the program). */
export function parseArgs(args: string[]): CliArgs {
  const { flags, positional, help } = parseCommandLine(args, FLAGS);
  const command = positional.shift() ?? "";
  return { command, positional, flags: help ? { ...flags, help: true } : flags };
}

/** Splits a command string into words, honouring single and double quotes and backslashes. */
export function splitCommand(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = null;
      else if (c === "\\" && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      has = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (q) throw new UsageError(`unterminated quote in ${JSON.stringify(s)}`);
  if (has) out.push(cur);
  return out;
}

/** The names of the sample events. */
export const EVENT_SAMPLES = ["apigw-v1", "apigw-v2", "sqs", "s3", "eventbridge", "scheduled"];

/** Reads a sample event by name. */
export async function eventSample(name: string): Promise<Uint8Array> {
  if (!EVENT_SAMPLES.includes(name)) {
    throw new UsageError(
      `unknown event sample ${JSON.stringify(name)}; known: ${EVENT_SAMPLES.join(", ")}`,
    );
  }
  const url = new URL(`./events/${name}.json`, import.meta.url);
  if (url.protocol === "file:") return await Deno.readFile(url);
  const res = await fetch(url);
  return new Uint8Array(await res.arrayBuffer());
}

function str(flags: CliArgs["flags"], name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

function num(flags: CliArgs["flags"], name: string, min: number): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}`);
  return n;
}

/** The function options the flags and `<function>` describe. */
export function functionOptions(
  target: string | undefined,
  flags: CliArgs["flags"],
): LocalFunctionOptions {
  const protocol = (str(flags, "protocol") ?? "runtime-api") as Protocol;
  if (protocol !== "go1x" && protocol !== "runtime-api") {
    throw new UsageError(`--protocol must be go1x or runtime-api, not ${protocol}`);
  }
  const env: Record<string, string> = {};
  for (const kv of (flags.env as string[] | undefined) ?? []) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new UsageError(`--env wants K=V, got ${JSON.stringify(kv)}`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const options: LocalFunctionOptions = {
    protocol,
    env,
    timeoutMs: (num(flags, "timeout", 0.001) ?? 3) * 1000,
    memoryMb: num(flags, "memory", 1),
    functionName: str(flags, "function-name"),
    qemu: str(flags, "qemu"),
  };
  const perEnvironment = num(flags, "environment-concurrency", 1);
  if (perEnvironment !== undefined) {
    if (protocol !== "runtime-api") {
      throw new UsageError("--environment-concurrency needs --protocol runtime-api");
    }
    options.perEnvironmentMaxConcurrency = perEnvironment;
  }
  const it = num(flags, "init-timeout", 0.001);
  if (it !== undefined) options.initTimeoutMs = it * 1000;
  const cmd = str(flags, "cmd");
  if (cmd !== undefined) {
    options.cmd = splitCommand(cmd);
    if (options.cmd.length === 0) throw new UsageError("--cmd is empty");
  } else if (target === undefined) {
    throw new UsageError("which function? give a .ts module, an executable, or --cmd");
  } else if (/\.(ts|mts|cts|tsx|js|mjs|cjs|jsx)$/.test(target)) {
    options.entry = target;
  } else {
    options.bootstrap = target;
  }
  return options;
}

/** The line that says a function runs emulated. */
function emulationNote(e: Emulation): string {
  const arch = e.cpu === "aarch64" ? "arm64" : e.cpu;
  return `the function is built for ${arch}: it runs through ${e.qemu.program} ` +
    `(-L ${e.qemu.ldPrefix}), several times slower than on Lambda; the memory size is not enforced (Max Memory Used ` +
    `is qemu's own)`;
}

async function readStdin(): Promise<Uint8Array> {
  return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
}

function writeOut(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
  if (bytes.length === 0 || bytes[bytes.length - 1] !== 10) {
    Deno.stdout.writeSync(Uint8Array.of(10));
  }
}

async function invokeCommand(args: CliArgs): Promise<number> {
  const { positional, flags } = args;
  const hasCmd = str(flags, "cmd") !== undefined;
  const target = hasCmd ? undefined : positional[0];
  const eventArg = hasCmd ? positional[0] : positional[1];
  const extra = positional.slice(hasCmd ? 1 : 2);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
  const options = functionOptions(target, flags);
  let event: Uint8Array;
  const sample = str(flags, "event-sample");
  if (sample !== undefined && eventArg !== undefined) {
    throw new UsageError("give an event file or --event-sample, not both");
  }
  if (sample !== undefined) event = await eventSample(sample);
  else if (eventArg === "-") event = await readStdin();
  else if (eventArg !== undefined) event = await Deno.readFile(eventArg);
  else event = new TextEncoder().encode("{}");
  options.stderr = flags.quiet ? "piped" : "inherit";
  const cc = str(flags, "client-context");
  let clientContext: unknown;
  if (cc !== undefined) {
    try {
      clientContext = JSON.parse(cc);
    } catch {
      throw new UsageError("--client-context must be JSON");
    }
  }
  const fn = await LocalFunction.start(options);
  if (fn.emulation && !flags.quiet) console.error(emulationNote(fn.emulation));
  let r: InvokeOutcome;
  try {
    r = await fn.invoke(event, { clientContext });
  } finally {
    await fn.close();
  }
  writeOut(r.payload);
  return r.ok ? 0 : 1;
}

/**
 * Watches the directory of `target` and recycles the pool's environments
 * when source files change (debounced), so the next invocation runs the new
 * code, like a redeploy.
 */
function watchAndRecycle(target: string, pool: FunctionPool, signal: AbortSignal): void {
  let dir = target;
  try {
    if (!Deno.statSync(target).isDirectory) dir = target.replace(/[^/]*$/, "") || ".";
  } catch {
    dir = ".";
  }
  const watcher = Deno.watchFs(dir, { recursive: true });
  signal.addEventListener("abort", () => watcher.close(), { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  (async () => {
    for await (const event of watcher) {
      if (!event.paths.some((p) => /\.(ts|tsx|js|mjs|json)$/.test(p) || p === target)) continue;
      clearTimeout(timer);
      timer = setTimeout(() => {
        console.error(`change detected in ${dir}: restarting the function`);
        pool.recycle();
      }, 100);
    }
  })().catch(() => {});
}

async function serveCommand(args: CliArgs): Promise<number> {
  const { positional, flags } = args;
  const hasCmd = str(flags, "cmd") !== undefined;
  const target = hasCmd ? undefined : positional[0];
  const options = functionOptions(target, flags);
  options.stderr = "inherit";
  const port = num(flags, "port", 0) ?? 9000;
  const maxConcurrency = num(flags, "concurrency", 1) ?? 4;
  const pool = new FunctionPool({ ...options, maxConcurrency });
  const emulation = pool.functions[0]?.emulation;
  if (emulation) console.error(emulationNote(emulation));
  const ac = new AbortController();
  const stop = () => ac.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const served = options.entry ?? options.bootstrap ?? options.cmd?.join(" ");
  if (flags.watch) watchAndRecycle(options.entry ?? options.bootstrap ?? ".", pool, ac.signal);
  if (flags.http) {
    const eventKind = str(flags, "event-kind") ?? "function-url";
    if (!EVENT_KINDS.includes(eventKind)) {
      throw new UsageError(`--event-kind must be one of ${EVENT_KINDS.join(", ")}`);
    }
    const server = serveHttp(pool, {
      port,
      eventKind: eventKind as HttpEventKindOption,
      albMultiValueHeaders: !!flags["alb-multi-value"],
      signal: ac.signal,
      onListen: ({ port }) =>
        console.error(
          `serving ${served} as a ${eventKind} on http://127.0.0.1:${port}/
` +
            `try: curl -i http://127.0.0.1:${port}/`,
        ),
    });
    await server.finished;
    await pool.close();
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    return 0;
  }
  const server = serveInvokeApi(pool, {
    port,
    functionName: options.functionName,
    signal: ac.signal,
    onListen: ({ port }) => {
      const url = `http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`;
      console.error(
        `serving ${options.entry ?? options.bootstrap ?? options.cmd?.join(" ")} ` +
          `(${options.protocol}, up to ${maxConcurrency} warm environments) on ${url}\n` +
          `try: curl -d '{}' ${url}`,
      );
    },
  });
  await server.finished;
  await pool.close();
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  return 0;
}

const DEMO_EVENT = { name: "gopherless" };

/** One leg of the demo: what happened. */
export interface DemoLeg {
  /** The protocol. */
  protocol: Protocol;
  /** The outcome. */
  outcome: InvokeOutcome;
  /** Set when the runtime said this protocol is not available in this build. */
  unavailable?: string;
}

/** Invokes `examples/hello.ts` through both protocols (the `demo` command's work). */
export async function runDemo(entry?: string): Promise<DemoLeg[]> {
  const path = entry ?? new URL("../examples/hello.ts", import.meta.url).pathname;
  const legs: DemoLeg[] = [];
  for (const protocol of ["runtime-api", "go1x"] as const) {
    const fn = await LocalFunction.start({ entry: path, protocol, functionName: "hello" });
    let outcome: InvokeOutcome;
    try {
      outcome = await fn.invoke(DEMO_EVENT);
    } finally {
      await fn.close();
    }
    const leg: DemoLeg = { protocol, outcome };
    if (!outcome.ok) {
      const m = /^.*not yet available.*$/m.exec(outcome.logs);
      if (m) leg.unavailable = m[0].trim();
    }
    legs.push(leg);
  }
  return legs;
}

async function demoCommand(): Promise<number> {
  const dec = new TextDecoder();
  console.log("gopherless demo: examples/hello.ts, invoked locally through both Lambda protocols");
  console.log(`event: ${JSON.stringify(DEMO_EVENT)}\n`);
  const legs = await runDemo();
  const titles: Record<Protocol, string> = {
    "runtime-api": "Runtime API (provided.al2023: AWS_LAMBDA_RUNTIME_API, HTTP)",
    "go1x": "go1.x (_LAMBDA_SERVER_PORT: Go's net/rpc with gob, Function.Ping/Invoke)",
  };
  let ok = true;
  for (const leg of legs) {
    const r = leg.outcome;
    console.log(`▶ ${titles[leg.protocol]}`);
    if (r.ok) {
      console.log(`  answer: ${dec.decode(r.payload)}`);
      const init = r.initDurationMs !== undefined ? `init ${r.initDurationMs.toFixed(0)} ms, ` : "";
      console.log(`  (${init}invoke ${r.durationMs.toFixed(1)} ms)`);
      const line = r.logs.split("\n").find((l) => l.includes("greeting"));
      if (line) console.log(`  log:    ${line}`);
    } else {
      ok = false;
      if (leg.unavailable) {
        console.log("  NOT AVAILABLE YET in this build: the runtime's go1.x mode says");
        console.log(`  ${leg.unavailable}`);
      } else {
        console.log(`  FAILED (${r.kind}): ${dec.decode(r.payload)}`);
        const tail = r.logs.trim().split("\n").slice(-5).join("\n    ");
        if (tail) console.log(`  logs:\n    ${tail}`);
      }
    }
    console.log();
  }
  if (ok && legs.length === 2) {
    const [a, b] = legs.map((l) => dec.decode(l.outcome.payload));
    console.log(a === b ? "Both protocols gave the same answer." : "The answers differ!");
    if (a !== b) return 1;
  }
  return ok ? 0 : 1;
}

/** Runs the CLI with `args`; resolves the exit status. */
export async function main(args: string[]): Promise<number> {
  let parsed: CliArgs;
  try {
    parsed = parseArgs(args);
    if (parsed.flags.help || parsed.command === "" || parsed.command === "help") {
      console.log(USAGE);
      return parsed.command === "" && !parsed.flags.help ? 2 : 0;
    }
    switch (parsed.command) {
      case "invoke":
        return await invokeCommand(parsed);
      case "serve":
        return await serveCommand(parsed);
      case "demo":
        return await demoCommand();
      case "events":
        console.log(EVENT_SAMPLES.join("\n"));
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(parsed.command)}`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof QemuError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    return usageFailure(e, USAGE);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
