import { oneLocation } from "../runs/launch.js";
import {
  type BackfillPolicy,
  canonicalJson,
  type IndexRange,
  type PartitionMapping,
  PartitionError,
  type PartitionSpace,
  type PartitionsDefinition,
  resolveSelection,
  SelectionError,
  toRanges,
} from "@strata/protocol";
import { parseAssetKey } from "../catalog/asset-key.js";
import type { Sql } from "../db/sql.js";
import { AssetNotPartitionedError, InvalidArgumentError, InvalidSelectionError, PartitionKeysNotFoundError } from "../errors.js";
import { loadSpace } from "../partitions/space.js";
import { statusRanges } from "../partitions/status.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { planOf, type RunPlan } from "../runs/run-plan.js";
import { parseTags } from "../runs/run-tags.js";
import {
  type BackfillFilter,
  type BackfillPlan,
  BackfillPlanCycleError,
  effectivePolicy,
  filterTarget,
  type PlanAsset,
  planBackfill,
} from "./plan.js";

/** What launchBackfill and previewBackfill take. */
export interface BackfillInput {
  assetKeys: readonly string[];
  /** The first and last partition keys of the target (inclusive); either may be left out. */
  from?: string | null;
  to?: string | null;
  keys?: readonly string[] | null;
  all?: boolean | null;
  only?: BackfillFilter | null;
  maxPartitionsPerRun?: number | null;
  singleRun?: boolean | null;
  tags?: unknown;
  title?: string | null;
}

/** A backfill checked against the catalog and planned, nothing written yet. */
export interface ResolvedBackfill {
  locationId: string;
  location: string;
  versionId: string;
  assetKeys: string[];
  definition: PartitionsDefinition;
  space: PartitionSpace;
  only: BackfillFilter;
  tags: Record<string, string>;
  title: string | null;
  plan: BackfillPlan;
  /** The run plan of each asset set of the chunks, by the set's keys joined with ",". */
  plans: Record<string, RunPlan>;
}

export const MAX_BACKFILL_RUNS = 200_000;

interface NodeRow {
  key: string;
  locationId: string;
  location: string;
  versionId: string | null;
  partitions: PartitionsDefinition | null;
  backfillPolicy: BackfillPolicy | null;
  partitionMappings: Record<string, PartitionMapping>;
  deps: string[];
}

/**
 * Checks a backfill against the catalog (one location, every asset partitioned by one
 * definition, keys that exist), applies `only` to the target per asset and plans the chunks.
 * `targets` replaces the target asked by keys (a re-execution names its pairs itself).
 */
export async function resolveBackfill(
  sql: Sql,
  manifests: ManifestCache,
  input: BackfillInput,
  targets?: Map<string, IndexRange[]>,
): Promise<ResolvedBackfill> {
  if (input.assetKeys.length === 0) throw new InvalidSelectionError("EMPTY_SELECTION", "Select at least one asset to backfill");
  if (input.assetKeys.length > 1000) throw new InvalidArgumentError("assetKeys", "a backfill selects at most 1,000 assets");
  const keys = [...new Set(input.assetKeys.map((key, i) => parseAssetKey(key, `assetKeys.${i}`)))];
  if (input.maxPartitionsPerRun != null && (!Number.isInteger(input.maxPartitionsPerRun) || input.maxPartitionsPerRun < 1))
    throw new InvalidArgumentError("maxPartitionsPerRun", "must be a positive integer");
  if (input.singleRun && input.maxPartitionsPerRun != null)
    throw new InvalidArgumentError("singleRun", "give singleRun or maxPartitionsPerRun, not both");
  if (input.title != null && input.title.length > 500) throw new InvalidArgumentError("title", "at most 500 characters");
  const tags = parseTags(input.tags);
  const nodes = await sql.query<NodeRow>(
    `SELECT n.key, n."locationId", l.name AS location, l."currentVersionId" AS "versionId", n.partitions, n."backfillPolicy",
            n."partitionMappings", ARRAY(SELECT d."upstreamKey" FROM "AssetDependency" d WHERE d."downstreamKey" = n.key) AS deps
     FROM (SELECT DISTINCT unnest($1::text[]) AS key) k JOIN "AssetNode" n ON n.key = k.key JOIN "CodeLocation" l ON l.id = n."locationId"
     ORDER BY n.key`,
    [keys],
  );
  const { locationId, location, versionId } = oneLocation(keys, nodes, "backfill");
  if (!versionId) throw new InvalidSelectionError("NOT_LOADED", `Code location "${location}" has no registered manifest`);
  const unpartitioned = nodes.filter((n) => !n.partitions).map((n) => n.key);
  if (unpartitioned.length)
    throw new AssetNotPartitionedError(
      { assetKeys: unpartitioned },
      `${quote(unpartitioned)} ${unpartitioned.length === 1 ? "is" : "are"} not partitioned: a backfill fills partitions`,
    );
  const definitions = new Set(nodes.map((n) => canonicalJson(n.partitions)));
  if (definitions.size > 1)
    throw new AssetNotPartitionedError(
      { assetKeys: keys },
      `${quote(keys)} have different partitions definitions: backfill them one definition at a time`,
    );
  const definition = nodes[0]!.partitions!;
  const space = await loadSpace(sql, definition);
  const only = input.only ?? "ALL";
  const perAsset = targets ?? (await filteredTargets(sql, space, keys, targetRanges(space, input), only));
  // In the order asked: a chunk lists its assets in that order.
  nodes.sort((a, b) => keys.indexOf(a.key) - keys.indexOf(b.key));
  const assets: PlanAsset[] = nodes.map((n) => ({
    key: n.key,
    deps: n.deps,
    backfillPolicy: n.backfillPolicy,
    partitionMappings: n.partitionMappings,
  }));
  const policy = effectivePolicy(assets, input);
  let plan: BackfillPlan;
  try {
    plan = planBackfill(space, assets, perAsset, policy);
  } catch (error) {
    if (error instanceof BackfillPlanCycleError || error instanceof PartitionError)
      throw new InvalidArgumentError(
        "assetKeys",
        `the selected assets' partition mappings cannot be backfilled together (${error.message}): backfill the upstream assets first`,
      );
    throw error;
  }
  if (plan.chunks.length === 0)
    throw new InvalidArgumentError(
      input.only && input.only !== "ALL" ? "only" : "to",
      `nothing to backfill: no partition of ${quote(keys)} is targeted${only === "ALL" ? "" : ` with only ${only}`}`,
    );
  if (plan.chunks.length > MAX_BACKFILL_RUNS)
    throw new InvalidArgumentError(
      "maxPartitionsPerRun",
      `a backfill creates at most ${MAX_BACKFILL_RUNS.toLocaleString("en-US")} runs, this one ${plan.chunks.length.toLocaleString("en-US")}: put more partitions in each run`,
    );
  const manifest = await manifests.get(sql, versionId);
  const plans: Record<string, RunPlan> = {};
  for (const chunk of plan.chunks) {
    const id = chunk.assetKeys.join(",");
    if (plans[id]) continue;
    try {
      const selection = resolveSelection(manifest, chunk.assetKeys);
      plans[id] = planOf(manifest, selection);
    } catch (error) {
      if (error instanceof SelectionError)
        throw new InvalidSelectionError(
          error.code === "partial_multi_asset" ? "PARTIAL_MULTI_ASSET" : "UNKNOWN_ASSETS",
          error.message,
          chunk.assetKeys,
        );
      throw error;
    }
  }
  return { locationId, location, versionId, assetKeys: keys, definition, space, only, tags, title: input.title ?? null, plan, plans };
}

/** The indexes the input names: from..to, explicit keys, or all. */
function targetRanges(space: PartitionSpace, input: BackfillInput): IndexRange[] {
  const byRange = input.from != null || input.to != null;
  const ways = [byRange, input.keys != null, Boolean(input.all)].filter(Boolean).length;
  if (ways !== 1) throw new InvalidArgumentError("from", "give from/to, keys, or all (one of them)");
  const indexOf = (keys: readonly string[]) => {
    const unknown = keys.filter((k) => space.indexOf(k) === null);
    if (unknown.length)
      throw new PartitionKeysNotFoundError(
        { keys: unknown },
        `partition ${quote(unknown)} ${unknown.length === 1 ? "does" : "do"} not exist (${space.count} partitions now)`,
      );
    return keys.map((k) => space.indexOf(k)!);
  };
  if (input.all) return space.count > 0 ? [{ start: 0, end: space.count - 1 }] : [];
  if (input.keys != null) {
    if (input.keys.length > 100_000) throw new InvalidArgumentError("keys", "at most 100,000 keys: use from/to");
    return toRanges(indexOf(input.keys));
  }
  const [start] = input.from != null ? indexOf([input.from]) : [0];
  const [end] = input.to != null ? indexOf([input.to]) : [space.count - 1];
  if (end! < start!) throw new InvalidArgumentError("to", `"${input.to}" comes before "${input.from}"`);
  return [{ start: start!, end: end! }];
}

async function filteredTargets(
  sql: Sql,
  space: PartitionSpace,
  keys: readonly string[],
  target: IndexRange[],
  only: BackfillFilter,
): Promise<Map<string, IndexRange[]>> {
  const targets = new Map<string, IndexRange[]>();
  const bounds = target.length ? { start: target[0]!.start, end: target.at(-1)!.end } : null;
  for (const key of keys) {
    const statuses = only === "ALL" || !bounds ? [] : await statusRanges(sql, key, space, bounds);
    targets.set(key, filterTarget(target, statuses, only));
  }
  return targets;
}

function quote(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((k) => `"${k}"`);
  return `${shown.join(", ")}${keys.length > 5 ? ` and ${keys.length - 5} more` : ""}`;
}
