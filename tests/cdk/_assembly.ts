/**
 * The CDK tests' judges' plumbing: an app of `testdata/cdk_app/` synthesized as `cdk synth` runs
 * an app (a process of its own, the app's own deno.json), its cloud assembly read back (the
 * template, and the file asset behind each function's `Code` and each layer's `Content`), and the
 * assembly deployed to moto's CloudFormation as `cdk deploy` would after `cdk bootstrap`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { lambda as Lambda, s3 as S3 } from "../../tools/deploy/sdk.ts";
// The services deploy does not use, at the version of tools/deploy/sdk.ts.
// deno-lint-ignore no-import-prefix
import * as CloudFormation from "npm:@aws-sdk/client-cloudformation@3.1164.0";
// deno-lint-ignore no-import-prefix
import * as SSM from "npm:@aws-sdk/client-ssm@3.1164.0";
import { ACCOUNT, FAKE_AWS_ENV, type Moto } from "../tools/_moto.ts";

/** The test app's folder. */
export const APP_DIR = new URL("../../testdata/cdk_app/", import.meta.url).pathname;

const dec = new TextDecoder();

/** A resource of the template. */
export interface Resource {
  /** Its CloudFormation type. */
  Type: string;
  /** Its properties. */
  Properties: Record<string, unknown>;
}

/** A file asset of the assembly. */
export interface Asset {
  /** The staged zip. */
  zip: string;
  /** Its S3 key (`<hash>.zip`). */
  key: string;
  /** The asset's hash. */
  hash: string;
}

/** A synthesized cloud assembly. */
export interface Assembly {
  /** The cloud assembly's folder. */
  dir: string;
  /** The stack's template. */
  template: { Resources: Record<string, Resource>; Outputs?: unknown };
  /** Logical id of each function (its `Code`) and layer (its `Content`) → its file asset. */
  assets: Record<string, Asset>;
}

/** What to synthesize: an app module of {@link APP_DIR} and the stack it defines. */
export interface SynthOptions {
  /** The app module (a path). */
  app: string;
  /** The stack's name. */
  stack: string;
  /** The deno.json the app runs with. Default: the test app's own. */
  config?: string;
  /** The working directory. */
  cwd: string;
  /** Arguments after the output folder. */
  args?: string[];
}

/** Runs the app as `cdk synth` would (a process of its own) into a new folder. */
export async function synth(o: SynthOptions): Promise<Assembly> {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-cdk-out-" });
  const out = await new Deno.Command(Deno.execPath(), {
    // The app's own deno.json and lockfile, as `cdk synth` would run it from another folder.
    args: ["run", "-A", "--config", o.config ?? `${APP_DIR}deno.json`, o.app, dir, ...o.args ?? []],
    cwd: o.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `synth failed:\n${dec.decode(out.stderr)}`);
  const template = JSON.parse(await Deno.readTextFile(`${dir}/${o.stack}.template.json`));
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/${o.stack}.assets.json`)) as {
    files: Record<string, { source: { path: string } }>;
  };
  const assets: Assembly["assets"] = {};
  for (const [id, r] of Object.entries(template.Resources as Record<string, Resource>)) {
    const code = r.Type === "AWS::Lambda::Function"
      ? r.Properties.Code
      : r.Type === "AWS::Lambda::LayerVersion"
      ? r.Properties.Content
      : undefined;
    if (code === undefined) continue;
    const key = (code as { S3Key: string }).S3Key;
    const hash = key.replace(/\.zip$/, "");
    const file = manifest.files[hash];
    assert.ok(file, `no asset ${hash} for ${id}`);
    assets[id] = { zip: `${dir}/${file.source.path}`, key, hash };
  }
  return { dir, template, assets };
}

/** The logical id of the function named `name`. */
export function functionId(a: Assembly, name: string): string {
  const resources = a.template.Resources;
  const id = Object.keys(resources).find((k) =>
    resources[k].Type === "AWS::Lambda::Function" && resources[k].Properties.FunctionName === name
  );
  assert.ok(id, `no function ${name}`);
  return id;
}

/** SHA-256 of a file. */
export async function sha256(path: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
}

/** Unzips `zip` into a new folder. */
export async function unzip(zip: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gopherless-cdk-task-" });
  const u = await new Deno.Command("unzip", { args: ["-q", zip, "-d", dir] }).output();
  assert.ok(u.success, dec.decode(u.stderr));
  return dir;
}

/**
 * What `cdk bootstrap` makes and `cdk deploy` then does, against moto: the assets bucket and the
 * bootstrap version parameter, the assets uploaded under their hashes, the stack created from
 * `template` (the assembly's, or a copy without what moto lacks); then `check` with a Lambda
 * client.
 */
export async function deployToMoto(
  moto: Moto,
  a: Assembly,
  stack: string,
  template: Assembly["template"],
  check: (lambda: Lambda.LambdaClient) => Promise<void>,
): Promise<void> {
  const config = {
    endpoint: moto.endpoint,
    region: FAKE_AWS_ENV.AWS_REGION,
    credentials: {
      accessKeyId: FAKE_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: FAKE_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
    forcePathStyle: true,
  };
  const s3 = new S3.S3Client(config);
  const ssm = new SSM.SSMClient(config);
  const cfn = new CloudFormation.CloudFormationClient(config);
  const lambda = new Lambda.LambdaClient(config);
  try {
    const bucket = `cdk-hnb659fds-assets-${ACCOUNT}-${config.region}`;
    await s3.send(new S3.CreateBucketCommand({ Bucket: bucket }));
    for (const asset of new Map(Object.values(a.assets).map((x) => [x.key, x])).values()) {
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
    await cfn.send(
      new CloudFormation.CreateStackCommand({
        StackName: stack,
        TemplateBody: JSON.stringify(template),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    const created = (await cfn.send(new CloudFormation.DescribeStacksCommand({ StackName: stack })))
      .Stacks![0];
    assert.equal(created.StackStatus, "CREATE_COMPLETE", created.StackStatusReason);
    await check(lambda);
  } finally {
    s3.destroy();
    ssm.destroy();
    cfn.destroy();
    lambda.destroy();
  }
}
