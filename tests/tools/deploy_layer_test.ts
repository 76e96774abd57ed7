/**
 * `deno task deploy --layer` against moto: the runtime layer is published once
 * (`PublishLayerVersion`) and found again by its id and content hash; a second function reuses
 * it; a changed function uploads only its own small zip. Checked with the AWS SDK, as a user
 * would check it with the AWS CLI.
 */
import assert from "node:assert/strict";
import { lambda as Lambda } from "../../tools/deploy/sdk.ts";
import { FAKE_AWS_ENV, type Moto, motoTest } from "./_moto.ts";

const DEPLOY = new URL("../../tools/deploy.ts", import.meta.url).pathname;
const DEPLOY_LOCK = new URL("../../tools/deploy/deno.lock", import.meta.url).pathname;
const entry = (rel: string) => new URL(`../../${rel}`, import.meta.url).pathname;

async function runDeploy(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const keep: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) keep[k] = v;
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--lock=${DEPLOY_LOCK}`, DEPLOY, ...args],
    env: { ...keep, ...FAKE_AWS_ENV, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const r = { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  assert.equal(r.code, 0, `deploy failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

function lambdaClient(moto: Moto): Lambda.LambdaClient {
  return new Lambda.LambdaClient({
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
}

motoTest(
  "deploy --layer: the layer published once, reused by a second function and an update",
  async (moto) => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-deploy-layer-" });
    const lambda = lambdaClient(moto);
    try {
      const deploy = (name: string, file: string, extra: string[] = []) =>
        runDeploy([
          entry(file),
          "--layer",
          "--function-name",
          name,
          "--endpoint-url",
          moto.endpoint,
          "--out",
          `${dir}/dist-${name}`,
          ...extra,
        ]);
      const versions = async () =>
        (await lambda.send(
          new Lambda.ListLayerVersionsCommand({ LayerName: "gopherless-deno-x86_64" }),
        )).LayerVersions ?? [];

      // The dry run plans the layer's publication, and makes no call that changes anything.
      const dry = await deploy("hello", "examples/hello.ts", ["--dry-run"]);
      assert.match(dry.stdout, /lambda PublishLayerVersion .*"LayerName":"gopherless-deno-x86_64"/);
      assert.equal((await versions()).length, 0);

      const first = await deploy("hello", "examples/hello.ts");
      assert.match(first.stderr, /lambda PublishLayerVersion/);
      const [published] = await versions();
      assert.equal((await versions()).length, 1);
      const build = JSON.parse(await Deno.readTextFile(`${dir}/dist-hello/build.json`));
      const id = build.artifacts[0].layer.id as string;
      assert.equal(published.Description, `gopherless runtime layer ${id}`);
      assert.deepEqual(published.CompatibleArchitectures, ["x86_64"]);
      const content = (await lambda.send(
        new Lambda.GetLayerVersionCommand({
          LayerName: "gopherless-deno-x86_64",
          VersionNumber: published.Version,
        }),
      )).Content;
      assert.equal(content?.CodeSize, (await Deno.stat(build.artifacts[0].layer.zip)).size);
      const hello = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "hello" })))
        .Configuration!;
      assert.deepEqual(hello.Layers?.map((l) => l.Arn), [published.LayerVersionArn]);
      assert.equal(hello.Runtime, "provided.al2023");
      const fnZip = await Deno.stat(build.artifacts[0].zip);
      assert.equal(hello.CodeSize, fnZip.size, "the function's own zip, not the layer");
      assert.ok(fnZip.size < 2 * 1024 * 1024, `${fnZip.size}`);

      assert.equal(build.artifacts[0].startCache.memoryMb, 128, "Lambda's default size");
      // Another function, of 1024 MB: the same layer, found again, not published again; its
      // start-up cache made for its size (every V8 tier).
      const second = await deploy("other", "tests/packaging/fixtures/fn.ts", ["--memory", "1024"]);
      assert.doesNotMatch(second.stderr, /PublishLayerVersion/);
      assert.match(second.stderr, new RegExp(`layer ${id}: published already`));
      assert.equal((await versions()).length, 1);
      const other = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "other" })))
        .Configuration!;
      assert.deepEqual(other.Layers?.map((l) => l.Arn), [published.LayerVersionArn]);
      assert.equal(other.MemorySize, 1024);
      const cacheOf = async (name: string) =>
        JSON.parse(await Deno.readTextFile(`${dir}/dist-${name}/build.json`)).artifacts[0]
          .startCache;
      assert.equal((await cacheOf("other")).profile, "default");
      assert.equal((await cacheOf("other")).memoryMb, 1024);
      // Deployed again without --memory: built for the size the function has.
      await deploy("other", "examples/echo.ts");
      assert.equal((await cacheOf("other")).memoryMb, 1024);

      // The first function changed: only its code is uploaded.
      const changed = await deploy("hello", "examples/echo.ts");
      assert.doesNotMatch(changed.stderr, /PublishLayerVersion|UpdateFunctionConfiguration/);
      assert.match(changed.stderr, /lambda UpdateFunctionCode/);
      const after = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "hello" })))
        .Configuration!;
      assert.notEqual(after.CodeSha256, hello.CodeSha256);
      assert.deepEqual(after.Layers?.map((l) => l.Arn), [published.LayerVersionArn]);
      assert.equal((await versions()).length, 1);
    } finally {
      lambda.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
