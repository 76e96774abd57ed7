/**
 * The files of a new function project, per template: `event` (a handler of JSON events),
 * `http` (a fetch-style handler behind a Function URL or API Gateway, through `http()`) and
 * `stream` (an HTTP response streamed through a Function URL in `RESPONSE_STREAM` mode).
 *
 * Every project has the same `deno.json` shape (see `new.ts`), a `main.ts`, a `main_test.ts`
 * that runs `main.ts` in the emulator as Lambda would, `events/event.json` and `.gitignore`.
 *
 * @module
 */

/** The templates `new` offers. */
export type TemplateName = "event" | "http" | "stream";

/** The template names, in the order `--help` lists them. */
export const TEMPLATE_NAMES: readonly TemplateName[] = ["event", "http", "stream"];

/** What differs between templates. */
export interface Template {
  /** One line for `--help`. */
  summary: string;
  /** `main.ts`. */
  main: string;
  /** `main_test.ts`. */
  test: string;
  /** `events/event.json`. */
  event: unknown;
  /** Flags of the `serve` task after `serve`. */
  serveFlags: string[];
  /** Flags of the `deploy` task after the function name. */
  deployFlags: string[];
  /** The invoke mode of the function's Function URL, for templates served through one. */
  functionUrl?: "BUFFERED" | "RESPONSE_STREAM";
}

/** A Function URL request for `GET <path>` (the payload format 2.0 Lambda sends). */
function functionUrlEvent(path: string, query: string): unknown {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: query,
    headers: { "host": "abcdefghij.lambda-url.us-east-1.on.aws", "user-agent": "curl/8.5.0" },
    queryStringParameters: Object.fromEntries(new URLSearchParams(query)),
    requestContext: {
      accountId: "anonymous",
      apiId: "abcdefghij",
      domainName: "abcdefghij.lambda-url.us-east-1.on.aws",
      domainPrefix: "abcdefghij",
      http: {
        method: "GET",
        path,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "curl/8.5.0",
      },
      requestId: "c4a7f2d0-0000-4000-8000-000000000000",
      routeKey: "$default",
      stage: "$default",
      time: "29/Nov/2026:12:00:00 +0000",
      timeEpoch: 1795953600000,
    },
    isBase64Encoded: false,
  };
}

const TEST_HEAD = `import assert from "node:assert/strict";
import { LocalFunction } from "gopherless/emulator";

// main.ts runs in a child process, through the Lambda Runtime API, as Lambda would run it.
const entry = new URL("./main.ts", import.meta.url).pathname;
const event = JSON.parse(await Deno.readTextFile(new URL("./events/event.json", import.meta.url)));
const text = new TextDecoder();
`;

const EVENT: Template = {
  summary: "a handler of JSON events (default)",
  main: `/**
 * A Lambda function: greets \`event.name\`.
 *
 *   deno task invoke    run it locally with events/event.json
 *   deno task deploy    build it and create or update it on AWS Lambda
 *
 * @module
 */

import { start } from "gopherless";
import type { Context } from "aws-lambda";

/** The event this function takes. */
export interface GreetEvent {
  /** Who to greet; "world" when absent. */
  name?: string;
}

/** What it answers. */
export interface Greeting {
  /** The greeting. */
  message: string;
}

/** The handler. */
export function handler(event: GreetEvent, context: Context): Greeting {
  console.log(\`greeting \${event.name ?? "world"} in \${context.awsRequestId}\`);
  return { message: \`Hello, \${event.name ?? "world"}!\` };
}

if (import.meta.main) start(handler);
`,
  test: `${TEST_HEAD}
Deno.test({
  name: "main.ts greets the name of the event",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const fn = await LocalFunction.start({ entry });
    try {
      const r = await fn.invoke(event);
      if (!r.ok) throw new Error(\`\${r.error.errorType}: \${r.error.errorMessage}\`);
      assert.deepEqual(JSON.parse(text.decode(r.payload)), { message: "Hello, Ada!" });
      assert.match(r.logs, /greeting Ada/);
    } finally {
      await fn.close();
    }
  },
});
`,
  event: { name: "Ada" },
  serveFlags: ["--watch"],
  deployFlags: [],
};

const HTTP: Template = {
  summary: "a fetch-style HTTP handler (Function URL, API Gateway, ALB) through http()",
  main: `/**
 * A Lambda function answering HTTP requests: Function URLs, API Gateway and ALB events become a
 * web-standard \`Request\`, the \`Response\` becomes what each of them expects.
 *
 *   deno task invoke    run it locally with events/event.json (a Function URL request)
 *   deno task serve     serve it on http://127.0.0.1:9000 (curl 127.0.0.1:9000/hello?name=Ada)
 *   deno task deploy    build it, create or update it on AWS Lambda, with a Function URL
 *
 * @module
 */

import { http, start } from "gopherless";

/** Answers \`/hello?name=…\`. */
export function app(req: Request): Response {
  const url = new URL(req.url);
  if (url.pathname === "/hello") {
    return Response.json({ message: \`Hello, \${url.searchParams.get("name") ?? "world"}!\` });
  }
  return new Response("not found\\n", { status: 404 });
}

/** The Lambda handler. */
export const handler = http(app);

if (import.meta.main) start(handler);
`,
  test: `${TEST_HEAD}
Deno.test({
  name: "main.ts answers /hello from a Function URL request",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const fn = await LocalFunction.start({ entry });
    try {
      const r = await fn.invoke(event);
      if (!r.ok) throw new Error(\`\${r.error.errorType}: \${r.error.errorMessage}\`);
      const response = JSON.parse(text.decode(r.payload));
      assert.equal(response.statusCode, 200);
      assert.deepEqual(JSON.parse(response.body), { message: "Hello, Ada!" });

      const missing = await fn.invoke({ ...event, rawPath: "/nowhere" });
      assert.ok(missing.ok);
      assert.equal(JSON.parse(text.decode(missing.payload)).statusCode, 404);
    } finally {
      await fn.close();
    }
  },
});
`,
  event: functionUrlEvent("/hello", "name=Ada"),
  serveFlags: ["--http", "--watch"],
  deployFlags: ["--url"],
  functionUrl: "BUFFERED",
};

const STREAM: Template = {
  summary: "an HTTP response streamed through a Function URL (RESPONSE_STREAM)",
  main: `/**
 * A Lambda function streaming its HTTP response: server-sent events, sent as they are produced,
 * through a Function URL whose invoke mode is RESPONSE_STREAM.
 *
 *   deno task invoke    run it locally with events/event.json (a Function URL request)
 *   deno task serve     serve it on http://127.0.0.1:9000 (curl -N 127.0.0.1:9000/?count=5)
 *   deno task deploy    build it, create or update it on AWS Lambda, with a streaming URL
 *
 * @module
 */

import { http, start } from "gopherless";

const encoder = new TextEncoder();

/** \`count\` server-sent events (default 3), 200 ms apart. */
export function ticks(req: Request): Response {
  const count = Number(new URL(req.url).searchParams.get("count") ?? 3);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let n = 0;
      const tick = () => {
        controller.enqueue(encoder.encode(\`data: tick \${++n}\\n\\n\`));
        if (n >= count) controller.close();
        else timer = setTimeout(tick, 200);
      };
      tick();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** The Lambda handler. */
export const handler = http(ticks, { invokeMode: "RESPONSE_STREAM" });

if (import.meta.main) start(handler);
`,
  test: `${TEST_HEAD}
Deno.test({
  name: "main.ts streams its events one by one",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const fn = await LocalFunction.start({ entry });
    try {
      const r = await fn.invokeStream(event);
      const chunks: string[] = [];
      for await (const chunk of r.body) chunks.push(text.decode(chunk));
      const { error } = await r.done;
      if (error) throw new Error(\`\${error.error.errorType}: \${error.error.errorMessage}\`);
      // A streamed HTTP response: a JSON prelude, eight NUL bytes, then the body as written.
      const [prelude, body] = chunks.join("").split("\\0".repeat(8));
      assert.equal(JSON.parse(prelude).statusCode, 200);
      assert.equal(body, "data: tick 1\\n\\ndata: tick 2\\n\\n");
      const first = chunks.findIndex((c) => c.includes("tick 1"));
      assert.ok(!chunks[first].includes("tick 2"), "the events arrive as they are written");
    } finally {
      await fn.close();
    }
  },
});
`,
  event: functionUrlEvent("/", "count=2"),
  serveFlags: ["--http", "--watch"],
  deployFlags: ["--url", "--invoke-mode", "RESPONSE_STREAM"],
  functionUrl: "RESPONSE_STREAM",
};

/** The templates, by name. */
export const TEMPLATES: Readonly<Record<TemplateName, Template>> = {
  event: EVENT,
  http: HTTP,
  stream: STREAM,
};
