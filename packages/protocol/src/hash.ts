/**
 * @strata/protocol/hash: content hashes. A separate entry point because it needs `node:crypto`,
 * which a browser bundle of the rest of the contract must not pull in.
 */
import { createHash, hash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";
import { type CanonicalField, splitCanonicalTextNow, visitCanonicalFields, writeCanonicalJson } from "./canonical-json-pieces.js";
import { compactManifest } from "./manifest-compact.js";
import { DIGEST_LENGTH } from "./manifest-delta.js";

/**
 * SHA-256 (hex) of a value's canonical JSON: a manifest's hash. The same definitions always
 * hash the same, whichever side computes it.
 *
 * @example
 * ```ts
 * contentHash({ b: 1, a: 2 }) === contentHash({ a: 2, b: 1 }); // true
 * ```
 */
export function contentHash(value: unknown): string {
  const hash = createHash("sha256");
  writeCanonicalJson(value, (piece) => hash.update(piece));
  return hash.digest("hex");
}

/**
 * A manifest's hash: `contentHash` of its canonical form, compact from version 7 on
 * (`manifestCanonicalJson`), so the same manifest hashes the same with its defaults written out
 * or left out. What a location registers its manifest under.
 *
 * @example
 * ```ts
 * manifestHash(manifest) === manifestHash(compactManifest(manifest)); // true
 * ```
 */
export function manifestHash(manifest: unknown): string {
  return contentHash(compactManifest(manifest));
}

/**
 * A short digest of a manifest item's canonical text (96 bits of SHA-1, base64url): equal texts,
 * equal digests. What a delta registration compares items by; a collision would cost a refused
 * delta and a whole upload, never a wrong manifest, since the server registers a delta only
 * when the manifest it rebuilds has the location's SHA-256 hash.
 *
 * @example
 * ```ts
 * itemDigest('{"key":"a"}').length; // 16
 * ```
 */
export function itemDigest(text: string): string {
  return hash("sha1", text, "base64url").slice(0, DIGEST_LENGTH);
}

/** Per list of a manifest (a top-level array), its items' `itemDigest`s in order (`ManifestDigests`). */
export function manifestDigests(fields: readonly CanonicalField[]): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const [key, text] of fields) if (typeof text !== "string") digests[key] = text.map(itemDigest).join("");
  return digests;
}

/**
 * A manifest's `contentHash` and its items' digests (`manifestDigests`) in one pass over its
 * canonical text: what a location computes once, to register and later send only what changed.
 *
 * @example
 * ```ts
 * const { hash, digests } = manifestHashAndDigests(manifest);
 * hash === manifestHash(manifest); // true
 * ```
 */
export function manifestHashAndDigests(value: unknown): { hash: string; digests: Record<string, string> } {
  const manifest = compactManifest(value);
  const sha = createHash("sha256");
  const digests: Record<string, string> = {};
  let fields = 0;
  let items = 0;
  let list: string[] = [];
  let listKey: string | null = null;
  const closeList = () => {
    if (listKey === null) return;
    sha.update("]");
    digests[listKey] = list.join("");
    listKey = null;
  };
  const start = (key: string) => {
    closeList();
    sha.update(`${fields++ > 0 ? "," : "{"}${JSON.stringify(key)}:`);
  };
  const plain = visitCanonicalFields(manifest, {
    field(key, text) {
      start(key);
      sha.update(text);
    },
    list(key) {
      start(key);
      sha.update("[");
      listKey = key;
      list = [];
      items = 0;
    },
    item(text) {
      sha.update(items++ > 0 ? `,${text}` : text);
      list.push(itemDigest(text));
    },
  });
  if (!plain) return { hash: contentHash(manifest), digests: {} };
  closeList();
  sha.update(fields > 0 ? "}" : "{}");
  return { hash: sha.digest("hex"), digests };
}

/**
 * A manifest's canonical text (`manifestCanonicalJson`) and its `manifestHash`, hashed in one
 * call: what a location computes as it loads, keeping the text to send as the manifest (not
 * serialized again). Its items' digests, which only a registration against an earlier version
 * needs, `manifestTextDigests` reads off the text then. For the 100,000-asset bench fixture the
 * compact text is ~52 MB; the compact copies of its 200,000 items cost ~0.7 s of a 2-core
 * machine's time (with the garbage they leave), about what writing and hashing the 32 MB of
 * defaults they leave out used to.
 *
 * @example
 * ```ts
 * const { text, hash } = manifestTextAndHash(manifest);
 * hash === manifestHash(manifest); // true
 * ```
 */
export function manifestTextAndHash(manifest: unknown): { text: string; hash: string } {
  const text = canonicalJson(compactManifest(manifest));
  return { text, hash: createHash("sha256").update(text).digest("hex") };
}

/**
 * `manifestHashAndDigests(manifest).digests` from `text`, the manifest's canonical text
 * (`manifestTextAndHash`): each item's digest over its slice of the text.
 *
 * @example
 * ```ts
 * manifestTextDigests(manifestCanonicalJson(manifest)); // equal to manifestHashAndDigests(manifest).digests
 * ```
 */
export function manifestTextDigests(text: string): Record<string, string> {
  const fields = splitCanonicalTextNow(text);
  return fields ? manifestDigests(fields) : {};
}

/**
 * The data version of a materialization whose code gave none (Dagster's
 * `compute_logical_data_version`): a hash of the code version (the run id when the asset has
 * none, so every run counts as new) and the data versions of the inputs it read. `null` when an
 * input's version is unknown: then nothing can be said to be unchanged.
 *
 * @example
 * ```ts
 * logicalDataVersion("v1", "run-1", { "sales/orders": "abc" }); // the same for the same code and inputs
 * ```
 */
export function logicalDataVersion(
  codeVersion: string | null,
  runId: string,
  inputs: Readonly<Record<string, string | null>>,
): string | null {
  const keys = Object.keys(inputs).sort();
  if (keys.some((k) => inputs[k] === null)) return null;
  const parts = [codeVersion ?? runId, ...keys.map((k) => `${k}:${inputs[k]}`)];
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 32);
}
