/**
 * `GopherlessFunction` (cdk/): a CDK app for Deno of two functions (`testdata/cdk_app/`, laid out
 * as a user's: its own deno.json maps gopherless, aws-cdk-lib and constructs, which the construct
 * then shares) synthesized as `cdk synth` runs an app, in a process of its own, with aws-cdk-lib
 * and its assertions library from npm, pinned. Judged by the CDK's own template assertions, by AWS's Runtime
 * Interface Emulator and our emulator running the synthesized asset, and by moto's CloudFormation
 * and S3 creating the functions from the template and its assets.
 *
 * moto 5.2.5 lacks two things the app uses, so they are checked on the template only:
 * CloudFormation's `AWS::Lambda::Url` ("No Moto CloudFormation support for AWS::Lambda::Url": the
 * resource, and the output naming it, are left out of what is deployed) and the `Architectures`
 * of an `AWS::Lambda::Function` made by CloudFormation (moto reports x86_64 for every one).
 */
import assert from "node:assert/strict";
// The version testdata/cdk_app/deno.json pins (new_iac_test.ts checks that they agree).
// deno-lint-ignore no-import-prefix
import { Match, Template } from "npm:aws-cdk-lib@2.278.0/assertions";
import { encodeBase64 } from "../../ground/bytes.ts";
import { LocalFunction } from "../../emulator/mod.ts";
import { elfMachine } from "../../packaging/targets.ts";
import { lambda as Lambda } from "../../tools/deploy/sdk.ts";
import { goTest } from "../_support/go.ts";
import { underRie } from "../_support/rie.ts";
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

const STACK = "GopherlessCdkTest";
const dec = new TextDecoder();

let first: Promise<Assembly> | undefined;
function assembly(): Promise<Assembly> {
  first ??= appSynth(Deno.cwd());
  return first;
}

function appSynth(cwd: string): Promise<Assembly> {
  return synth({ app: `${APP_DIR}app.ts`, stack: STACK, cwd });
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

test("cdk: the template has both functions on provided.al2023 with their configuration", async () => {
  const t = Template.fromJSON((await assembly()).template);
  t.resourceCountIs("AWS::Lambda::Function", 2);
  t.hasResourceProperties("AWS::Lambda::Function", {
    FunctionName: "gopherless-cdk-greet",
    Runtime: "provided.al2023",
    Handler: "bootstrap",
    Architectures: ["x86_64"],
    MemorySize: 256,
    Environment: { Variables: { GREETING: "Hej" } },
    Code: { S3Key: Match.stringLikeRegexp("^[0-9a-f]{64}\\.zip$") },
  });
  t.hasResourceProperties("AWS::Lambda::Function", {
    FunctionName: "gopherless-cdk-web",
    Runtime: "provided.al2023",
    Handler: "bootstrap",
    Architectures: ["arm64"],
    MemorySize: 1024,
    Environment: Match.absent(),
  });
  t.hasResourceProperties("AWS::Lambda::Url", {
    AuthType: "NONE",
    TargetFunctionArn: {
      "Fn::GetAtt": [functionId(await assembly(), "gopherless-cdk-web"), "Arn"],
    },
  });
});

test("cdk: each asset is the build's bootstrap.zip for the function's architecture and memory size", async () => {
  const a = await assembly();
  // The memory size reaches the build: the start-up cache is made under the V8 flags of the
  // function's size (256 MB: Maglev at most; 1024 MB: every tier), and the launcher copies it
  // under those only.
  const cases = [
    ["gopherless-cdk-greet", 62, "small", 256],
    ["gopherless-cdk-web", 183, "default", 1024],
  ] as const;
  for (const [name, machine, profile, memory] of cases) {
    const task = await unzip(a.assets[functionId(a, name)].zip);
    try {
      const bootstrap = await Deno.stat(`${task}/bootstrap`);
      assert.equal(bootstrap.mode! & 0o777, 0o755, name);
      // The native launcher, for the architecture, with the build's memory size in its settings
      // (it starts Deno itself at that size), and the script it runs at any other.
      const native = (await Deno.readFile(`${task}/bootstrap`)).subarray(0, 64);
      assert.equal(elfMachine(native), machine, name);
      const settings = await Deno.readTextFile(`${task}/bootstrap.conf`);
      assert.match(settings, new RegExp(`^memory=${memory}$`, "m"), name);
      const launcher = await Deno.readTextFile(`${task}/bootstrap.sh`);
      assert.ok((await Deno.stat(`${task}/.deno-cache/v8_code_cache_v2`)).isFile, name);
      assert.match(launcher, new RegExp(`^if \\[ "\\$cache_profile" = ${profile} \\]`, "m"));
      const head = (await Deno.readFile(`${task}/deno`)).subarray(0, 64);
      assert.equal(elfMachine(head), machine, name);
      assert.ok((await Deno.stat(`${task}/handler.js`)).isFile);
    } finally {
      await Deno.remove(task, { recursive: true });
    }
  }
});

test("cdk: synthesizing again, from another folder, gives the same assets and hashes", async () => {
  const a = await assembly();
  const elsewhere = await Deno.makeTempDir({ prefix: "gopherless-cdk-cwd-" });
  const b = await appSynth(elsewhere);
  try {
    for (const id of Object.keys(a.assets)) {
      assert.equal(b.assets[id].hash, a.assets[id].hash, `${id}'s asset hash changed`);
      assert.deepEqual(await sha256(b.assets[id].zip), await sha256(a.assets[id].zip), id);
    }
    assert.deepEqual(b.template, a.template);
  } finally {
    await Deno.remove(b.dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

goTest(
  "cdk: the synthesized asset runs under AWS's Runtime Interface Emulator and ours",
  async () => {
    const a = await assembly();
    const id = functionId(a, "gopherless-cdk-greet");
    const task = await unzip(a.assets[id].zip);
    const resources = a.template.Resources;
    const props = resources[id].Properties as {
      MemorySize: number;
      Environment: { Variables: Record<string, string> };
    };
    // The function's configuration, as Lambda gives it to the process.
    const env = {
      ...props.Environment.Variables,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize),
      DENO_DIR: `${task}.deno-dir`,
    };
    const want = { message: "Hej, Ada!", memory: "256" };
    try {
      await underRie(`${task}/bootstrap`, task, env, async (invoke) => {
        assert.deepEqual(JSON.parse(await invoke({ name: "Ada" })), want);
      });
      const f = await LocalFunction.start({
        bootstrap: `${task}/bootstrap`,
        cwd: task,
        protocol: "runtime-api",
        memoryMb: props.MemorySize,
        env,
      });
      try {
        const r = await f.invoke({ name: "Ada" });
        assert.deepEqual(JSON.parse(dec.decode(r.payload)), want);
      } finally {
        await f.close();
      }
    } finally {
      await Deno.remove(task, { recursive: true });
      await Deno.remove(`${task}.deno-dir`, { recursive: true }).catch(() => {});
    }
  },
);

motoTest(
  "cdk: the template and its assets deployed to moto create both functions",
  async (moto) => {
    const a = await assembly();
    const template = structuredClone(a.template);
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type === "AWS::Lambda::Url") delete template.Resources[id];
    }
    delete template.Outputs;
    await deployToMoto(moto, a, STACK, template, async (lambda) => {
      for (
        const [name, memory, variables] of [
          ["gopherless-cdk-greet", 256, { GREETING: "Hej" }],
          ["gopherless-cdk-web", 1024, undefined],
        ] as const
      ) {
        const c = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: name })))
          .Configuration!;
        assert.equal(c.Runtime, "provided.al2023");
        assert.equal(c.Handler, "bootstrap");
        assert.equal(c.MemorySize, memory);
        assert.deepEqual(c.Environment?.Variables, variables);
        // The deployed code is the synthesized asset, byte for byte.
        assert.equal(
          c.CodeSha256,
          encodeBase64(await sha256(a.assets[functionId(a, name)].zip)),
          name,
        );
      }
    });
  },
);
