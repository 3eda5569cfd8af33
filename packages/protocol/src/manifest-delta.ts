/**
 * Delta registration: a location whose manifest changed sends what the server does not have
 * yet, and refers to the rest by position in the version the server has. For 10,000 assets with
 * one changed, that is a few kilobytes instead of ~9 MB to send, parse and validate.
 *
 * 1. The location asks with its hash alone; the server answers ManifestRequiredError with the
 *    registered version's hash and each list item's digest (`ManifestBase`; digests are
 *    `itemDigest` in `@strata/protocol/hash`, computed by the location with its hash).
 * 2. The location writes its manifest with every list given as segments (`manifestDelta`): an
 *    item the base has is referred to by its index range there, any other is sent in full.
 * 3. The server rebuilds the manifest from its copy of the base, validates the items it did not
 *    have, and registers it only if the result hashes to the location's hash: a wrong digest or
 *    range costs a refusal, never a wrong catalog.
 *
 * No zod here: this is `@strata/protocol/delta`, which the SDK (and so the web UI's bundle)
 * imports; building zod object schemas runs zod's `new Function` probe, which a browser's
 * Content-Security-Policy reports. The server's schema of a delta is in manifest-delta-schema.ts.
 */
import { compactManifestItem, isCompactVersion } from "./manifest-compact.js";

/** How many characters one item's digest has. */
export const DIGEST_LENGTH = 16;

/**
 * Per list of a manifest (assets, steps…), its items' digests (`itemDigest` in
 * `@strata/protocol/hash`, of each item's canonical text) in order, written one after the other
 * (`DIGEST_LENGTH` characters each): one string a list, which JSON reads and writes far faster
 * than 10,000 small ones.
 */
export type ManifestDigests = Readonly<Record<string, string>>;

/** The version a delta is relative to: its hash and its items' digests. */
export interface ManifestBase {
  hash: string;
  digests: ManifestDigests;
}

/** Items `from` to `to` (exclusive) of the base's list of the same name. */
export type DeltaRange = readonly [from: number, to: number];

/**
 * A manifest relative to a base: each list (an array-valued top-level field) given as segments,
 * an item sent in full (an object) or a range of the base's items; every other field as it is.
 */
export interface ManifestDelta {
  /** The hash of the version this delta is relative to. */
  base: string;
  manifest: Record<string, unknown>;
}

/**
 * Reads one segment of a delta's list: a range, an item, or `null` when it is neither (an
 * item of a manifest list is always an object).
 */
export function deltaSegment(segment: unknown): { range: DeltaRange } | { item: Record<string, unknown> } | null {
  if (Array.isArray(segment)) {
    const [from, to] = segment as unknown[];
    const index = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
    return segment.length === 2 && index(from) && index(to) && from < to ? { range: [from, to] } : null;
  }
  return segment !== null && typeof segment === "object" ? { item: segment as Record<string, unknown> } : null;
}

/**
 * `manifest` as a delta against `base`, given the digests of its own items (`digests`: per
 * list, as `manifestHashAndDigests` in `@strata/protocol/hash` computes them, which is what
 * `Definitions#digests` holds). `null` when a delta would not help: the base shares no item
 * with it, or a list holds something other than objects (which a delta cannot carry). `sent`
 * counts the items sent in full.
 *
 * @example
 * ```ts
 * const found = manifestDelta(manifest, defs.digests, base); // base: from ManifestRequiredError
 * if (found) await register({ name, hash, delta: found.delta });
 * ```
 */
export function manifestDelta(
  manifest: unknown,
  digests: ManifestDigests,
  base: ManifestBase,
): { delta: ManifestDelta; sent: number } | null {
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) return null;
  const written: Record<string, unknown> = {};
  // Items sent in full go as the canonical form has them (the server compacts them either way).
  const compact = isCompactVersion((manifest as { manifestVersion?: unknown }).manifestVersion);
  let sent = 0;
  let reused = 0;
  for (const [key, value] of Object.entries(manifest)) {
    if (!Array.isArray(value)) {
      written[key] = value;
      continue;
    }
    const own = digests[key];
    if (own === undefined || own.length !== value.length * DIGEST_LENGTH) return null;
    if (!value.every((item) => item !== null && typeof item === "object" && !Array.isArray(item))) return null;
    const find = baseItems(base.digests[key] ?? "");
    const segments: unknown[] = [];
    let open: [number, number] | null = null;
    // Where this item is in the base when nothing moved: one past where the previous one was.
    let expected = 0;
    for (let i = 0; i < value.length; i++) {
      const at = find(own.slice(i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH), expected);
      expected = at === undefined ? expected + 1 : at + 1;
      if (at === undefined) {
        open = null;
        segments.push(compact ? compactManifestItem(key, value[i]) : value[i]);
        sent++;
      } else if (open !== null && open[1] === at) {
        open[1] = at + 1;
        reused++;
      } else {
        open = [at, at + 1];
        segments.push(open);
        reused++;
      }
    }
    written[key] = segments;
  }
  return reused === 0 ? null : { delta: { base: base.hash, manifest: written }, sent };
}

/**
 * Finds an item's digest among a base list's (`theirs`): its position, or undefined when the
 * base lacks it. Looked for first where the item was expected (most items follow the previous
 * one, as in the version before), then in the whole list: by scanning it for the first few
 * items found elsewhere (a changed item is usually one of a few), by an index of every digest
 * after that. Building that index for every list cost ~10 ms of a 10,000-asset delta.
 */
function baseItems(theirs: string): (digest: string, expected: number) => number | undefined {
  const count = Math.floor(theirs.length / DIGEST_LENGTH);
  let scans = 0;
  let index: Map<string, number> | undefined;
  return (digest, expected) => {
    if (expected < count && theirs.startsWith(digest, expected * DIGEST_LENGTH)) return expected;
    if (scans < 16) {
      scans++;
      // The first occurrence that starts a digest (one straddling two is no match).
      for (let at = theirs.indexOf(digest); at !== -1; at = theirs.indexOf(digest, at + 1)) {
        if (at % DIGEST_LENGTH === 0) return at / DIGEST_LENGTH;
      }
      return undefined;
    }
    if (!index) {
      index = new Map();
      for (let i = 0; i < count; i++) {
        const known = theirs.slice(i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH);
        if (!index.has(known)) index.set(known, i);
      }
    }
    return index.get(digest);
  };
}
