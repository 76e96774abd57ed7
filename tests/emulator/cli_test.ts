/**
 * The emulator's command line as a user runs it: `invoke` (payload on stdout, logs on stderr, exit
 * status), event files, stdin and samples, `--cmd`/`--env`/`--timeout`/`--protocol`, usage
 * errors, `serve` end to end, and `demo`.
 */

import assert from "node:assert/strict";
import { parseArgs, splitCommand } from "../../emulator/cli.ts";
import { type Ran, runText } from "../_support/process.ts";

const root = new URL("../../", import.meta.url).pathname;
const CLI = `${root}emulator/cli.ts`;

function test(name: string, fn: () => Promise<void> | void) {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

function cli(
  args: string[],
  stdin?: string,
): Promise<Ran> {
  return runText(Deno.execPath(), ["run", "-A", CLI, ...args], {
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: stdin === undefined ? undefined : new TextEncoder().encode(stdin),
  });
}

test("argument parsing", () => {
  assert.deepEqual(
    parseArgs(["invoke", "f.ts", "-", "--env", "A=1", "--env=B=2", "--timeout", "5", "--quiet"]),
    {
      command: "invoke",
      positional: ["f.ts", "-"],
      flags: { env: ["A=1", "B=2"], timeout: "5", quiet: true },
    },
  );
  assert.deepEqual(splitCommand(`deno run -A "my fn.ts" 'x y' a\\ b`), [
    "deno",
    "run",
    "-A",
    "my fn.ts",
    "x y",
    "a b",
  ]);
  assert.throws(() => parseArgs(["invoke", "--nope"]), /unknown option --nope/);
});

test("invoke: payload on stdout, logs on stderr, exit 0", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, '{"name":"Ada"}');
    const r = await cli(["invoke", "examples/hello.ts", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '{"message":"Hello, Ada!"}\n');
    assert.match(r.stderr, /^START RequestId: /m);
    assert.match(r.stderr, /greeting Ada in /);
    assert.match(r.stderr, /^REPORT RequestId: /m);
  } finally {
    await Deno.remove(file);
  }
});

test("invoke: a function error prints Lambda's error JSON and exits 1", async () => {
  const r = await cli(["invoke", "examples/error.ts", "-", "--quiet"], '{"email":"x"}');
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.errorType, "ValidationError");
  assert.equal(doc.errorMessage, 'invalid email address: "x"');
  assert.equal(r.stderr, "", "--quiet keeps the logs back");
});

test("invoke: go1.x protocol from stdin; sample events", async () => {
  const r = await cli(["invoke", "examples/hello.ts", "-", "--protocol", "go1x"], '{"name":"Go"}');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"message":"Hello, Go!"}\n');
  const s = await cli(["invoke", "examples/echo.ts", "--event-sample", "sqs", "--quiet"]);
  assert.equal(s.code, 0, s.stderr);
  const sample = JSON.parse(await Deno.readTextFile(`${root}emulator/events/sqs.json`));
  assert.deepEqual(JSON.parse(s.stdout), sample);
});

test("invoke: --cmd, --env, --timeout and a timeout's error document", async () => {
  const cmd = `${Deno.execPath()} run -A tests/emulator/fixtures/ops.ts`;
  const env = await cli(
    ["invoke", "--cmd", cmd, "-", "--env", "AWS_REGION=ap-south-1", "--function-name", "x"],
    '{"op":"env"}',
  );
  assert.equal(env.code, 0, env.stderr);
  const got = JSON.parse(env.stdout);
  assert.equal(got.region, "ap-south-1");
  assert.equal(got.functionName, "x");
  const slow = await cli(
    ["invoke", "--cmd", cmd, "-", "--timeout", "0.3", "--quiet"],
    '{"op":"sleep","ms":5000}',
  );
  assert.equal(slow.code, 1);
  const doc = JSON.parse(slow.stdout);
  assert.equal(doc.errorType, "Sandbox.Timedout");
  assert.match(doc.errorMessage, /^RequestId: \S+ Error: Task timed out after 0\.30 seconds$/);
});

test("usage errors exit 2", async () => {
  const r = await cli(["invoke", "examples/hello.ts", "--protocol", "go2"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--protocol must be go1x or runtime-api/);
  const s = await cli(["invoke", "examples/hello.ts", "--event-sample", "nope"]);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /unknown event sample "nope"/);
});

test("serve: the CLI serves the Invoke API until stopped", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "examples/hello.ts", "--port", "0"],
    cwd: root,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let url: string | undefined;
  while (!url) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`serve ended: ${text}`);
    text += value;
    url = /on (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(text)?.[1];
  }
  const drain = (async () => {
    while (!(await reader.read()).done) { /* logs */ }
  })();
  try {
    const r = await fetch(url, { method: "POST", body: '{"name":"curl"}' });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { message: "Hello, curl!" });
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await drain;
    assert.equal(status.code, 0);
  }
});

test("demo: examples/hello.ts through both protocols", async () => {
  const r = await cli(["demo"]);
  assert.match(r.stdout, /Runtime API/);
  assert.match(r.stdout, /go1\.x/);
  const answers = r.stdout.match(/answer: .*/g) ?? [];
  assert.deepEqual(answers, [
    'answer: {"message":"Hello, gopherless!"}',
    'answer: {"message":"Hello, gopherless!"}',
  ]);
  assert.match(r.stdout, /Both protocols gave the same answer\./);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
