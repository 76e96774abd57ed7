/**
 * Measures what bundling the handler changes (`deno run -A benchmarks/bundle_measure.ts [entry] [runs]`):
 *
 * - the source a binary embeds: the module graph as is vs the `deno bundle` output (plain, minified);
 * - the payload `deno compile` appends to its `denort`, measured with a stand-in `denort`
 *   (`DENORT_BIN=/bin/true`: the output minus the stand-in is exactly what the build adds);
 * - start-up, spawn → first `GET /next` under the emulator's Runtime API platform, of `deno run`
 *   on the module graph vs on the bundle, with a cold `DENO_DIR` (a fresh one per start, as on Lambda, where
 *   only `/tmp` is writable) and a warm one.
 *
 * The start-up of a compiled binary itself cannot be measured where no `denort` is available.
 *
 * @module
 */

import { RuntimeApiPlatform } from "../emulator/runtime_api_platform.ts";
import { bundle } from "../packaging/bundle.ts";

const entry = Deno.args[0]
  ? (Deno.args[0].startsWith("/") ? Deno.args[0] : `${Deno.cwd()}/${Deno.args[0]}`)
  : new URL("../examples/hello.ts", import.meta.url).pathname;
const runs = Number(Deno.args[1] ?? 9);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function graphBytes(path: string): Promise<{ modules: number; bytes: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", path],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string; size?: number }[];
  };
  const local = info.modules.filter((m) => m.specifier.startsWith("file:"));
  return { modules: local.length, bytes: local.reduce((n, m) => n + (m.size ?? 0), 0) };
}

async function compiledPayload(input: string, config: string[]): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["compile", "-A", "--no-check", ...config, "--output", `${dir}/bin`, input],
      env: { DENORT_BIN: "/bin/true" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return (await Deno.stat(`${dir}/bin`)).size - (await Deno.stat("/bin/true")).size;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Spawns `bootstrap` under a fresh Runtime API platform, hands it one event and returns the
 * milliseconds from the spawn to its first `GET /next` (the end of its init).
 */
async function startupOnce(bootstrap: string, cwd: string, env: Record<string, string>) {
  const platform = RuntimeApiPlatform.start();
  const t0 = performance.now();
  const child = new Deno.Command(bootstrap, {
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      AWS_LAMBDA_RUNTIME_API: platform.address,
      AWS_LAMBDA_FUNCTION_NAME: "bench",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      AWS_REGION: "us-east-1",
      LAMBDA_TASK_ROOT: cwd,
      ...env,
    },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  try {
    const ready = await Promise.race([platform.ready.then(() => true), output.then(() => false)]);
    const ms = performance.now() - t0;
    if (!ready) throw new Error(new TextDecoder().decode((await output).stderr));
    const inv = platform.enqueue({
      payload: new TextEncoder().encode('{"name":"x"}'),
      timeoutMs: 30_000,
      functionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
    });
    const answer = await inv.answer;
    if (answer.kind !== "response") {
      throw new Error(`the function failed: ${answer.error.errorType}`);
    }
    await answer.body.cancel();
    return ms;
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await output;
    await platform.close();
  }
}

async function startup(target: string, cold: boolean): Promise<number[]> {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/bootstrap`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh\nexec ${Deno.execPath()} run -A --no-lock ${
      target.endsWith(".js") ? "--no-config" : ""
    } ${target}\n`,
  );
  await Deno.chmod(script, 0o755);
  const times: number[] = [];
  const warm = `${dir}/denodir`;
  try {
    for (let i = 0; i < runs + 1; i++) {
      const denoDir = cold ? `${dir}/cold-${i}` : warm;
      const ms = await startupOnce(script, dir, { DENO_DIR: denoDir, HOME: dir });
      if (i > 0 || cold) times.push(ms);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return times;
}

const tmp = await Deno.makeTempDir();
try {
  const plain = await bundle(entry, { minify: false });
  const min = await bundle(entry, { minify: true });
  await Deno.writeFile(`${tmp}/handler.js`, min.code);
  const graph = await graphBytes(entry);
  const root = new URL("../deno.json", import.meta.url).pathname;
  console.log(`entry ${entry}`);
  console.log(`source: module graph ${graph.modules} modules ${graph.bytes} B`);
  console.log(`source: bundle ${plain.code.length} B, minified bundle ${min.code.length} B`);
  console.log(
    `deno compile payload: unbundled ${await compiledPayload(entry, [
      "--config",
      root,
    ])} B, bundled ${await compiledPayload(`${tmp}/handler.js`, ["--no-config"])} B`,
  );
  for (const cold of [true, false]) {
    const a = await startup(entry, cold);
    const b = await startup(`${tmp}/handler.js`, cold);
    console.log(
      `start-up (${cold ? "cold" : "warm"} DENO_DIR, median of ${runs}): ` +
        `unbundled ${median(a).toFixed(1)} ms, bundled ${median(b).toFixed(1)} ms`,
    );
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}
