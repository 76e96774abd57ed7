/**
 * Lambda's own layout for a function on a runtime layer: the layer on `/opt`, the function on
 * `/var/task`, both read-only, `/opt/bootstrap` started as Lambda starts a custom runtime from a
 * layer. Made with a mount namespace of the test's own (`unshare --mount`, as root), so that the
 * paths a package's start-up cache is made for are Lambda's and nothing is built for other roots.
 *
 * @module
 */

/**
 * Writes (beside `root`) and returns a script that starts `/opt/bootstrap` as Lambda does: in a
 * mount namespace where `<root>/opt` is `/opt` and `<root>/var` is `/var`, both read-only, the
 * working directory and `LAMBDA_TASK_ROOT` `/var/task` (the same process all along: `exec` at each
 * step). Put the layer's files in `<root>/opt` and the function's in `<root>/var/task`. A
 * function packaged with its runtime (`--runtime deno`) starts `/var/task/bootstrap` instead (pass
 * it as `bootstrap`), with an empty read-only `/opt` (made when missing).
 */
export async function layerSandbox(root: string, bootstrap = "/opt/bootstrap"): Promise<string> {
  await Deno.mkdir(`${root}/opt`, { recursive: true });
  const path = `${root}/../sandbox.sh`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
exec unshare --mount --propagation private sh -c '
  mount --bind "$0/opt" /opt && mount -o remount,bind,ro /opt &&
  mount --bind "$0/var" /var && mount -o remount,bind,ro /var &&
  cd /var/task && LAMBDA_TASK_ROOT=/var/task exec "$1"' ${JSON.stringify(root)} ${
      JSON.stringify(bootstrap)
    }
`,
    { mode: 0o755 },
  );
  return path;
}
