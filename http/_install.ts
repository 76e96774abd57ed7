/**
 * What the runtime's entry points install on `globalThis` for a function, before its own module
 * body runs (a handler's top-level `awslambda.streamifyResponse(…)` needs the global then, and a
 * throw there must be reported as an init error): `awslambda.streamifyResponse` and
 * `HttpResponseStream`, `awslambda.InvokeStore`, and the runtime's failure listeners.
 *
 * - `http/mod.ts` and `runtime/mod.ts` (the latter without the `awslambda` members of this
 *   floor) install them when imported;
 * - the package root installs them only in a Lambda environment ({@linkcode inLambdaEnvironment}),
 *   so a function importing `start` from it gets them, and a library user (`encode` from the
 *   root, outside Lambda) gets no globals;
 * - `gob/mod.ts` and `rpc/mod.ts` install nothing.
 *
 * @module
 */

import { getEnv, inPoolWorker } from "../runtime/context.ts";
import { installRuntimeGlobals, MODE_VARIABLES } from "../runtime/start.ts";
import { installAwsLambdaGlobal } from "./awslambda.ts";

/** Installs the `awslambda` global and the runtime's globals (see the module docs). */
export function installFunctionGlobals(): void {
  installRuntimeGlobals();
  installAwsLambdaGlobal();
}

/**
 * Whether this process runs as a Lambda function: a protocol's variable is set
 * (`_LAMBDA_SERVER_PORT`, `AWS_LAMBDA_RUNTIME_API`), or this is a worker isolate of a concurrent
 * environment. Asks for no permission: a variable the process may not read counts as unset, so
 * a library user importing the root is never prompted.
 */
export function inLambdaEnvironment(): boolean {
  return inPoolWorker() || MODE_VARIABLES.some((name) => readable(name) && !!getEnv(name));
}

/** The part of `Deno.permissions` asked here (absent on Node, where the npm build runs). */
interface EnvPermissions {
  querySync?(descriptor: { name: "env"; variable: string }): { state: string };
}

function readable(variable: string): boolean {
  const permissions = (globalThis as { Deno?: { permissions?: EnvPermissions } }).Deno
    ?.permissions;
  if (typeof permissions?.querySync !== "function") return true;
  try {
    return permissions.querySync({ name: "env", variable }).state === "granted";
  } catch {
    return true;
  }
}
