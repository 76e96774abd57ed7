/**
 * The protocol contracts: the one error-document constructor and its key order, header values,
 * the text-or-base64 rule, the mode table, the Runtime API path loading neither gob nor rpc, and
 * the library type-checking without gopherless's own import map.
 */
import assert from "node:assert/strict";
import {
  encodeErrorDocument,
  lambdaError,
  parseErrorDocument,
} from "../../protocol/lambda_error.ts";
import { headerText, headerValue } from "../../protocol/header_value.ts";
import { detectEventKind, isTextContentType, textBody } from "../../protocol/http_event.ts";
import { MODE_TABLE, modeVariable } from "../../protocol/mode.ts";
import {
  errorPath,
  PATHS,
  platformError,
  responsePath,
  validateErrorType,
} from "../../protocol/runtime_api.ts";

const encoder = new TextEncoder();
const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("error document: one key order (errorMessage, errorType, stackTrace), no empty stack", () => {
  const frame = { path: "a.ts", line: 3, label: "f" };
  assert.deepEqual(Object.keys(lambdaError("T", "m", [frame])), [
    "errorMessage",
    "errorType",
    "stackTrace",
  ]);
  assert.deepEqual(Object.keys(lambdaError("T", "m", [])), ["errorMessage", "errorType"]);
  assert.equal(
    encodeErrorDocument({ errorType: "T", errorMessage: "<b> & c" }),
    '{"errorMessage":"\\u003cb\\u003e \\u0026 c","errorType":"T"}',
  );
  assert.equal(
    platformError("InvalidRequestID", "x"),
    '{"errorMessage":"x","errorType":"InvalidRequestID"}',
  );
});

Deno.test("error document: reading what a runtime posted, with fallbacks", () => {
  assert.deepEqual(
    parseErrorDocument(encoder.encode('{"errorType":"E","errorMessage":"m"}'), "F"),
    {
      errorMessage: "m",
      errorType: "E",
    },
  );
  assert.deepEqual(parseErrorDocument(encoder.encode("not json"), "Runtime.Unknown"), {
    errorMessage: "not json",
    errorType: "Runtime.Unknown",
  });
  assert.deepEqual(parseErrorDocument(encoder.encode('{"errorMessage":5}'), "F"), {
    errorMessage: "",
    errorType: "F",
  });
});

Deno.test("Runtime API: paths and error types", () => {
  assert.equal(PATHS.next, "/2018-06-01/runtime/invocation/next");
  assert.equal(responsePath("a/b"), "/2018-06-01/runtime/invocation/a%2Fb/response");
  assert.equal(errorPath("id"), "/2018-06-01/runtime/invocation/id/error");
  assert.equal(validateErrorType("Function.MyErr"), "Function.MyErr");
  assert.equal(validateErrorType(null), "Runtime.Unknown");
});

Deno.test("header values: text as UTF-8 bytes, line breaks as spaces", () => {
  assert.equal(headerValue("plain"), "plain");
  assert.equal(headerValue("é"), "\u00c3\u00a9");
  assert.equal(headerValue("€"), "\u00e2\u0082\u00ac");
  assert.equal(headerValue("a\r\nb\0"), "a  b ");
  assert.equal(headerText("é\nx"), "é x");
  // What `Headers` carries is what `Deno.serve` would hand a handler for the same wire bytes.
  const h = new Headers({ x: headerValue("é") });
  assert.deepEqual(encoder.encode(h.get("x")!).length, 4); // two Latin-1 chars, UTF-8 encoded
});

Deno.test("HTTP events: the text-or-base64 rule and kind detection", () => {
  const utf8 = encoder.encode("héllo");
  const latin1 = Uint8Array.of(0x68, 0xe9);
  assert.equal(textBody(utf8, "text/plain; charset=utf-8"), "héllo");
  assert.equal(textBody(utf8, null), "héllo");
  assert.equal(textBody(latin1, "text/plain"), null);
  assert.equal(textBody(utf8, "image/png"), null);
  assert.equal(textBody(utf8, "text/plain", "gzip"), null);
  assert.equal(textBody(utf8, "text/plain", "identity"), "héllo");
  for (
    const t of [
      "application/json",
      "application/problem+json",
      "application/x-ndjson",
      "application/toml",
    ]
  ) {
    assert.ok(isTextContentType(t), t);
  }
  assert.equal(detectEventKind({ requestContext: { elb: {} }, httpMethod: "GET" }), "alb");
  assert.equal(detectEventKind({ httpMethod: "GET", requestContext: {} }), "apigw-v1");
  assert.equal(
    detectEventKind({ version: "2.0", requestContext: { http: {}, stage: "$default" } }),
    "apigw-v2",
  );
  assert.equal(detectEventKind({ version: "2.0", requestContext: { http: {} } }), "function-url");
  assert.equal(detectEventKind([]), null);
});

Deno.test("mode table: go1.x first, as aws-lambda-go's entry.go", () => {
  assert.deepEqual(MODE_TABLE.map((m) => m.variable), [
    "_LAMBDA_SERVER_PORT",
    "AWS_LAMBDA_RUNTIME_API",
  ]);
  assert.equal(modeVariable("runtime-api"), "AWS_LAMBDA_RUNTIME_API");
});

async function moduleGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  return info.modules.map((m) => m.specifier).filter((s) => s.startsWith("file://")).map((s) =>
    decodeURIComponent(new URL(s).pathname).slice(ROOT.length)
  );
}

Deno.test("the Runtime API path and the contracts load neither gob nor rpc", async () => {
  for (
    const entry of ["runtime/runtime_api.ts", "protocol/mod.ts", "emulator/runtime_api_platform.ts"]
  ) {
    const files = await moduleGraph(entry);
    assert.ok(files.includes(entry), entry);
    const wrong = files.filter((f) => f.startsWith("gob/") || f.startsWith("rpc/"));
    assert.deepEqual(wrong, [], `${entry} loads ${wrong.join(", ")}`);
  }
  // The go1.x contract is the one that does.
  assert.ok((await moduleGraph("protocol/go1x.ts")).some((f) => f.startsWith("gob/")));
});

Deno.test('the library type-checks without gopherless\'s import map (no bare "aws-lambda")', async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "check",
      "--no-config",
      "--no-lock",
      ...["mod.ts", "runtime/mod.ts", "http/mod.ts", "emulator/mod.ts", "protocol/mod.ts"].map((
        m,
      ) => ROOT + m),
    ],
    cwd: Deno.makeTempDirSync(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
});
