/**
 * Support for the generated encode and decode plans: plans are compiled with
 * `new Function`, one function per type, so each has its own inline caches
 * and its common scalars are written inline. Where code generation is not
 * allowed (a content security policy), the codec falls back to closures.
 *
 * A plan starts as closures and is generated once it has run
 * {@linkcode GENERATE_AFTER} times ({@linkcode tiered}): generating and
 * compiling costs more than running a small plan a few times, so values
 * decoded or encoded once (a go1.x function's start-up: the `Function.Ping`
 * call, the first invoke) do not pay for it.
 *
 * @module
 */

/** Whether `new Function` is available (it is not under some content security policies). */
export const canGenerate: boolean = (() => {
  try {
    return new Function("return 1")() === 1;
  } catch {
    return false;
  }
})();

/** Collects the values a generated function closes over, as numbered parameters. */
export class Refs {
  /** Parameter names, in order. */
  readonly names: string[] = [];
  /** The values they stand for. */
  readonly values: unknown[] = [];

  /** The parameter name standing for `v` (one per distinct value). */
  ref(v: unknown): string {
    const i = this.values.indexOf(v);
    if (i >= 0) return this.names[i];
    const name = `r${this.values.length}`;
    this.names.push(name);
    this.values.push(v);
    return name;
  }

  /** Compiles `body` (which must return the function) with the collected values bound. */
  compile<F>(body: string): F {
    return new Function(...this.names, `"use strict";\n${body}`)(...this.values) as F;
  }
}

/** How many times a plan runs as closures before its code is generated (see the module docs). */
export const GENERATE_AFTER = 8;

/** A decode plan takes one argument, an encode plan three: the trampoline passes on three. */
type AnyPlan = (a: unknown, b: unknown, c: unknown) => unknown;

/**
 * A plan that runs `closures` for its first {@linkcode GENERATE_AFTER} runs and from then on the
 * plan `generate` returns, which must behave the same (it is only faster).
 */
export function tiered<F extends (...args: never[]) => unknown>(
  closures: F,
  generate: () => F,
): F {
  let plan = closures as unknown as AnyPlan;
  let runs = 0;
  const run: AnyPlan = (a, b, c) => {
    if (runs < GENERATE_AFTER && ++runs === GENERATE_AFTER) {
      plan = generate() as unknown as AnyPlan;
    }
    return plan(a, b, c);
  };
  return run as unknown as F;
}
