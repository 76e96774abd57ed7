/**
 * `GopherlessFunction` with `layer: true` and `GopherlessRuntimeLayer` (cdk/): the app
 * `testdata/cdk_app/layer_app.ts` (two x86_64 functions and an arm64 one) synthesized as
 * `cdk synth` runs it, judged by the CDK's own template assertions, by the build itself (each
 * asset is, byte for byte, what `deno task build --layer` writes for that entry), by AWS's Runtime
 * Interface Emulator running a function's asset on the layer's as Lambda does (read-only `/opt`
 * and `/var/task`), and by moto's CloudFormation creating the layer version and the functions from
 * the template and its assets.
 *
 * moto 5.2.5's CloudFormation takes an `AWS::Lambda::Function`'s `Layers` as it takes its
 * `Architectures`: not at all (its `create_from_cloudformation_json` passes neither on). That the
 * functions name the layer is checked on the template; moto checks that the layer version is
 * created from the layer asset.
 */
import assert from "node:assert/strict";
// The version testdata/cdk_app/deno.json pins (new_iac_test.ts checks that they agree).
// deno-lint-ignore no-import-prefix
import { Template } from "npm:aws-cdk-lib@2.278.0/assertions";
import { encodeBase64 } from "../../ground/bytes.ts";
import { elfMachine } from "../../packaging/targets.ts";
import { lambda as Lambda } from "../../tools/deploy/sdk.ts";
import { goTest } from "../_support/go.ts";
import { layerSandbox } from "../_support/lambda_layout.ts";
import { underRie } from "../_support/rie.ts";
import { unzipInto } from "../_support/tools.ts";
import { motoTest } from "../tools/_moto.ts";
import {
  APP_DIR,
  type Assembly,
  deployToMoto,
  functionId,
  sha256,
  synth,
  unzip,
} from "./_assembly.ts";

const STACK = "GopherlessCdkLayerTest";
const LAYER = "AWS::Lambda::LayerVersion";
const ROOT = new URL("../../", import.meta.url).pathname;
const dec = new TextDecoder();

let first: Promise<Assembly> | undefined;
function assembly(): Promise<Assembly> {
  first ??= synth({ app: `${APP_DIR}layer_app.ts`, stack: STACK, cwd: Deno.cwd() });
  return first;
}

/** The logical id of the one function's layer (the `Ref` in its `Layers`). */
function layerOf(a: Assembly, name: string): string {
  const layers = a.template.Resources[functionId(a, name)].Properties.Layers as { Ref: string }[];
  assert.equal(layers.length, 1, `${name}: ${JSON.stringify(layers)}`);
  assert.equal(a.template.Resources[layers[0].Ref].Type, LAYER);
  return layers[0].Ref;
}

/** The build's layer id a layer's description names. */
function layerIdOf(a: Assembly, layer: string): string {
  const description = a.template.Resources[layer].Properties.Description as string;
  const m = /^gopherless runtime layer (\S+)$/.exec(description);
  assert.ok(m, description);
  return m[1];
}

/** Builds `entry` as `deno task build --layer` does; returns its build.json's first artifact. */
async function buildLayered(entry: string, out: string, memory: string): Promise<{
  zip: string;
  layer: { id: string; zip: string };
}> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}packaging/cli.ts`,
      entry,
      "--layer",
      "--out",
      out,
      "--memory",
      memory,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(r.success, dec.decode(r.stderr));
  return JSON.parse(await Deno.readTextFile(`${out}/build.json`)).artifacts[0];
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

test("cdk layer: the x86_64 functions share one layer, arm64 has its own", async () => {
  const a = await assembly();
  const t = Template.fromJSON(a.template);
  t.resourceCountIs("AWS::Lambda::Function", 3);
  t.resourceCountIs(LAYER, 2);
  const x86 = layerOf(a, "gopherless-cdk-layer-greet");
  assert.equal(layerOf(a, "gopherless-cdk-layer-web"), x86);
  const arm = layerOf(a, "gopherless-cdk-layer-greet-arm");
  assert.notEqual(arm, x86);
  for (const [layer, arch] of [[x86, "x86_64"], [arm, "arm64"]]) {
    assert.deepEqual(a.template.Resources[layer].Properties.CompatibleRuntimes, [
      "provided.al2023",
    ]);
    assert.deepEqual(a.template.Resources[layer].Properties.CompatibleArchitectures, [arch]);
    assert.match(layerIdOf(a, layer), new RegExp(`-${arch}-[0-9a-f]{16}$`));
  }
  for (
    const [name, arch] of [
      ["gopherless-cdk-layer-greet", "x86_64"],
      ["gopherless-cdk-layer-web", "x86_64"],
      ["gopherless-cdk-layer-greet-arm", "arm64"],
    ]
  ) {
    const p = a.template.Resources[functionId(a, name)].Properties;
    assert.equal(p.Runtime, "provided.al2023", name);
    assert.equal(p.Handler, "bootstrap", name);
    assert.deepEqual(p.Architectures, [arch], name);
  }
  // One asset per layer, however many functions' builds wrote it.
  const manifest = JSON.parse(await Deno.readTextFile(`${a.dir}/${STACK}.assets.json`)) as {
    files: Record<string, { source: { path: string } }>;
  };
  const zips = Object.values(manifest.files).map((f) => f.source.path).filter((p) =>
    p.endsWith(".zip")
  );
  assert.equal(zips.length, 5, zips.join());
  assert.notEqual(a.assets[x86].hash, a.assets[arm].hash);
});

test("cdk layer: the assets are the build's function.zip and layer.zip, byte for byte", async () => {
  const a = await assembly();
  const out = await Deno.makeTempDir({ prefix: "gopherless-cdk-layer-build-" });
  try {
    // Each function's memory size (Lambda's default, 128, when the app sets none): the function's
    // zip holds the native launcher's settings for it.
    const functions = [["greet", "greet.ts", "256"], ["web", "web.ts", "128"]];
    for (const [name, entry, memory] of functions) {
      const built = await buildLayered(`${APP_DIR}functions/${entry}`, `${out}/${name}`, memory);
      const fn = a.assets[functionId(a, `gopherless-cdk-layer-${name}`)];
      const layer = layerOf(a, `gopherless-cdk-layer-${name}`);
      assert.deepEqual(await sha256(fn.zip), await sha256(built.zip), `${name}'s function.zip`);
      assert.deepEqual(await sha256(a.assets[layer].zip), await sha256(built.layer.zip), name);
      assert.equal(layerIdOf(a, layer), built.layer.id);
      const small = (await Deno.stat(fn.zip)).size;
      const big = (await Deno.stat(a.assets[layer].zip)).size;
      assert.ok(small * 10 < big, `function ${small} B, layer ${big} B`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
  // arm64: the layer's Deno is an aarch64 ELF (EM_AARCH64 = 183), the function's zip has none.
  const arm = a.assets[layerOf(a, "gopherless-cdk-layer-greet-arm")];
  for (
    const [zip, machines] of [[arm.zip, [183]], [
      a.assets[functionId(a, "gopherless-cdk-layer-greet-arm")].zip,
      [],
    ]] as const
  ) {
    const dir = await unzip(zip);
    try {
      assert.deepEqual(await elfMachines(dir), machines, zip);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

/** The ELF machine of every ELF file under `dir`, deduplicated. */
async function elfMachines(dir: string): Promise<number[]> {
  const found = new Set<number>();
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) {
      for (const m of await elfMachines(path)) found.add(m);
    } else if (e.isFile) {
      using f = await Deno.open(path);
      const head = new Uint8Array(64);
      const machine = await f.read(head) === 64 ? elfMachine(head) : undefined;
      if (machine !== undefined) found.add(machine);
    }
  }
  return [...found].sort();
}

test("cdk layer: a changed function changes its own asset's hash, not the layer's or another's", async () => {
  const a = await assembly();
  // The app copied with one function changed, at the same depth under the repository as
  // testdata/cdk_app/ (a source map names a source by its path from the app's deno.json, and the
  // copy imports gopherless by the same relative path), in the ignored .cache/.
  await Deno.mkdir(`${ROOT}.cache`, { recursive: true });
  const copy = await Deno.makeTempDir({ dir: `${ROOT}.cache`, prefix: "cdk-app-changed-" });
  try {
    await Deno.mkdir(`${copy}/functions`);
    for (const f of ["layer_app.ts", "deno.json", "deno.lock", "functions/web.ts"]) {
      await Deno.copyFile(`${APP_DIR}${f}`, `${copy}/${f}`);
    }
    const greet = await Deno.readTextFile(`${APP_DIR}functions/greet.ts`);
    const changed = greet.replace('"Hello"', '"Hello again"');
    assert.notEqual(changed, greet);
    await Deno.writeTextFile(`${copy}/functions/greet.ts`, changed);
    const b = await synth({
      app: `${copy}/layer_app.ts`,
      stack: STACK,
      config: `${copy}/deno.json`,
      cwd: copy,
      args: ["--x86-only"],
    });
    try {
      const asset = (x: Assembly, name: string) => x.assets[functionId(x, name)].hash;
      assert.notEqual(
        asset(b, "gopherless-cdk-layer-greet"),
        asset(a, "gopherless-cdk-layer-greet"),
      );
      assert.equal(asset(b, "gopherless-cdk-layer-web"), asset(a, "gopherless-cdk-layer-web"));
      const layer = layerOf(a, "gopherless-cdk-layer-greet");
      assert.equal(layerOf(b, "gopherless-cdk-layer-greet"), layer);
      assert.equal(b.assets[layer].hash, a.assets[layer].hash);
      assert.deepEqual(b.template.Resources[layer], a.template.Resources[layer]);
    } finally {
      await Deno.remove(b.dir, { recursive: true });
    }
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});

goTest(
  "cdk layer: a function's asset on its layer's answers under AWS's Runtime Interface Emulator",
  async () => {
    const a = await assembly();
    const id = functionId(a, "gopherless-cdk-layer-greet");
    const props = a.template.Resources[id].Properties as {
      MemorySize: number;
      Environment: { Variables: Record<string, string> };
    };
    const dir = await Deno.makeTempDir({ prefix: "gopherless-cdk-layer-run-" });
    try {
      const root = `${dir}/root`;
      await unzipInto(a.assets[layerOf(a, "gopherless-cdk-layer-greet")].zip, `${root}/opt`);
      await unzipInto(a.assets[id].zip, `${root}/var/task`);
      // The function's configuration, as Lambda gives it to the process.
      const env = {
        ...props.Environment.Variables,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize),
        DENO_DIR: `${dir}/tmp/deno`,
      };
      await underRie(await layerSandbox(root), root, env, async (invoke) => {
        assert.deepEqual(JSON.parse(await invoke({ name: "Ada" })), {
          message: "Hej, Ada!",
          memory: "256",
        });
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** Runs a script of `fixtures/` with the test app's deno.json; returns its stdout's lines. */
async function runFixture(name: string): Promise<string[]> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${APP_DIR}deno.json`,
      new URL(`./fixtures/${name}`, import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(r.success, dec.decode(r.stderr));
  return dec.decode(r.stdout).trim().split("\n");
}

test("cdk layer: a function built for another layer than its stack's is refused", async () => {
  assert.deepEqual(await runFixture("layer_mismatch.ts"), [
    // The stack's layer, found again by a function built for it.
    `"gopherless-a"`,
    "GopherlessBuildError: S/Other was built for the gopherless runtime layer gopherless-b, but " +
    "the stack's x86_64 layer is gopherless-a: every layer: true function of a stack and " +
    "architecture shares one layer, so build them with the same Deno (bundling.denoVersion) " +
    "and gopherless",
    // The layer holds Deno: a compiled function has nothing to put on it.
    `GopherlessBuildError: the runtime layer holds the Deno binary: layer needs runtimeMode ` +
    `"deno", not compiled`,
    // The memory size (Lambda's default, 128) reaches the build: its start-up cache is that size's.
    JSON.stringify([
      "--runtime",
      "deno",
      "--arch",
      "x86_64",
      "--out",
      "out",
      "--memory",
      "128",
      "--layer",
    ]),
  ]);
});

test("cdk layer: a stack the CDK does not bundle builds nothing and still has its layer", async () => {
  assert.deepEqual(JSON.parse((await runFixture("layer_skipped.ts")).at(-1)!), {
    shared: true,
    layerId: null,
    layers: ["gopherless runtime layer (not built: its stack was not synthesized)"],
    functionLayers: [1, 1],
  });
});

motoTest(
  "cdk layer: moto's CloudFormation creates the layer version and the functions from the assets",
  async (moto) => {
    const a = await assembly();
    await deployToMoto(moto, a, STACK, a.template, async (lambda) => {
      // moto names the layer after the stack and the logical id; find it by its description.
      const layers = (await lambda.send(new Lambda.ListLayersCommand({}))).Layers ?? [];
      for (
        const logical of [
          layerOf(a, "gopherless-cdk-layer-greet"),
          layerOf(a, "gopherless-cdk-layer-greet-arm"),
        ]
      ) {
        const description = `gopherless runtime layer ${layerIdOf(a, logical)}`;
        const found = layers.filter((l) => l.LatestMatchingVersion?.Description === description);
        assert.equal(found.length, 1, JSON.stringify(layers));
        const v = await lambda.send(
          new Lambda.GetLayerVersionCommand({
            LayerName: found[0].LayerName,
            VersionNumber: found[0].LatestMatchingVersion!.Version,
          }),
        );
        assert.equal(v.Content?.CodeSha256, encodeBase64(await sha256(a.assets[logical].zip)));
        assert.deepEqual(v.CompatibleRuntimes, ["provided.al2023"]);
      }
      for (
        const name of [
          "gopherless-cdk-layer-greet",
          "gopherless-cdk-layer-web",
          "gopherless-cdk-layer-greet-arm",
        ]
      ) {
        const c = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: name })))
          .Configuration!;
        assert.equal(c.CodeSha256, encodeBase64(await sha256(a.assets[functionId(a, name)].zip)));
      }
    });
  },
);
