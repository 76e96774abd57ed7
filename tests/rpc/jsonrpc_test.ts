/** The jsonrpc codec on the wire: Go's framing, id echo and errors. */

import assert from "node:assert/strict";
import { Client, ServerError, t } from "../../rpc/mod.ts";
import { Args, arithServer, Echo, ExactReader, pipePair, sampleEcho } from "./_services.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Sends raw text to a jsonrpc server; returns the reply lines it wrote before closing. */
async function exchange(writes: string[], expectLines: number): Promise<string[]> {
  const server = arithServer({ codec: "jsonrpc" });
  const [a, b] = pipePair();
  const done = server.serveConn(b);
  const w = a.writable.getWriter();
  for (const s of writes) await w.write(te.encode(s));
  const r = new ExactReader(a.readable);
  const lines: string[] = [];
  let text = "";
  while (lines.length < expectLines) {
    text += td.decode(await r.read(1));
    if (text.endsWith("\n")) {
      lines.push(text);
      text = "";
    }
  }
  await w.close();
  await done;
  await server.close();
  return lines;
}

Deno.test("rpc jsonrpc: Go's request and response lines", async () => {
  const out = await exchange([
    '{"method":"Arith.Multiply","params":[{"A":7,"B":8}],"id":0}\n',
    '{"method":"Arith.Divide","params":[{"A":1,"B":0}],"id":1}\n',
  ], 2);
  assert.deepEqual(out, [
    '{"id":0,"result":56,"error":null}\n',
    '{"id":1,"result":null,"error":"divide by zero"}\n',
  ]);
});

Deno.test("rpc jsonrpc: the id is echoed verbatim, whatever JSON it is", async () => {
  const ids = ['"abc"', "12345678901234567890", "1.50", "-3", '{"x":[1, 2]}', "null", "true"];
  const out = await exchange(
    ids.map((id) => `{"method":"Arith.Multiply","params":[{"A":2,"B":3}],"id":${id}}\n`),
    ids.length,
  );
  assert.deepEqual(
    out,
    ids.map((id) => `{"id":${id.replaceAll(" ", "")},"result":6,"error":null}\n`),
  );
  const [noId] = await exchange(['{"method":"Arith.Multiply","params":[{"A":2,"B":3}]}\n'], 1);
  assert.equal(noId, '{"id":null,"result":6,"error":null}\n');
  const [html] = await exchange(
    ['{"method":"Arith.Multiply","params":[{"A":2,"B":3}],"id":"<&>"}'],
    1,
  );
  assert.equal(html, '{"id":"\\u003c\\u0026\\u003e","result":6,"error":null}\n');
});

Deno.test("rpc jsonrpc: missing params, wrong params, unknown names", async () => {
  const out = await exchange([
    '{"method":"Arith.Multiply","id":1}\n',
    '{"method":"Arith.Multiply","params":null,"id":2}\n',
    '{"method":"Arith.Multiply","params":{"A":1},"id":3}\n',
    '{"method":"Arith.Multiply","params":[{"A":"x"}],"id":4}\n',
    '{"method":"Arith.Multiply","params":[],"id":5}\n',
    '{"method":"Nope.X","id":6}\n',
    '{"params":[{}],"id":7}\n',
  ], 7);
  assert.deepEqual(out.map((l) => JSON.parse(l)), [
    { id: 1, result: null, error: "jsonrpc: request body missing params" },
    { id: 2, result: null, error: "jsonrpc: request body missing params" },
    {
      id: 3,
      result: null,
      error: "json: cannot unmarshal object into Go value of type [1]interface {}",
    },
    {
      id: 4,
      result: null,
      error: "json: cannot unmarshal string into Go struct field Args.A of type int",
    },
    { id: 5, result: 0, error: null },
    { id: 6, result: null, error: "rpc: can't find service Nope.X" },
    { id: 7, result: null, error: "rpc: service/method request ill-formed: " },
  ]);
});

Deno.test("rpc jsonrpc: a stream of JSON values, however it is split or spaced", async () => {
  const req = (id: number) => `{"method":"Arith.Multiply","params":[{"A":${id},"B":2}],"id":${id}}`;
  const whole = `${req(1)}${req(2)}  \n\n${req(3).replace(/,/g, ",\n  ")}\n`;
  const chunks = [whole.slice(0, 10), whole.slice(10, 70), whole.slice(70)];
  const out = await exchange(chunks, 3);
  assert.deepEqual(out.map((l) => JSON.parse(l).result), [2, 4, 6]);
  const [ci] = await exchange(['{"METHOD":"Arith.Multiply","Params":[{"a":4,"b":5}],"ID":9}'], 1);
  assert.equal(ci, '{"id":9,"result":20,"error":null}\n', "names match case-insensitively");
});

Deno.test("rpc jsonrpc: malformed JSON closes the connection", async () => {
  const server = arithServer({ codec: "jsonrpc" });
  const [a, b] = pipePair();
  const done = server.serveConn(b);
  const w = a.writable.getWriter();
  await w.write(te.encode('{"method": nope}\n'));
  const r = new ExactReader(a.readable);
  assert.equal(await r.ended(), true);
  await done;
  await server.close();
});

Deno.test("rpc jsonrpc: exact 64-bit integers and Go's JSON shapes, both directions", async () => {
  const server = arithServer({ codec: "jsonrpc" });
  const [a, b] = pipePair();
  const done = server.serveConn(b);
  const client = await Client.connect(a, { codec: "jsonrpc" });
  const v = sampleEcho(); // U = 2^63 + 5: beyond float64
  assert.deepEqual(await client.call("Arith.Echo", v, Echo, Echo), v);
  await assert.rejects(
    client.call("Arith.Divide", { A: 1, B: 0 }, Args, Args),
    new ServerError("divide by zero"),
  );
  assert.equal(await client.call("Arith.Multiply", { A: 9, B: 9 }, Args, t.int), 81);
  await client.close();
  await done;
  await server.close();
});

Deno.test("jsonrpc server: requests split at every byte keep their ids and params", async () => {
  // Every member boundary falls between reads (the reader rebuilds its buffer between them).
  const req = '{"method":"Arith.Multiply","params":[{"A":6,"B":7}] ,"id":"x-1"}\n' +
    '{"id" : 99 , "method":"Arith.Multiply","params":[{"A":2,"B":3}]}\n';
  const lines = await exchange([...req], 2);
  assert.deepEqual(lines, [
    '{"id":"x-1","result":42,"error":null}\n',
    '{"id":99,"result":6,"error":null}\n',
  ]);
});
