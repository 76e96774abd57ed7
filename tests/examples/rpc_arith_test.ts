/**
 * The Arith examples as a user runs them: the TypeScript server answers the
 * TypeScript client and Go's net/rpc client; the TypeScript client talks to
 * Go's net/rpc server; for gob, jsonrpc and HTTP CONNECT.
 */
import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";

const SERVER = new URL("../../examples/rpc_arith_server.ts", import.meta.url).pathname;
const CLIENT = new URL("../../examples/rpc_arith_client.ts", import.meta.url).pathname;
const EXPECTED = "Arith: 7*8=56\nArith: 17/5=3 remainder 2\nArith: 1/0 error: divide by zero\n";

/** Reads lines from a child's stdout until one matches; returns the match. */
async function waitFor(stream: ReadableStream<Uint8Array>, re: RegExp): Promise<RegExpMatchArray> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${re}: ${buf}`);
    buf += value;
    const m = buf.match(re);
    if (m) {
      reader.releaseLock();
      return m;
    }
  }
}

function stop(child: Deno.ChildProcess): void {
  try {
    child.kill();
  } catch { /* already gone */ }
}

async function runClient(addr: string, flags: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLIENT, "--addr", addr, ...flags],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

for (const flags of [[], ["--codec", "jsonrpc"], ["--http"]]) {
  const label = flags.join(" ") || "gob";
  goTest(`examples: Arith server and client (${label}), and with Go on either side`, async () => {
    const server = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SERVER, "--port", "0", ...flags],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    try {
      const [, addr] = await waitFor(server.stdout, /listening on (\S+)\n/);
      assert.equal(await runClient(addr, flags), EXPECTED);
      // Go's net/rpc client against the TypeScript server.
      const goClient = await buildGo("cmd/rpcclient");
      const args = ["-addr", addr, "-scenario", "basic"];
      if (flags[0] === "--codec") args.push("-codec", "jsonrpc");
      if (flags[0] === "--http") args.push("-http");
      const go = await new Deno.Command(goClient, { args, stdout: "piped", stderr: "piped" })
        .output();
      assert.ok(go.success, new TextDecoder().decode(go.stderr));
    } finally {
      stop(server);
      await server.status;
    }
    // The TypeScript client against Go's net/rpc server.
    const goServer = new Deno.Command(await buildGo("cmd/rpcserver"), {
      args: [
        ...(flags[0] === "--codec" ? ["-codec", "jsonrpc"] : []),
        ...(flags[0] === "--http" ? ["-http"] : []),
      ],
      stdin: "piped", // the Go server exits when its stdin closes
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    try {
      const [, addr] = await waitFor(goServer.stdout, /LISTEN (\S+)\n/);
      assert.equal(await runClient(addr, flags), EXPECTED);
    } finally {
      await goServer.stdin.close();
      await goServer.status;
    }
  });
}
