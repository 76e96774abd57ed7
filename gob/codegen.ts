/**
 * Support for the generated encode and decode plans: plans are compiled with
 * `new Function`, one function per type, so each has its own inline caches
 * and its common scalars are written inline. Where code generation is not
 * allowed (a content security policy), the codec falls back to closures.
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
