/**
 * What `deno task new --iac sam|cdk` adds to a function project, for the deploy tool the team
 * uses:
 *
 * - `sam`: `template.yaml` (an `AWS::Serverless::Function` on `provided.al2023` with
 *   `BuildMethod: makefile`) and the `Makefile` whose `build-Function` target `sam build` runs
 *   with `ARTIFACTS_DIR` set: gopherless's own build (`deno task build --runtime deno`), its
 *   package's files copied there. No Docker. With `layer`, the template adds the runtime layer
 *   (an `AWS::Serverless::LayerVersion` built by the Makefile's `build-RuntimeLayer`: the files of
 *   `deno task build --layer`'s `layer.zip`) and the function takes only its own code (those of
 *   `function.zip`) with that layer.
 * - `cdk`: a CDK app (`app.ts`, a stack holding a `GopherlessFunction`; `cdk.json` so that the
 *   CDK CLI runs it with Deno) and `app_test.ts`, which synthesizes the stack (building the
 *   function) and checks its template.
 *
 * @module
 */

import type { Template } from "./templates.ts";

/** The deploy tools `--iac` writes a project for. */
export type IacName = "sam" | "cdk";

/** The `--iac` names, in the order `--help` lists them. */
export const IAC_NAMES: readonly IacName[] = ["sam", "cdk"];

/** aws-cdk-lib, pinned in new CDK projects (as in gopherless's own `deno.json`). */
export const AWS_CDK_LIB = "npm:aws-cdk-lib@2.278.0";
/** constructs, pinned in new CDK projects (aws-cdk-lib's peer dependency). */
export const CONSTRUCTS = "npm:constructs@10.8.1";
/** The CDK CLI version the `cdk` task runs (from npm, with `npx`). */
export const AWS_CDK_CLI = "2.1149.0";

/** The SAM resource's logical id, which names the Makefile's target (`build-<id>`). */
export const SAM_FUNCTION_ID = "Function";
/** The logical id of the SAM runtime layer (`layer`), which names its Makefile target. */
export const SAM_LAYER_ID = "RuntimeLayer";

/** What a project generator needs to know to write the IaC files. */
export interface IacContext {
  /** The function template. */
  template: Template;
  /** The Lambda function's name (the folder's, made valid). */
  functionName: string;
  /**
   * Deploy the function's own code on gopherless's runtime layer (`deno task build --layer`,
   * docs/layer.md) instead of one zip with everything.
   */
  layer?: boolean;
}

/** A CloudFormation stack name from a function name: letters, digits and `-`, a letter first. */
export function stackNameFor(functionName: string): string {
  const name = functionName.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^[^A-Za-z]+/, "");
  return (name || "Function").slice(0, 128);
}

function samTemplate(c: IacContext): string {
  const url = c.template.functionUrl;
  const lines = [
    `AWSTemplateFormatVersion: "2010-09-09"`,
    `Transform: AWS::Serverless-2016-10-31`,
    `Description: ${c.functionName}, a TypeScript function built by gopherless`,
    ``,
    `Resources:`,
  ];
  if (c.layer) {
    lines.push(
      `  # gopherless's runtime layer: the launcher as /opt/bootstrap and the Deno binary. Every`,
      `  # function of the template built with --layer can take it (Layers: [!Ref ${SAM_LAYER_ID}]).`,
      `  ${SAM_LAYER_ID}:`,
      `    Type: AWS::Serverless::LayerVersion`,
      `    Metadata:`,
      `      # sam build runs \`make build-${SAM_LAYER_ID}\` (see the Makefile): no Docker.`,
      `      BuildMethod: makefile`,
      `    Properties:`,
      `      Description: gopherless runtime layer (deno task build --layer)`,
      `      ContentUri: .`,
      `      CompatibleRuntimes:`,
      `        - provided.al2023`,
      `      # Keep in step with ARCH in the Makefile.`,
      `      CompatibleArchitectures:`,
      `        - x86_64`,
      `      # A new gopherless or Deno makes a new version; functions that still use an old one`,
      `      # keep it after it is deleted.`,
      `      RetentionPolicy: Delete`,
      ``,
    );
  }
  lines.push(
    `  ${SAM_FUNCTION_ID}:`,
    `    Type: AWS::Serverless::Function`,
    `    Metadata:`,
    `      # sam build runs \`make build-${SAM_FUNCTION_ID}\` (see the Makefile): no Docker.`,
    `      BuildMethod: makefile`,
    `    Properties:`,
    `      FunctionName: ${c.functionName}`,
    `      CodeUri: .`,
    `      Runtime: provided.al2023`,
    c.layer
      ? `      Handler: bootstrap # unused: Lambda runs the layer's /opt/bootstrap`
      : `      Handler: bootstrap`,
    `      # Keep in step with ARCH in the Makefile.`,
    `      Architectures:`,
    `        - x86_64`,
    `      # Keep in step with MEMORY in the Makefile (the start-up cache is made for this size).`,
    `      MemorySize: 128`,
    `      Timeout: 10`,
  );
  if (c.layer) lines.push(`      Layers:`, `        - !Ref ${SAM_LAYER_ID}`);
  if (url) {
    lines.push(
      `      FunctionUrlConfig:`,
      `        AuthType: NONE`,
      `        InvokeMode: ${url}`,
      ``,
      `Outputs:`,
      `  FunctionUrl:`,
      `    Description: The function's URL`,
      `    Value: !GetAtt ${SAM_FUNCTION_ID}Url.FunctionUrl`,
    );
  }
  return lines.join("\n") + "\n";
}

const MAKEFILE_HEAD =
  `# \`sam build\` runs \`make build-<LogicalId>\` in a copy of this folder, with ARTIFACTS_DIR set
# to the folder SAM packages and deploys (BuildMethod: makefile in template.yaml). No Docker.
`;

const MAKEFILE_VARIABLES = `
# Keep in step with Architectures and MemorySize in template.yaml: the package's start-up cache
# is made under the V8 flags its launcher passes at that size (up to 512 MB, Maglev at most;
# above, every tier), and a function run at a size of the other kind starts without it.
ARCH ?= x86_64
MEMORY ?= 128
DENO ?= deno
OUT := .gopherless-sam-build
`;

const MAKEFILE =
  `${MAKEFILE_HEAD}# The target builds the function with gopherless (deno task build: the bundled handler, the Deno
# binary, the start-up cache) and puts the package's files there, bootstrap at the root.
${MAKEFILE_VARIABLES}
build-${SAM_FUNCTION_ID}:
\trm -rf $(OUT)
\t$(DENO) task build --runtime deno --arch $(ARCH) --memory $(MEMORY) --out $(OUT)
\tcp -a $(OUT)/$(ARCH)/. "$(ARTIFACTS_DIR)/"
\trm -f "$(ARTIFACTS_DIR)/bootstrap.zip"
\trm -rf $(OUT)

.PHONY: build-${SAM_FUNCTION_ID}
`;

/**
 * The Makefile of a `layer` project: both targets run `deno task build --layer` (the same sources,
 * Deno and gopherless, so the function is built for exactly the layer beside it) and take the
 * files of one zip each, as `build.json` lists their folders: `<arch>/layer/` (what Lambda puts on
 * `/opt`) and `<arch>/function/` (on `/var/task`).
 */
const MAKEFILE_LAYER =
  `${MAKEFILE_HEAD}# Both targets build with gopherless (deno task build --layer): ${SAM_LAYER_ID} takes the runtime
# layer's files (the launcher as /opt/bootstrap, the Deno binary), ${SAM_FUNCTION_ID} the function's own
# (the bundled handler and its start-up cache, made for that layer).
${MAKEFILE_VARIABLES}
build-${SAM_LAYER_ID}:
\trm -rf $(OUT)
\t$(DENO) task build --layer --arch $(ARCH) --memory $(MEMORY) --out $(OUT)
\tcp -a $(OUT)/$(ARCH)/layer/. "$(ARTIFACTS_DIR)/"
\trm -rf $(OUT)

build-${SAM_FUNCTION_ID}:
\trm -rf $(OUT)
\t$(DENO) task build --layer --arch $(ARCH) --memory $(MEMORY) --out $(OUT)
\tcp -a $(OUT)/$(ARCH)/function/. "$(ARTIFACTS_DIR)/"
\trm -rf $(OUT)

.PHONY: build-${SAM_LAYER_ID} build-${SAM_FUNCTION_ID}
`;

function cdkApp(c: IacContext): string {
  const url = c.template.functionUrl;
  const lambdaImports = url ? "Architecture, FunctionUrlAuthType, InvokeMode" : "Architecture";
  const cdkImports = url ? "App, CfnOutput, Stack, type StackProps" : "App, Stack, type StackProps";
  const urlLines = url
    ? `
    const url = this.fn.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.${url},
    });
    new CfnOutput(this, "FunctionUrl", { value: url.url });`
    : "";
  return `/**
 * The CDK app: one stack holding the function, which gopherless builds when the app is
 * synthesized (no Docker).
 *
 *   deno task synth           synthesize into cdk.out/
 *   deno task cdk bootstrap   once per account and region
 *   deno task cdk deploy      deploy the stack (the CDK CLI runs this app, see cdk.json)
 *
 * @module
 */

import { ${cdkImports} } from "aws-cdk-lib";
import { ${lambdaImports} } from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { GopherlessFunction } from "gopherless/cdk";

/** The stack of the function. */
export class FunctionStack extends Stack {
  /** The function. */
  readonly fn: GopherlessFunction;

  /** Defines the function (built from main.ts). */
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.fn = new GopherlessFunction(this, "Function", {
      entry: \`\${import.meta.dirname}/main.ts\`,
      functionName: "${c.functionName}",
      architecture: Architecture.X86_64,
      memorySize: 128,${
    c.layer
      ? "\n      // Only main.ts's own code; Deno comes from the stack's runtime layer.\n      layer: true,"
      : ""
  }
    });${urlLines}
  }
}

if (import.meta.main) {
  const app = new App();
  new FunctionStack(app, "${stackNameFor(c.functionName)}");
  app.synth();
}
`;
}

const oneZipAssetCheck = `
      // The asset is gopherless's bootstrap.zip, named after the hash of its content.
      const fn = Object.values(template.findResources("AWS::Lambda::Function"))[0];
      const hash = fn.Properties.Code.S3Key.replace(/\\.zip$/, "");
      const zip = await Deno.stat(\`\${outdir}/asset.\${hash}/bootstrap.zip\`);
      assert.ok(zip.size > 1024 * 1024, \`the asset is \${zip.size} bytes\`);`;

const layerAssetCheck = `
      // The function's asset is its own code (function.zip), the runtime layer's the layer.zip
      // with Deno; each named after the hash of its content.
      const [layerId, layer] = Object.entries(template.findResources("AWS::Lambda::LayerVersion"))[0];
      const fn = Object.values(template.findResources("AWS::Lambda::Function"))[0];
      assert.deepEqual(fn.Properties.Layers, [{ Ref: layerId }]);
      const asset = async (code: { S3Key: string }, name: string) =>
        (await Deno.stat(\`\${outdir}/asset.\${code.S3Key.replace(/\\.zip$/, "")}/\${name}\`)).size;
      const own = await asset(fn.Properties.Code, "function.zip");
      const runtime = await asset(layer.Properties.Content, "layer.zip");
      assert.ok(own * 10 < runtime, \`function \${own} bytes, layer \${runtime} bytes\`);`;

function cdkAppTest(c: IacContext): string {
  const url = c.template.functionUrl;
  const urlCheck = url
    ? `
      template.hasResourceProperties("AWS::Lambda::Url", {
        AuthType: "NONE",
        InvokeMode: "${url}",
      });`
    : "";
  return `import assert from "node:assert/strict";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { FunctionStack } from "./app.ts";

Deno.test({
  name: "app.ts synthesizes: main.ts built into the function's asset, on provided.al2023",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const outdir = await Deno.makeTempDir({ prefix: "cdk-out-" });
    try {
      const app = new App({ outdir });
      const stack = new FunctionStack(app, "Test");
      const template = Template.fromStack(stack);
      template.hasResourceProperties("AWS::Lambda::Function", {
        FunctionName: "${c.functionName}",
        Runtime: "provided.al2023",
        Handler: "bootstrap",
        Architectures: ["x86_64"],
        MemorySize: 128,
      });${urlCheck}
${c.layer ? layerAssetCheck : oneZipAssetCheck}
    } finally {
      await Deno.remove(outdir, { recursive: true });
    }
  },
});
`;
}

/** The files `--iac` adds, by path relative to the project's folder. */
export function iacFiles(iac: IacName, c: IacContext): Record<string, string> {
  if (iac === "sam") {
    return { "template.yaml": samTemplate(c), "Makefile": c.layer ? MAKEFILE_LAYER : MAKEFILE };
  }
  return {
    "app.ts": cdkApp(c),
    "app_test.ts": cdkAppTest(c),
    "cdk.json": JSON.stringify({ app: "deno run -A app.ts" }, null, 2) + "\n",
  };
}

/** The lines `--iac` adds to the project's `.gitignore`. */
export function iacIgnores(iac: IacName): string[] {
  return iac === "sam" ? ["/.aws-sam/"] : ["/cdk.out/"];
}

/** The tasks and imports `--iac` adds to the project's `deno.json`. */
export function iacConfig(
  iac: IacName,
  base: string,
): { tasks: Record<string, string>; imports: Record<string, string> } {
  if (iac === "sam") return { tasks: {}, imports: {} };
  return {
    tasks: {
      // Outside the CDK CLI an App writes to a temporary folder unless told.
      synth: "CDK_OUTDIR=cdk.out deno run -A app.ts",
      cdk: `npx -y aws-cdk@${AWS_CDK_CLI}`,
    },
    imports: {
      "gopherless/cdk": `${base}cdk/mod.ts`,
      "aws-cdk-lib": AWS_CDK_LIB,
      "constructs": CONSTRUCTS,
    },
  };
}
