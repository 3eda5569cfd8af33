const INDEX = /^(?:0|[1-9][0-9]{0,9})$/;
/** Whether `key` is an array index: JavaScript lists those keys first, ascending, in any object. */
const isIndex = (key: string) => INDEX.test(key) && Number(key) <= 4_294_967_294;

/** A plain object or array, which JSON.stringify writes from its own keys (no toJSON). */
const isPlain = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === Array.prototype || proto === null;
};

/**
 * `value` with every object's keys sorted and `undefined` fields left out: the value itself
 * where it already is so (what JSON.parse gives for canonical text, such as a location sends),
 * else a sorted copy. Copying a 10,000-asset manifest cost more than writing its text.
 */
function canonicalize(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const plain = isPlain(value);
  if (Array.isArray(value)) {
    // An array's own toJSON would be called on it; the copy has none (nor had the old one).
    let copy: unknown[] | null = plain && !Object.hasOwn(value, "toJSON") ? null : [...value];
    for (let i = 0; i < value.length; i++) {
      const child = canonicalize(value[i]);
      if (child !== value[i] && copy === null) copy = value.slice();
      if (copy !== null) copy[i] = child;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  if (!plain) return sortedCopy(record);
  // In order already: the keys after the array indexes (which every object lists first) ascend.
  let previous: string | undefined;
  for (const key in record) {
    const child = record[key];
    if (child === undefined || key === "__proto__" || key === "toJSON") return sortedCopy(record);
    if (previous !== undefined && !(previous < key) && !isIndex(previous)) return sortedCopy(record);
    const canonical = canonicalize(child);
    if (canonical !== child) return sortedCopy(record, key, canonical);
    previous = key;
  }
  return value;
}

/**
 * A copy of `record` with sorted keys and canonical children (`known`: the canonical child
 * already computed for `knownKey`): the definition every stored hash was computed with.
 */
function sortedCopy(record: Record<string, unknown>, knownKey?: string, known?: unknown): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    const child = key === knownKey ? known : canonicalize(record[key]);
    if (child !== undefined) sorted[key] = child;
  }
  return sorted;
}

/**
 * JSON with object keys sorted at every depth (arrays keep their order, `undefined` fields are
 * left out), so equal data always gives equal text. What a manifest's hash is computed over.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: { d: [2, 1], c: null } }); // '{"a":{"c":null,"d":[2,1]},"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}
