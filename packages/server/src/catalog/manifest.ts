import { contentHash } from "@strata/protocol/hash";
import { manifestSchema, SUPPORTED_MANIFEST_VERSIONS, type Manifest } from "@strata/protocol";
import { InvalidManifestError, type ManifestProblem } from "../errors.js";
import { manifestCheckProblems } from "./manifest-checks.js";
import { manifestGraphProblems } from "./manifest-graph.js";

export type { Manifest, ManifestAsset, ManifestStep } from "@strata/protocol";

/**
 * The manifest's content hash: SHA-256 (hex) of its canonical JSON (@strata/protocol's, the one
 * a location hashes with).
 */
export const manifestHash = contentHash;

/** Validates a manifest received from a location; throws InvalidManifestError listing every problem. */
export function parseManifest(input: unknown, hash: string): Manifest {
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
  const expected = manifestHash(input);
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
