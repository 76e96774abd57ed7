/**
 * The reference programs the start-up benchmarks measure a function against: the least a program
 * does to reach the Runtime API's `/next` (its address in `AWS_LAMBDA_RUNTIME_API`). Each asks
 * once and then waits: the hosts stop it at its first `/next`.
 *
 * @module
 */

/** A one-line `fetch` of `/next`, for Deno. */
export const DENO_FETCH_FLOOR =
  'await fetch(`http://${Deno.env.get("AWS_LAMBDA_RUNTIME_API")}/2018-06-01/runtime/invocation/next`);\n';

/**
 * One raw HTTP/1.1 GET of `/next` over `Deno.connect`, no `fetch`: the least a Deno program can
 * do to reach its first event.
 */
export const DENO_RAW_GET_FLOOR =
  `const [hostname, port] = Deno.env.get("AWS_LAMBDA_RUNTIME_API").split(":");
const conn = await Deno.connect({ hostname, port: Number(port) });
await conn.write(new TextEncoder().encode(
  \`GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: \${hostname}\\r\\n\\r\\n\`,
));
await conn.read(new Uint8Array(1));
`;

/** A one-line `fetch` of `/next` for Node.js and Bun (`process.env`). */
export const NODE_FETCH_FLOOR =
  "await fetch(`http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next`);\n";
