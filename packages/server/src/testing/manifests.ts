import { manifestHash } from "../catalog/manifest.js";

/** Test fixtures in the wire format a code location registers (see catalog/manifest.ts). */
export interface FixtureAsset {
  key: string;
  deps?: string[];
  group?: string;
  description?: string | null;
  owners?: string[];
  tags?: Record<string, string>;
  kinds?: string[];
  metadata?: Record<string, { type: string; value: unknown }>;
  codeVersion?: string | null;
  multiAsset?: { name: string; canSubset: boolean } | null;
  /** @strata/protocol's PartitionsDefinition (makes the manifest version 2). */
  partitions?: unknown;
  /** @strata/protocol's BackfillPolicy. */
  backfillPolicy?: unknown;
  /** Upstream key → @strata/protocol's PartitionMapping, where not the inferred one. */
  partitionMappings?: Record<string, unknown>;
  /** An automation condition tree (`AutomationCondition.eager().node`; makes the manifest version 3). */
  automation?: unknown;
}

/** A check in the wire format: evaluated in its asset's step, or (`ownStep`) in a check step reading it. */
export interface FixtureCheck {
  asset: string;
  name: string;
  blocking?: boolean;
  description?: string | null;
  ownStep?: boolean;
}

/** A manifest of these assets (and checks, which make it version 3) and its hash. */
export function manifestOf(assets: FixtureAsset[], checks: FixtureCheck[] = []) {
  const sorted = [...assets].sort((a, b) => (a.key < b.key ? -1 : 1));
  const stepKeyOf = (a: FixtureAsset) => a.multiAsset?.name ?? a.key.replaceAll("/", "__");
  const manifest = {
    manifestVersion: checks.length || assets.some((a) => a.automation) ? 3 : assets.some((a) => a.partitions) ? 2 : 1,
    assets: sorted.map((a) => ({
      key: a.key,
      deps: [...(a.deps ?? [])].sort(),
      group: a.group ?? "default",
      description: a.description ?? null,
      owners: a.owners ?? [],
      tags: a.tags ?? {},
      kinds: a.kinds ?? [],
      metadata: a.metadata ?? {},
      codeVersion: a.codeVersion ?? null,
      stepKey: stepKeyOf(a),
      multiAsset: a.multiAsset ?? null,
      graphAsset: null,
      ioManagerKey: "io_manager",
      ...(a.partitions ? { partitions: a.partitions } : {}),
      ...(a.backfillPolicy ? { backfillPolicy: a.backfillPolicy } : {}),
      ...(a.partitionMappings ? { partitionMappings: a.partitionMappings } : {}),
      ...(a.automation ? { automation: a.automation } : {}),
    })),
    steps: [...new Set(sorted.map(stepKeyOf))].sort().map((key) => {
      const produced = sorted.filter((a) => stepKeyOf(a) === key);
      const local = new Map(sorted.map((a) => [a.key, a]));
      const upstream = [...new Set(produced.flatMap((a) => a.deps ?? []))].sort();
      return stepOf({
        key,
        kind: sorted.some((a) => a.multiAsset?.name === key) ? "multi_asset" : "asset",
        inputs: [],
        outputs: produced.map((a) => ({ name: a.key.split("/").at(-1)!, assetKey: a.key })),
        // Lineage within the location orders steps; other locations' keys are lineage only.
        deps: upstream
          .filter((k) => local.has(k) && stepKeyOf(local.get(k)!) !== key)
          .map((k) => ({ stepKey: stepKeyOf(local.get(k)!), output: k.split("/").at(-1)!, assetKey: k })),
        canSubset: produced.every((a) => a.multiAsset?.canSubset ?? true),
      });
    }),
  };
  if (checks.length === 0) return { manifest, hash: manifestHash(manifest) };
  const parts = checkParts(sorted, stepKeyOf, checks);
  const withChecks = {
    ...manifest,
    steps: [...manifest.steps, ...parts.checkSteps].sort((a, b) => (a.key < b.key ? -1 : 1)),
    checks: parts.checks,
  };
  return { manifest: withChecks, hash: manifestHash(withChecks) };
}

/** A step in the wire format: what varies between the fixtures' steps, with the rest at its default. */
function stepOf<Step extends { key: string; kind: string; inputs: unknown[]; outputs: unknown[]; deps: unknown[]; canSubset: boolean }>(
  step: Step,
) {
  return { ...step, retryPolicy: null, externalInputs: [], graph: null, requiredResourceKeys: [] };
}

function checkParts(assets: FixtureAsset[], stepKeyOf: (a: FixtureAsset) => string, checks: FixtureCheck[]) {
  const stepKeyOfAsset = (key: string) => {
    const asset = assets.find((a) => a.key === key);
    return asset ? stepKeyOf(asset) : key.replaceAll("/", "__");
  };
  const sorted = [...checks].sort((a, b) => (`${a.asset}#${a.name}` < `${b.asset}#${b.name}` ? -1 : 1));
  return {
    checks: sorted.map((c) => ({
      key: `${c.asset}#${c.name}`,
      assetKey: c.asset,
      name: c.name,
      description: c.description ?? null,
      blocking: c.blocking ?? false,
      stepKey: c.ownStep ? `${c.asset}#${c.name}` : stepKeyOfAsset(c.asset),
    })),
    checkSteps: sorted
      .filter((c) => c.ownStep)
      .map((c) =>
        stepOf({
          key: `${c.asset}#${c.name}`,
          kind: "check",
          inputs: [
            { name: c.asset.split("/").at(-1)!, stepKey: stepKeyOfAsset(c.asset), output: c.asset.split("/").at(-1)!, assetKey: c.asset },
          ],
          outputs: [],
          deps: [],
          canSubset: false,
        }),
      ),
  };
}

export const REGISTER = /* GraphQL */ `
  mutation Register($name: String!, $manifest: JSON!, $hash: String!) {
    registerCodeLocation(name: $name, manifest: $manifest, hash: $hash) {
      __typename
      ... on Error { message code }
      ... on RegisterCodeLocationSuccess { changed message version addedKeys removedKeys location { name status version hash } }
      ... on InvalidManifestError { problems { path message } }
      ... on AssetKeyCollisionError { locationName collisions { key definedBy } }
    }
  }
`;

/** Daily partitions in Europe/Berlin for Q1 2024 (91 keys; `end` is exclusive), the partition tests' definition. */
export const DAILY_Q1_BERLIN = {
  kind: "time_window",
  cron: "0 0 * * *",
  start: "2024-01-01T00:00:00",
  end: "2024-04-01T00:00:00",
  timezone: "Europe/Berlin",
  format: "yyyy-MM-dd",
  endOffset: 0,
};

/** Daily partitions in UTC for January 2024 (31 keys). */
export const DAILY_JANUARY_UTC = { ...DAILY_Q1_BERLIN, end: "2024-02-01T00:00:00", timezone: "UTC" };
