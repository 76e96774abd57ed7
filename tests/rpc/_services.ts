/**
 * Shared fixtures of the rpc tests: the Arith service of the Go peers
 * (tests/go/internal/arith), in-memory connections, and Go process helpers.
 */

import { buildGo } from "../_support/go.ts";
import { type Conn, method, Server, type ServerOptions, t } from "../../rpc/mod.ts";
import type { Infer, Type } from "../../gob/mod.ts";

export const Args = t.struct("Args", { A: t.int, B: t.int });
export const Quotient = t.struct("Quotient", { Quo: t.int, Rem: t.int });
export const SleepArgs = t.struct("SleepArgs", { Ms: t.int, Tag: t.string });
export const Inner = t.struct("Inner", { Name: t.string, Vals: t.slice(t.float64) });
export const Echo = t.struct("Echo", {
  S: t.string,
  I: t.int64,
  U: t.bigUint64,
  F: t.float64,
  B: t.bool,
  Bytes: t.bytes,
  List: t.slice(t.string),
  Map: t.map(t.string, t.int),
  In: Inner,
  Ptr: t.ptr(Inner),
});
export type EchoValue = Infer<typeof Echo>;

export function sampleEcho(u = (1n << 63n) + 5n): EchoValue {
  return {
    S: "héllo, 世界",
    I: -(2 ** 40),
    U: u,
    F: 3.25,
    B: true,
    Bytes: new Uint8Array([0, 1, 2, 255]),
    List: ["a", "", "c"],
    Map: new Map([["x", 1]]),
    In: { Name: "in", Vals: [1.5, -2] },
    Ptr: { Name: "ptr", Vals: [] },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A server with the same services as the Go peer `rpcserver`; `onMultiply` is called at each
 * `Arith.Multiply` it answers (the calls of the Go client's steady scenario, counted).
 */
export function arithServer(options: ServerOptions = {}, onMultiply?: () => void): Server {
  const server = new Server(options);
  server.register("Arith", {
    Multiply: method(Args, t.int, (a) => {
      onMultiply?.();
      return a.A * a.B;
    }),
    Divide: method(Args, Quotient, (a) => {
      if (a.B === 0) throw new Error("divide by zero");
      return { Quo: Math.trunc(a.A / a.B), Rem: a.A % a.B };
    }),
    Sleep: method(SleepArgs, t.string, async (a, ctx) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, a.Ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return a.Tag;
    }),
    Echo: method(Echo, Echo, (e) => e),
    Fail: method(t.string, t.int, (msg) => {
      throw new Error(msg);
    }),
  });
  server.register("Dot.Svc", { Ping: method(t.int, t.int, (n) => n + 1) });
  return server;
}

/** Two connected in-memory connections. */
export function pipePair(): [Conn, Conn] {
  const ab = new TransformStream<Uint8Array, Uint8Array>();
  const ba = new TransformStream<Uint8Array, Uint8Array>();
  return [
    { readable: ba.readable, writable: ab.writable },
    { readable: ab.readable, writable: ba.writable },
  ];
}

/** A running Go peer process. */
export interface GoProcess {
  /** The address it printed (`host:port`), for servers. */
  addr: string;
  /** Stops it. */
  stop(): Promise<void>;
}

/** Starts the Go rpcserver peer and waits for its LISTEN line. */
export async function startGoServer(args: string[] = []): Promise<GoProcess & { port: number }> {
  const bin = await buildGo("cmd/rpcserver");
  const child = new Deno.Command(bin, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const r = await reader.read();
    if (r.done) throw new Error("rpcserver exited before listening");
    text += r.value;
  }
  reader.releaseLock();
  const addr = text.trim().split(" ")[1];
  const port = Number(addr.slice(addr.lastIndexOf(":") + 1));
  return {
    addr,
    port,
    async stop() {
      try {
        await child.stdin.close();
      } catch { /* gone */ }
      try {
        child.kill();
      } catch { /* gone */ }
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** Runs the Go rpcclient peer and returns its JSON report. */
export async function runGoClient(args: string[]): Promise<Record<string, unknown>> {
  const bin = await buildGo("cmd/rpcclient");
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`rpcclient ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** A recorded conversation (testdata/rpc/*.json, written by tests/rpc/capture.ts). */
export interface Capture {
  go: string;
  note: string;
  turns: ["c2s" | "s2c", string][];
}

export async function loadCapture(name: string): Promise<Capture> {
  const url = new URL(`../../testdata/rpc/${name}.json`, import.meta.url);
  return JSON.parse(await Deno.readTextFile(url));
}

export function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Reads exactly `n` bytes from a stream reader (keeping any surplus for the next read). */
export class ExactReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  constructor(readable: ReadableStream<Uint8Array>) {
    this.#reader = readable.getReader();
  }
  async read(n: number, timeoutMs = 2000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buf.length < n) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        this.#reader.read(),
        new Promise<null>((res) => timer = setTimeout(() => res(null), deadline - Date.now())),
      ]);
      clearTimeout(timer);
      if (r === null) {
        throw new Error(`timed out with ${this.#buf.length} of ${n} bytes: ${hex(this.#buf)}`);
      }
      if (r.done) throw new Error(`stream ended with ${this.#buf.length} of ${n} bytes`);
      const b = new Uint8Array(this.#buf.length + r.value.length);
      b.set(this.#buf);
      b.set(r.value, this.#buf.length);
      this.#buf = b;
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }
  /** Resolves with true if the stream ends (with nothing more), false if bytes arrive. */
  async ended(timeoutMs = 2000): Promise<boolean> {
    if (this.#buf.length > 0) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      this.#reader.read(),
      new Promise<null>((res) => timer = setTimeout(() => res(null), timeoutMs)),
    ]);
    clearTimeout(timer);
    if (r === null) throw new Error("stream neither ended nor produced bytes");
    if (r.done) return true;
    this.#buf = r.value;
    return false;
  }
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

/** The calls of the Go peer's "golden" scenario, in order, with what they return. */
export const GOLDEN_CALLS: {
  sm: string;
  args: unknown;
  argsType: Type<unknown>;
  replyType: Type<unknown>;
  reply?: unknown;
  error?: string;
}[] = [
  { sm: "Arith.Multiply", args: { A: 7, B: 8 }, argsType: Args, replyType: t.int, reply: 56 },
  { sm: "Arith.Multiply", args: { A: 3, B: 4 }, argsType: Args, replyType: t.int, reply: 12 },
  {
    sm: "Arith.Divide",
    args: { A: 17, B: 5 },
    argsType: Args,
    replyType: Quotient,
    reply: { Quo: 3, Rem: 2 },
  },
  {
    sm: "Arith.Divide",
    args: { A: 1, B: 0 },
    argsType: Args,
    replyType: Quotient,
    error: "divide by zero",
  },
  {
    sm: "Arith.Nope",
    args: { A: 1, B: 2 },
    argsType: Args,
    replyType: t.int,
    error: "rpc: can't find method Arith.Nope",
  },
  {
    sm: "Nope.Multiply",
    args: { A: 1, B: 2 },
    argsType: Args,
    replyType: t.int,
    error: "rpc: can't find service Nope.Multiply",
  },
  {
    sm: "Multiply",
    args: { A: 1, B: 2 },
    argsType: Args,
    replyType: t.int,
    error: "rpc: service/method request ill-formed: Multiply",
  },
  {
    sm: "Arith.Echo",
    args: goldenEcho(),
    argsType: Echo,
    replyType: Echo,
    reply: goldenEcho(),
  },
  { sm: "Arith.Multiply", args: { A: 6, B: 7 }, argsType: Args, replyType: t.int, reply: 42 },
];

function goldenEcho(): EchoValue {
  return {
    S: "héllo",
    I: -(2 ** 40),
    U: 1n << 40n,
    F: 3.25,
    B: true,
    Bytes: new Uint8Array([0, 1, 255]),
    List: ["a", "", "c"],
    Map: new Map([["x", 1]]),
    In: { Name: "in", Vals: [1.5, -2] },
    Ptr: { Name: "ptr", Vals: [] },
  };
}
