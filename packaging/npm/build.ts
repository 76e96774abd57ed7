/**
 * `deno task npm [--out npm]`: the npm package of the library, built with TypeScript's own
 * compiler (`typescript` from npm, pinned; dnt is JSR-only), as ES modules with `.d.ts` types:
 *
 * ```
 * npm/package.json     exports ".", "./gob", "./rpc", "./runtime", "./runtime/api", "./http",
 *                      "./cdk"
 * npm/esm/**.js, .d.ts
 * npm/deno/**.ts       the build's sources, which `./cdk` runs with Deno at synth time
 * npm/README.md
 * ```
 *
 * `./cdk` (`GopherlessFunction`) imports `aws-cdk-lib` and `constructs`: they are optional peer
 * dependencies ({@link CDK_PEERS}), so installing the library alone installs neither.
 *
 * How the sources become Node-ready, file by file (only the modules the entry points import):
 * - relative imports ending in `.ts` end in `.js`;
 * - `ground/transport.ts`, the one module on Deno's network API, is replaced by
 *   `packaging/npm/transport_node.ts` (the same `Transport` contract, over `node:net`), its
 *   relative imports rebased to the module it stands for ({@link SUBSTITUTES});
 * - a module using the `Deno` namespace gets `import { Deno } from "<…>/_shim/deno.js"`
 *   (`packaging/npm/deno_shim.ts`: the real `Deno` under Deno, `process`/`node:fs`/`node:net` under
 *   Node), and `globalThis.addEventListener(…)` becomes the shim's `addGlobalEventListener(…)`.
 *   The compiler then proves the shim covers everything used: anything missing fails the build.
 *
 * The compiler and the type packages are installed once per version set into a directory under
 * the system's temporary directory, and reused.
 *
 * @module
 */

import { parseCommandLine, UsageError, usageFailure } from "../../ground/command_line.ts";

/** The TypeScript version the package is compiled with. */
export const TYPESCRIPT_VERSION = "5.9.3";
/** The Node types compiled against (Node 20 is the oldest Node the package supports). */
export const NODE_TYPES_VERSION = "20.19.43";

/** The package's entry points: subpath → module. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  ".": "mod.ts",
  "./gob": "gob/mod.ts",
  "./rpc": "rpc/mod.ts",
  "./runtime": "runtime/mod.ts",
  "./runtime/api": "runtime/runtime_api.ts",
  "./http": "http/mod.ts",
  "./cdk": "cdk/mod.ts",
};

/**
 * The build's command line, shipped as TypeScript under `deno/` with the modules it imports:
 * `GopherlessFunction` (`./cdk`) runs it with Deno at synth time (`cdk/build_cli.ts`).
 */
export const DENO_SOURCES_ENTRY = "packaging/cli.ts";

/**
 * The CDK's packages: compiled against (pinned to the versions the tests use), and peer
 * dependencies of the package, optional so that a user of the library who does not use the CDK
 * installs nothing more; the `deno` package is the Deno the construct builds with under Node.
 */
export const CDK_PEERS = {
  "aws-cdk-lib": { compileWith: "2.278.0", range: "^2.105.0" },
  "constructs": { compileWith: "10.8.1", range: "^10.0.0" },
  "deno": { compileWith: undefined, range: ">=2.9.6" },
} as const;

/** Options of {@link buildNpm}. */
export interface NpmBuildOptions {
  /** The output directory (default `npm` under the repository root). */
  out?: string;
  /** Where progress lines go (default stderr). */
  log?: (line: string) => void;
}

/** What {@link buildNpm} wrote. */
export interface NpmBuildResult {
  /** The output directory. */
  out: string;
  /** The source modules compiled (repository-relative). */
  modules: string[];
  /** The modules that received the `Deno` shim. */
  shimmed: string[];
}

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const HERE = new URL("./", import.meta.url).pathname;

/** Source modules the npm build replaces: module → its Node version (in this directory). */
export const SUBSTITUTES: Readonly<Record<string, string>> = {
  "ground/transport.ts": "transport_node.ts",
  "cdk/build_cli.ts": "cdk_build_cli.ts",
};

/**
 * Rewrites the relative import specifiers of a module written at `fromFile` so that they still
 * name the same files once the module is placed at `toFile` (both absolute paths).
 */
export function rebaseImports(source: string, fromFile: string, toFile: string): string {
  const dir = (f: string) => f.slice(0, f.lastIndexOf("/") + 1);
  const to = dir(toFile).split("/").filter((p) => p !== "");
  return source.replace(
    /((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.\.?\/[^"'\n]*?)\2/g,
    (_m, head: string, q: string, spec: string) => {
      const target = new URL(spec, `file://${dir(fromFile)}`).pathname.split("/")
        .filter((p) => p !== "");
      let common = 0;
      while (common < to.length && common < target.length - 1 && to[common] === target[common]) {
        common++;
      }
      const up = to.length - common;
      const rel = (up === 0 ? "./" : "../".repeat(up)) + target.slice(common).join("/");
      return `${head}${q}${rel}${q}`;
    },
  );
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** The local modules `entries` import, transitively, as repository-relative paths. */
export async function moduleGraph(entries: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const e of entries) {
    const info = JSON.parse(
      await run(Deno.execPath(), ["info", "--json", `${ROOT}/${e}`], ROOT),
    ) as { modules: { specifier: string }[] };
    for (const m of info.modules) {
      if (!m.specifier.startsWith("file://")) continue;
      const path = decodeURIComponent(new URL(m.specifier).pathname);
      if (path.startsWith(ROOT + "/")) found.add(path.slice(ROOT.length + 1));
    }
  }
  return [...found].sort();
}

/**
 * Rewrites relative `.ts` import specifiers to `.js`, and a pinned type package
 * (`npm:@types/aws-lambda@8.10.164`) to the bare name Node's resolution finds it by
 * (`aws-lambda`; the version is pinned by the package's dependencies).
 */
export function rewriteImports(source: string): string {
  return source.replace(
    /((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.\.?\/[^"'\n]*?)\.ts\2/g,
    (_m, head: string, q: string, path: string) => `${head}${q}${path}.js${q}`,
  ).replace(
    /(\bfrom\s*)(["'])npm:@types\/([a-z0-9._-]+)@[^"'\s]+\2/g,
    (_m, head: string, q: string, name: string) => `${head}${q}${name}${q}`,
  );
}

/** Whether `source` uses the `Deno` namespace in code (not only in comments). */
export function usesDeno(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return /(^|[^.\w$])Deno\./m.test(code) || /\btypeof Deno\b/.test(code);
}

/** Adds `line` after the module's leading doc comment (or at the top). */
function addImport(source: string, line: string): string {
  const m = /^\s*\/\*\*[\s\S]*?\*\/\n/.exec(source);
  const at = m ? m[0].length : 0;
  return source.slice(0, at) + line + "\n" + source.slice(at);
}

/** Transforms one module for the npm build (see the module docs). */
export function transform(rel: string, source: string): { code: string; shimmed: boolean } {
  let code = rewriteImports(source);
  const depth = rel.split("/").length - 1;
  const shimPath = `${depth === 0 ? "./" : "../".repeat(depth)}_shim/deno.js`;
  const names: string[] = [];
  if (usesDeno(code)) names.push("Deno");
  if (/\bglobalThis\.addEventListener\(/.test(code)) {
    code = code.replace(/\bglobalThis\.addEventListener\(/g, "addGlobalEventListener(");
    names.push("addGlobalEventListener");
  }
  if (names.length > 0) {
    code = addImport(code, `import { ${names.join(", ")} } from "${shimPath}";`);
  }
  return { code, shimmed: names.length > 0 };
}

/** Installs (once) the compiler and type packages; returns their `node_modules`. */
async function tools(log: (line: string) => void): Promise<string> {
  const cfg = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as {
    imports?: Record<string, string>;
  };
  const awsTypes = cfg.imports?.["aws-lambda"]?.replace(/^npm:/, "") ?? "@types/aws-lambda";
  const specs = [
    `typescript@${TYPESCRIPT_VERSION}`,
    `@types/node@${NODE_TYPES_VERSION}`,
    awsTypes,
    ...Object.entries(CDK_PEERS).flatMap(([name, p]) =>
      p.compileWith ? [`${name}@${p.compileWith}`] : []
    ),
  ];
  const key = specs.join("+").replace(/[^\w.+-]/g, "_");
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  const dir = `${tmp}/gopherless-npm-tools/${key}`;
  try {
    await Deno.stat(`${dir}/node_modules/typescript/bin/tsc`);
    return `${dir}/node_modules`;
  } catch {
    // install below
  }
  log(`npm install ${specs.join(" ")} (once, into ${dir})`);
  const staging = `${dir}.tmp-${crypto.randomUUID()}`;
  await Deno.mkdir(staging, { recursive: true });
  await Deno.writeTextFile(`${staging}/package.json`, '{"private":true}\n');
  await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--no-package-lock",
    "--loglevel=error",
    ...specs,
  ], staging);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.rename(staging, dir);
  return `${dir}/node_modules`;
}

/** Builds the npm package (see the module docs). */
export async function buildNpm(options: NpmBuildOptions = {}): Promise<NpmBuildResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const out = options.out
    ? (options.out.startsWith("/") ? options.out : `${Deno.cwd()}/${options.out}`)
    : `${ROOT}/npm`;
  const nodeModules = await tools(log);
  const modules = await moduleGraph(Object.values(ENTRY_POINTS));
  const stage = await Deno.makeTempDir({ prefix: "gopherless-npm-" });
  try {
    const shimmed = await stageSources(stage, modules);
    await Deno.symlink(nodeModules, `${stage}/node_modules`);
    await Deno.writeTextFile(`${stage}/package.json`, '{"type":"module"}\n');
    await Deno.remove(out, { recursive: true }).catch(() => {});
    await Deno.writeTextFile(`${stage}/tsconfig.json`, tsconfig(`${out}/esm`));
    log(`tsc ${modules.length} modules (typescript ${TYPESCRIPT_VERSION})`);
    await run("node", [`${nodeModules}/typescript/bin/tsc`, "-p", `${stage}/tsconfig.json`], stage);
    await Deno.writeTextFile(`${out}/package.json`, await packageJson());
    const denoSources = await moduleGraph([DENO_SOURCES_ENTRY]);
    for (const rel of denoSources) {
      const dest = `${out}/deno/${rel}`;
      await Deno.mkdir(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
      await Deno.copyFile(`${ROOT}/${rel}`, dest);
    }
    try {
      await Deno.copyFile(`${ROOT}/README.md`, `${out}/README.md`);
    } catch {
      // no README
    }
    log(`wrote ${out} (${modules.length} modules; Deno shim in ${shimmed.join(", ") || "none"})`);
    return { out, modules, shimmed };
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}

/**
 * Writes the Node-ready sources of `modules` (and the Deno shim) under `<stage>/src`; returns the
 * modules that needed the shim.
 */
async function stageSources(stage: string, modules: string[]): Promise<string[]> {
  const shimmed: string[] = [];
  for (const rel of modules) {
    const substitute = SUBSTITUTES[rel];
    const source = substitute === undefined
      ? await Deno.readTextFile(`${ROOT}/${rel}`)
      : rebaseImports(
        await Deno.readTextFile(`${HERE}${substitute}`),
        `${HERE}${substitute}`,
        `${ROOT}/${rel}`,
      );
    const t = transform(rel, source);
    if (t.shimmed) shimmed.push(rel);
    const dest = `${stage}/src/${rel}`;
    await Deno.mkdir(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(dest, t.code);
  }
  await Deno.mkdir(`${stage}/src/_shim`, { recursive: true });
  await Deno.writeTextFile(
    `${stage}/src/_shim/deno.ts`,
    rewriteImports(await Deno.readTextFile(`${HERE}deno_shim.ts`)),
  );
  return shimmed;
}

/** TypeScript's configuration: ES modules for Node.js with declarations, into `outDir`. */
function tsconfig(outDir: string): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023", "DOM", "DOM.Iterable"],
        types: ["node"],
        strict: true,
        declaration: true,
        rootDir: "src",
        outDir,
        skipLibCheck: true,
        noEmitOnError: true,
        newLine: "lf",
        removeComments: false,
      },
      include: ["src"],
    },
    null,
    2,
  );
}

/** The package's `package.json`: name and version from `deno.json`, one export per entry point. */
async function packageJson(): Promise<string> {
  const cfg = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as {
    name: string;
    version: string;
    imports?: Record<string, string>;
  };
  const awsTypes = cfg.imports?.["aws-lambda"]?.match(/^npm:(@types\/aws-lambda)@(.+)$/);
  const exports: Record<string, { types: string; import: string }> = {};
  for (const [sub, mod] of Object.entries(ENTRY_POINTS)) {
    const js = `./esm/${mod.replace(/\.ts$/, ".js")}`;
    exports[sub] = { types: js.replace(/\.js$/, ".d.ts"), import: js };
  }
  const pkg = {
    name: cfg.name,
    version: cfg.version,
    description:
      "Go's gob and net/rpc for TypeScript, and a Lambda runtime that speaks what Go functions speak",
    keywords: ["gob", "net/rpc", "aws-lambda", "lambda", "go"],
    type: "module",
    main: exports["."].import,
    types: exports["."].types,
    exports,
    files: ["esm/", "deno/", "README.md"],
    engines: { node: ">=20.16" },
    dependencies: awsTypes ? { [awsTypes[1]]: awsTypes[2] } : {},
    peerDependencies: Object.fromEntries(
      Object.entries(CDK_PEERS).map(([name, p]) => [name, p.range]),
    ),
    peerDependenciesMeta: Object.fromEntries(
      Object.keys(CDK_PEERS).map((name) => [name, { optional: true }]),
    ),
  };
  return JSON.stringify(pkg, null, 2) + "\n";
}

const USAGE = `usage: deno task npm [--out DIR]

  --out DIR    where to write the package (default npm/)
  -h, --help   this text`;

if (import.meta.main) {
  let out: string | undefined;
  try {
    const { flags, positional, help } = parseCommandLine(Deno.args, { out: "string" });
    if (help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    if (positional.length > 0) {
      throw new UsageError(`unexpected arguments: ${positional.join(" ")}`);
    }
    out = flags.out;
  } catch (e) {
    Deno.exit(usageFailure(e, USAGE));
  }
  try {
    await buildNpm({ out });
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
