/**
 * Setting a decoded field by its wire name, which may be `__proto__`.
 *
 * @module
 */

/**
 * Sets own property `name` of `obj`: a field named `__proto__` becomes an own
 * enumerable property (plain assignment would set the prototype and lose the value).
 */
export function setProp(obj: Record<string, unknown>, name: string, v: unknown): void {
  if (name === "__proto__") {
    Object.defineProperty(obj, name, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else obj[name] = v;
}
