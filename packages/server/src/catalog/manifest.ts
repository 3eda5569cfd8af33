import { createHash } from "node:crypto";
import { z } from "zod";
import { InvalidManifestError, type ManifestProblem } from "../errors.js";
import { ASSET_KEY_PATTERN } from "./asset-key.js";
import { manifestGraphProblems } from "./manifest-graph.js";

/**
 * The manifest a code location registers: plain, sorted, versioned JSON describing its assets
 * and steps (produced by `Definitions#manifest()` in @strata/definitions). The server validates
 * it here, at the edge, and never runs user code. Unknown fields are kept (a newer location may
 * send more than this server reads); a `manifestVersion` this server does not know is refused.
 */
export const SUPPORTED_MANIFEST_VERSIONS = [1] as const;
const MAX_ASSETS = 200_000;

const assetKey = z.string().max(1024).regex(ASSET_KEY_PATTERN, 'must be parts of [A-Za-z0-9_-] joined by "/"');
const name = z.string().min(1).max(255);

const metadataEntry = z.looseObject({ type: z.string().min(1).max(64), value: z.unknown() });

const retryPolicy = z
  .looseObject({
    maxRetries: z.number().int().min(0).max(1000),
    delay: z.number().min(0),
    backoff: z.string(),
    jitter: z.string(),
  })
  .nullable();

const manifestAsset = z.looseObject({
  key: assetKey,
  deps: z.array(assetKey),
  group: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be [A-Za-z0-9_-]+").max(255),
  description: z.string().max(100_000).nullable(),
  owners: z.array(z.string().min(1).max(320)),
  tags: z.record(z.string().max(255), z.string().max(1024)),
  kinds: z.array(z.string().min(1).max(64)),
  metadata: z.record(z.string().max(255), metadataEntry),
  codeVersion: z.string().max(1024).nullable(),
  stepKey: name,
  multiAsset: z.looseObject({ name, canSubset: z.boolean() }).nullable(),
  graphAsset: name.nullable(),
  ioManagerKey: name,
});

const manifestStep = z.looseObject({
  key: name,
  kind: z.enum(["asset", "multi_asset", "op"]),
  inputs: z.array(z.looseObject({ name, stepKey: name, output: name, assetKey: assetKey.nullable() })),
  outputs: z.array(z.looseObject({ name, assetKey: assetKey.nullable() })),
  retryPolicy,
  deps: z.array(z.looseObject({ stepKey: name, output: name, assetKey })),
  externalInputs: z.array(z.looseObject({ name, assetKey })),
  canSubset: z.boolean(),
  graph: name.nullable(),
  requiredResourceKeys: z.array(name),
});

const manifestSchema = z.looseObject({
  manifestVersion: z.number().int(),
  assets: z.array(manifestAsset).max(MAX_ASSETS),
  steps: z.array(manifestStep),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestAsset = z.infer<typeof manifestAsset>;
export type ManifestStep = z.infer<typeof manifestStep>;

/**
 * The manifest's content hash: SHA-256 (hex) of its canonical JSON, in which object keys are
 * sorted at every depth and arrays keep their order. The same definitions always hash the same.
 */
export function manifestHash(manifest: unknown): string {
  return createHash("sha256").update(canonicalJson(manifest)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Validates a manifest received from a location; throws InvalidManifestError listing every problem. */
export function parseManifest(input: unknown, hash: string): Manifest {
  const parsed = manifestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidManifestError(
      parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message, code: "invalid_value" as const })),
    );
  }
  const manifest = parsed.data;
  const problems: ManifestProblem[] = [];
  if (!(SUPPORTED_MANIFEST_VERSIONS as readonly number[]).includes(manifest.manifestVersion)) {
    problems.push({
      path: "manifestVersion",
      code: "unsupported_version",
      message: `version ${manifest.manifestVersion} is not supported by this server (it reads ${SUPPORTED_MANIFEST_VERSIONS.join(", ")}); upgrade the server`,
    });
  }
  problems.push(...manifestGraphProblems(manifest));
  const expected = manifestHash(input);
  if (hash !== expected) {
    problems.push({ path: "hash", code: "hash_mismatch", message: `does not match the manifest's content (expected ${expected}): the manifest was altered or hashed differently` });
  }
  if (problems.length) throw new InvalidManifestError(problems);
  return manifest;
}
