/**
 * `deno task new` writes a function project outside the library whose own tasks work as
 * generated: `test` (the emulator drives main.ts), `invoke`, and `build` (a `--runtime deno`
 * zip, unzipped elsewhere, whose bootstrap the emulator then runs).
 */
import assert from "node:assert/strict";
import { AWS_LAMBDA_TYPES, projectFiles, TEMPLATE_NAMES } from "../../tools/new.ts";
import { readZip } from "../packaging/_helpers.ts";
import { unzipInto } from "../_support/tools.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NEW = `${ROOT}tools/new.ts`;
const EMULATOR = `${ROOT}emulator/cli.ts`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cwd: string, args: string[]): Promise<Run> {
  // INIT_CWD is where a `deno task` was typed; an outer `deno task test` must not leak its own.
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { ...env, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

const INVOKED: Record<string, (stdout: string) => void> = {
  event: (out) => assert.deepEqual(JSON.parse(out), { message: "Hello, Ada!" }),
  http: (out) => {
    const r = JSON.parse(out);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(JSON.parse(r.body), { message: "Hello, Ada!" });
  },
  stream: (out) => {
    assert.ok(out.startsWith('{"statusCode":200,'), out);
    assert.ok(out.endsWith("\0".repeat(8) + "data: tick 1\n\ndata: tick 2\n\n"), out);
  },
};

for (const template of TEMPLATE_NAMES) {
  Deno.test({
    name: `new --template ${template}: the project's own test and invoke tasks pass`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const tmp = await Deno.makeTempDir({ prefix: "gopherless-new-" });
      try {
        ok(await run(tmp, ["run", "-A", NEW, "my-fn", "--template", template]), "new");
        const dir = `${tmp}/my-fn`;
        const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
        assert.deepEqual(Object.keys(config.tasks).sort(), [
          "build",
          "deploy",
          "invoke",
          "serve",
          "test",
        ]);
        assert.equal(config.imports.gopherless, `${ROOT}mod.ts`);
        assert.equal(config.imports["aws-lambda"], AWS_LAMBDA_TYPES);
        assert.match(config.tasks.deploy, /tools\/deploy\.ts main\.ts --function-name my-fn/);
        assert.equal(await Deno.readTextFile(`${dir}/.gitignore`), "/dist/\n");

        const t = ok(await run(dir, ["task", "test"]), "deno task test");
        assert.match(t.stdout, /ok \| 1 passed \| 0 failed/);
        const inv = ok(await run(dir, ["task", "invoke"]), "deno task invoke");
        INVOKED[template](inv.stdout);
      } finally {
        await Deno.remove(tmp, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "new: the project's build task makes a zip whose unzipped bootstrap runs the handler",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "gopherless-new-" });
    try {
      ok(await run(tmp, ["run", "-A", NEW, "built"]), "new");
      const dir = `${tmp}/built`;
      ok(await run(dir, ["task", "build", "--runtime", "deno"]), "deno task build");
      // What is uploaded is the zip: list it, unpack it elsewhere (the build's own output goes),
      // and run what it holds.
      const zip = `${tmp}/bootstrap.zip`;
      await Deno.rename(`${dir}/dist/x86_64/bootstrap.zip`, zip);
      await Deno.remove(`${dir}/dist`, { recursive: true });
      const entries = await readZip(zip);
      const names = entries.map((e) => e.name);
      // The launcher, the Deno it starts, its cold-start helper, the handler's bundle.
      for (
        const [name, mode] of [
          ["bootstrap", 0o755],
          ["deno", 0o755],
          ["gopherless-start", 0o755],
          ["handler.js", 0o644],
        ] as const
      ) {
        const e = entries.find((e) => e.name === name);
        assert.ok(e && e.size > 0, `no ${name} in ${names}`);
        assert.equal((e.mode & 0o777).toString(8), mode.toString(8), `${name}'s mode`);
      }
      const task = `${tmp}/task`;
      await unzipInto(zip, task);
      const inv = ok(
        await run(task, [
          "run",
          "-A",
          EMULATOR,
          "invoke",
          `${task}/bootstrap`,
          `${dir}/events/event.json`,
        ]),
        "invoking the unzipped bootstrap",
      );
      assert.deepEqual(JSON.parse(inv.stdout), { message: "Hello, Ada!" });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("deno task new writes where it is typed, and refuses a folder that is not empty", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "gopherless-new-" });
  try {
    // deno task runs in the library's folder; the project lands where the command was typed.
    ok(await run(tmp, ["task", "--config", `${ROOT}deno.json`, "new", "fn"]), "deno task new");
    assert.ok((await Deno.stat(`${tmp}/fn/main.ts`)).isFile);
    const again = await run(tmp, ["run", "-A", NEW, "fn"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /fn exists and is not empty/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("new --gopherless URL: the project imports and runs gopherless from there", () => {
  const files = projectFiles({
    dir: "/tmp/x/api",
    template: "http",
    gopherless: "https://example.com/gopherless@1.0.0",
  });
  const config = JSON.parse(files["deno.json"]);
  assert.equal(config.imports.gopherless, "https://example.com/gopherless@1.0.0/mod.ts");
  assert.equal(
    config.imports["gopherless/emulator"],
    "https://example.com/gopherless@1.0.0/emulator/mod.ts",
  );
  assert.equal(
    config.tasks.serve,
    "deno run -A https://example.com/gopherless@1.0.0/emulator/cli.ts serve --http --watch main.ts",
  );
  assert.equal(
    config.tasks.deploy,
    "deno run -A https://example.com/gopherless@1.0.0/tools/deploy.ts main.ts " +
      "--function-name api --url",
  );
});
