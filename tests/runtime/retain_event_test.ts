import assert from "node:assert/strict";
import { STARTERS } from "../../runtime/start.ts";

const fixture = new URL("./fixtures/retain_last_event.ts", import.meta.url).pathname;

Deno.test("invoke: retainLastEvent keeps the last event reachable through full collections", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", "--v8-flags=--expose-gc", fixture],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, err);
  // Without the option the event is garbage once its invocation is done (the check is real), and
  // once the handler has it, even while the invocation waits for the handler's promise.
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
    retained: true,
    dropped: true,
    droppedWhileWaiting: true,
  });
});

Deno.test("invoke: the Runtime API keeps the last event only where invocations overlap", () => {
  assert.equal(STARTERS["runtime-api"].invoker(1).retainLastEvent, false);
  assert.equal(STARTERS["runtime-api"].invoker(64).retainLastEvent, true);
  assert.equal(STARTERS.go1x.invoker(1).retainLastEvent, undefined);
});
