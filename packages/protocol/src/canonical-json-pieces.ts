import { canonicalJson } from "./canonical-json.js";

/** How deep the pieces go: the manifest object, its lists, then one piece per asset or step. */
const PIECE_DEPTH = 2;

/** An object or array JSON writes from its own keys alone (no `toJSON`, no `__proto__` key). */
function isWalkable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  return !Object.hasOwn(value, "toJSON") && !Object.hasOwn(value, "__proto__");
}

/**
 * Writes `canonicalJson(value)` in pieces, in order: one per element of the top-level object's
 * lists, so a 100,000-asset manifest is hashed without its 80 MB text ever existing at once
 * (building that text, then encoding it for the hash, took seconds). The pieces join to exactly
 * `canonicalJson(value)`; `undefined` (a value JSON cannot write) is written as it returns it.
 *
 * @example
 * ```ts
 * const pieces: string[] = [];
 * writeCanonicalJson({ b: [1, 2], a: null }, (piece) => pieces.push(piece));
 * pieces.join(""); // '{"a":null,"b":[1,2]}'
 * ```
 */
export function writeCanonicalJson(value: unknown, write: (piece: string) => void): void {
  if (!isWalkable(value)) {
    write(canonicalJson(value) as string);
    return;
  }
  writePieces(value, write, 0);
}

function writePieces(value: Record<string, unknown>, write: (piece: string) => void, depth: number): void {
  if (depth >= PIECE_DEPTH) {
    write(canonicalJson(value) as string);
    return;
  }
  if (Array.isArray(value)) {
    write("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) write(",");
      const child: unknown = value[i];
      if (isWalkable(child)) writePieces(child, write, depth + 1);
      else write(childJson(String(i), child) ?? "null");
    }
    write("]");
    return;
  }
  write("{");
  let first = true;
  for (const [key, child] of canonicalEntries(value)) {
    const text = isWalkable(child) ? null : childJson(key, child);
    if (text === undefined) continue;
    write(`${first ? "" : ","}${JSON.stringify(key)}:`);
    if (text === null) writePieces(child as Record<string, unknown>, write, depth + 1);
    else write(text);
    first = false;
  }
  write("}");
}

/**
 * The JSON of `child` read as `key` of an object or list, or `undefined` where JSON writes
 * nothing. A `toJSON` method (of a date, a BigInt…) is told its key, as in the whole text.
 */
function childJson(key: string, child: unknown): string | undefined {
  if (child === undefined || typeof child === "function" || typeof child === "symbol") return undefined;
  if ((typeof child !== "object" || child === null) && typeof child !== "bigint") return canonicalJson(child) as string;
  const text = canonicalJson({ [key]: child });
  return text === "{}" ? undefined : text.slice(JSON.stringify(key).length + 2, -1);
}

/**
 * A top-level field's canonical text, or, for a field holding a list, each item's canonical text
 * in order (a manifest's assets, steps…): what a delta registration reuses item by item.
 */
export type CanonicalField = readonly [key: string, text: string | readonly string[]];

/**
 * `canonicalJson(value)` split into its top-level fields, each list into its items' texts:
 * `joinCanonicalFields` gives back exactly `canonicalJson(value)`. `null` when `value` is not a
 * plain object (its text is `canonicalJson(value)`, with no fields to split).
 *
 * @example
 * ```ts
 * const fields = canonicalFields({ b: [{ y: 1, x: 2 }], a: 1 })!;
 * fields; // [["a", "1"], ["b", ['{"x":2,"y":1}']]]
 * joinCanonicalFields(fields); // '{"a":1,"b":[{"x":2,"y":1}]}'
 * ```
 */
export function canonicalFields(value: unknown): CanonicalField[] | null {
  const { fields, visitor } = collector();
  return walkFields(value, visitor) ? fields : null;
}

/** What `visitCanonicalFields` tells, in canonical order. */
export interface CanonicalFieldVisitor {
  /** A field that is not a list, with its canonical text. */
  field(key: string, text: string): void;
  /** A list begins; its items follow. */
  list(key: string): void;
  /** The next item of the list begun last, with its canonical text. */
  item(text: string): void;
}

/**
 * Walks `canonicalFields(value)` without keeping it: each field's or item's text is handed to
 * `visitor` and dropped (hashing a 100,000-asset manifest item by item). False when `value` is
 * not a plain object.
 */
export function visitCanonicalFields(value: unknown, visitor: CanonicalFieldVisitor): boolean {
  return walkFields(value, visitor);
}

function collector(): { fields: CanonicalField[]; visitor: CanonicalFieldVisitor } {
  const fields: CanonicalField[] = [];
  let items: string[] = [];
  return {
    fields,
    visitor: {
      field: (key, text) => fields.push([key, text]),
      list: (key) => {
        items = [];
        fields.push([key, items]);
      },
      item: (text) => items.push(text),
    },
  };
}

function walkFields(value: unknown, visitor: CanonicalFieldVisitor): boolean {
  if (!isWalkable(value) || Array.isArray(value)) return false;
  for (const [key, child] of canonicalEntries(value)) {
    if (Array.isArray(child) && isWalkable(child)) {
      visitor.list(key);
      for (let i = 0; i < child.length; i++) {
        visitor.item(canonicalItem(child[i], i));
      }
    } else {
      const text = isWalkable(child) ? canonicalJson(child) : childJson(key, child);
      if (text !== undefined) visitor.field(key, text);
    }
  }
  return true;
}

/**
 * `canonicalFields(JSON.parse(text))` for `text` that is already canonical JSON of a plain object
 * (what `canonicalJson` wrote), read off the text itself: each field's and item's text is a slice
 * of `text`, found in one pass (no value is parsed or written again). `null` when `text` is not
 * an object. Awaits `pause()` every `every` list items, so a long text is read between other work.
 */
export async function splitCanonicalText(text: string, pause: () => Promise<void>, every = 5000): Promise<CanonicalField[] | null> {
  const steps = splitSteps(text, every);
  let step = steps.next();
  while (!step.done) {
    await pause();
    step = steps.next();
  }
  return step.value;
}

/** splitCanonicalText at once, for a text that may be read in one go. */
export function splitCanonicalTextNow(text: string): CanonicalField[] | null {
  const steps = splitSteps(text, Number.POSITIVE_INFINITY);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;

/** The index just past the JSON value starting at `at` in canonical text (no white space). */
function valueEnd(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (text.charCodeAt(i) !== QUOTE) i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
      if (depth === 0) return i + 1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return i;
    } else if (depth === 0 && (c === COMMA || c === 125 || c === 93)) return i;
  }
  return text.length;
}

function* splitSteps(text: string, every: number): Generator<void, CanonicalField[] | null> {
  if (text.charCodeAt(0) !== 123) return null;
  const fields: CanonicalField[] = [];
  let at = 1;
  while (at < text.length && text.charCodeAt(at) === QUOTE) {
    const keyEnd = valueEnd(text, at);
    const key = JSON.parse(text.slice(at, keyEnd)) as string;
    at = keyEnd + 1; // past the colon
    if (text.charCodeAt(keyEnd) !== COLON) return null;
    if (text.charCodeAt(at) === 91) {
      const items: string[] = [];
      at++;
      while (text.charCodeAt(at) !== 93) {
        const end = valueEnd(text, at);
        items.push(text.slice(at, end));
        at = text.charCodeAt(end) === COMMA ? end + 1 : end;
        if (items.length % every === 0) yield;
      }
      at++;
      fields.push([key, items]);
    } else {
      const end = valueEnd(text, at);
      fields.push([key, text.slice(at, end)]);
      at = end;
    }
    if (text.charCodeAt(at) === COMMA) at++;
  }
  return fields;
}

/** The canonical text of a list's item, as it stands at `index` in the list's text. */
export function canonicalItem(item: unknown, index: number): string {
  return isWalkable(item) ? canonicalJson(item) : (childJson(String(index), item) ?? "null");
}

/** The canonical text of the object whose fields these are (`canonicalFields`' inverse). */
export function joinCanonicalFields(fields: readonly CanonicalField[]): string {
  const parts = fields.map(([key, text]) => `${JSON.stringify(key)}:${typeof text === "string" ? text : `[${text.join(",")}]`}`);
  return `{${parts.join(",")}}`;
}

/**
 * An object's fields in canonical order (sorted, array indexes first, as any object lists
 * them), `undefined` ones left out.
 */
function canonicalEntries(value: Record<string, unknown>): [string, unknown][] {
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const child = value[key];
    if (child !== undefined) ordered[key] = child;
  }
  return Object.entries(ordered);
}
