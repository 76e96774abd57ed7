/**
 * AWS's Runtime Interface Emulator (`aws-lambda-rie`, built from its Go module pinned in
 * `tests/go/rie/go.mod`) as a judge: a packaged TypeScript function (`deno task build --runtime
 * deno`, unzipped) and the same function written with aws-lambda-go run under it, and under our
 * emulator. Both emulators must answer the same for each function: results, error documents
 * (with the TypeScript function's frames mapped to its sources), streamed bodies, init errors.
 */

import assert from "node:assert/strict";
import { LocalFunction } from "../../emulator/mod.ts";
import { buildGo, goTest } from "../_support/go.ts";
import { repoPath } from "../runtime/_platform.ts";
import { underRie as underSharedRie } from "../_support/rie.ts";
import { unzipInto } from "../_support/tools.ts";

const dec = new TextDecoder();

let packaged: Promise<string> | undefined;
/** The TypeScript twin, packaged and unzipped: its task directory. */
function packageOps(): Promise<string> {
  packaged ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-rie-fn-" });
    const build = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        repoPath("packaging/cli.ts"),
        repoPath("tests/emulator/fixtures/ops.ts"),
        "--runtime",
        "deno",
        "--no-check",
        "--out",
        `${dir}/dist`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!build.success) throw new Error(dec.decode(build.stderr));
    const task = `${dir}/task`;
    await unzipInto(`${dir}/dist/x86_64/bootstrap.zip`, task);
    return task;
  })();
  return packaged;
}

/** One function under the RIE (the shared judge), its start-up files in a DENO_DIR beside it. */
function underRie(
  bootstrap: string,
  cwd: string,
  env: Record<string, string>,
  fn: (invoke: (event: unknown) => Promise<string>) => Promise<void>,
): Promise<void> {
  return underSharedRie(bootstrap, cwd, { ...env, DENO_DIR: `${cwd}/../deno-dir` }, fn);
}

/** The same function under our emulator (Runtime API). */
async function underEmulator(
  bootstrap: string,
  cwd: string,
  env: Record<string, string>,
  fn: (invoke: (event: unknown) => Promise<string>) => Promise<void>,
): Promise<void> {
  const f = await LocalFunction.start({
    bootstrap,
    cwd,
    protocol: "runtime-api",
    env: { ...env, DENO_DIR: `${cwd}/../deno-dir` },
  });
  try {
    await fn(async (event) => {
      const r = await f.invoke(event);
      return dec.decode(r.payload).replaceAll(r.requestId, "<id>");
    });
  } finally {
    await f.close();
  }
}

const EVENTS = [
  { op: "echo", value: { s: "<&>", n: [1, 2.5, null], u: "ünï" } },
  { op: "fail", message: "bad <input>" },
  { op: "stream", chunks: ["one ", "two ", "three"] },
];

goTest("RIE: results, error documents and streams equal our emulator's, Go and TS", async () => {
  const task = await packageOps();
  const go = await buildGo("cmd/goemufunc");
  const answers: Record<string, string[]> = {};
  for (
    const [name, bootstrap, cwd] of [["go", go, task], ["ts", `${task}/bootstrap`, task]] as const
  ) {
    for (const [host, run] of [["rie", underRie], ["emulator", underEmulator]] as const) {
      await run(bootstrap, cwd, {}, async (invoke) => {
        const got: string[] = [];
        for (const e of EVENTS) got.push(await invoke(e));
        // The TypeScript function's own frames, mapped back through handler.js.map.
        if (name === "ts") got.push(await invoke({ op: "boom", message: "with frames" }));
        answers[`${name}/${host}`] = got;
      });
    }
  }
  for (const name of ["go", "ts"]) {
    assert.deepEqual(answers[`${name}/emulator`], answers[`${name}/rie`], name);
  }
  // Results and streamed bodies are the same bytes from Go and TypeScript.
  assert.equal(answers["ts/rie"][0], answers["go/rie"][0]);
  assert.equal(answers["ts/rie"][2], "one two three");
  assert.equal(answers["go/rie"][2], "one two three");
  // Error documents: aws-lambda-go's shape from Go, Node's managed runtime's from TypeScript.
  assert.deepEqual(JSON.parse(answers["go/rie"][1]), {
    errorMessage: "bad <input>",
    errorType: "MyErr",
  });
  assert.deepEqual(JSON.parse(answers["ts/rie"][1]), {
    errorType: "MyErr",
    errorMessage: "bad <input>",
    trace: [],
  });
  const boom = JSON.parse(answers["ts/rie"][3]);
  assert.equal(boom.errorType, "MyErr");
  assert.equal(boom.trace[0], "Error: with frames");
  assert.match(boom.trace[1], /^ {4}at handler \(tests\/emulator\/fixtures\/ops\.ts:\d+:\d+\)$/);
  assert.equal(boom.trace.length, 2, "no frame of the runtime");
});

goTest(
  "RIE: a reported init error equals our emulator's; an exit in init answers alike for Go and TS",
  async () => {
    const task = await packageOps();
    const go = await buildGo("cmd/goemufunc");
    const cases = [
      // aws-lambda-go has no init error call: the Go twin exits before serving.
      ["go exits", go, { GOEMU_INIT_FAIL: "1" }],
      ["ts exits", `${task}/bootstrap`, { EMU_INIT_FAIL: "exit" }],
      ["ts init error", `${task}/bootstrap`, { EMU_INIT_FAIL: "init" }],
    ] as const;
    const raw: Record<string, string[]> = {};
    for (const [name, bootstrap, env] of cases) {
      raw[name] = [];
      for (const run of [underRie, underEmulator]) {
        await run(bootstrap, task, env, async (invoke) => {
          raw[name].push((await invoke({ op: "echo", value: 1 })).replace(/RequestId: \S+ /, ""));
        });
      }
    }
    // A process that exits during init: the TypeScript and Go functions get the same answer under
    // each host. AWS's emulator answers it with an empty body; Lambda and our emulator with
    // Runtime.ExitError and the exit status.
    assert.deepEqual(raw["ts exits"], raw["go exits"]);
    const [rieExit, emuExit] = raw["go exits"];
    assert.equal(rieExit, "", "the RIE's answer to a function that exits during init");
    assert.deepEqual(JSON.parse(emuExit), {
      errorMessage: "Error: Runtime exited with error: exit status 3",
      errorType: "Runtime.ExitError",
    });
    // An init error the runtime reports: the same document under both hosts, with its frames.
    const [rie, emu] = raw["ts init error"].map((t) => JSON.parse(t));
    assert.deepEqual(emu, rie);
    assert.equal(rie.errorType, "ConfigError");
    assert.equal(rie.errorMessage, "missing configuration");
    assert.match(rie.trace[1], /^ {4}at .*\(tests\/emulator\/fixtures\/ops\.ts:\d+:\d+\)$/);
  },
);
