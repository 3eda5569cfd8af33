import {
  type BackfillPolicy,
  chunkRanges,
  type IndexRange,
  inferPartitionMapping,
  mergeRanges,
  type PartitionMapping,
  type PartitionSpace,
  subtractRanges,
  upstreamRanges,
} from "@strata/protocol";
import type { StatusRange } from "../partitions/status.js";

/** Which partitions of the target a backfill materializes, per asset. */
export type BackfillFilter = "ALL" | "MISSING" | "FAILED_AND_MISSING";

/** A selected asset as the planner needs it: its upstreams in the selection and how it reads them. */
export interface PlanAsset {
  key: string;
  /** Upstream keys (any; those outside the selection are ignored). */
  deps: readonly string[];
  backfillPolicy: BackfillPolicy | null;
  /** Upstream key → explicit mapping; the others are inferred. */
  partitionMappings: Readonly<Record<string, PartitionMapping>>;
}

/** One planned run: `assetKeys` over the partitions `startIndex..endIndex` of the shared space. */
export interface PlannedChunk {
  idx: number;
  assetKeys: string[];
  startIndex: number;
  endIndex: number;
  startKey: string;
  endKey: string;
  /** The idx of the chunks that materialize upstream partitions this one reads. */
  dependsOn: number[];
  /** The reverse edges: the idx of the chunks whose dependsOn names this one. */
  dependents: number[];
}

export interface BackfillPlan {
  policy: BackfillPolicy;
  /** Per asset, the index ranges it will materialize (the target after `only`). */
  targets: Map<string, IndexRange[]>;
  chunks: PlannedChunk[];
}

/** A plan the chunks cannot follow: a chunk would wait for itself through others. */
export class BackfillPlanCycleError extends Error {
  constructor(readonly chunkIdx: number) {
    super(`chunk ${chunkIdx} would wait for itself`);
  }
}

/**
 * The part of `target` that `only` keeps, given the asset's stored statuses over it: MISSING
 * keeps what was never materialized nor attempted (and not running), FAILED_AND_MISSING also
 * what failed.
 *
 * @example
 * filterTarget([{ start: 0, end: 89 }], statuses, "MISSING"); // the MISSING ranges within 0..89
 */
export function filterTarget(target: readonly IndexRange[], statuses: readonly StatusRange[], only: BackfillFilter): IndexRange[] {
  if (only === "ALL") return mergeRanges(target);
  const drop = statuses
    .filter((s) => s.status === "MATERIALIZED" || s.status === "IN_PROGRESS" || (only === "MISSING" && s.status === "FAILED"))
    .map((s) => ({ start: s.startIndex, end: s.endIndex }));
  return subtractRanges(target, drop);
}

/**
 * The policy chunks are cut by: an explicit `singleRun` or `maxPartitionsPerRun` wins; else the
 * strictest of the assets' policies (as Dagster does for a backfill of several assets: the
 * smallest maxPartitionsPerRun, single_run only when every asset is single_run), an asset
 * without a policy counting as one partition per run.
 */
export function effectivePolicy(
  assets: readonly PlanAsset[],
  override: { singleRun?: boolean | null; maxPartitionsPerRun?: number | null },
): BackfillPolicy {
  if (override.singleRun) return { kind: "single_run" };
  if (override.maxPartitionsPerRun != null) return { kind: "multi_run", maxPartitionsPerRun: override.maxPartitionsPerRun };
  const limits = assets.map((a) =>
    a.backfillPolicy?.kind === "single_run" ? Number.POSITIVE_INFINITY : (a.backfillPolicy?.maxPartitionsPerRun ?? 1),
  );
  const max = Math.min(...limits);
  return max === Number.POSITIVE_INFINITY ? { kind: "single_run" } : { kind: "multi_run", maxPartitionsPerRun: max };
}

/** Splits the indexes targeted by any asset into ranges with the same set of assets. */
function groupBySelection(assets: readonly PlanAsset[], targets: Map<string, IndexRange[]>): Map<string, IndexRange[]> {
  const events: { at: number; asset: number; delta: 1 | -1 }[] = [];
  assets.forEach((a, i) => {
    for (const r of targets.get(a.key) ?? []) events.push({ at: r.start, asset: i, delta: 1 }, { at: r.end + 1, asset: i, delta: -1 });
  });
  events.sort((x, y) => x.at - y.at);
  const groups = new Map<string, IndexRange[]>();
  const active = new Set<number>();
  for (let i = 0; i < events.length; ) {
    const at = events[i]!.at;
    for (; i < events.length && events[i]!.at === at; i++) {
      if (events[i]!.delta === 1) active.add(events[i]!.asset);
      else active.delete(events[i]!.asset);
    }
    if (active.size === 0 || i === events.length) continue;
    const key = [...active]
      .sort((a, b) => a - b)
      .map((a) => assets[a]!.key)
      .join(",");
    const list = groups.get(key) ?? [];
    list.push({ start: at, end: events[i]!.at - 1 });
    groups.set(key, list);
  }
  return groups;
}

/**
 * Plans a backfill of assets sharing one partitions definition (`space`): the indexes each
 * asset targets are grouped by the set of assets that target them, each group's ranges are cut
 * by the policy, and one chunk is one run materializing that asset set over one contiguous
 * range. A chunk depends on the chunks that materialize, outside itself, the upstream
 * partitions its assets read from other selected assets (explicit or inferred mappings through
 * `upstreamRanges`; upstream partitions that do not exist are ignored). Within a chunk the
 * run's own step order materializes upstreams first, so no edge is needed there.
 *
 * @example
 * const plan = planBackfill(space, [a, b], new Map([["a", [{ start: 0, end: 89 }]], ["b", [{ start: 0, end: 89 }]]]), policy);
 * plan.chunks.length; // 3 with maxPartitionsPerRun 30
 */
export function planBackfill(
  space: PartitionSpace,
  assets: readonly PlanAsset[],
  targets: Map<string, IndexRange[]>,
  policy: BackfillPolicy,
): BackfillPlan {
  const perRun = policy.kind === "single_run" ? Number.MAX_SAFE_INTEGER : policy.maxPartitionsPerRun;
  const pieces: { assetKeys: string[]; range: IndexRange }[] = [];
  for (const [key, ranges] of groupBySelection(assets, targets)) {
    for (const range of chunkRanges(ranges, perRun)) pieces.push({ assetKeys: key.split(","), range });
  }
  pieces.sort((x, y) => x.range.start - y.range.start || x.assetKeys.join(",").localeCompare(y.assetKeys.join(",")));
  const chunks: PlannedChunk[] = pieces.map((p, idx) => ({
    idx,
    assetKeys: p.assetKeys,
    startIndex: p.range.start,
    endIndex: p.range.end,
    startKey: space.keyAt(p.range.start),
    endKey: space.keyAt(p.range.end),
    dependsOn: [],
    dependents: [],
  }));
  addDependencies(space, assets, chunks);
  checkAcyclic(chunks);
  return { policy, targets, chunks };
}

function addDependencies(space: PartitionSpace, assets: readonly PlanAsset[], chunks: PlannedChunk[]): void {
  const selected = new Set(assets.map((a) => a.key));
  // Each (asset, index) lies in exactly one chunk, so an asset's chunks are disjoint and sorted.
  const byAsset = new Map<string, PlannedChunk[]>();
  for (const chunk of chunks) {
    for (const key of chunk.assetKeys) {
      const list = byAsset.get(key);
      if (list) list.push(chunk);
      else byAsset.set(key, [chunk]);
    }
  }
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const definition = space.definition;
  for (const chunk of chunks) {
    const edges = new Set<number>();
    for (const key of chunk.assetKeys) {
      const asset = byKey.get(key)!;
      for (const up of asset.deps) {
        if (!selected.has(up)) continue;
        const mapping = inferPartitionMapping(definition, definition, asset.partitionMappings[up] ?? null);
        const needed = upstreamRanges(mapping, space, { start: chunk.startIndex, end: chunk.endIndex }, space).ranges;
        for (const range of needed)
          for (const other of overlapping(byAsset.get(up) ?? [], range)) if (other !== chunk) edges.add(other.idx);
      }
    }
    chunk.dependsOn = [...edges].sort((a, b) => a - b);
  }
  // Ascending, since chunks are visited in idx order.
  for (const chunk of chunks) for (const d of chunk.dependsOn) chunks[d]!.dependents.push(chunk.idx);
}

/** The chunks (sorted, disjoint) that overlap `range`. */
function overlapping(sorted: readonly PlannedChunk[], range: IndexRange): PlannedChunk[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.endIndex < range.start) lo = mid + 1;
    else hi = mid;
  }
  const found: PlannedChunk[] = [];
  for (let i = lo; i < sorted.length && sorted[i]!.startIndex <= range.end; i++) found.push(sorted[i]!);
  return found;
}

/** Kahn's algorithm: every chunk must be reachable from the chunks that wait for nothing. */
function checkAcyclic(chunks: readonly PlannedChunk[]): void {
  const waiting = chunks.map((c) => c.dependsOn.length);
  const dependents = chunks.map((): number[] => []);
  for (const c of chunks) for (const d of c.dependsOn) dependents[d]!.push(c.idx);
  const ready = chunks.filter((c) => c.dependsOn.length === 0).map((c) => c.idx);
  let seen = 0;
  while (ready.length) {
    const idx = ready.pop()!;
    seen++;
    for (const next of dependents[idx]!) if (--waiting[next]! === 0) ready.push(next);
  }
  if (seen < chunks.length) throw new BackfillPlanCycleError(waiting.findIndex((n) => n > 0));
}
