import { webcrypto } from "node:crypto";
import { contentHash } from "@strata/protocol/hash";
import { canonicalJson, manifestSchema, SUPPORTED_MANIFEST_VERSIONS, type Manifest } from "@strata/protocol";
import { InvalidManifestError, type ManifestProblem } from "../errors.js";
import { encodeManifestText } from "./manifest-store.js";
import { manifestCheckProblems } from "./manifest-checks.js";
import { manifestGraphProblems } from "./manifest-graph.js";

export type { Manifest, ManifestAsset, ManifestStep } from "@strata/protocol";

/**
 * The manifest's content hash: SHA-256 (hex) of its canonical JSON (@strata/protocol's, the one
 * a location hashes with).
 */
export const manifestHash = contentHash;

/** A manifest that passed every check, with what registration stores of it. */
export interface ParsedManifest {
  manifest: Manifest;
  /** Its canonical JSON, gzip-compressed: what "CodeLocationVersion".manifest holds (manifest-store.ts). */
  stored: Promise<Buffer>;
}

/**
 * Validates a manifest received from a location; throws InvalidManifestError listing every
 * problem. Its canonical text is written once: hashed (SHA-256) and compressed for storage on
 * libuv's thread pool while the schema and graph checks run here (for 10,000 assets, ~9 MB:
 * hashing it on the event loop cost ~100 ms, and its storage another JSON.stringify).
 */
export async function parseManifest(input: unknown, hash: string): Promise<ParsedManifest> {
  const text = Buffer.from(canonicalJson(input));
  const digest = webcrypto.subtle.digest("SHA-256", text);
  const stored = encodeManifestText(text);
  // Both are awaited below or, when the manifest is refused, not needed.
  digest.catch(() => {});
  stored.catch(() => {});
  const parsed = manifestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidManifestError(
      parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message, code: "invalid_value" as const })),
    );
  }
  const manifest: Manifest = parsed.data;
  const problems: ManifestProblem[] = [];
  if (!(SUPPORTED_MANIFEST_VERSIONS as readonly number[]).includes(manifest.manifestVersion)) {
    problems.push({
      path: "manifestVersion",
      code: "unsupported_version",
      message: `version ${manifest.manifestVersion} is not supported by this server (it reads ${SUPPORTED_MANIFEST_VERSIONS.join(", ")}); upgrade the server`,
    });
  }
  problems.push(...manifestGraphProblems(manifest), ...manifestCheckProblems(manifest));
  const expected = Buffer.from(await digest).toString("hex");
  if (hash !== expected) {
    problems.push({
      path: "hash",
      code: "hash_mismatch",
      message: `does not match the manifest's content (expected ${expected}): the manifest was altered or hashed differently`,
    });
  }
  if (problems.length) throw new InvalidManifestError(problems);
  return { manifest, stored };
}
