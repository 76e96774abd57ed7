import assert from "node:assert/strict";
import { parseArgs, UsageError } from "../../packaging/cli.ts";
import { runCli } from "./_helpers.ts";

Deno.test("cli: defaults and every option", () => {
  assert.deepEqual(parseArgs(["fn.ts"]), { entry: "fn.ts" });
  assert.deepEqual(
    parseArgs([
      "--arch",
      "both",
      "fn.ts",
      "--runtime=deno",
      "--out",
      "build/out",
      "--no-check",
      "--cache-dir",
      "/c",
      "--deno-version",
      "2.9.6",
    ]),
    {
      entry: "fn.ts",
      arch: ["x86_64", "arm64"],
      runtime: "deno",
      out: "build/out",
      check: false,
      cacheDir: "/c",
      denoVersion: "2.9.6",
    },
  );
  assert.deepEqual(parseArgs(["fn.ts", "--arch", "arm64", "--no-bundle", "--offline"]), {
    entry: "fn.ts",
    arch: ["arm64"],
    bundle: false,
    offline: true,
  });
  assert.deepEqual(parseArgs(["fn.ts", "--memory", "512"]), { entry: "fn.ts", memoryMb: 512 });
  // --runtime deno: the memory size whose start-up cache the package ships.
  assert.deepEqual(parseArgs(["fn.ts", "--runtime", "deno", "--memory", "1024"]), {
    entry: "fn.ts",
    runtime: "deno",
    memoryMb: 1024,
  });
  assert.deepEqual(
    parseArgs(["fn.ts", "--runtime", "deno", "--task-root", "/opt/fn", "--no-start-cache"]),
    { entry: "fn.ts", runtime: "deno", taskRoot: "/opt/fn", startCache: false },
  );
  assert.deepEqual(
    parseArgs(["fn.ts", "--runtime", "deno", "--arch", "arm64", "--qemu", "/opt/qemu-aarch64"]),
    { entry: "fn.ts", runtime: "deno", arch: ["arm64"], qemu: "/opt/qemu-aarch64" },
  );
  assert.deepEqual(parseArgs(["-h"]), { help: true });
});

Deno.test("cli: bad command lines say what is wrong", () => {
  const cases: [string[], RegExp][] = [
    [[], /missing the entry module/],
    [["a.ts", "b.ts"], /one entry module, not 2/],
    [["a.ts", "--arch", "x86"], /--arch must be x86_64, arm64 or both/],
    [["a.ts", "--arch", "amd64"], /Lambda calls it x86_64/],
    [["a.ts", "--arch"], /--arch needs a value/],
    [["a.ts", "--out", "--no-check"], /--out needs a value/],
    [["a.ts", "--runtime", "node"], /--runtime must be compiled or deno/],
    [["a.ts", "--runtime", "deno", "--no-bundle"], /drop --no-bundle/],
    [["a.ts", "--runtime", "deno", "--offline"], /--runtime deno does not use/],
    [["a.ts", "--deno-version", "latest"], /X\.Y\.Z/],
    [["a.ts", "--memory", "64"], /128–10240/],
    [["a.ts", "--runtime", "deno", "--memory", "20000"], /--memory .*128–10240/],
    [["a.ts", "--layer", "--memory", "1.5"], /--memory/],
    [["a.ts", "--layer", "--memory", "big"], /--memory/],
    [["a.ts", "--runtime", "deno", "--task-root", "task"], /absolute path/],
    [["a.ts", "--task-root", "/var/task"], /are for --runtime deno/],
    [["a.ts", "--no-start-cache"], /are for --runtime deno/],
    [["a.ts", "--qemu", "qemu-aarch64"], /--qemu makes the start-up cache of a --runtime deno/],
    [["a.ts", "--runtime", "deno", "--no-start-cache", "--qemu", "q"], /--qemu makes the start-up/],
    [["a.ts", "--frobnicate"], /unknown option --frobnicate/],
  ];
  for (const [args, re] of cases) {
    assert.throws(
      () => parseArgs(args),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
      args.join(" "),
    );
  }
});

Deno.test("cli: exit status 2 with the usage on bad arguments, 0 for --help", async () => {
  const bad = await runCli(["--arch", "both"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /error: missing the entry module/);
  assert.match(bad.stderr, /usage: deno task build/);
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--runtime compiled\|deno/);
});

Deno.test("cli: a missing entry is a build error (exit 1)", async () => {
  const r = await runCli(["does/not/exist.ts", "--no-check", "--offline"], {
    DENORT_BIN: "/bin/true",
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /entry module not found: does\/not\/exist\.ts/);
});
