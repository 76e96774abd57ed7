/**
 * `deno task deploy` against moto's Lambda, IAM and S3 on 127.0.0.1: what the Lambda API reports
 * back after a deploy (configuration, code hash, versions, alias, Function URL, role) is checked
 * with the AWS SDK, as a user would check it with the AWS CLI.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
// The SDK modules (and versions) deploy itself uses.
import { iam as IAM, lambda as Lambda, s3 as S3 } from "../../tools/deploy/sdk.ts";
import { TARGETS, writeZip } from "../../packaging/mod.ts";
import { ACCOUNT, FAKE_AWS_ENV, type Moto, motoTest } from "./_moto.ts";

const DEPLOY = new URL("../../tools/deploy.ts", import.meta.url).pathname;
/** The lockfile `deno task deploy` uses (the SDK stays out of the root lockfile). */
const DEPLOY_LOCK = new URL("../../tools/deploy/deno.lock", import.meta.url).pathname;
const HELLO = new URL("../../examples/hello.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno task deploy` with `env` (fake credentials by default); `onStderr` sees the error
 * output as it grows, until it returns true.
 */
async function runDeploy(
  args: string[],
  env: Record<string, string> = FAKE_AWS_ENV,
  onStderr?: (stderr: string) => Promise<boolean>,
): Promise<Run> {
  const keep: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) keep[k] = v;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--lock=${DEPLOY_LOCK}`, DEPLOY, ...args],
    env: { ...keep, ...env, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  let stderr = "";
  let watching = onStderr !== undefined;
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    stderr += chunk;
    if (watching && await onStderr!(stderr)) watching = false;
  }
  const { code } = await child.status;
  return { code, stdout: await stdout, stderr };
}

function ok(r: Run): Run {
  assert.equal(r.code, 0, `deploy failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** A zip whose bootstrap starts like an ELF executable of `arch`, with `marker` inside. */
async function fakeZip(dir: string, arch: "x86_64" | "arm64", marker: string): Promise<string> {
  const elf = new Uint8Array(64 + marker.length);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  new DataView(elf.buffer).setUint16(18, TARGETS[arch].elfMachine, true);
  elf.set(new TextEncoder().encode(marker), 64);
  const path = `${dir}/${arch}-${marker}.zip`;
  await Deno.writeFile(path, await writeZip([{ name: "bootstrap", data: elf, mode: 0o755 }]));
  return path;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

function clients(moto: Moto) {
  const cfg = {
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  return {
    lambda: new Lambda.LambdaClient(cfg),
    iam: new IAM.IAMClient(cfg),
    s3: new S3.S3Client({ ...cfg, forcePathStyle: true }),
  };
}

motoTest("deploy: creates the function, role, version, alias and Function URL", async (moto) => {
  const dir = await Deno.makeTempDir();
  const { lambda, iam } = clients(moto);
  const zip1 = await fakeZip(dir, "x86_64", "one");
  const r = ok(
    await runDeploy([
      "--zip",
      zip1,
      "--function-name",
      "hello",
      "--memory",
      "256",
      "--timeout",
      "10",
      "--env",
      "STAGE=dev",
      "--alias",
      "live",
      "--url",
      "--invoke-mode",
      "RESPONSE_STREAM",
      "--url-auth",
      "NONE",
      "--endpoint-url",
      moto.endpoint,
    ]),
  );
  const bytes1 = await Deno.readFile(zip1);
  const fn = await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "hello" }));
  const c = fn.Configuration!;
  assert.equal(c.Runtime, "provided.al2023");
  assert.equal(c.Handler, "bootstrap");
  assert.deepEqual(c.Architectures, ["x86_64"]);
  assert.equal(c.MemorySize, 256);
  assert.equal(c.Timeout, 10);
  assert.deepEqual(c.Environment?.Variables, { STAGE: "dev" });
  assert.equal(c.CodeSha256, sha256(bytes1));
  assert.equal(c.CodeSize, bytes1.length);
  assert.equal(c.Role, `arn:aws:iam::${ACCOUNT}:role/gopherless-hello`);
  const policies = await iam.send(
    new IAM.ListAttachedRolePoliciesCommand({ RoleName: "gopherless-hello" }),
  );
  assert.deepEqual(policies.AttachedPolicies?.map((p) => p.PolicyArn), [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
  ]);

  const versions = await lambda.send(
    new Lambda.ListVersionsByFunctionCommand({ FunctionName: "hello" }),
  );
  assert.deepEqual(versions.Versions?.map((v) => v.Version), ["$LATEST", "1"]);
  const alias = await lambda.send(
    new Lambda.GetAliasCommand({ FunctionName: "hello", Name: "live" }),
  );
  assert.equal(alias.FunctionVersion, "1");
  const url = await lambda.send(
    new Lambda.GetFunctionUrlConfigCommand({ FunctionName: "hello", Qualifier: "live" }),
  );
  assert.equal(url.InvokeMode, "RESPONSE_STREAM");
  assert.equal(url.AuthType, "NONE");
  assert.match(r.stdout, new RegExp(`url +${url.FunctionUrl!.replaceAll(".", "\\.")}`));
  assert.match(r.stdout, /version +1/);
  const policy = JSON.parse(
    (await lambda.send(new Lambda.GetPolicyCommand({ FunctionName: "hello", Qualifier: "live" })))
      .Policy!,
  );
  assert.deepEqual(
    policy.Statement.map((s: { Action: string }) => s.Action).sort(),
    ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"],
  );

  // A second deploy updates the code and configuration, publishes version 2, moves the alias
  // and shows the existing URL.
  const zip2 = await fakeZip(dir, "x86_64", "two");
  const r2 = ok(
    await runDeploy([
      "--zip",
      zip2,
      "--function-name",
      "hello",
      "--env",
      "STAGE=prod",
      "--alias",
      "live",
      "--url",
      "--endpoint-url",
      moto.endpoint,
    ]),
  );
  const bytes2 = await Deno.readFile(zip2);
  const c2 = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "hello" })))
    .Configuration!;
  assert.equal(c2.CodeSha256, sha256(bytes2));
  assert.deepEqual(c2.Environment?.Variables, { STAGE: "prod" });
  assert.equal(c2.MemorySize, 256, "settings not given are kept");
  assert.equal(
    (await lambda.send(new Lambda.GetAliasCommand({ FunctionName: "hello", Name: "live" })))
      .FunctionVersion,
    "2",
  );
  assert.match(r2.stdout, /\(updated\)/);
  assert.ok(r2.stdout.includes(url.FunctionUrl!), r2.stdout);
  lambda.destroy();
  iam.destroy();
  await Deno.remove(dir, { recursive: true });
});

motoTest("deploy --dry-run prints the calls and changes nothing", async (moto) => {
  const dir = await Deno.makeTempDir();
  const { lambda } = clients(moto);
  const zip = await fakeZip(dir, "arm64", "dry");
  const r = ok(
    await runDeploy([
      "--zip",
      zip,
      "--function-name",
      "dry",
      "--publish",
      "--url",
      "--dry-run",
      "--endpoint-url",
      moto.endpoint,
    ]),
  );
  const actions = r.stdout.split("\n").filter((l) => l.startsWith("  ")).map((l) =>
    l.trim().split(" ").slice(0, 2).join(" ")
  );
  assert.deepEqual(actions, [
    "iam CreateRole",
    "iam AttachRolePolicy",
    "lambda CreateFunction",
    "lambda waitUntilFunctionActiveV2",
    "lambda PublishVersion",
    "lambda waitUntilPublishedVersionActive",
    "lambda CreateFunctionUrlConfig",
  ]);
  assert.match(r.stdout, /"Architectures":\["arm64"\]/);
  assert.ok(r.stdout.includes(`sha256 ${sha256(await Deno.readFile(zip))}`), r.stdout);
  await assert.rejects(
    lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "dry" })),
    (e: Error) => e.name === "ResourceNotFoundException",
  );
  lambda.destroy();
  await Deno.remove(dir, { recursive: true });
});

motoTest("deploy: an architecture that differs from the function's is refused", async (moto) => {
  const dir = await Deno.makeTempDir();
  const base = ["--function-name", "arch", "--endpoint-url", moto.endpoint];
  ok(await runDeploy(["--zip", await fakeZip(dir, "x86_64", "a"), ...base]));
  const arm = await fakeZip(dir, "arm64", "b");
  const r = await runDeploy(["--zip", arm, ...base]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /holds an arm64 binary but the function arch is x86_64/);
  const r2 = await runDeploy(["--zip", arm, "--arch", "arm64", ...base]);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /the function arch is x86_64, not arm64/);
  await Deno.remove(dir, { recursive: true });
});

motoTest("deploy: a zip over 50 MB needs --s3-bucket, and goes through S3", async (moto) => {
  const dir = await Deno.makeTempDir();
  const { lambda, s3 } = clients(moto);
  // Random bytes do not compress: the zip stays over 50 MB.
  const big = new Uint8Array(51 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  big.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  new DataView(big.buffer).setUint16(18, TARGETS.x86_64.elfMachine, true);
  const zip = `${dir}/big.zip`;
  await Deno.writeFile(
    zip,
    await writeZip([{ name: "bootstrap", data: big, mode: 0o755 }], { compress: false }),
  );
  const base = ["--zip", zip, "--function-name", "big", "--endpoint-url", moto.endpoint];
  const r = await runDeploy(base);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /over Lambda's 50 MB limit for a direct upload: .*--s3-bucket/);

  const noBucket = await runDeploy([...base, "--s3-bucket", "packages"]);
  assert.equal(noBucket.code, 1);
  assert.match(noBucket.stderr, /error: AWS said NoSuchBucket: /);

  await s3.send(new S3.CreateBucketCommand({ Bucket: "packages" }));
  ok(await runDeploy([...base, "--s3-bucket", "packages"]));
  const c = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "big" })))
    .Configuration!;
  assert.equal(c.CodeSha256, sha256(await Deno.readFile(zip)));
  lambda.destroy();
  s3.destroy();
  await Deno.remove(dir, { recursive: true });
});

/**
 * moto's endpoint behind a proxy that answers the first `refusals` CreateFunction calls as Lambda
 * does while a role that IAM already has is not assumable yet (IAM propagates changes with a
 * delay; moto has no delay to model it, so the refusal is Lambda's own error document).
 */
function propagatingRole(
  moto: Moto,
  refusals: number,
): { endpoint: string; close(): Promise<void> } {
  let left = refusals;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method === "POST" && url.pathname === "/2015-03-31/functions" && left > 0) {
      left--;
      return Response.json(
        { Type: "User", message: "The role defined for the function cannot be assumed by Lambda." },
        { status: 400, headers: { "x-amzn-errortype": "InvalidParameterValueException" } },
      );
    }
    const headers = new Headers(req.headers);
    headers.delete("host");
    const res = await fetch(new URL(url.pathname + url.search, moto.endpoint), {
      method: req.method,
      headers,
      body: req.body === null ? undefined : await req.arrayBuffer(),
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

motoTest("deploy: retries while Lambda cannot assume an existing role yet", async (moto) => {
  const dir = await Deno.makeTempDir();
  const { lambda, iam } = clients(moto);
  const zip = await fakeZip(dir, "x86_64", "role");
  await iam.send(new IAM.CreateRoleCommand({ RoleName: "late", AssumeRolePolicyDocument: "{}" }));
  const role = `arn:aws:iam::${ACCOUNT}:role/late`;
  const proxy = propagatingRole(moto, 2);
  try {
    const r = ok(
      await runDeploy(
        ["--zip", zip, "--function-name", "late", "--role", role, "--endpoint-url", proxy.endpoint],
      ),
    );
    assert.match(r.stderr, /not assumable by Lambda yet .* retrying in 1 s/);
    assert.match(r.stderr, /retrying in 2 s/);
    const c = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "late" })))
      .Configuration!;
    assert.equal(c.Role, role);
  } finally {
    await proxy.close();
  }
  // A role that never becomes assumable: deploy gives up after --role-wait and says why.
  const never = propagatingRole(moto, Infinity);
  try {
    const r = await runDeploy([
      "--zip",
      zip,
      "--function-name",
      "refused",
      "--role",
      role,
      "--role-wait",
      "2",
      "--endpoint-url",
      never.endpoint,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /Lambda cannot assume the role arn:aws:iam::\d+:role\/late \(still after/,
    );
  } finally {
    await never.close();
  }
  lambda.destroy();
  iam.destroy();
  await Deno.remove(dir, { recursive: true });
});

motoTest("deploy: a --role that does not exist fails at once, with no retries", async (moto) => {
  const dir = await Deno.makeTempDir();
  const zip = await fakeZip(dir, "x86_64", "never");
  const never = `arn:aws:iam::${ACCOUNT}:role/never`;
  for (const extra of [[], ["--dry-run"]]) {
    const r = await runDeploy([
      "--zip",
      zip,
      "--function-name",
      "never",
      "--role",
      never,
      "--endpoint-url",
      moto.endpoint,
      ...extra,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error: the role arn:aws:iam::\d+:role\/never does not exist/);
    assert.doesNotMatch(r.stderr, /retrying/);
  }
  const { lambda } = clients(moto);
  await assert.rejects(
    lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "never" })),
    (e: Error) => e.name === "ResourceNotFoundException",
  );
  lambda.destroy();
  await Deno.remove(dir, { recursive: true });
});

motoTest(
  "deploy: environment values are never printed; --env NAME and --env-file",
  async (moto) => {
    const dir = await Deno.makeTempDir();
    const { lambda } = clients(moto);
    const zip = await fakeZip(dir, "x86_64", "env");
    const file = `${dir}/prod.env`;
    await Deno.writeTextFile(
      file,
      "# the database\nDB_URL='postgres://u:hunter2@db/x'\nSTAGE=file\n",
    );
    const args = [
      "--zip",
      zip,
      "--function-name",
      "env",
      "--env-file",
      file,
      "--env",
      "API_KEY",
      "--env",
      "STAGE=prod",
      "--endpoint-url",
      moto.endpoint,
    ];
    const env = { ...FAKE_AWS_ENV, API_KEY: "sk-live-0123456789" };
    const dry = ok(await runDeploy([...args, "--dry-run"], env));
    const shown = dry.stdout + dry.stderr;
    for (const secret of ["hunter2", "sk-live-0123456789", "prod"]) {
      assert.ok(!shown.includes(secret), `the dry run printed ${secret}:\n${shown}`);
    }
    assert.match(dry.stdout, /"Environment":\{"Variables":\{"DB_URL":"<redacted>",/);
    assert.match(dry.stdout, /"API_KEY":"<redacted>"/);

    const r = ok(await runDeploy(args, env));
    for (const secret of ["hunter2", "sk-live-0123456789"]) {
      assert.ok(!(r.stdout + r.stderr).includes(secret), r.stdout + r.stderr);
    }
    const c = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "env" })))
      .Configuration!;
    assert.deepEqual(c.Environment?.Variables, {
      DB_URL: "postgres://u:hunter2@db/x",
      STAGE: "prod",
      API_KEY: "sk-live-0123456789",
    });

    const unset = await runDeploy(args, FAKE_AWS_ENV);
    assert.equal(unset.code, 1);
    assert.match(unset.stderr, /error: --env API_KEY: API_KEY is not set in this environment/);
    lambda.destroy();
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test("deploy: an HTML error page from the endpoint is an HTTP error of the endpoint", async () => {
  const dir = await Deno.makeTempDir();
  const zip = await fakeZip(dir, "x86_64", "html");
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response("<html><body><h1>500 Internal Server Error</h1></body></html>", {
      status: 500,
      headers: { "content-type": "text/html" },
    });
  });
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  try {
    const r = await runDeploy(["--zip", zip, "--function-name", "x", "--endpoint-url", endpoint]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(requests > 0, "the endpoint was reached");
    assert.match(
      r.stderr,
      new RegExp(
        `error: ${endpoint.replaceAll(".", "\\.")} answered HTTP 500 with something other`,
      ),
    );
    assert.doesNotMatch(r.stderr, /cannot reach/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

motoTest("deploy <entry>: builds with the packaging tool and uploads that zip", async (moto) => {
  const dir = await Deno.makeTempDir();
  const { lambda } = clients(moto);
  const r = ok(
    await runDeploy([
      HELLO,
      "--function-name",
      "built",
      "--runtime",
      "deno",
      "--arch",
      "arm64",
      "--out",
      dir,
      "--endpoint-url",
      moto.endpoint,
    ]),
  );
  assert.match(r.stderr, /bundle .*hello\.ts/);
  const zip = await Deno.readFile(`${dir}/arm64/bootstrap.zip`);
  const c = (await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "built" })))
    .Configuration!;
  assert.equal(c.CodeSha256, sha256(zip));
  assert.deepEqual(c.Architectures, ["arm64"]);
  lambda.destroy();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deploy: no credentials is a clear error, before any call", async () => {
  const env = { ...FAKE_AWS_ENV };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const dir = await Deno.makeTempDir();
  const zip = await fakeZip(dir, "x86_64", "creds");
  // The endpoint is a closed port: a call that got through would fail differently.
  const r = await runDeploy(
    ["--zip", zip, "--function-name", "x", "--endpoint-url", "http://127.0.0.1:9"],
    env,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /error: no AWS credentials .*AWS_ACCESS_KEY_ID/);
  await Deno.remove(dir, { recursive: true });
});
