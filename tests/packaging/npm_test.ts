/**
 * The npm package: built with TypeScript's compiler into a temporary directory, checked for its
 * shape, then run under Node (`node --test` on `tests/packaging/node/*.spec.mjs`, copied into the
 * package so they import it by its own name): gob, rpc against Go's Arith server and over
 * loopback, and a Lambda function written for Node under the Go fake platform (and under the
 * emulator in both protocols, once the emulator is in the tree).
 */
import assert from "node:assert/strict";
import {
  buildNpm,
  ENTRY_POINTS,
  rewriteImports,
  transform,
  usesDeno,
} from "../../packaging/npm/build.ts";
import { buildGo, hasGo, inCI } from "../_support/go.ts";
import { repoPath } from "./_helpers.ts";
import { toolTest } from "../_support/tools.ts";
import { LocalFunction } from "../../emulator/mod.ts";

Deno.test("npm build: import rewriting and the Deno shim, file by file", () => {
  assert.equal(
    rewriteImports(
      `import { a } from "./a.ts";\nexport * from '../b/c.ts';\nawait import("./d.ts");\nimport "./e.ts";\nimport x from "node:fs";\nimport y from "npm:z.ts";`,
    ),
    `import { a } from "./a.js";\nexport * from '../b/c.js';\nawait import("./d.js");\nimport "./e.js";\nimport x from "node:fs";\nimport y from "npm:z.ts";`,
  );
  assert.equal(usesDeno("/** uses Deno.env */\n// Deno.exit\nconst x = 1;"), false);
  assert.equal(usesDeno("const v = Deno.env.get('X');"), true);
  const t = transform(
    "runtime/start.ts",
    `/**\n * Doc.\n * @module\n */\n\nimport { x } from "./x.ts";\nglobalThis.addEventListener("error", f);\nDeno.exit(1);\n`,
  );
  assert.ok(t.shimmed);
  assert.equal(
    t.code,
    `/**\n * Doc.\n * @module\n */\nimport { Deno, addGlobalEventListener } from "../_shim/deno.js";\n\nimport { x } from "./x.js";\naddGlobalEventListener("error", f);\nDeno.exit(1);\n`,
  );
  assert.equal(
    transform("mod.ts", "Deno.cwd()").code.split("\n")[0],
    `import { Deno } from "./_shim/deno.js";`,
  );
});

toolTest(["node", "npm"], {
  name: "npm build: the package builds and passes node --test",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "gopherless-npm-test-" });
    try {
      const out = `${dir}/npm`;
      const result = await buildNpm({ out, log: () => {} });

      await t.step("shape: package.json exports, JS and types, no .ts specifiers", async () => {
        const pkg = JSON.parse(await Deno.readTextFile(`${out}/package.json`));
        assert.equal(pkg.type, "module");
        assert.deepEqual(Object.keys(pkg.exports), Object.keys(ENTRY_POINTS));
        for (const sub of Object.values(pkg.exports) as { types: string; import: string }[]) {
          assert.ok(Deno.statSync(`${out}/${sub.import}`).isFile, sub.import);
          assert.ok(Deno.statSync(`${out}/${sub.types}`).isFile, sub.types);
        }
        assert.ok(result.modules.includes("ground/transport.ts"));
        const transport = await Deno.readTextFile(`${out}/esm/ground/transport.js`);
        assert.match(transport, /from "node:net"/);
        assert.doesNotMatch(transport, /Deno\.(listen|connect)/);
        for (const rel of result.modules) {
          const js = await Deno.readTextFile(`${out}/esm/${rel.replace(/\.ts$/, ".js")}`);
          assert.doesNotMatch(js, /(from|import)\s*\(?\s*["']\.{1,2}\/[^"']*\.ts["']/, rel);
        }
      });

      await t.step(
        "the build run from the package takes its esm/ modules as the runtime's",
        async () => {
          // A Node project's handler imports the package's compiled `esm/`, while the build runs
          // from its `deno/`: the runtime's modules must still be known as such (the source map's
          // ignoreList, the chunks the start-up cache takes eagerly).
          const { bundle } = await import(
            `file://${out}/deno/packaging/bundle.ts`
          ) as typeof import("../../packaging/bundle.ts");
          const entry = `${dir}/entry.mjs`;
          await Deno.writeTextFile(
            entry,
            `import { start } from "${out}/esm/mod.js";\nstart((event) => event);\n`,
          );
          const b = await bundle(entry, { split: true });
          const map = JSON.parse(new TextDecoder().decode(b.map));
          const runtime = map.sources.filter((s: string) =>
            /(^|\/)esm\/(gob|rpc|runtime|http|ground|protocol)\//.test(s)
          );
          assert.ok(runtime.length > 0, map.sources.join("\n"));
          for (const s of runtime) {
            assert.ok(map.ignoreList.includes(map.sources.indexOf(s)), `not the runtime's: ${s}`);
          }
          const go1x = b.chunks.find((c) => c.name.startsWith("go1x-"));
          assert.ok(go1x?.runtimeOnly, "the go1.x chunk is the runtime's alone");
        },
      );

      await t.step("node --test", async () => {
        await Deno.mkdir(`${out}/test/fixtures`, { recursive: true });
        const tests: string[] = [];
        for (const e of Deno.readDirSync(repoPath("tests/packaging/node"))) {
          if (!e.isFile) continue;
          await Deno.copyFile(repoPath(`tests/packaging/node/${e.name}`), `${out}/test/${e.name}`);
          if (e.name.endsWith(".spec.mjs")) tests.push(`test/${e.name}`);
        }
        await Deno.copyFile(
          repoPath("tests/packaging/node/fixtures/fn.mjs"),
          `${out}/test/fixtures/fn.mjs`,
        );
        const env: Record<string, string> = {};
        if (hasGo) {
          env.GOPHERLESS_RPCSERVER = await buildGo("cmd/rpcserver");
          env.GOPHERLESS_FAKEPLATFORM = await buildGo("cmd/fakeplatform");
        } else if (inCI) throw new Error("CI is set but `go` is not on PATH");
        const run = await new Deno.Command("node", {
          args: ["--test", ...tests.sort()],
          cwd: out,
          env,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
        assert.ok(run.success, `node --test failed:\n${text}`);
        assert.match(text, /# fail 0/);
        if (hasGo) assert.match(text, /# skipped 0/);
      });

      await t.step({
        name: "a Node function under the emulator, both protocols",
        fn: async () => {
          for (const protocol of ["runtime-api", "go1x"] as const) {
            const fn = await LocalFunction.start({
              cmd: ["node", `${out}/test/fixtures/fn.mjs`],
              cwd: out,
              protocol,
            });
            try {
              const ok = await fn.invoke({ name: "Ada" });
              assert.ok(ok.ok, protocol);
              assert.equal(JSON.parse(new TextDecoder().decode(ok.payload)).message, "Hello, Ada!");
              const bad = await fn.invoke({ op: "fail", name: "x" });
              assert.equal(bad.ok, false);
              assert.equal(bad.error?.errorType, "ValidationError", protocol);
            } finally {
              await fn.close();
            }
          }
        },
      });

      await t.step({
        name: "./cdk: a Node CDK app synthesizes a GopherlessFunction whose asset runs",
        fn: async () => {
          const pkg = JSON.parse(await Deno.readTextFile(`${out}/package.json`));
          // Installing the library alone installs none of the CDK.
          for (const peer of ["aws-cdk-lib", "constructs", "deno"]) {
            assert.equal(pkg.peerDependenciesMeta[peer]?.optional, true, peer);
            assert.equal(pkg.dependencies[peer], undefined, peer);
          }
          const app = `${dir}/node-cdk-app`;
          await Deno.mkdir(app);
          const sh = async (cmd: string, args: string[]) => {
            const r = await new Deno.Command(cmd, {
              args,
              cwd: app,
              stdout: "piped",
              stderr: "piped",
            }).output();
            const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
            assert.ok(r.success, `${cmd} ${args.join(" ")} failed:\n${text}`);
            return text;
          };
          const tgz = (await sh("npm", ["pack", out, "--silent", "--pack-destination", app]))
            .trim().split("\n").pop()!;
          await Deno.writeTextFile(
            `${app}/package.json`,
            '{"name":"node-cdk-app","private":true,"type":"module"}\n',
          );
          await sh("npm", [
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            `./${tgz}`,
            "aws-cdk-lib@2.278.0",
            "constructs@10.8.1",
            `deno@${Deno.version.deno}`,
          ]);
          await Deno.writeTextFile(
            `${app}/main.ts`,
            `import { start } from "@gopherless/gopherless";\n` +
              `export function handler(e: { name: string }) {\n` +
              `  return { message: \`\${process.env.GREETING}, \${e.name}!\` };\n}\n` +
              `if (import.meta.main) start(handler);\n`,
          );
          await Deno.writeTextFile(
            `${app}/app.mjs`,
            `import { App, Stack } from "aws-cdk-lib";\n` +
              `import { GopherlessFunction } from "@gopherless/gopherless/cdk";\n` +
              `const app = new App({ outdir: "cdk.out" });\n` +
              `const stack = new Stack(app, "NodeApp");\n` +
              `new GopherlessFunction(stack, "Fn", { entry: "main.ts", memorySize: 256, ` +
              `environment: { GREETING: "Hej" } });\n` +
              `app.synth();\n`,
          );
          // No Deno on PATH (only node and npm): the construct runs the `deno` npm package's.
          const bin = `${dir}/bin`;
          await Deno.mkdir(bin);
          for (const tool of ["node", "npm"]) {
            const where = (await sh("sh", ["-c", `command -v ${tool}`])).trim();
            await Deno.symlink(await Deno.realPath(where), `${bin}/${tool}`);
          }
          const synth = await new Deno.Command("node", {
            args: ["app.mjs"],
            cwd: app,
            env: { PATH: bin },
            stdout: "piped",
            stderr: "piped",
          }).output();
          const said = new TextDecoder().decode(synth.stderr);
          assert.ok(synth.success, `node app.mjs failed:\n${said}`);
          assert.match(said, /check .*main\.ts/);
          const template = JSON.parse(
            await Deno.readTextFile(`${app}/cdk.out/NodeApp.template.json`),
          );
          const fn = Object.values(
            template.Resources as Record<
              string,
              { Type: string; Properties: Record<string, unknown> }
            >,
          ).find((r) => r.Type === "AWS::Lambda::Function")!;
          assert.equal(fn.Properties.Runtime, "provided.al2023");
          assert.equal(fn.Properties.Handler, "bootstrap");
          const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, "");
          const task = `${app}/task`;
          await sh("unzip", ["-q", `${app}/cdk.out/asset.${key}/bootstrap.zip`, "-d", task]);
          const f = await LocalFunction.start({
            bootstrap: `${task}/bootstrap`,
            cwd: task,
            protocol: "runtime-api",
            memoryMb: 256,
            env: { GREETING: "Hej", DENO_DIR: `${app}/deno-dir` },
          });
          try {
            const r = await f.invoke({ name: "Node" });
            assert.deepEqual(JSON.parse(new TextDecoder().decode(r.payload)), {
              message: "Hej, Node!",
            });
          } finally {
            await f.close();
          }
        },
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
