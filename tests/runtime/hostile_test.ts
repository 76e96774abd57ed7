/**
 * What a handler throws cannot break the runtime: an error-shaped object with a malformed
 * `stackTrace` is posted (Runtime API) or answered (go1.x) with its frames validated, and the
 * function keeps serving; a cyclic object thrown gets a message that shows it. Both protocols,
 * driven by the emulator as Lambda drives them.
 */
import assert from "node:assert/strict";
import { LocalFunction, type Protocol } from "../../emulator/function.ts";
import { toErrorShape, validFrames } from "../../runtime/errors.ts";

const OPS = new URL("./fixtures/ops.ts", import.meta.url).pathname;
const PROTOCOLS: Protocol[] = ["runtime-api", "go1x"];
const dec = new TextDecoder();

Deno.test("errors: a handler's stackTrace is validated, never trusted", () => {
  assert.deepEqual(
    validFrames([null, 5, "x", [1], { path: 1 }, { path: "a.ts", line: "7", label: "f" }]),
    [
      { path: "1", line: 0, label: "" },
      { path: "a.ts", line: 7, label: "f" },
    ],
  );
  assert.deepEqual(validFrames({ path: "a" }), []);
  assert.deepEqual(validFrames([{ path: "a", line: 2 ** 40, label: {} }]), [
    { path: "a", line: 0, label: "" },
  ]);
  assert.deepEqual(
    toErrorShape({ errorMessage: "m", errorType: "T", stackTrace: [null, 5, { path: 1 }] }),
    { errorMessage: "m", errorType: "T", stackTrace: [{ path: "1", line: 0, label: "" }] },
  );
  assert.deepEqual(toErrorShape({ errorMessage: "m", errorType: "T", stackTrace: "nope" }), {
    errorMessage: "m",
    errorType: "T",
  });
  const cyclic: Record<string, unknown> = { code: 7 };
  cyclic.self = cyclic;
  const shape = toErrorShape(cyclic);
  assert.equal(shape.errorType, "Object");
  assert.match(shape.errorMessage, /code: 7/);
  assert.match(shape.errorMessage, /Circular/);
});

for (const protocol of PROTOCOLS) {
  Deno.test({
    name: `${protocol}: hostile throws are reported and the function keeps serving`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const fn = await LocalFunction.start({ entry: OPS, protocol, timeoutMs: 10_000 });
      try {
        const bad = await fn.invoke({
          op: "throwValue",
          value: { errorMessage: "m", errorType: "T", stackTrace: [null, 5, { path: 1 }] },
        });
        assert.equal(bad.ok, false);
        if (bad.ok) return;
        assert.equal(bad.kind, "function", dec.decode(bad.payload));
        assert.deepEqual(
          JSON.parse(dec.decode(bad.payload)),
          protocol === "go1x"
            ? { errorMessage: "m", errorType: "T", stackTrace: [{ path: "1", line: 0, label: "" }] }
            // The Runtime API document is Node's managed runtime's.
            : { errorType: "T", errorMessage: "m", trace: [] },
        );

        const cycle = await fn.invoke({ op: "throwCycle" });
        assert.equal(cycle.ok, false);
        if (cycle.ok) return;
        assert.equal(cycle.kind, "function");
        assert.equal(cycle.error.errorType, "Object");
        assert.match(cycle.error.errorMessage, /code: 7.*Circular/);

        const next = await fn.invoke({ op: "echo", value: 1 });
        assert.ok(next.ok);
        assert.equal(dec.decode(next.payload), "1");
        assert.equal(fn.coldStarts, 1, "the same process served all three");
      } finally {
        await fn.close();
      }
    },
  });
}
