/**
 * A function error is logged as Node's runtime logs it (`Invoke Error`), in both protocols and
 * both log formats: the go1.x path logs the same line as the Runtime API path.
 */

import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/function.ts";

const ERROR_EXAMPLE = new URL("../../examples/error.ts", import.meta.url).pathname;
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];

for (const protocol of PROTOCOLS) {
  for (const format of ["JSON", "Text"]) {
    Deno.test({
      name: `${protocol}, ${format} logs: a function error logs its Invoke Error line`,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const fn = await LocalFunction.start({
          entry: ERROR_EXAMPLE,
          protocol,
          env: { AWS_LAMBDA_LOG_FORMAT: format },
        });
        try {
          const r = await fn.invoke({ email: "nope" });
          assert.equal(r.ok, false);
          if (r.ok) return;
          const { errorType, errorMessage } = r.error;
          if (format === "JSON") {
            // Node's JSON format: the error document is the record's message.
            const records = r.logs.split("\n").filter((l) => l.startsWith("{")).map((l) =>
              JSON.parse(l)
            );
            const rec = records.find((x) => x.message?.errorType !== undefined);
            assert.ok(rec, `no Invoke Error record in:\n${r.logs}`);
            assert.equal(rec.level, "ERROR");
            assert.equal(rec.requestId, r.requestId);
            assert.equal(rec.message.errorType, errorType);
            assert.equal(rec.message.errorMessage, errorMessage);
            assert.ok(Array.isArray(rec.message.stackTrace) && rec.message.stackTrace.length > 0);
          } else {
            const re = new RegExp(
              `\\t${r.requestId}\\tERROR\\tInvoke Error \\t\\{"errorType":"${errorType}"`,
            );
            assert.match(r.logs, re);
          }
        } finally {
          await fn.close();
        }
      },
    });
  }
}
