/**
 * A CDK app for Deno with `layer: true` functions, synthesized into the folder given as its first
 * argument: `Greet` and `Web` (x86_64) share the stack's x86_64 runtime layer; `GreetArm` (arm64,
 * left out with `--x86-only`) gets the arm64 one.
 */
import { App, Stack } from "aws-cdk-lib";
import { Architecture } from "aws-cdk-lib/aws-lambda";
import { GopherlessFunction } from "gopherless/cdk";

const app = new App({ outdir: Deno.args[0] });
const stack = new Stack(app, "GopherlessCdkLayerTest");
new GopherlessFunction(stack, "Greet", {
  entry: `${import.meta.dirname}/functions/greet.ts`,
  functionName: "gopherless-cdk-layer-greet",
  memorySize: 256,
  environment: { GREETING: "Hej" },
  layer: true,
});
new GopherlessFunction(stack, "Web", {
  entry: `${import.meta.dirname}/functions/web.ts`,
  functionName: "gopherless-cdk-layer-web",
  layer: true,
});
if (!Deno.args.includes("--x86-only")) {
  new GopherlessFunction(stack, "GreetArm", {
    entry: `${import.meta.dirname}/functions/greet.ts`,
    functionName: "gopherless-cdk-layer-greet-arm",
    architecture: Architecture.ARM_64,
    layer: true,
  });
}
app.synth();
