/**
 * X-Ray as Powertools users have it: `@aws-lambda-powertools/tracer` (on `aws-xray-sdk-core`)
 * unchanged in a gopherless function sends its segments over UDP to `AWS_XRAY_DAEMON_ADDRESS` (a
 * UDP listener here stands in for the daemon) with the invocation's trace id and parent, in both
 * protocols, under the emulator. Powertools turns itself off without `AWS_EXECUTION_ENV`, which
 * Lambda leaves unset for `provided.al2023`: the function sets it, as docs/observability.md says.
 */

import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/function.ts";
import { xrayDaemon } from "../_support/xray.ts";

const FIXTURE = new URL("./fixtures/powertools_tracer.ts", import.meta.url).pathname;
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];

for (const protocol of PROTOCOLS) {
  Deno.test({
    name: `${protocol}: Powertools Tracer's segments reach the X-Ray daemon address`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const daemon = await xrayDaemon();
      const docs = daemon.docs;
      const fn = await LocalFunction.start({
        entry: FIXTURE,
        protocol,
        env: {
          AWS_XRAY_DAEMON_ADDRESS: daemon.address,
          AWS_EXECUTION_ENV: "AWS_Lambda_provided.al2023",
        },
      });
      try {
        const traces = [
          "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
          "Root=1-6759e988-cd862e3fe1be46a994272794;Parent=63995c3f42cd8ad9;Sampled=1",
        ];
        for (const [i, traceId] of traces.entries()) {
          const r = await fn.invoke({ id: `o-${i}` }, { traceId });
          assert.ok(r.ok);
          assert.deepEqual(JSON.parse(new TextDecoder().decode(r.payload)), {
            ok: true,
            tracing: true,
          });
        }
        const end = Date.now() + 5000;
        while (docs.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        assert.equal(docs.length, 2, JSON.stringify(docs));
        for (const [i, doc] of docs.entries()) {
          assert.equal(doc.type, "subsegment");
          assert.equal(doc.name, "## handler");
          assert.equal(doc.trace_id, `1-${traces[i].slice(7, 40)}`);
          assert.equal(doc.parent_id, /Parent=([0-9a-f]{16})/.exec(traces[i])![1]);
          const annotations = doc.annotations as Record<string, unknown>;
          assert.equal(annotations.orderId, `o-${i}`);
          assert.equal(annotations.ColdStart, i === 0);
        }
      } finally {
        await fn.close();
        daemon.close();
      }
    },
  });
}
