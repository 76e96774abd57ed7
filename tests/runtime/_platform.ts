/**
 * Drives a function under the fake Lambda platform written in Go
 * (`tests/go/cmd/fakeplatform`): writes the scenario, runs the platform with the function's
 * command, returns the platform's report.
 *
 * @module
 */

import { buildGo } from "../_support/go.ts";

/** One invoke handed out by the platform. */
export interface ScenarioInvoke {
  id: string;
  body: string;
  /** Header overrides; "" omits a header. */
  headers?: Record<string, string>;
  deadlineInMs?: number;
}

/** See `tests/go/cmd/fakeplatform/main.go`. */
export interface Scenario {
  invokes: ScenarioInvoke[];
  env?: Record<string, string>;
  nextStatus?: number;
  responseStatus?: number;
  expectExit?: boolean;
  sigterm?: boolean;
  settleMs?: number;
  timeoutMs?: number;
  noRuntimeApi?: boolean;
}

/** A request the function made to the platform (other than `next`). */
export interface Post {
  kind: "response" | "error" | "init-error" | "ext-register";
  path: string;
  requestId: string;
  headers: Record<string, string[]>;
  body: string;
  contentLength: number;
  /** `Transfer-Encoding` as Go parsed it (`["chunked"]` for chunked bodies). */
  transferEncoding?: string[] | null;
  /** Request trailers, as Go parsed them (values empty when announced but not sent). */
  trailer?: Record<string, string[]> | null;
  /** Body reads as they arrived, ms after the request head arrived. */
  chunks?: { atMs: number; data: string }[] | null;
  /** When the body ended, ms after the request head arrived. */
  endMs?: number;
  /** When the request head arrived (ns since the epoch, the system clock). */
  atUnixNano: number;
}

/** What the platform saw. */
export interface Report {
  posts: Post[] | null;
  nextCount: number;
  /** When each `next` arrived (ns since the epoch, the system clock). */
  nextAtUnixNano: number[];
  nextHeaders: Record<string, string[]> | null;
  maxInFlight: number;
  exitCode: number;
  exited: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Path of a file under the repository root. */
export function repoPath(rel: string): string {
  return new URL(`../../${rel}`, import.meta.url).pathname;
}

/** The command running a TypeScript function (relative to the repository root) with Deno. */
export function denoFunction(rel: string): string[] {
  return [Deno.execPath(), "run", "-A", repoPath(rel)];
}

/** Runs `command` as a function under the fake platform with `scenario`. */
export async function runPlatform(scenario: Scenario, command: string[]): Promise<Report> {
  const bin = await buildGo("cmd/fakeplatform");
  const file = await Deno.makeTempFile({ prefix: "scenario-", suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(scenario));
    const env: Record<string, string> = { NO_COLOR: "1" };
    const out = await new Deno.Command(bin, {
      args: ["-scenario", file, "--", ...command],
      cwd: repoPath(""),
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`fakeplatform failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const report = JSON.parse(new TextDecoder().decode(out.stdout)) as Report;
    report.posts ??= [];
    return report;
  } finally {
    await Deno.remove(file);
  }
}

/** The posts of one kind, in order. */
export function postsOf(report: Report, kind: Post["kind"]): Post[] {
  return (report.posts ?? []).filter((p) => p.kind === kind);
}

/** The post answering request `id`. */
export function postFor(report: Report, id: string): Post {
  const p = (report.posts ?? []).find((p) => p.requestId === id);
  if (!p) throw new Error(`no post for ${id}; report: ${JSON.stringify(report, null, 1)}`);
  return p;
}

/** A header of a post (first value). */
export function header(post: Post, name: string): string | undefined {
  return post.headers[name]?.[0];
}

/** An invoke of the ops fixture. */
export function op(
  id: string,
  event: Record<string, unknown>,
  extra: Partial<ScenarioInvoke> = {},
) {
  return { id, body: JSON.stringify(event), ...extra };
}
