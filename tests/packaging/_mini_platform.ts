/**
 * A minimal Lambda platform for the packaging tests: serves the Runtime API on 127.0.0.1, starts
 * a function's `bootstrap` as Lambda does (in its task directory, with `AWS_LAMBDA_RUNTIME_API`
 * and the usual variables, nothing inherited but `PATH`), hands out events, collects the answers,
 * and measures the start-up (spawn → first `GET /next`).
 *
 * @module
 */

/** An event to hand out. */
export interface Event {
  /** The request id. */
  id: string;
  /** The payload. */
  body: string;
}

/** What the function answered to one event. */
export interface Answer {
  /** `response` or `error`. */
  kind: "response" | "error";
  /** The posted body. */
  body: string;
  /** `Lambda-Runtime-Function-Error-Type`, for errors. */
  errorType?: string;
}

/** What happened. */
export interface Run {
  /** Answers by request id. */
  answers: Map<string, Answer>;
  /** Milliseconds from spawning the bootstrap to its first `GET /next`. */
  startupMs: number;
  /** Milliseconds from spawning to the last answer. */
  totalMs: number;
  /** Init errors posted. */
  initErrors: string[];
  /** The function's output. */
  stdout: string;
  /** The function's error output. */
  stderr: string;
}

/** Runs `bootstrap` (a path) in `cwd` under the platform and hands it `events`. */
export async function runBootstrap(
  bootstrap: string,
  cwd: string,
  events: Event[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Run> {
  const queue = [...events];
  const answers = new Map<string, Answer>();
  const initErrors: string[] = [];
  let firstNext = -1;
  let lastAnswer = -1;
  let done!: () => void;
  const allAnswered = new Promise<void>((r) => (done = r));
  const waiting: (() => void)[] = [];
  const ac = new AbortController();
  const base = "/2018-06-01/runtime/";

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (req.method === "GET" && path === base + "invocation/next") {
        if (firstNext < 0) firstNext = performance.now();
        const ev = queue.shift();
        if (!ev) {
          // no more events: hold the request until the platform stops
          await new Promise<void>((r) => waiting.push(r));
          return new Response("platform stopping", { status: 500 });
        }
        return new Response(ev.body, {
          headers: {
            "Lambda-Runtime-Aws-Request-Id": ev.id,
            "Lambda-Runtime-Deadline-Ms": String(Date.now() + 30_000),
            "Lambda-Runtime-Invoked-Function-Arn":
              "arn:aws:lambda:us-east-1:123456789012:function:test",
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            "Content-Type": "application/json",
          },
        });
      }
      const m = path.match(/^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/);
      if (req.method === "POST" && m) {
        answers.set(decodeURIComponent(m[1]), {
          kind: m[2] as "response" | "error",
          body: await req.text(),
          errorType: req.headers.get("Lambda-Runtime-Function-Error-Type") ?? undefined,
        });
        if (answers.size === events.length) {
          lastAnswer = performance.now();
          done();
        }
        return new Response(null, { status: 202 });
      }
      if (req.method === "POST" && path === base + "init/error") {
        initErrors.push(await req.text());
        done();
        return new Response(null, { status: 202 });
      }
      return new Response("not found", { status: 404 });
    },
  );
  const { port } = server.addr as Deno.NetAddr;

  const t0 = performance.now();
  const child = new Deno.Command(bootstrap, {
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      AWS_LAMBDA_FUNCTION_NAME: "test",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/test",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]0123456789abcdef",
      AWS_REGION: "us-east-1",
      LAMBDA_TASK_ROOT: cwd,
      TZ: ":UTC",
      ...options.env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  const timeout = setTimeout(done, options.timeoutMs ?? 20_000);
  const exited = output.then(() => done());
  await allAnswered;
  clearTimeout(timeout);
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
  const out = await output;
  await exited;
  for (const w of waiting) w();
  ac.abort();
  await server.finished;
  const dec = new TextDecoder();
  return {
    answers,
    startupMs: firstNext < 0 ? -1 : firstNext - t0,
    totalMs: lastAnswer < 0 ? -1 : lastAnswer - t0,
    initErrors,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}
