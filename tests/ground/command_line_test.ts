/**
 * The one command-line parser every gopherless tool uses: the flag forms, the usage errors, and
 * that the five CLIs throw the same {@linkcode UsageError}.
 */
import assert from "node:assert/strict";
import { oneOf, parseCommandLine, UsageError, wholeNumber } from "../../ground/command_line.ts";
import * as emulator from "../../emulator/cli.ts";
import * as build from "../../packaging/cli.ts";
import * as deploy from "../../tools/deploy.ts";
import * as newTool from "../../tools/new.ts";

const TABLE = {
  env: "strings",
  out: "string",
  quiet: "boolean",
  types: { bare: "go" },
} as const;

Deno.test("command line: value forms, lists, switches, optional values, - and --", () => {
  assert.deepEqual(
    parseCommandLine(
      ["a", "--env", "A=1", "--env=B=2", "--out", "-", "-", "--quiet", "--types", "--", "--x"],
      TABLE,
    ),
    {
      flags: { env: ["A=1", "B=2"], out: "-", quiet: true, types: "go" },
      positional: ["a", "-", "--x"],
      help: false,
    },
  );
  assert.deepEqual(parseCommandLine(["--types=ts", "--out=--odd"], TABLE).flags, {
    types: "ts",
    out: "--odd",
  });
  // The last of a single-valued flag wins.
  assert.equal(parseCommandLine(["--out", "a", "--out", "b"], TABLE).flags.out, "b");
});

Deno.test("command line: -h and --help stop parsing", () => {
  for (const h of ["-h", "--help"]) {
    assert.deepEqual(parseCommandLine(["x", h, "--nope"], TABLE), {
      flags: {},
      positional: ["x"],
      help: true,
    });
  }
});

Deno.test("command line: what is refused, with the flag named", () => {
  const cases: [string[], RegExp][] = [
    [["--nope"], /^unknown option --nope$/],
    [["-q"], /^unknown option -q$/],
    [["--out"], /^--out needs a value$/],
    [["--out", "--quiet"], /^--out needs a value$/],
    [["--quiet=yes"], /^--quiet takes no value$/],
    [["--constructor"], /^unknown option --constructor$/],
  ];
  for (const [args, re] of cases) {
    assert.throws(
      () => parseCommandLine(args, TABLE),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
      args.join(" "),
    );
  }
  assert.throws(() => oneOf("--arch", "x86", ["x86_64", "arm64", "both"]), {
    message: '--arch must be x86_64, arm64 or both, not "x86"',
  });
  assert.equal(wholeNumber("--memory", "512", 128, 10240), 512);
  for (const v of ["64", "1.5", "-1", "", "0x80"]) {
    assert.throws(() => wholeNumber("--memory", v, 128, 10240), UsageError, v);
  }
});

Deno.test("command line: the CLIs share one UsageError", () => {
  assert.equal(emulator.UsageError, UsageError);
  assert.equal(build.UsageError, UsageError);
  assert.equal(deploy.UsageError, UsageError);
  assert.equal(newTool.UsageError, UsageError);
  assert.throws(() => emulator.parseArgs(["invoke", "--nope"]), UsageError);
  assert.throws(() => build.parseArgs(["--nope"]), UsageError);
  assert.throws(() => deploy.parseArgs(["--nope"]), UsageError);
  assert.throws(() => newTool.parseArgs(["--nope"]), UsageError);
});
