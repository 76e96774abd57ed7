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
import { lambda as Lambda, s3 as S3 } from "../../tools/deploy/sdk.ts";
// The services deploy does not use, at the version of tools/deploy/sdk.ts.
// deno-lint-ignore no-import-prefix
import * as CloudFormation from "npm:@aws-sdk/client-cloudformation@3.1164.0";
// deno-lint-ignore no-import-prefix
import * as SSM from "npm:@aws-sdk/client-ssm@3.1164.0";
import { goTest } from "../_support/go.ts";
import { underRie } from "../_support/rie.ts";
import { ACCOUNT, FAKE_AWS_ENV, motoTest } from "../tools/_moto.ts";

const APP_DIR = new URL("../../testdata/cdk_app/", import.meta.url).pathname;
const STACK = "GopherlessCdkTest";
const dec = new TextDecoder();

/** A synthesized cloud assembly. */
interface Assembly {
  dir: string;
  template: Record<string, unknown>;
  /** The file assets: logical id of the function using it → the asset's zip and S3 key. */
  assets: Record<string, { zip: string; key: string; hash: string }>;
}

/** Runs the app as `cdk synth` would (a process of its own) into a new folder. */
async function synth(cwd: string): Promise<Assembly> {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-cdk-out-" });
  const out = await new Deno.Command(Deno.execPath(), {
    // The app's own deno.json and lockfile, as `cdk synth` would run it from another folder.
    args: ["run", "-A", "--config", `${APP_DIR}deno.json`, `${APP_DIR}app.ts`, dir],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `synth failed:\n${dec.decode(out.stderr)}`);
  const template = JSON.parse(await Deno.readTextFile(`${dir}/${STACK}.template.json`));
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/${STACK}.assets.json`)) as {
    files: Record<
      string,
      { source: { path: string }; destinations: Record<string, { objectKey: string }> }
    >;
  };
  const assets: Assembly["assets"] = {};
  for (const [id, r] of Object.entries(template.Resources as Record<string, Resource>)) {
    if (r.Type !== "AWS::Lambda::Function") continue;
    const key = (r.Properties.Code as { S3Key: string }).S3Key;
    const hash = key.replace(/\.zip$/, "");
    const file = manifest.files[hash];
    assert.ok(file, `no asset ${hash} for ${id}`);
    assets[id] = { zip: `${dir}/${file.source.path}`, key, hash };
  }
  return { dir, template, assets };
}

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

function functionId(a: Assembly, name: string): string {
  const resources = a.template.Resources as Record<string, Resource>;
  const id = Object.keys(resources).find((k) =>
    resources[k].Type === "AWS::Lambda::Function" && resources[k].Properties.FunctionName === name
  );
  assert.ok(id, `no function ${name}`);
  return id;
}

let first: Promise<Assembly> | undefined;
function assembly(): Promise<Assembly> {
  first ??= synth(Deno.cwd());
  return first;
}

async function sha256(path: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
}

async function unzip(zip: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-cdk-task-" });
  const u = await new Deno.Command("unzip", { args: ["-q", zip, "-d", dir] }).output();
  assert.ok(u.success, dec.decode(u.stderr));
  return dir;
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
    MemorySize: 512,
    Environment: Match.absent(),
  });
  t.hasResourceProperties("AWS::Lambda::Url", {
    AuthType: "NONE",
    TargetFunctionArn: {
      "Fn::GetAtt": [functionId(await assembly(), "gopherless-cdk-web"), "Arn"],
    },
  });
});

test("cdk: each asset is the build's bootstrap.zip for the function's architecture", async () => {
  const a = await assembly();
  for (
    const [name, machine] of [["gopherless-cdk-greet", 62], ["gopherless-cdk-web", 183]] as const
  ) {
    const task = await unzip(a.assets[functionId(a, name)].zip);
    try {
      const bootstrap = await Deno.stat(`${task}/bootstrap`);
      assert.equal(bootstrap.mode! & 0o777, 0o755, name);
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
  const b = await synth(elsewhere);
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
    const resources = a.template.Resources as Record<string, Resource>;
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
    const config = {
      endpoint: moto.endpoint,
      region: FAKE_AWS_ENV.AWS_REGION,
      credentials: {
        accessKeyId: FAKE_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: FAKE_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
      forcePathStyle: true,
    };
    // What `cdk bootstrap` makes and `cdk deploy` then does: the assets bucket and the bootstrap
    // version parameter, the assets uploaded under their hashes, the stack created.
    const s3 = new S3.S3Client(config);
    const ssm = new SSM.SSMClient(config);
    const cfn = new CloudFormation.CloudFormationClient(config);
    const lambda = new Lambda.LambdaClient(config);
    try {
      const bucket = `cdk-hnb659fds-assets-${ACCOUNT}-${config.region}`;
      await s3.send(new S3.CreateBucketCommand({ Bucket: bucket }));
      for (const asset of Object.values(a.assets)) {
        await s3.send(
          new S3.PutObjectCommand({
            Bucket: bucket,
            Key: asset.key,
            Body: await Deno.readFile(asset.zip),
          }),
        );
      }
      await ssm.send(
        new SSM.PutParameterCommand({
          Name: "/cdk-bootstrap/hnb659fds/version",
          Value: "30",
          Type: "String",
        }),
      );
      const template = structuredClone(a.template) as {
        Resources: Record<string, Resource>;
        Outputs?: unknown;
      };
      for (const [id, r] of Object.entries(template.Resources)) {
        if (r.Type === "AWS::Lambda::Url") delete template.Resources[id];
      }
      delete template.Outputs;
      await cfn.send(
        new CloudFormation.CreateStackCommand({
          StackName: STACK,
          TemplateBody: JSON.stringify(template),
          Capabilities: ["CAPABILITY_IAM"],
        }),
      );
      const stack = (await cfn.send(new CloudFormation.DescribeStacksCommand({ StackName: STACK })))
        .Stacks![0];
      assert.equal(stack.StackStatus, "CREATE_COMPLETE", stack.StackStatusReason);

      for (
        const [name, memory, variables] of [
          ["gopherless-cdk-greet", 256, { GREETING: "Hej" }],
          ["gopherless-cdk-web", 512, undefined],
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
    } finally {
      s3.destroy();
      ssm.destroy();
      cfn.destroy();
      lambda.destroy();
    }
  },
);
