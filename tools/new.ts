/**
 * `deno task new <dir> [--template event|http|stream] [--iac sam|cdk] [--layer] [--gopherless PATH|URL]`: writes a Lambda
 * function project of your own, outside this library, whose tasks run, test, build and deploy it:
 *
 * ```
 * my-fn/
 *   deno.json          imports (gopherless, the aws-lambda types); tasks invoke, serve, test,
 *                      build, deploy
 *   main.ts            the typed handler
 *   main_test.ts       runs main.ts in the emulator, as Lambda would
 *   events/event.json  a sample event
 *   .gitignore
 * ```
 *
 * `--iac sam` adds `template.yaml` and the `Makefile` that `sam build` runs (`BuildMethod:
 * makefile`); `--iac cdk` adds a CDK app around `GopherlessFunction` (`app.ts`, `app_test.ts`
 * that synthesizes it, `cdk.json`, and the tasks `synth` and `cdk`). See `tools/new/iac.ts`.
 * `--layer` deploys the function's own code on gopherless's runtime layer, with each of them.
 *
 * The project imports gopherless through its own import map, by the path or URL given with
 * `--gopherless` (default: where this file is, an absolute path when it is a local checkout).
 *
 * Exit status: 0 written, 1 the folder is not empty, 2 bad arguments.
 *
 * @module
 */

import {
  type FlagTable,
  oneOf,
  parseCommandLine,
  UsageError,
  usageFailure,
} from "../ground/command_line.ts";
import { type Template, TEMPLATE_NAMES, type TemplateName, TEMPLATES } from "./new/templates.ts";
import { IAC_NAMES, iacConfig, iacFiles, iacIgnores, type IacName } from "./new/iac.ts";

export { type Template, TEMPLATE_NAMES, type TemplateName, TEMPLATES } from "./new/templates.ts";
export { IAC_NAMES, type IacName } from "./new/iac.ts";

/** The `@types/aws-lambda` version new projects import their event types from. */
export const AWS_LAMBDA_TYPES = "npm:@types/aws-lambda@8.10.164";

/** Options of {@link newProject}. */
export interface NewOptions {
  /** The folder to write (created; must be empty or absent). */
  dir: string;
  /** The template (default `event`). */
  template?: TemplateName;
  /** Where gopherless is: a path or a URL (default: this checkout). */
  gopherless?: string;
  /** The Lambda function name `deploy` uses (default: the folder's name, made valid). */
  functionName?: string;
  /**
   * The deploy tool to write the project for, besides gopherless's own `deploy` task: `sam`
   * (`template.yaml` and the `Makefile` `sam build` runs) or `cdk` (a CDK app around
   * `GopherlessFunction`, with a test that synthesizes it). Default: none.
   */
  iac?: IacName;
  /**
   * Deploy the function's own code on gopherless's runtime layer (docs/layer.md): the `deploy`
   * task with `--layer`, the SAM template with the layer as an `AWS::Serverless::LayerVersion`
   * beside the function, the CDK app's function with `layer: true`. Default `false`: one zip.
   */
  layer?: boolean;
}

/** The folder is not empty, or similar: the message says what. */
export class NewError extends Error {
  /** Always `"NewError"`. */
  override name = "NewError";
}

export { UsageError } from "../ground/command_line.ts";

/** The usage text. */
export const USAGE = `usage: deno task new <dir> [options]

Writes a Lambda function project in <dir>: deno.json (tasks invoke, serve, test, build, deploy),
main.ts, main_test.ts, events/event.json, .gitignore.

  --template NAME         ${
  TEMPLATE_NAMES.map((n) => `${n}: ${TEMPLATES[n].summary}`).join("\n                          ")
}
  --gopherless PATH|URL   where the project imports gopherless from (default: this checkout)
  --function-name NAME    the Lambda function's name (default: the folder's name)
  --iac sam|cdk           also write the project for a deploy tool: sam (template.yaml and the
                          Makefile sam build runs) or cdk (a CDK app around GopherlessFunction:
                          app.ts, app_test.ts, cdk.json)
  --layer                 deploy the function's own code (about 1 MB) on gopherless's runtime
                          layer (Deno, published once) instead of one 40 MB zip: deploy --layer,
                          and with --iac the layer in the template or app (docs/layer.md)
  -h, --help              this text`;

/** The gopherless base (ending in `/`) as the project should refer to it. */
export function gopherlessBase(given: string | undefined, cwd: string): string {
  let base: string;
  if (given === undefined) {
    const here = new URL("../", import.meta.url);
    base = here.protocol === "file:" ? decodeURIComponent(here.pathname) : here.href;
  } else if (/^(https?|file|jsr|npm):/.test(given)) {
    const u = new URL(given);
    base = u.protocol === "file:" ? decodeURIComponent(u.pathname) : given;
  } else {
    base = given.startsWith("/") ? given : `${cwd.replace(/\/$/, "")}/${given}`;
    base = decodeURIComponent(new URL(`file://${base}`).pathname);
  }
  return base.endsWith("/") ? base : `${base}/`;
}

/** A shell word for `deno task` (quoted when it needs to be). */
function word(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`;
}

/** A valid Lambda function name from a folder name. */
export function functionNameFor(dir: string): string {
  const base = dir.replace(/\/+$/, "").split("/").pop() ?? "";
  const name = base.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  return name || "function";
}

/** The project's `deno.json`. */
export function denoJson(
  template: Template,
  base: string,
  functionName: string,
  iac?: IacName,
  layer = false,
): unknown {
  const tool = (path: string) => `deno run -A ${word(base + path)}`;
  const extra = iac ? iacConfig(iac, base) : { tasks: {}, imports: {} };
  return {
    tasks: {
      invoke: `${tool("emulator/cli.ts")} invoke main.ts events/event.json`,
      serve: [tool("emulator/cli.ts"), "serve", ...template.serveFlags, "main.ts"].join(" "),
      test: "deno test -A",
      build: `${tool("packaging/cli.ts")} main.ts`,
      deploy: [
        tool("tools/deploy.ts"),
        "main.ts",
        "--function-name",
        functionName,
        ...template.deployFlags,
        ...(layer ? ["--layer"] : []),
      ].join(" "),
      ...extra.tasks,
    },
    imports: {
      "gopherless": `${base}mod.ts`,
      "gopherless/emulator": `${base}emulator/mod.ts`,
      "aws-lambda": AWS_LAMBDA_TYPES,
      ...extra.imports,
    },
  };
}

/** The files of a project, by path relative to its folder. */
export function projectFiles(options: NewOptions, cwd = Deno.cwd()): Record<string, string> {
  const template = TEMPLATES[options.template ?? "event"];
  const base = gopherlessBase(options.gopherless, cwd);
  const functionName = options.functionName ?? functionNameFor(options.dir);
  const iac = options.iac;
  const ignores = ["/dist/", ...(iac ? iacIgnores(iac) : [])];
  return {
    "deno.json":
      JSON.stringify(denoJson(template, base, functionName, iac, options.layer), null, 2) +
      "\n",
    "main.ts": template.main,
    "main_test.ts": template.test,
    "events/event.json": JSON.stringify(template.event, null, 2) + "\n",
    ".gitignore": ignores.join("\n") + "\n",
    ...(iac ? iacFiles(iac, { template, functionName, layer: options.layer }) : {}),
  };
}

/** Writes the project; returns the paths written. Throws {@link NewError} on a non-empty folder. */
export async function newProject(options: NewOptions, cwd = Deno.cwd()): Promise<string[]> {
  const dir = options.dir.startsWith("/") ? options.dir : `${cwd}/${options.dir}`;
  try {
    for await (const _ of Deno.readDir(dir)) {
      throw new NewError(`${options.dir} exists and is not empty`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const files = projectFiles(options, cwd);
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, content);
    written.push(path);
  }
  return written;
}

/** The flags of `deno task new`. */
const FLAGS = {
  template: "string",
  gopherless: "string",
  "function-name": "string",
  iac: "string",
  layer: "boolean",
} as const satisfies FlagTable;

/** Parses the command line. */
export function parseArgs(args: string[]): NewOptions | { help: true } {
  const { flags: f, positional, help } = parseCommandLine(args, FLAGS);
  if (help) return { help: true };
  const o: Partial<NewOptions> = {};
  if (f.template !== undefined) o.template = oneOf("--template", f.template, TEMPLATE_NAMES);
  if (f.gopherless !== undefined) o.gopherless = f.gopherless;
  if (f.iac !== undefined) o.iac = oneOf("--iac", f.iac, IAC_NAMES);
  if (f.layer) o.layer = true;
  const name = f["function-name"];
  if (name !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new UsageError(`--function-name: 1 to 64 letters, digits, - or _, not ${name}`);
    }
    o.functionName = name;
  }
  if (positional.length !== 1) throw new UsageError("give one folder to write the project in");
  return { ...o, dir: positional[0] };
}

/** Runs the command line; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let options: NewOptions | { help: true };
  try {
    options = parseArgs(args);
  } catch (e) {
    return usageFailure(e, USAGE);
  }
  if ("help" in options) {
    console.log(USAGE);
    return 0;
  }
  // `deno task new` runs in the library's folder; INIT_CWD is where it was typed.
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  try {
    const written = await newProject(options, cwd);
    for (const path of written) console.log(`wrote ${path}`);
    const dir = written[0].slice(0, written[0].lastIndexOf("/"));
    const deploy = options.iac === "sam"
      ? "sam build && sam deploy --guided"
      : options.iac === "cdk"
      ? "deno task cdk bootstrap && deno task cdk deploy"
      : "deno task deploy";
    console.log(
      `\nnext:\n  cd ${word(dir)}\n  deno task test\n  deno task invoke\n  ${deploy}`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof NewError)) throw e;
    console.error(`error: ${e.message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
