import { createHash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { manifestHash as protocolManifestHash } from "@strata/protocol/hash";
import {
  type CanonicalField,
  splitCanonicalText,
  type Manifest,
  type ManifestAsset,
  type ManifestStep,
  MAX_MANIFEST_ASSETS,
  manifestItemSchemas,
  manifestOfParsedAssetsAndStepsSchema,
  manifestOfParsedAssetsSchema,
  manifestCanonicalJson,
  manifestSchema,
  SUPPORTED_MANIFEST_VERSIONS,
} from "@strata/protocol";
import { InvalidManifestError, type ManifestProblem } from "../errors.js";
import { encodeManifestText, encodeManifestTextOf, textDigest, utf8InSlices } from "./manifest-store.js";
import { manifestCheckProblems } from "./manifest-checks.js";
import { manifestGraphProblems } from "./manifest-graph.js";

export type { Manifest, ManifestAsset, ManifestStep } from "@strata/protocol";

/**
 * The manifest's content hash: SHA-256 (hex) of its canonical JSON, compact from version 7 on
 * (@strata/protocol's `manifestHash`, the one a location hashes with).
 */
export const manifestHash = protocolManifestHash;

/** A manifest that passed every check, with what registration stores of it. */
export interface ParsedManifest {
  manifest: Manifest;
  /** Its canonical JSON, gzip-compressed: what "CodeLocationVersion".manifest holds (manifest-store.ts). */
  stored: Promise<Buffer>;
  /**
   * Its canonical JSON by field, each list's items' texts apart: what a later delta reuses
   * (manifest-bases.ts). Called once the registration is committed: for a manifest sent whole
   * they are written then, in slices between other work, not on the registration's path.
   */
  fields: () => Promise<readonly CanonicalField[] | null>;
  /** Characters of its canonical text. */
  textLength: number;
  /**
   * Its canonical text in UTF-8: what was hashed and compressed. A delta against this version
   * copies its unchanged items' bytes from here (manifest-bases.ts) instead of joining their texts.
   * For a manifest sent whole, encoded when first called (in slices, behind the registration).
   */
  bytes: () => Promise<Buffer>;
  /**
   * For a manifest rebuilt from a delta: the base's hash and asset keys, and the assets the
   * delta sent in full. Every other asset is the base's, unchanged, so when the base is still
   * the location's version only these need comparing with what is stored.
   */
  delta?: { base: string; baseKeys: readonly string[]; sentAssets: readonly ManifestAsset[] };
  /** Its items' digests, when they came cheaply (a delta of a base whose digests were asked for). */
  digests?: Record<string, string>;
}

/**
 * Validates a manifest received from a location; throws InvalidManifestError listing every
 * problem. Its canonical text is written once: hashed (SHA-256) and compressed for storage on
 * libuv's thread pool while the schema and graph checks run here (for 10,000 assets, ~9 MB:
 * hashing it on the event loop cost ~100 ms, and its storage another JSON.stringify).
 */
export async function parseManifest(input: unknown, hash: string): Promise<ParsedManifest> {
  return parseManifestInTwo(input, hash).verify();
}

/**
 * parseManifest in two parts: the schema now (throws InvalidManifestError with its problems),
 * the rest (canonical text, hash, graph and checks) when `verify()` is called, so that a
 * registration can run it while its first writes are in the database. Nothing may change
 * `input` in between.
 */
export function parseManifestInTwo(input: unknown, hash: string): { manifest: Manifest; verify(): Promise<ParsedManifest> } {
  const parts = parseManifestInParts(input, hash);
  return { manifest: parts.manifest(), verify: parts.verify };
}

/** Items whose schema is checked between two turns of the event loop: ~10-20 ms of work. */
const PARSE_SLICE = 2_000;

/** Lets the event loop turn (I/O, timers, other requests) before the work goes on. */
export const pause = (): Promise<void> => nextTurn();

/** A manifest received whole, its schema checked a part at a time (parseManifestInParts). */
export interface ManifestInParts {
  /**
   * Its assets, their schema checked (throws InvalidManifestError with the whole manifest's
   * problems when one of them fails it).
   */
  assets(): readonly ManifestAsset[];
  /** The manifest, its whole schema checked (throws InvalidManifestError). */
  manifest(): Manifest;
  /**
   * `assets()`, checked PARSE_SLICE items at a time between other work: 100,000 assets' schema
   * is ~0.6 s of this thread, which other requests (a health check, a run's heartbeat) would
   * otherwise wait behind. `manifest()` the same way, its steps a slice at a time too.
   */
  assetsInSlices(): Promise<readonly ManifestAsset[]>;
  manifestInSlices(): Promise<Manifest>;
  /** parseManifestInTwo's `verify()`. */
  verify(): Promise<ParsedManifest>;
}

/**
 * parseManifest in parts: its assets' schema first (a registration builds their rows from them
 * and sends those to the database), the rest of its schema when `manifest()` is called (the
 * steps' are ~40 % of it: checked while the database writes the rows), the whole-manifest checks
 * in `verify()`. The result is manifestSchema's; a manifest it refuses is refused with the
 * problems it lists, in its order (a failure found a part at a time is reported by parsing the
 * whole manifest). Nothing may change `input` in between.
 */
export function parseManifestInParts(input: unknown, hash: string): ManifestInParts {
  let whole: Manifest | undefined;
  const parseWhole = (): Manifest => {
    const parsed = manifestSchema.safeParse(input);
    if (!parsed.success) throw new InvalidManifestError(zodProblems(parsed.error.issues));
    whole = parsed.data;
    return whole;
  };
  const raw = (input as { assets?: unknown } | null)?.assets;
  // Not a list of assets the item schema can take one by one: the whole schema says what is wrong.
  if (!Array.isArray(raw) || raw.length > MAX_MANIFEST_ASSETS) parseWhole();
  const rawAssets = raw as unknown[];
  let parsedAssets: ManifestAsset[] | undefined;
  const assets = (): readonly ManifestAsset[] => {
    if (whole) return whole.assets;
    if (parsedAssets) return parsedAssets;
    const parsed: ManifestAsset[] = [];
    for (const asset of rawAssets) {
      const item = manifestItemSchemas.assets.safeParse(asset);
      if (!item.success) return parseWhole().assets;
      parsed.push(item.data);
    }
    parsedAssets = parsed;
    return parsed;
  };
  const manifest = (): Manifest => {
    const items = assets();
    if (whole) return whole;
    const rest = manifestOfParsedAssetsSchema.safeParse({ ...(input as object), assets: items });
    if (!rest.success) return parseWhole();
    whole = rest.data;
    return whole;
  };
  /** `items` through `schema` one by one, pausing every PARSE_SLICE; null at the first refused. */
  const inSlices = async <T>(items: readonly unknown[], schema: { safeParse(item: unknown): { success: boolean; data?: T } }) => {
    const parsed: T[] = [];
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && i % PARSE_SLICE === 0) await pause();
      const item = schema.safeParse(items[i]);
      if (!item.success) return null;
      parsed.push(item.data as T);
    }
    return parsed;
  };
  const assetsInSlices = async (): Promise<readonly ManifestAsset[]> => {
    if (whole) return whole.assets;
    if (parsedAssets) return parsedAssets;
    const parsed = await inSlices<ManifestAsset>(rawAssets, manifestItemSchemas.assets);
    if (!parsed) return parseWhole().assets;
    parsedAssets ??= parsed;
    return parsedAssets;
  };
  const manifestInSlices = async (): Promise<Manifest> => {
    const items = await assetsInSlices();
    if (whole) return whole;
    const rawSteps = (input as { steps?: unknown }).steps;
    if (!Array.isArray(rawSteps)) return manifest();
    const steps = await inSlices<ManifestStep>(rawSteps, manifestItemSchemas.steps);
    if (whole) return whole;
    if (!steps) return parseWhole();
    const rest = manifestOfParsedAssetsAndStepsSchema.safeParse({ ...(input as object), assets: items, steps });
    if (!rest.success) return parseWhole();
    whole = rest.data;
    return whole;
  };
  return {
    assets,
    manifest,
    assetsInSlices,
    manifestInSlices,
    async verify() {
      const checked = await manifestInSlices();
      await pause();
      // One text for the hash and the row (splitting it by item here cost ~40 % more), never
      // encoded whole on the registration's path (manifest-store.ts, SLICE_CHARS).
      const text = manifestCanonicalJson(input);
      const stored = encodeManifestTextOf(text);
      stored.catch(() => {}); // Awaited by the registration or, when the manifest is refused, not needed.
      const pending = { digest: textDigest(text), stored };
      let bytes: Promise<Buffer> | undefined;
      // Between the text and the graph's checks, other requests get their turn.
      await pause();
      return {
        manifest: await checkManifest(checked, [], pending, hash),
        stored: pending.stored,
        // Read off the canonical text (slices of it), not written again from the value: ~5× cheaper.
        fields: () => splitCanonicalText(text, pause).catch(() => null),
        textLength: text.length,
        bytes: () => (bytes ??= utf8InSlices(text)),
      };
    },
  };
}

/**
 * A manifest's canonical text: its SHA-256 (hex), here, and its gzip, started on the thread
 * pool. Hashing here is the cheaper of the two ways: ~6 ms for the ~9 MB of 10,000 assets, where
 * WebCrypto's digest, though it hashes on the thread pool, first copies its input on this
 * thread (~23 ms for the same text on the machines we measure on).
 */
export function digestAndStore(text: Buffer): { digest: string; stored: Promise<Buffer> } {
  const digest = createHash("sha256").update(text).digest("hex");
  const stored = encodeManifestText(text);
  // Awaited by the registration or, when the manifest is refused, not needed.
  stored.catch(() => {});
  return { digest, stored };
}

export function zodProblems(issues: readonly { path: PropertyKey[]; message: string }[], prefix: PropertyKey[] = []): ManifestProblem[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join("."),
    message: issue.message,
    code: "invalid_value" as const,
  }));
}

/**
 * The checks that span the whole manifest once its schema holds: its version, its graph, its
 * checks, and its hash (`pending.digest`, the SHA-256 of its canonical text). Throws
 * InvalidManifestError with `problems` and every one found.
 */
export async function checkManifest(
  manifest: Manifest,
  problems: ManifestProblem[],
  pending: { digest: string },
  hash: string,
  /**
   * How much of the graph to check: all of it; none, when it is one that passed these checks
   * already (a delta that keeps every asset and step in place, manifest-bases.ts); or all but
   * cycles through unchanged edges (manifestGraphProblems' `cycleRoots`).
   */
  graph: "all" | "none" | { cycleRoots: { assets: readonly string[]; steps: readonly string[] } } = "all",
): Promise<Manifest> {
  if (!(SUPPORTED_MANIFEST_VERSIONS as readonly number[]).includes(manifest.manifestVersion)) {
    problems.push({
      path: "manifestVersion",
      code: "unsupported_version",
      message: `version ${manifest.manifestVersion} is not supported by this server (it reads ${SUPPORTED_MANIFEST_VERSIONS.join(", ")}); upgrade the server`,
    });
  }
  if (graph !== "none") problems.push(...manifestGraphProblems(manifest, graph === "all" ? undefined : graph.cycleRoots));
  problems.push(...manifestCheckProblems(manifest));
  const expected = pending.digest;
  if (hash !== expected) {
    problems.push({
      path: "hash",
      code: "hash_mismatch",
      message: `does not match the manifest's content (expected ${expected}): the manifest was altered or hashed differently`,
    });
  }
  if (problems.length) throw new InvalidManifestError(problems);
  return manifest;
}
