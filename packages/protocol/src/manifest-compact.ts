/**
 * The manifest's compact form (version 7): an asset or a step leaves out the fields that hold
 * their default, an empty value (`null`, `false`, `[]` or `{}`). Most assets have no
 * description, owners, tags, kinds, metadata, code version, partitions, policy or condition, and
 * most steps no retry policy, graph, resources or lineage-only deps: writing each of those on
 * every item was ~40 % of a large manifest's text (84 MB, against 52 MB compact, for 100,000
 * assets with three inputs each), which the location hashes and sends, and the server inflates, parses, hashes, stores
 * and keeps to diff the next version against. The schema (`manifestItemSchemas`) gives the
 * defaults back, so a parsed manifest is the same either way.
 *
 * A version-7 manifest's canonical text and hash are those of its compact form, whichever form
 * is sent: a full item and its compact form hash the same (`manifestCanonicalJson`). Earlier
 * versions hash as they were sent, so a location that registered before keeps its hash.
 */
import { canonicalJson } from "./canonical-json.js";

/** The first manifest version whose canonical form leaves defaults out. */
export const COMPACT_MANIFEST_VERSION = 7;

/** A field's default: that value itself (`null`, `false`), or an empty list or record. */
type EmptyDefault = null | false | "list" | "record";

/**
 * Per list, the item fields left out at their default. Only these: a field whose empty value
 * means something (a check's, a schedule's or a condition's) is always written.
 */
export const FIELDS_OMITTED_AT_DEFAULT = {
  assets: {
    automation: null,
    backfillPolicy: null,
    codeVersion: null,
    deps: "list",
    description: null,
    freshness: null,
    graphAsset: null,
    kinds: "list",
    metadata: "record",
    multiAsset: null,
    owners: "list",
    partitionMappings: "record",
    partitions: null,
    tags: "record",
  },
  steps: {
    canSubset: false,
    deps: "list",
    externalInputs: "list",
    graph: null,
    inputs: "list",
    outputs: "list",
    requiredResourceKeys: "list",
    retryPolicy: null,
  },
} as const satisfies Record<string, Record<string, EmptyDefault>>;

/** The same, as entries: what each item is checked against. */
const OMITTED_ENTRIES: Readonly<Record<string, readonly (readonly [string, EmptyDefault])[]>> = Object.fromEntries(
  Object.entries(FIELDS_OMITTED_AT_DEFAULT).map(([list, fields]) => [list, Object.entries(fields)]),
);

function isAtDefault(value: unknown, empty: EmptyDefault): boolean {
  if (empty === null || empty === false) return value === empty;
  if (empty === "list") return Array.isArray(value) && value.length === 0;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const _ in value) return false;
  return true;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * `item` of `list` ("assets", "steps"…) as a version-7 manifest writes it: without the fields
 * at their default. The item itself when it has none to leave out (a compact item, or one of
 * another list), else a copy.
 *
 * @example
 * ```ts
 * compactManifestItem("assets", { key: "a", deps: [], group: "default", description: null }); // { key: "a", group: "default" }
 * ```
 */
export function compactManifestItem(list: string, item: unknown): unknown {
  const entries = Object.hasOwn(OMITTED_ENTRIES, list) ? OMITTED_ENTRIES[list] : undefined;
  if (!entries || !isRecord(item)) return item;
  // Most items of a compact manifest have none: looked for field by field, not key by key.
  if (!entries.some(([key, empty]) => Object.hasOwn(item, key) && isAtDefault(item[key], empty))) return item;
  const omitted: Readonly<Record<string, EmptyDefault>> = FIELDS_OMITTED_AT_DEFAULT[list as keyof typeof FIELDS_OMITTED_AT_DEFAULT];
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(item)) {
    const value = item[key];
    if (Object.hasOwn(omitted, key) && isAtDefault(value, omitted[key]!)) continue;
    if (key === "__proto__") Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    else copy[key] = value;
  }
  return copy;
}

/** Whether a manifest of `version` is written compact (`COMPACT_MANIFEST_VERSION` on). */
export const isCompactVersion = (version: unknown): boolean => typeof version === "number" && version >= COMPACT_MANIFEST_VERSION;

/**
 * `manifest` in its canonical form's shape: for version 7 on, its assets and steps without
 * their fields at defaults (`compactManifestItem`); any other value as it is. Copies only the
 * lists and items that change: a manifest already compact comes back itself.
 *
 * @example
 * ```ts
 * compactManifest(defs.manifest().manifest).assets[0]; // { group: "default", ioManagerKey: "io_manager", key: "a", stepKey: "a" }
 * ```
 */
export function compactManifest(manifest: unknown): unknown {
  if (!isRecord(manifest) || !isCompactVersion(manifest.manifestVersion)) return manifest;
  let out: Record<string, unknown> | undefined;
  for (const list of Object.keys(FIELDS_OMITTED_AT_DEFAULT)) {
    const items = Object.hasOwn(manifest, list) ? manifest[list] : undefined;
    if (!Array.isArray(items)) continue;
    let copy: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const compact = compactManifestItem(list, items[i]);
      if (compact === items[i]) continue;
      copy ??= items.slice();
      copy[i] = compact;
    }
    if (copy) (out ??= { ...manifest })[list] = copy;
  }
  return out ?? manifest;
}

/**
 * A manifest's canonical JSON: `canonicalJson` of its compact form (`compactManifest`), the
 * text its hash is computed over and the server stores. Equal for a manifest sent compact or
 * with every field written out.
 *
 * @example
 * ```ts
 * manifestCanonicalJson(manifest) === manifestCanonicalJson(compactManifest(manifest)); // true
 * ```
 */
export function manifestCanonicalJson(manifest: unknown): string {
  return canonicalJson(compactManifest(manifest));
}
