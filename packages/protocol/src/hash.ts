/**
 * @strata/protocol/hash: content hashes. A separate entry point because it needs `node:crypto`,
 * which a browser bundle of the rest of the contract must not pull in.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

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
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
