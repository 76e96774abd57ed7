/**
 * `deno task new --iac sam|cdk`: the projects work with the deploy tools as written.
 *
 * - `sam`: `sam validate --lint` passes for every template, with and without `--layer`; `sam
 *   build` (aws-sam-cli from PyPI, no Docker) runs the Makefile, and the built artifact starts
 *   under AWS's Runtime Interface Emulator as Lambda would start it; with `--layer`, the built
 *   layer and function are, file for file, the folders `deno task build --layer` lists in its
 *   `build.json`, and they answer under the Runtime Interface Emulator as Lambda runs a function
 *   on a layer (read-only `/opt` and `/var/task`).
 * - `cdk`: the project's own tests (the handler under the emulator, and the app synthesized with
 *   the function built into its asset) pass, and `deno task synth` writes `cdk.out/`.
 */
import assert from "node:assert/strict";
import { parseArgs, projectFiles, TEMPLATE_NAMES, UsageError } from "../../tools/new.ts";
import { AWS_CDK_LIB, CONSTRUCTS, stackNameFor } from "../../tools/new/iac.ts";
import { CDK_PEERS } from "../../packaging/npm/build.ts";
import { underRie } from "../_support/rie.ts";
import { layerSandbox } from "../_support/lambda_layout.ts";
import { SAM_ENV, samTest } from "./_sam.ts";

const NEW = new URL("../../tools/new.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  cwd: string,
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  // INIT_CWD is where a `deno task` was typed; an outer `deno task test` must not leak its own.
  const base = Deno.env.toObject();
  delete base.INIT_CWD;
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { ...base, ...env, NO_COLOR: "1" },
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

async function newProject(tmp: string, name: string, args: string[]): Promise<string> {
  ok(await run(tmp, Deno.execPath(), ["run", "-A", NEW, name, ...args]), "new");
  return `${tmp}/${name}`;
}

samTest("new --iac sam: sam validate --lint passes for every template", async (sam) => {
  const tmp = await Deno.makeTempDir({ prefix: "gopherless-sam-" });
  try {
    for (const template of TEMPLATE_NAMES) {
      for (const layer of [[], ["--layer"]]) {
        const name = `${template}${layer.join("")}`;
        const dir = await newProject(tmp, name, ["--iac", "sam", "--template", template, ...layer]);
        const v = ok(await run(dir, sam, ["validate", "--lint"], SAM_ENV), `sam validate ${name}`);
        assert.match(v.stdout + v.stderr, /is a valid SAM Template/);
        const yaml = await Deno.readTextFile(`${dir}/template.yaml`);
        assert.match(yaml, /BuildMethod: makefile/);
        assert.equal(yaml.includes("FunctionUrlConfig"), template !== "event", name);
        assert.equal(yaml.includes("AWS::Serverless::LayerVersion"), layer.length > 0, name);
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

samTest(
  "new --iac sam: sam build makes an artifact that runs under AWS's emulator",
  async (sam) => {
    const tmp = await Deno.makeTempDir({ prefix: "gopherless-sam-" });
    try {
      const dir = await newProject(tmp, "greeter", ["--iac", "sam"]);
      assert.equal(
        await Deno.readTextFile(`${dir}/.gitignore`),
        "/dist/\n/.aws-sam/\n",
      );
      ok(await run(dir, sam, ["build"], SAM_ENV), "sam build");
      const artifact = `${dir}/.aws-sam/build/Function`;
      assert.equal((await Deno.stat(`${artifact}/bootstrap`)).mode! & 0o777, 0o755);
      // The package's files, not the zip made of them: SAM zips the folder itself.
      await assert.rejects(Deno.stat(`${artifact}/bootstrap.zip`), Deno.errors.NotFound);
      const built = await Deno.readTextFile(`${dir}/.aws-sam/build/template.yaml`);
      assert.match(built, /CodeUri: Function/);
      if (await hasGo()) {
        const event = JSON.parse(await Deno.readTextFile(`${dir}/events/event.json`));
        await underRie(
          `${artifact}/bootstrap`,
          artifact,
          { DENO_DIR: `${tmp}/deno-dir` },
          async (invoke) => {
            assert.deepEqual(JSON.parse(await invoke(event)), { message: "Hello, Ada!" });
          },
        );
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

samTest(
  "new --iac sam --layer: sam build makes the runtime layer and the function's own code",
  async (sam) => {
    const tmp = await Deno.makeTempDir({ prefix: "gopherless-sam-layer-" });
    try {
      const dir = await newProject(tmp, "greeter", ["--iac", "sam", "--layer"]);
      const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
      assert.match(config.tasks.deploy, / --layer$/);
      ok(await run(dir, sam, ["build"], SAM_ENV), "sam build");
      const built = `${dir}/.aws-sam/build`;
      const template = await Deno.readTextFile(`${built}/template.yaml`);
      assert.match(template, /ContentUri: RuntimeLayer/);
      assert.match(template, /CodeUri: Function/);
      assert.match(template, /Layers:\n\s+- Ref: RuntimeLayer/);
      // What the project's own build writes with --layer, by build.json's folders.
      ok(
        await run(dir, Deno.execPath(), ["task", "build", "--layer", "--out", `${tmp}/dist`]),
        "deno task build --layer",
      );
      const report = JSON.parse(await Deno.readTextFile(`${tmp}/dist/build.json`));
      const artifact = report.artifacts[0];
      const layer = await folder(`${built}/RuntimeLayer`);
      assert.deepEqual(layer, await folder(artifact.layer.dir));
      // The same files; the same bytes but for the source maps, which name each source by its
      // path from the project, and SAM builds in a copy of it elsewhere.
      const own = await folder(`${built}/Function`);
      const sourceMapsAside = (files: typeof own) =>
        [...files].map(([name, f]) => [name, name.endsWith(".map") ? { mode: f.mode } : f]);
      assert.deepEqual(sourceMapsAside(own), sourceMapsAside(await folder(artifact.dir)));
      // Lambda runs a custom runtime's /opt/bootstrap from a layer: the function has none.
      assert.equal(layer.get("bootstrap")?.mode, 0o755);
      assert.ok(!own.has("bootstrap") && own.has("handler.js"), [...own.keys()].join());
      const size = (files: Map<string, { bytes: number }>) =>
        [...files.values()].reduce((n, f) => n + f.bytes, 0);
      assert.ok(size(own) * 10 < size(layer), `function ${size(own)} B, layer ${size(layer)} B`);
      if (await hasGo()) {
        // Started as Lambda starts a runtime from a layer: the layer on /opt, the function on
        // /var/task, both read-only.
        const root = `${tmp}/root`;
        for (const [from, to] of [["RuntimeLayer", "opt"], ["Function", "var/task"]]) {
          await Deno.mkdir(`${root}/${to}`, { recursive: true });
          const cp = await new Deno.Command("cp", {
            args: ["-a", `${built}/${from}/.`, `${root}/${to}`],
          })
            .output();
          assert.ok(cp.success, `cp ${from}`);
        }
        const event = JSON.parse(await Deno.readTextFile(`${dir}/events/event.json`));
        await underRie(
          await layerSandbox(root),
          root,
          { DENO_DIR: `${tmp}/deno-dir` },
          async (invoke) => {
            assert.deepEqual(JSON.parse(await invoke(event)), { message: "Hello, Ada!" });
          },
        );
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

/** Every file under `root`: its path from there → its mode, size and SHA-256 (hex). */
async function folder(
  root: string,
): Promise<Map<string, { mode: number; bytes: number; sha256: string }>> {
  const files = new Map<string, { mode: number; bytes: number; sha256: string }>();
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(`${root}/${rel}`)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        await walk(path);
        continue;
      }
      const data = await Deno.readFile(`${root}/${path}`);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      files.set(path, {
        mode: (await Deno.stat(`${root}/${path}`)).mode! & 0o777,
        bytes: data.length,
        sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
      });
    }
  };
  await walk("");
  return new Map([...files].sort(([a], [b]) => a < b ? -1 : 1));
}

async function hasGo(): Promise<boolean> {
  try {
    return (await new Deno.Command("go", { args: ["version"], stdout: "null" }).output()).success;
  } catch {
    if (Deno.env.get("CI")) throw new Error("CI is set but `go` is not on PATH: no RIE");
    return false;
  }
}

Deno.test({
  name: "new --iac cdk: the project's tests synthesize the app, and synth writes cdk.out",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "gopherless-cdk-new-" });
    try {
      const dir = await newProject(tmp, "web-app", ["--iac", "cdk", "--template", "http"]);
      const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
      assert.equal(
        config.imports["gopherless/cdk"],
        new URL("../../cdk/mod.ts", import.meta.url).pathname,
      );
      assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/cdk.json`)), {
        app: "deno run -A app.ts",
      });
      const t = ok(await run(dir, Deno.execPath(), ["task", "test"]), "deno task test");
      assert.match(t.stdout, /app\.ts synthesizes/);
      assert.match(t.stdout, /ok \| 2 passed \| 0 failed/);

      ok(await run(dir, Deno.execPath(), ["task", "synth"]), "deno task synth");
      const template = JSON.parse(await Deno.readTextFile(`${dir}/cdk.out/web-app.template.json`));
      const types = Object.values(template.Resources as Record<string, { Type: string }>)
        .map((r) => r.Type).sort();
      assert.ok(types.includes("AWS::Lambda::Function"), types.join());
      assert.ok(types.includes("AWS::Lambda::Url"), types.join());

      // With --layer, the project's own test checks the function's asset and the layer's.
      const layered = await newProject(tmp, "layered-app", ["--iac", "cdk", "--layer"]);
      const l = ok(await run(layered, Deno.execPath(), ["task", "test"]), "deno task test --layer");
      assert.match(l.stdout, /ok \| 2 passed \| 0 failed/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("new --iac: the option's values, the files each writes, names CloudFormation takes", () => {
  assert.throws(() => parseArgs(["fn", "--iac", "terraform"]), UsageError);
  assert.deepEqual(parseArgs(["fn", "--iac", "sam"]), { dir: "fn", iac: "sam" });
  const sam = projectFiles({ dir: "/tmp/x/my_fn", iac: "sam" });
  assert.ok("template.yaml" in sam && "Makefile" in sam && !("app.ts" in sam));
  // make runs only recipe lines that start with a tab.
  const recipe = sam.Makefile.split("\n").filter((l) => /^\s/.test(l));
  assert.ok(recipe.length >= 4 && recipe.every((l) => l.startsWith("\t")), sam.Makefile);
  assert.match(sam.Makefile, /^build-Function:$/m);
  assert.deepEqual(parseArgs(["fn", "--iac", "sam", "--layer"]), {
    dir: "fn",
    iac: "sam",
    layer: true,
  });
  const layered = projectFiles({ dir: "/tmp/x/my_fn", iac: "sam", layer: true });
  const layeredRecipe = layered.Makefile.split("\n").filter((l) => /^\s/.test(l));
  assert.ok(layeredRecipe.every((l) => l.startsWith("\t")), layered.Makefile);
  assert.match(layered.Makefile, /^build-RuntimeLayer:$/m);
  assert.match(layered.Makefile, /^build-Function:$/m);
  assert.match(layered["template.yaml"], /Layers:\n\s+- !Ref RuntimeLayer/);
  // The build is made for the memory size the template deploys with (the start-up cache is that
  // size's): every build line passes it, and the Makefile's default is the template's.
  for (const files of [sam, layered]) {
    const builds = files.Makefile.split("\n").filter((l) => /^\t.* task build /.test(l));
    assert.ok(builds.length > 0 && builds.every((l) => l.includes(" --memory $(MEMORY) ")));
    const memory = /^MEMORY \?= (\d+)$/m.exec(files.Makefile)?.[1];
    assert.equal(memory, /^\s+MemorySize: (\d+)$/m.exec(files["template.yaml"])?.[1]);
    assert.ok(memory);
  }
  assert.match(
    projectFiles({ dir: "/tmp/x/my_fn", iac: "cdk", layer: true })["app.ts"],
    /^\s+layer: true,$/m,
  );
  assert.doesNotMatch(projectFiles({ dir: "/tmp/x/my_fn", iac: "cdk" })["app.ts"], /layer/);
  const cdk = projectFiles({ dir: "/tmp/x/my_fn", iac: "cdk" });
  assert.ok("app.ts" in cdk && "app_test.ts" in cdk && "cdk.json" in cdk);
  assert.ok(!("Makefile" in cdk));
  assert.match(cdk["app.ts"], /new FunctionStack\(app, "my-fn"\)/);
  assert.equal(stackNameFor("9lives_api"), "lives-api");
  assert.equal(stackNameFor("___"), "Function");
  const plain = projectFiles({ dir: "/tmp/x/fn" });
  assert.deepEqual(Object.keys(plain).sort(), [
    ".gitignore",
    "deno.json",
    "events/event.json",
    "main.ts",
    "main_test.ts",
  ]);
});

Deno.test("new --iac cdk: one aws-cdk-lib and constructs version everywhere gopherless pins them", async () => {
  const read = async (rel: string) =>
    JSON.parse(await Deno.readTextFile(new URL(`../../${rel}`, import.meta.url)));
  const pins = [
    (await read("cdk/check_import_map.json")).imports,
    (await read("testdata/cdk_app/deno.json")).imports,
    { "aws-cdk-lib": AWS_CDK_LIB, constructs: CONSTRUCTS },
    {
      "aws-cdk-lib": `npm:aws-cdk-lib@${CDK_PEERS["aws-cdk-lib"].compileWith}`,
      constructs: `npm:constructs@${CDK_PEERS.constructs.compileWith}`,
    },
  ];
  for (const p of pins) {
    assert.equal(p["aws-cdk-lib"], AWS_CDK_LIB);
    assert.equal(p.constructs, CONSTRUCTS);
  }
  // The library's own import map leaves them to the app, so that the construct shares the app's.
  const root = (await read("deno.json")).imports;
  assert.equal(root["aws-cdk-lib"], undefined);
  assert.equal(root.constructs, undefined);
});
