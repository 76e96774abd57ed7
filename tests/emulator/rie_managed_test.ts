/**
 * AWS's Runtime Interface Emulator in its Lambda Managed Instances mode as the judge of
 * concurrent environments: the packaged `tests/runtime/fixtures/concurrent.ts` (`deno task build
 * --runtime deno`, unzipped) serves up to 8 invocations at once from two isolates
 * (`GOPHERLESS_WORKER_COUNT=2`), and what each invocation sees stays its own; a throwing, a
 * timing-out and a streaming invocation leave the others alone, with the same error documents as
 * under our emulator; a worker that stops fails only what it was running, the RIE loses none of
 * what it handed out, and the worker is replaced.
 *
 * The RIE (built from its Go module, as `rie_test.ts` builds it) switches to that mode when
 * `AWS_LAMBDA_MAX_CONCURRENCY` is set. The mode runs the function as Lambda does: as user
 * 993/990 and from `/var/task/bootstrap` only (it ignores a bootstrap given on its command line),
 * so the test runs it in a mount namespace of its own (`unshare --mount`, as root) where a
 * temporary directory is mounted on `/var`.
 */

import assert from "node:assert/strict";
import { LocalFunction } from "../../emulator/mod.ts";
import { goTest } from "../_support/go.ts";
import { type RieCommand, withRie } from "../_support/rie.ts";
import { repoPath } from "../runtime/_platform.ts";
import { checkIsolation, type Seen, staggered } from "./_concurrent.ts";

const dec = new TextDecoder();
const TIMEOUT_S = 2;

let packaged: Promise<string> | undefined;
/** The fixture packaged and unzipped at `<root>/var/task`, readable by the sandbox user. */
function packageConcurrent(): Promise<string> {
  packaged ??= (async () => {
    const root = await Deno.makeTempDir({ prefix: "gopherless-rie-mi-" });
    const build = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        repoPath("packaging/cli.ts"),
        repoPath("tests/runtime/fixtures/concurrent.ts"),
        "--runtime",
        "deno",
        "--no-check",
        "--out",
        `${root}/dist`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!build.success) throw new Error(dec.decode(build.stderr));
    await Deno.mkdir(`${root}/var/task`, { recursive: true });
    const u = await new Deno.Command("unzip", {
      args: ["-q", `${root}/dist/x86_64/bootstrap.zip`, "-d", `${root}/var/task`],
    }).output();
    if (!u.success) throw new Error(dec.decode(u.stderr));
    const chmod = await new Deno.Command("chmod", { args: ["-R", "a+rX", root] }).output();
    if (!chmod.success) throw new Error(dec.decode(chmod.stderr));
    return root;
  })();
  return packaged;
}

interface Answer {
  status: number;
  text: string;
}

/** The packaged fixture under the RIE in Managed Instances mode. */
async function underManagedRie(
  fn: (invoke: (event: unknown) => Promise<Answer>, output: () => string) => Promise<void>,
): Promise<void> {
  if (Deno.uid() !== 0) throw new Error("the RIE's Managed Instances mode needs root here");
  const root = await packageConcurrent();
  const pids = new Set<number>();
  const command: RieCommand = (rie, invokeAddress, runtimeApiAddress) => ({
    command: "unshare",
    args: [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      `mount --bind "$0/var" /var && exec "$1" --runtime-interface-emulator-address "$2" ` +
      `--runtime-api-address "$3"`,
      root,
      rie,
      invokeAddress,
      runtimeApiAddress,
    ],
  });
  const env = {
    AWS_LAMBDA_MAX_CONCURRENCY: "8",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "2048",
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(TIMEOUT_S),
    GOPHERLESS_WORKER_COUNT: "2",
    DENO_DIR: `/tmp/gopherless-rie-mi-deno-${crypto.randomUUID()}`,
  };
  try {
    await withRie(command, { env, keepOutput: true }, (url, output) =>
      fn(async (event) => {
        // The mode refuses an invocation while every slot is taken (or a replaced worker's are not
        // polling yet): `400 {"errorType":"Runtime.Unavailable"}`, where Lambda would route it to
        // another environment. Here it is sent again.
        for (let attempt = 0;; attempt++) {
          const res = await fetch(url, { method: "POST", body: JSON.stringify(event) });
          const text = await res.text();
          if (res.status === 400 && text.includes("Runtime.Unavailable") && attempt < 200) {
            await new Promise((r) => setTimeout(r, 25));
            continue;
          }
          const pid = /"pid":(\d+)/.exec(text);
          if (pid) pids.add(Number(pid[1]));
          return { status: res.status, text };
        }
      }, output));
  } finally {
    // The RIE starts the runtime in a process group of its own: it outlives a killed RIE.
    for (const pid of pids) {
      try {
        Deno.kill(-pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
}

function seen(a: Answer): Seen {
  assert.equal(a.status, 200, a.text);
  const s = JSON.parse(a.text) as Seen & { errorType?: string };
  assert.equal(s.errorType, undefined, a.text);
  return s;
}

goTest(
  "RIE managed instances: request ids, deadlines and InvokeStore values never cross",
  async () => {
    await underManagedRie(async (invoke, output) => {
      // The environment's init first (on a loaded machine it can take most of a timeout).
      seen(await invoke({ tag: "warm-up", ms: 1 }));
      // The RIE makes its own request ids: none is given.
      const { sent, answers } = await staggered(8, 40, (event) => invoke(event));
      const results = answers.map(seen);
      checkIsolation(sent.map(({ tag, sentAt }) => ({ tag, sentAt })), results, TIMEOUT_S * 1000);
      // The function's log lines, as the RIE passes them on: one JSON object each (Managed
      // Instances' only log format), with the request id of the invocation that wrote it.
      for (const s of results) {
        const lines = output().split("\n").filter((l) => l.includes(`"handling ${s.tag}"`));
        assert.equal(lines.length, 1, `${s.tag} in:\n${output().slice(-2000)}`);
        const doc = JSON.parse(lines[0]);
        assert.equal(doc.requestId, s.requestId, lines[0]);
        assert.equal(doc.level, "INFO", lines[0]);
        assert.equal(typeof doc.timestamp, "string", lines[0]);
      }
      // Handlers that await leave the worker nothing waiting to begin: it serves them (the
      // main isolate takes its share of busy ones, as managed_instances_test.ts checks).
      const isolates = new Set(results.map((s) => s.isolate));
      assert.ok(isolates.has("gopherless-worker-1"), [...isolates].join());
      for (const i of isolates) assert.ok(i === "main" || i === "gopherless-worker-1", i);
      assert.equal(new Set(results.map((s) => s.pid)).size, 1, "one process");
    });
  },
);

goTest(
  "RIE managed instances: failures beside normal invocations, as our emulator has them",
  async () => {
    const ours = await LocalFunction.start({
      entry: repoPath("tests/runtime/fixtures/concurrent.ts"),
      perEnvironmentMaxConcurrency: 8,
      memoryMb: 2048,
      timeoutMs: TIMEOUT_S * 1000,
      env: { GOPHERLESS_WORKER_COUNT: "2" },
    });
    try {
      const events = [
        { op: "hang", tag: "h", ms: 10_000 },
        { op: "throw", tag: "x" },
        { op: "stream", tag: "s" },
      ];
      const expected = await Promise.all(
        events.map(async (e) => dec.decode((await ours.invoke(e)).payload)),
      );
      await underManagedRie(async (invoke) => {
        const sentAt = Date.now();
        const [hang, thrown, streamed, ...normals] = await Promise.all([
          ...events.map(invoke),
          ...["a", "b", "c", "d", "e"].map((tag) => invoke({ tag, ms: 50 })),
        ]);
        assert.deepEqual(JSON.parse(hang.text), {
          errorType: "Sandbox.Timedout",
          errorMessage: `Task timed out after ${TIMEOUT_S}.00 seconds`,
        });
        assert.equal(hang.text, expected[0]);
        assert.equal(JSON.parse(thrown.text).errorType, "RangeError");
        // The frames differ (a bundle's mapped paths against the sources); the rest is the same.
        const { trace: _t1, ...thrownDoc } = JSON.parse(thrown.text);
        const { trace: _t2, ...expectedDoc } = JSON.parse(expected[1]);
        assert.deepEqual(thrownDoc, expectedDoc);
        assert.equal(streamed.text, "s:0;s:1;s:2;");
        assert.equal(streamed.text, expected[2]);
        // The normal ones beside them saw only their own.
        const results = normals.map(seen);
        checkIsolation(
          ["a", "b", "c", "d", "e"].map((tag) => ({ tag, sentAt })),
          results,
          TIMEOUT_S * 1000,
        );
        const pids = new Set(results.map((n) => n.pid));
        // The timed-out invocation did not end the environment.
        const after = seen(await invoke({ tag: "after" }));
        assert.equal(after.storedTag, "after");
        assert.deepEqual(pids, new Set([after.pid]));
      });
    } finally {
      await ours.close();
    }
  },
);

goTest(
  "RIE managed instances: a worker that dies fails its own invocations and is replaced",
  async () => {
    await underManagedRie(async (invoke) => {
      let crashed: Answer | undefined;
      let rest: Answer[] = [];
      for (let attempt = 0; attempt < 20 && !crashed; attempt++) {
        const [crash, ...others] = await Promise.all([
          invoke({ op: "crash", tag: "c", where: "worker", ms: 40 }),
          ...Array.from({ length: 6 }, (_, i) => invoke({ tag: `n${attempt}-${i}`, ms: 120 })),
        ]);
        if (!crash.text.includes('"skipped":true')) [crashed, rest] = [crash, others];
      }
      assert.ok(crashed, "no crash landed in the worker in 20 tries");
      const doc = JSON.parse(crashed.text);
      assert.equal(doc.errorType, "Runtime.WorkerExited");
      assert.match(doc.errorMessage, /crash requested by c/);
      // The worker's other invocations failed the same way; the main isolate's went on (as did
      // any taken by the replacement).
      for (const r of rest) {
        const d = JSON.parse(r.text);
        if (d.errorType) assert.equal(d.errorType, "Runtime.WorkerExited", r.text);
        else assert.equal(typeof d.isolate, "string");
      }
      const isolates = new Set<string>();
      for (let i = 0; i < 20 && !isolates.has("gopherless-worker-1"); i++) {
        const batch = await Promise.all(
          Array.from({ length: 8 }, (_, j) => invoke({ tag: `r${i}-${j}`, ms: 30 })),
        );
        for (const a of batch) isolates.add(seen(a).isolate);
      }
      assert.ok(isolates.has("gopherless-worker-1"), "the replacement serves");
    });
  },
);

goTest(
  "RIE managed instances: what a stopping worker is handed is served, none lost",
  async () => {
    await underManagedRie(async (invoke) => {
      seen(await invoke({ tag: "warm-up", ms: 1 }));
      // The worker busy, then stopping: what the RIE hands its pending requests meanwhile waits
      // unread, and must be passed to the main isolate and answered, not lost with the worker.
      // (Should the main isolate take the crash, it returns at once and the test tries again.)
      // Five crashes at once (the RIE hands each to a waiting request; each isolate has four, so
      // one at least reaches the worker), three more after them: the environment's eight slots.
      for (let attempt = 0; attempt < 10; attempt++) {
        const crashes = Array.from(
          { length: 5 },
          (_, i) => invoke({ op: "spin-exit", tag: `c${i}`, where: "worker", ms: 700 }),
        );
        await new Promise((r) => setTimeout(r, 150));
        const sentAt = Date.now();
        const tags = Array.from({ length: 3 }, (_, i) => `q${attempt}-${i}`);
        const answers = await Promise.all(tags.map((tag) => invoke({ tag, ms: 20 })));
        checkIsolation(tags.map((tag) => ({ tag, sentAt })), answers.map(seen), TIMEOUT_S * 1000);
        const docs = (await Promise.all(crashes)).map((c) => JSON.parse(c.text));
        const failed = docs.filter((d) => !d.skipped);
        if (failed.length === 0) continue;
        // Only the one the worker ran failed; the others it was handed were served elsewhere.
        assert.equal(failed.length, 1, JSON.stringify(docs));
        assert.equal(failed[0].errorType, "Runtime.WorkerExited");
        assert.match(failed[0].errorMessage, /exit code 3/);
        return;
      }
      assert.fail("the crash never landed in the worker");
    });
  },
);
