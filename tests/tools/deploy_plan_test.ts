/**
 * `deploy`'s decisions without AWS: the command line, the plan for a function that exists in
 * various states, and what it reads from a zip before uploading it.
 */
import assert from "node:assert/strict";
import { TARGETS, writeZip } from "../../packaging/mod.ts";
import { type DeployOptions, parseArgs, UsageError } from "../../tools/deploy/args.ts";
import { DeployError } from "../../tools/deploy/errors.ts";
import { codeSha256, inspectZip } from "../../tools/deploy/package.ts";
import { describeCall, type Facts, planDeploy } from "../../tools/deploy/plan.ts";
import { functionEnvironment, parseEnvFile } from "../../tools/deploy/environment.ts";

function options(args: string[]): DeployOptions {
  const o = parseArgs(args);
  assert.ok(!("help" in o));
  return o;
}

const zip = new Uint8Array([1, 2, 3]);
const existing: Facts = {
  arch: "arm64",
  zip,
  sha256: "abc=",
  roleName: "gopherless-f",
  partition: "aws",
  fn: {
    arch: "arm64",
    codeSha256: "abc=",
    memoryMb: 128,
    timeoutSeconds: 3,
    env: { A: "1" },
    role: "arn:aws:iam::123456789012:role/r",
    runtime: "provided.al2023",
    handler: "bootstrap",
  },
};

const actions = (o: DeployOptions, f: Facts) => planDeploy(o, f).map((c) => c.action);

Deno.test("deploy args: required and implied options, and what is refused", () => {
  const o = options(["main.ts", "--function-name", "f", "--alias", "live", "--env", "A=b=c"]);
  assert.equal(o.publish, true, "--alias publishes");
  assert.deepEqual(o.env, { A: "b=c" });
  assert.throws(() => parseArgs(["main.ts"]), /--function-name is required/);
  assert.throws(() => parseArgs(["--function-name", "f"]), /missing the entry module/);
  assert.throws(
    () => parseArgs(["m.ts", "--zip", "z", "--function-name", "f"]),
    /the entry module or --zip, not both/,
  );
  assert.throws(
    () => parseArgs(["m.ts", "--function-name", "f", "--invoke-mode", "RESPONSE_STREAM"]),
    /add --url/,
  );
  assert.throws(() => parseArgs(["m.ts", "--function-name", "f", "--memory", "64"]), UsageError);
  assert.throws(() => parseArgs(["m.ts", "--function-name", "f", "--role", "admin"]), /role ARN/);
  assert.throws(() => parseArgs(["m.ts", "--function-name", "f", "--arch", "amd64"]), UsageError);
});

Deno.test("deploy plan: an unchanged function gets no calls; changes get only what changed", () => {
  assert.deepEqual(actions(options(["m.ts", "--function-name", "f"]), existing), []);
  assert.deepEqual(
    actions(options(["m.ts", "--function-name", "f", "--memory", "128", "--env", "A=1"]), existing),
    [],
  );
  const changed = planDeploy(
    options(["m.ts", "--function-name", "f", "--timeout", "30"]),
    { ...existing, sha256: "new=" },
  );
  assert.deepEqual(changed.map((c) => c.action), [
    "UpdateFunctionCode",
    "waitUntilFunctionUpdatedV2",
    "UpdateFunctionConfiguration",
    "waitUntilFunctionUpdatedV2",
  ]);
  assert.deepEqual(changed[2].input, { FunctionName: "f", Timeout: 30 });
  const wasNode = planDeploy(options(["m.ts", "--function-name", "f"]), {
    ...existing,
    fn: { ...existing.fn!, runtime: "nodejs22.x", handler: "index.handler" },
  });
  assert.deepEqual(wasNode[0].input, {
    FunctionName: "f",
    Runtime: "provided.al2023",
    Handler: "bootstrap",
  });
});

Deno.test("deploy plan: Function URLs are created, updated or left alone", () => {
  const url = { url: "https://x.lambda-url.us-east-1.on.aws/", authType: "AWS_IAM" as const };
  const o = options(["m.ts", "--function-name", "f", "--url", "--invoke-mode", "RESPONSE_STREAM"]);
  assert.deepEqual(actions(o, { ...existing, url: { ...url, invokeMode: "RESPONSE_STREAM" } }), []);
  assert.deepEqual(actions(o, { ...existing, url: { ...url, invokeMode: "BUFFERED" } }), [
    "UpdateFunctionUrlConfig",
  ]);
  assert.deepEqual(
    actions(options(["m.ts", "--function-name", "f", "--url"]), existing),
    ["CreateFunctionUrlConfig"],
  );
});

Deno.test("deploy plan: a new function with a given role creates no role", () => {
  const role = "arn:aws:iam::123456789012:role/mine";
  const plan = planDeploy(
    options(["m.ts", "--function-name", "f", "--role", role, "--s3-bucket", "b"]),
    { ...existing, fn: undefined, sha256: "AAEC" },
  );
  assert.deepEqual(plan.map((c) => c.action), [
    "PutObject",
    "CreateFunction",
    "waitUntilFunctionActiveV2",
  ]);
  assert.equal(plan[1].input.Role, role);
  assert.deepEqual(plan[1].input.Code, { S3Bucket: "b", S3Key: "f/000102.zip" });
});

Deno.test("deploy package: the architecture of a launcher's deno binary, deflated", async () => {
  const elf = new Uint8Array(4096);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  new DataView(elf.buffer).setUint16(18, TARGETS.arm64.elfMachine, true);
  const bytes = await writeZip([
    { name: "bootstrap", data: new TextEncoder().encode("#!/bin/sh\nexec ./deno\n"), mode: 0o755 },
    { name: "deno", data: elf, mode: 0o755 },
  ]);
  assert.deepEqual(await inspectZip(bytes), { arch: "arm64" });
  const noBootstrap = await writeZip([{ name: "main.js", data: new Uint8Array(10) }]);
  await assert.rejects(inspectZip(noBootstrap), DeployError);
  await assert.rejects(inspectZip(noBootstrap), /no bootstrap at its root.*main\.js/);
  await assert.rejects(inspectZip(new Uint8Array(100)), /not a zip file/);
  assert.equal(await codeSha256(new Uint8Array()), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
});

Deno.test("deploy environment: --env K=V, --env NAME and --env-file, later ones winning", async () => {
  const o = options([
    "m.ts",
    "--function-name",
    "f",
    "--env",
    "A=1",
    "--env",
    "TOKEN",
    "--env-file",
    "a.env",
  ]);
  assert.deepEqual([o.env, o.envNames, o.envFiles], [{ A: "1" }, ["TOKEN"], ["a.env"]]);
  assert.throws(() => parseArgs(["m.ts", "--function-name", "f", "--env", "=x"]), UsageError);
  assert.throws(
    () => parseArgs(["m.ts", "--function-name", "f", "--env", "not a name"]),
    (e: Error) => e instanceof UsageError && !e.message.includes("not a name"),
  );
  const files: Record<string, string> = {
    "a.env": "# comment\n\nexport A=file\nB = 'two words # kept'\nC=\"x\\ny\" # note\nTOKEN=file\n",
  };
  const sources = {
    readTextFile: (p: string) =>
      p in files ? Promise.resolve(files[p]) : Promise.reject(new Error("No such file")),
    getEnv: (n: string) => (n === "TOKEN" ? "secret" : undefined),
  };
  assert.deepEqual(await functionEnvironment(o, sources), {
    A: "1",
    B: "two words # kept",
    C: "x\ny",
    TOKEN: "secret",
  });
  assert.equal(await functionEnvironment({}, sources), undefined, "none given: left as it is");
  await assert.rejects(functionEnvironment({ envNames: ["NOPE"] }, sources), DeployError);
  await assert.rejects(functionEnvironment({ envFiles: ["b.env"] }, sources), /--env-file b\.env/);
  assert.throws(
    () => parseEnvFile("OK=1\nsecret value\n", "x.env"),
    (e: Error) =>
      e instanceof DeployError && e.message.startsWith("x.env:2:") && !e.message.includes("secret"),
  );
  assert.throws(() => parseEnvFile("A='open\n", "x.env"), /x\.env:1: the value's closing '/);
});

Deno.test("deploy dry run: environment variables by name, values redacted", () => {
  const o = options(["m.ts", "--function-name", "f", "--env", "PASSWORD=hunter2"]);
  const lines = planDeploy(o, existing).map((c) => describeCall(c, "abc="));
  assert.equal(lines.length, 2);
  assert.match(lines[0], /"Environment":\{"Variables":\{"PASSWORD":"<redacted>"\}\}/);
  assert.ok(!lines.join("\n").includes("hunter2"));
});
