/**
 * @strata/protocol/hash: content hashes. A separate entry point because it needs `node:crypto`,
 * which a browser bundle of the rest of the contract must not pull in.
 */
import { createHash } from "node:crypto";
import { writeCanonicalJson } from "./canonical-json-pieces.js";

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
