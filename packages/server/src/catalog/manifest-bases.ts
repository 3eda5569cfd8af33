import { setImmediate as nextTurn } from "node:timers/promises";
import {
  type CanonicalField,
  canonicalFields,
  canonicalItem,
  compactManifestItem,
  DIGEST_LENGTH,
  deltaSegment,
  isCompactVersion,
  joinCanonicalFields,
  MAX_MANIFEST_ASSETS,
  type Manifest,
  type ManifestAsset,
  type ManifestBase,
  type ManifestStep,
  manifestDeltaSchema,
  manifestItemSchemas,
  manifestOfParsedItemsSchema,
  manifestSchema,
} from "@strata/protocol";
import { itemDigest, manifestDigests } from "@strata/protocol/hash";
import type { Sql } from "../db/sql.js";
import { InvalidManifestError, type ManifestProblem } from "../errors.js";
import { checkManifest, digestAndStore, type ParsedManifest, zodProblems } from "./manifest.js";
import { decodeManifestBase64, MANIFEST_AS_BASE64 } from "./manifest-store.js";

/** A registered manifest, kept whole so that the next version can be sent as a delta of it. */
export interface KeptManifest {
  hash: string;
  /** Its canonical text by field, each list's items' texts apart (null: it has none to split). */
  fields: Promise<readonly CanonicalField[] | null>;
  manifest: Manifest;
  /** Its items' digests, computed when first asked for. */
  digests?: Record<string, string>;
  /** Characters of canonical text it holds: what the cache's capacity counts. */
  size: number;
  /**
   * Its canonical text in UTF-8, from which a delta against it copies the items it keeps:
   * encoded in slices behind its registration, as its texts and digests are.
   */
  bytes: Promise<Buffer>;
  /** Where each list's items lie in `bytes` (itemStarts), found at the first delta against it. */
  starts?: Map<string, Uint32Array>;
  /**
   * Whether this server checked its graph (manifestGraphProblems) when it was registered; one
   * read back from the database may have been registered under older rules.
   */
  graphChecked: boolean;
}

/** How many items a delta may make of one list: a bound on work, above any valid manifest. */
const MAX_REBUILT_ITEMS = 2 * MAX_MANIFEST_ASSETS;

/**
 * The last registered manifest of each location, in memory, so that a location whose manifest
 * changed sends a delta (`@strata/protocol`'s manifestDelta) instead of the whole manifest. A
 * miss (another server registered it, this one restarted, the cache evicted it) loads the
 * location's current version from the database; a base that is not the current version is not
 * found, and the location sends its whole manifest. Least recently used first out, by size.
 */
export class ManifestBases {
  private readonly kept = new Map<string, KeptManifest>();
  private size = 0;
  /** The texts and digests being computed in slices for manifests just remembered. */
  private readonly slicing = new Set<Promise<unknown>>();
  /**
   * `capacity`: characters of canonical text kept, all locations together. A kept manifest
   * costs ~5 bytes per character (its texts and parsed items on the heap, its UTF-8 bytes off
   * it): the default, ~500 MB at most, holds one 100,000-asset location or ten of 10,000.
   */
  constructor(private readonly capacity = 100_000_000) {}

  /** Keeps the manifest just registered as `location`'s base. */
  remember(
    location: string,
    hash: string,
    parsed: Pick<ParsedManifest, "fields" | "textLength" | "manifest" | "digests" | "bytes">,
    graphChecked = true,
  ): void {
    const size = parsed.textLength;
    this.forget(location);
    if (size > this.capacity) return;
    const fields = parsed.fields();
    const bytes = parsed.bytes();
    bytes.catch(() => {}); // Awaited by a delta against it, which its failure (out of memory) fails.
    const entry: KeptManifest = {
      hash,
      fields,
      manifest: parsed.manifest,
      size,
      graphChecked,
      digests: parsed.digests,
      bytes,
    };
    this.kept.set(location, entry);
    // The digests the location will ask for next, computed ahead in slices as the texts were.
    const slices = Promise.all([fields, bytes])
      .then(async ([written]) => {
        if (written && !entry.digests) entry.digests = await digestsInSlices(written);
      })
      .catch(() => {}); // Computed again when asked for (base()).
    this.slicing.add(slices);
    void slices.finally(() => this.slicing.delete(slices));
    this.size += size;
    for (const [name, entry] of this.kept) {
      if (this.size <= this.capacity) break;
      this.kept.delete(name);
      this.size -= entry.size;
    }
  }

  /** Resolves once the manifests remembered so far have their texts and digests. */
  async settled(): Promise<void> {
    await Promise.all(this.slicing);
  }

  forget(location: string): void {
    const entry = this.kept.get(location);
    if (!entry) return;
    this.kept.delete(location);
    this.size -= entry.size;
  }

  /**
   * `location`'s registered manifest if it has hash `hash` (any hash when omitted): the one kept,
   * else its current version read from the database. `null` when it is at another version or
   * has none.
   */
  async get(sql: Sql, location: string, hash?: string): Promise<KeptManifest | null> {
    const entry = this.kept.get(location);
    if (entry && (hash === undefined || entry.hash === hash)) {
      // Most recently used last.
      this.kept.delete(location);
      this.kept.set(location, entry);
      return entry;
    }
    const [current] = await sql.query<{ hash: string }>(
      `SELECT v.hash FROM "CodeLocation" l JOIN "CodeLocationVersion" v ON v.id = l."currentVersionId" WHERE l.name = $1`,
      [location],
    );
    if (!current || (hash !== undefined && current.hash !== hash)) return null;
    if (entry?.hash === current.hash) return entry;
    const [row] = await sql.query<{ manifest: string }>(
      `SELECT ${MANIFEST_AS_BASE64} AS manifest FROM "CodeLocation" l JOIN "CodeLocationVersion" v ON v.id = l."currentVersionId"
        WHERE l.name = $1 AND v.hash = $2`,
      [location, current.hash],
    );
    if (!row) return null;
    const input = await decodeManifestBase64(row.manifest);
    const fields = canonicalFields(input);
    // Registered under an older contract and no longer valid: the location sends it whole.
    const parsed = manifestSchema.safeParse(input);
    if (!fields || !parsed.success) return null;
    const read = {
      fields: () => Promise.resolve(fields),
      textLength: textLength(fields),
      manifest: parsed.data,
      bytes: async () => Buffer.from(joinCanonicalFields(fields)),
    };
    this.remember(location, current.hash, read, false);
    return (
      this.kept.get(location) ?? { ...read, hash: current.hash, fields: read.fields(), bytes: read.bytes(), size: 0, graphChecked: false }
    );
  }

  /** What a location needs to send a delta against its registered version, or `null` without one. */
  async base(sql: Sql, location: string): Promise<ManifestBase | null> {
    const entry = await this.get(sql, location);
    const fields = await entry?.fields;
    if (!entry || !fields) return null;
    entry.digests ??= manifestDigests(fields);
    return { hash: entry.hash, digests: entry.digests };
  }
}

function textLength(fields: readonly CanonicalField[]): number {
  let length = 0;
  for (const [, text] of fields) {
    if (typeof text === "string") length += text.length;
    else for (const item of text) length += item.length;
  }
  return length;
}

const COMMA = Buffer.from(",");

/**
 * The canonical text of `fields` in UTF-8, as joinCanonicalFields writes it, each list's items
 * taken from `runsOf(key)` (slices of bytes, joined with commas) where it has them.
 */
function joinCanonicalBytes(fields: readonly CanonicalField[], runsOf: (key: string) => readonly Buffer[] | undefined): Buffer {
  const out: Buffer[] = [];
  let text = "{";
  for (const [i, [key, value]] of fields.entries()) {
    text += `${i ? "," : ""}${JSON.stringify(key)}:`;
    const runs = runsOf(key);
    if (!runs) {
      text += typeof value === "string" ? value : `[${value.join(",")}]`;
      continue;
    }
    out.push(Buffer.from(`${text}[`));
    for (const [j, run] of runs.entries()) out.push(...(j ? [COMMA, run] : [run]));
    text = "]";
  }
  out.push(Buffer.from(`${text}}`));
  return Buffer.concat(out);
}

/**
 * Where the items of each list of `fields` start in `bytes`, their canonical text in UTF-8, with
 * one more entry per list, past its last item's comma: item i is `bytes[at[i], at[i + 1] - 1)`.
 * Counted in characters when the text is ASCII (its length in bytes then), else in UTF-8 bytes.
 */
function itemStarts(fields: readonly CanonicalField[], bytes: Buffer): Map<string, Uint32Array> {
  const walk = (length: (text: string) => number) => {
    const starts = new Map<string, Uint32Array>();
    let at = 1; // "{"
    for (const [i, [key, value]] of fields.entries()) {
      at += (i ? 1 : 0) + length(JSON.stringify(key)) + 1; // [","] "key" ":"
      if (typeof value === "string") {
        at += length(value);
        continue;
      }
      const list = new Uint32Array(value.length + 1);
      at += 1; // "["
      for (let j = 0; j < value.length; j++) {
        list[j] = at;
        at += length(value[j]!) + 1; // the item, then "," (or "]" after the last)
      }
      list[value.length] = at;
      if (value.length === 0) at += 1; // "[]"
      starts.set(key, list);
    }
    return { starts, end: at + 1 }; // "}"
  };
  const ascii = walk((text) => text.length);
  if (ascii.end === bytes.length) return ascii.starts;
  const utf8 = walk((text) => Buffer.byteLength(text));
  if (utf8.end !== bytes.length) throw new Error(`canonical bytes (${bytes.length}) do not match their fields (${utf8.end})`);
  return utf8.starts;
}

/** `manifestDigests(fields)`, 2,000 items at a time between other work. */
async function digestsInSlices(fields: readonly CanonicalField[]): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const [key, text] of fields) {
    if (typeof text === "string") continue;
    const list: string[] = [];
    for (let i = 0; i < text.length; i++) {
      list.push(itemDigest(text[i]!));
      if ((i + 1) % 2000 === 0) await nextTurn();
    }
    digests[key] = list.join("");
  }
  return digests;
}

const bases = new WeakMap<Sql, ManifestBases>();

/** The registered manifests kept for a database (one cache per pool). */
export function manifestBases(sql: Sql): ManifestBases {
  let found = bases.get(sql);
  if (!found) bases.set(sql, (found = new ManifestBases()));
  return found;
}

/** A delta's base hash, or InvalidManifestError when the delta is not one. */
export function deltaBaseHash(delta: unknown): string {
  const parsed = manifestDeltaSchema.safeParse(delta);
  if (!parsed.success) throw new InvalidManifestError(zodProblems(parsed.error.issues, ["delta"]));
  return parsed.data.base;
}

type ListName = keyof typeof manifestItemSchemas;
const isList = (key: string): key is ListName => Object.hasOwn(manifestItemSchemas, key);

/**
 * Rebuilds a manifest from `base` and a delta (`@strata/protocol`'s ManifestDelta), validates
 * the items the delta sent in full and the whole's own rules, and checks that it hashes to
 * `hash`; throws InvalidManifestError with every problem, as parseManifest does for a whole
 * manifest. Items taken from the base are neither parsed nor written to text again.
 */
export async function parseManifestDelta(base: KeptManifest, delta: unknown, hash: string): Promise<ParsedManifest> {
  const { manifest: sent } = manifestDeltaSchema.parse(delta);
  const problems: ManifestProblem[] = [];
  const baseTexts = new Map(((await base.fields) ?? []).filter((f): f is readonly [string, readonly string[]] => typeof f[1] !== "string"));
  const baseItems = base.manifest as unknown as Record<string, readonly unknown[] | undefined>;
  // The fields in canonical order: each list as an empty one, filled with its items' texts below.
  const shape: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sent)) shape[key] = Array.isArray(value) ? [] : value;
  const lists = new Map<string, { texts: string[]; runs: Buffer[]; items: unknown[]; sent: unknown[] }>();
  let baseStarts: Map<string, Uint32Array> | undefined;
  let baseBytes: Buffer | undefined;
  const sentAssets: ManifestAsset[] = [];
  // Whether the delta keeps the base's graph: every asset and step where it was, those sent
  // wired as before. Then the graph checks the base passed hold as they were.
  const inPlace = new Map<string, boolean>();
  // The new version's digests, when the base's are known: its own for the items taken from it.
  const digests: Record<string, string> | undefined = base.digests ? {} : undefined;
  const compact = isCompactVersion(sent.manifestVersion);
  for (const [key, value] of Object.entries(sent)) {
    if (!Array.isArray(value)) continue;
    const texts: string[] = [];
    // The list's canonical bytes in runs: a range of the base's items is one slice of its bytes.
    const runs: Buffer[] = [];
    const items: unknown[] = [];
    const sentItems: unknown[] = [];
    const fromBase = baseTexts.get(key);
    const parsedFromBase = isList(key) ? baseItems[key] : undefined;
    const schema = isList(key) ? manifestItemSchemas[key] : null;
    const sameWiring = key === "assets" ? sameAssetWiring : key === "steps" ? sameStepWiring : null;
    let position = 0;
    let kept = sameWiring !== null;
    const baseDigests = base.digests?.[key] ?? "";
    const ownDigests: string[] = [];
    for (const [i, segment] of value.entries()) {
      const at = `delta.manifest.${key}.${i}`;
      const read = deltaSegment(segment);
      if (read === null) {
        problems.push({
          path: at,
          code: "invalid_value",
          message: "a segment is an item (an object) or a range [from, to] of the base's items, from < to",
        });
      } else if ("range" in read) {
        const [from, to] = read.range;
        if (!fromBase || to > fromBase.length) {
          problems.push({
            path: at,
            code: "invalid_value",
            message: `the base has ${fromBase?.length ?? 0} ${key}: no items ${from} to ${to}`,
          });
        } else if (texts.length + to - from > MAX_REBUILT_ITEMS) {
          problems.push({ path: at, code: "invalid_value", message: `more than ${MAX_REBUILT_ITEMS} ${key}` });
          break;
        } else {
          for (let j = from; j < to; j++) texts.push(fromBase[j]!);
          baseBytes ??= await base.bytes;
          baseStarts ??= base.starts ??= itemStarts((await base.fields) ?? [], baseBytes);
          const at = baseStarts.get(key)!;
          runs.push(baseBytes.subarray(at[from]!, at[to]! - 1));
          if (parsedFromBase) for (let j = from; j < to; j++) items.push(parsedFromBase[j]);
          kept &&= from === position;
          position = to;
          if (digests) ownDigests.push(baseDigests.slice(from * DIGEST_LENGTH, to * DIGEST_LENGTH));
        }
      } else {
        // In the canonical form: compact from version 7 on, however the location wrote it.
        texts.push(canonicalItem(compact ? compactManifestItem(key, read.item) : read.item, texts.length));
        runs.push(Buffer.from(texts[texts.length - 1]!));
        if (digests) ownDigests.push(itemDigest(texts[texts.length - 1]!));
        if (schema) {
          const parsed = schema.safeParse(read.item);
          if (!parsed.success) problems.push(...zodProblems(parsed.error.issues, [key, texts.length - 1]));
          else {
            items.push(parsed.data);
            sentItems.push(parsed.data);
            if (key === "assets") sentAssets.push(parsed.data as ManifestAsset);
            kept &&= sameWiring?.(parsedFromBase?.[position], parsed.data) === true;
          }
        }
        position++;
      }
    }
    lists.set(key, { texts, runs, items, sent: sentItems });
    if (digests) digests[key] = ownDigests.join("");
    inPlace.set(key, kept && position === (parsedFromBase?.length ?? 0));
  }
  if (problems.length) throw new InvalidManifestError(problems);
  const fields = (canonicalFields(shape) ?? []).map(([key, text]): CanonicalField => [key, lists.get(key)?.texts ?? text]);
  // Its canonical text as bytes, the base's copied a range at a time: joining the items' texts
  // and encoding the result took ~90 of a 10,000-asset delta's ~190 ms on the server, this ~5.
  const bytes = joinCanonicalBytes(fields, (key) => lists.get(key)?.runs);
  const pending = digestAndStore(bytes);
  const whole: Record<string, unknown> = { ...sent };
  for (const [key, { items }] of lists) if (isList(key)) whole[key] = items;
  const parsed = manifestOfParsedItemsSchema.safeParse(whole);
  if (!parsed.success) throw new InvalidManifestError(zodProblems(parsed.error.issues));
  // The graph the base passed: kept whole, nothing to check; else cycles can only run through
  // what the delta sent (manifestGraphProblems' cycleRoots).
  const sentKeys = (key: string) => (lists.get(key)?.sent ?? []).map((item) => (item as { key: string }).key);
  const graph = !base.graphChecked
    ? "all"
    : inPlace.get("assets") === true && inPlace.get("steps") === true
      ? "none"
      : { cycleRoots: { assets: sentKeys("assets"), steps: sentKeys("steps") } };
  const manifest = await checkManifest(parsed.data, [], pending, hash, graph);
  return {
    manifest,
    stored: pending.stored,
    fields: () => Promise.resolve(fields),
    textLength: textLength(fields),
    bytes: () => Promise.resolve(bytes),
    delta: { base: base.hash, baseKeys: base.manifest.assets.map((a) => a.key), sentAssets },
    digests,
  };
}

/** Whether `sent` is wired as `before` (what manifestGraphProblems reads of an asset). */
function sameAssetWiring(before: unknown, sent: unknown): boolean {
  if (before === undefined) return false;
  const wiring = (a: ManifestAsset) => JSON.stringify([a.key, a.stepKey, a.deps, a.partitions ?? null, a.partitionMappings ?? null]);
  return wiring(before as ManifestAsset) === wiring(sent as ManifestAsset);
}

/** Whether `sent` is wired as `before` (what manifestGraphProblems reads of a step). */
function sameStepWiring(before: unknown, sent: unknown): boolean {
  if (before === undefined) return false;
  const wiring = (s: ManifestStep) =>
    JSON.stringify([
      s.key,
      s.inputs.map((i) => [i.name, i.stepKey]),
      s.outputs.map((o) => [o.name, o.assetKey]),
      s.deps.map((d) => d.stepKey),
    ]);
  return wiring(before as ManifestStep) === wiring(sent as ManifestStep);
}
