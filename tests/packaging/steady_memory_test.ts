/**
 * The packaged echo function, as shipped at 128 MB (the launcher's own V8 flags, no
 * `DENO_V8_FLAGS` of the user's), must not keep memory from one invoke to the next: its resident
 * memory is read from `/proc` every 1,000 of 16,000 invokes of a 1 KB event, one after another,
 * and its anonymous part must not grow after a warm-up. Run on each protocol by Go's hosts: the
 * Runtime API stand-in (`tests/go/cmd/runtimeapihost`, Go's net/http) and the go1.x host
 * (`tests/go/cmd/go1xhost`, Go's net/rpc), which check every response byte for byte.
 *
 * A leak of a few hundred bytes an invoke is invisible to every other test and to a short
 * benchmark: `ByteReader.readInto` binding its source's `readInto` once per invoke kept ~290
 * bytes an invoke (+0.28 MiB every 1,000 invokes, 3.9 MiB between the 2,000th and the 16,000th
 * on the Runtime API), and only a 30,000-invoke benchmark found it (BENCHMARKS.md, "a leak found
 * and fixed"). Without a leak the same window moved by at most 0.04 MiB (seven runs of each
 * protocol, load average 1 to 10): the bound is 0.5 MiB, over ten times that and a fifth of what
 * a leak of 200 bytes an invoke would add (2.7 MiB). A run takes 5 to 10 s a protocol on a quiet
 * machine, 45 s at a load average of 10 on two cores.
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildGo, goTest } from "../_support/go.ts";
import { echoPackageOnce } from "./_helpers.ts";

/** Invokes in a run, one after another. */
const INVOKES = 16_000;
/** Memory is read every this many invokes. */
const SAMPLE_EVERY = 1_000;
/**
 * Invokes before the reading growth is measured from: the first ones compile the hot paths
 * and grow the heaps to their working size.
 */
const WARMUP = 2_000;
/** The most anonymous resident memory may grow between the warm-up and the last invoke, KiB. */
const BOUND_KB = 512;

/** One reading of the function's memory, as the Go hosts report it (`internal/procmem`), KiB. */
interface Sample {
  invokes: number;
  rssKb: number;
  anonKb: number;
  fileKb: number;
}

/** The packaged echo function, built once for both protocols, unzipped into `<dir>/var/task`. */
const echo = echoPackageOnce("gopherless-steady-");

/** `INVOKES` invokes of the package by `host`, sequential: the memory samples. */
async function steadyRun(host: "runtimeapihost" | "go1xhost"): Promise<Sample[]> {
  const dir = await echo.get();
  const tmp = await Deno.makeTempDir({ prefix: "gopherless-steady-tmp-" });
  try {
    const scenario = host === "go1xhost" ? ["-scenario", "bench"] : [];
    const out = await new Deno.Command(await buildGo(`cmd/${host}`), {
      args: [
        ...scenario,
        ...["-n", String(INVOKES), "-warmup", "0", "-sample", String(SAMPLE_EVERY)],
        "--",
        `${dir}/var/task/bootstrap`,
      ],
      cwd: `${dir}/var/task`,
      // As shipped: the launcher's flags alone, `/tmp` empty as in a fresh sandbox.
      env: { DENO_DIR: `${tmp}/deno`, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128", DENO_V8_FLAGS: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, stderr);
    const report = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      badResponses?: number;
      samples: Sample[];
    };
    // go1xhost exits non-zero on a response that is not the event; runtimeapihost counts them.
    assert.equal(report.badResponses ?? 0, 0, stderr);
    assert.equal(report.samples.length, INVOKES / SAMPLE_EVERY, "every invoke answered");
    assert.ok(report.samples.every((s) => s.rssKb > 0), "the function ran to the end");
    return report.samples;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/**
 * Asserts that the anonymous part of the resident set (`RssAnon`: the heaps, V8's and the
 * allocator's, where anything kept from an invoke lives) grew by at most `BOUND_KB` from the
 * warm-up to the end. Not the whole `VmRSS`: its other part, the pages of the binary mapped from
 * the page cache, comes and goes with other processes' memory pressure (over the window, +0.18 MiB
 * in one run at a load average of 10, −4.7 MiB in another; the anonymous part unmoved in both).
 */
function assertFlat(samples: Sample[], label: string): void {
  const from = samples.find((s) => s.invokes === WARMUP)!;
  const to = samples.at(-1)!;
  const mib = (kb: number) => (kb / 1024).toFixed(2);
  const grew = to.anonKb - from.anonKb;
  assert.ok(
    grew <= BOUND_KB,
    `${label}: anonymous resident memory grew ${mib(grew)} MiB from invoke ${from.invokes} to ` +
      `${to.invokes} (${(grew * 1024 / (to.invokes - from.invokes)).toFixed(0)} bytes an invoke; ` +
      `bound ${mib(BOUND_KB)} MiB). Every ${SAMPLE_EVERY} invokes, MiB (anonymous, VmRSS): ` +
      samples.map((s) => `${mib(s.anonKb)} ${mib(s.rssKb)}`).join(", "),
  );
  console.log(
    `${label}: anonymous ${mib(from.anonKb)} → ${mib(to.anonKb)} MiB, VmRSS ${mib(from.rssKb)} → ` +
      `${mib(to.rssKb)} MiB from invoke ${from.invokes} to ${to.invokes}`,
  );
}

goTest(
  "resident memory stays flat over 16,000 invokes at 128 MB as shipped (Runtime API)",
  async () => {
    assertFlat(await steadyRun("runtimeapihost"), "Runtime API");
  },
);

goTest("resident memory stays flat over 16,000 invokes at 128 MB as shipped (go1.x)", async () => {
  assertFlat(await steadyRun("go1xhost"), "go1.x");
});

goTest("steady memory: clean up the build", async () => {
  await echo.remove();
});
