/**
 * Copies of the manifest as plain data. A 100,000-asset manifest is about a million objects, so
 * `JSON.parse(JSON.stringify(…))` and `structuredClone` (both serialize, then rebuild) cost
 * seconds; these walk the objects once.
 */

const isPlainObject = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Sets `key` as an own data property, as JSON.parse and structuredClone do, even for "__proto__". */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * What `JSON.parse(JSON.stringify(value))` gives, except that every object's keys come sorted,
 * as `canonicalJson` sorts them: the manifest is then its own canonical form, and hashing it
 * copies nothing. `key` is the property name `value` was read from, passed to a `toJSON` method.
 * `undefined` where JSON.stringify writes nothing (a function, a symbol, `undefined`).
 * @internal
 */
export function jsonData(value: unknown, key: string | number = ""): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // JSON writes -0 as 0 and non-finite numbers as null.
      return Number.isFinite(value) ? value + 0 : null;
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  // BigInts, dates, boxed primitives, class instances and anything with toJSON: let JSON decide.
  if (typeof value !== "object" || typeof (value as { toJSON?: unknown }).toJSON === "function") return viaJson(value, key);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return viaJson(value, key);
    const copy: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const child = jsonData(value[i], i);
      copy.push(child === undefined ? null : child);
    }
    return copy;
  }
  if (!isPlainObject(value)) return viaJson(value, key);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const copy: Record<string, unknown> = {};
  for (const k of keys) {
    const child = jsonData(record[k], k);
    if (child !== undefined) setOwn(copy, k, child);
  }
  return copy;
}

/** The rare value JSON treats specially, through JSON itself, then sorted like the rest. */
function viaJson(value: unknown, key: string | number): unknown {
  const parsed = JSON.parse(JSON.stringify({ [key]: value })) as Record<string, unknown>;
  return Object.hasOwn(parsed, key) ? jsonData(parsed[key], key) : undefined;
}

/**
 * A deep copy of plain data, equal to what `structuredClone` gives for it (`undefined` fields
 * and array holes kept), several times faster on a large manifest. Values that are not plain
 * objects or arrays (dates, maps…) go through `structuredClone` itself. Properties set on an
 * array besides its elements are not copied: the manifest's arrays are all built by this package.
 * @internal
 */
export function cloneData<T>(value: T): T {
  // structuredClone refuses functions and symbols: so does this, with its error.
  if (typeof value === "function" || typeof value === "symbol") return structuredClone(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return structuredClone(value);
    const copy: unknown[] = [];
    for (let i = 0; i < value.length; i++) if (i in value) copy[i] = cloneData(value[i]);
    copy.length = value.length;
    return copy as T;
  }
  if (!isPlainObject(value)) return structuredClone(value);
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(record)) setOwn(copy, k, cloneData(record[k]));
  return copy as T;
}
