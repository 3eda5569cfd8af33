import { markInProgress, markRunsInProgress } from "../partitions/status.js";
import { type PartitionRequest, type RunPartitions, resolveRunPartitions } from "../partitions/run-partitions.js";
import { randomUUID } from "node:crypto";
import { assetsOfChecks, type LaunchSelection, resolveLaunchSelection } from "../checks/launch-selection.js";
import { plannedChecks } from "../checks/planned.js";
import type { Manifest, PartitionsDefinition } from "@strata/protocol";
import { prepared, type Sql } from "../db/sql.js";
import { Prisma, type Run } from "../generated/prisma/client.js";
import { InvalidArgumentError, InvalidSelectionError } from "../errors.js";
import { parseAssetKey } from "../catalog/asset-key.js";
import type { ManifestCache } from "./manifest-cache.js";
import { COORDINATOR_LOCK } from "./queue.js";
import { type ClaimedRun, type ClaimedRow, claimedRun, runStartEvent } from "./claim.js";
import type { ClaimDesk, HandOff, WaitingWorker } from "./claim-desk.js";
import { planOf, type RunPlan } from "./run-plan.js";
import { parseTags, priorityOf, tagPairs } from "./run-tags.js";
import { serverTracing } from "../tracing/tracing.js";
import { unsyncedSelection } from "./unsynced-selection.js";

export interface NewRun {
  locationId: string;
  versionId: string;
  plan: RunPlan;
  tags: Record<string, string>;
  parentRunId?: string | null;
  rootRunId?: string | null;
  strategy?: string | null;
  createdBy: string;
  /** The partitions it materializes: marked IN_PROGRESS in the transaction that stores it. */
  partitions?: RunPartitions | null;
  /**
   * Stored only while `versionId` is still its location's current version (else insertRun
   * answers null and stores nothing): for a launch planned on what an earlier launch found.
   */
  onlyAtVersion?: boolean;
  /**
   * A worker of its location waiting on this server (ClaimDesk): an admitted run is stored
   * claimed by it, STARTED with its lease and RUN_START, when a claim would have taken it next
   * (no other run of the location STARTING). Only for a launch that commits as it returns.
   */
  handTo?: WaitingWorker | null;
}

/**
 * The stored run as its row: the same fields Prisma's `Run` has, so GraphQL can answer the
 * launch without reading it back.
 */
export type RunRow = Run;

/**
 * The run's first status: STARTING when it was admitted at once, else QUEUED for the
 * coordinator; STARTED when it was handed to a waiting worker as it was admitted (NewRun.handTo).
 */
export type NewRunStatus = "QUEUED" | "STARTING" | "STARTED";

/** The Run columns this server's Prisma client knows, each quoted and prefixed with `table` (a table or CTE name, or ""). */
const runColumns = (table: string) =>
  Object.values(Prisma.RunScalarFieldEnum)
    .map((column) => `${table}"${column}"`)
    .join(", ");
const RUN_COLUMNS = runColumns("");
const STORED_RUN_COLUMNS = runColumns("run.");

/**
 * A run and its PENDING steps (and planned checks), admitted at once or queued (see insertRun):
 * $1 id, $2 location, $3 version, $4 assets, $5 plan, $6 tags, $7 tag pairs, $8 priority, $9
 * parent, $10 root, $11 strategy, $12 creator, $13 steps, $14 admitUpTo (-1: never), $15-$17
 * partition key and range, $18 check keys, $19 traceparent, $20 only while version $3 is
 * location $2's current one (NewRun.onlyAtVersion; else nothing is stored, nor answered), $21
 * the location's id again when an admitted run may be handed off (NewRun.handTo; else null), $22
 * the worker taking it, $23 its lease in seconds. A run handed off is STARTED, claimed, its
 * RUN_START stored as a claim stores it (claim.ts) and answered beside its row. It answers the
 * columns this server's Prisma client knows, by name: a prepared statement's result
 * keeps its shape, so `*` would fail it ("cached plan must not change result type") once a newer
 * server's migration added a column.
 */
const STORE_RUN = prepared(`WITH decision AS (SELECT "strata_launch_status"($14::int, ${COORDINATOR_LOCK}, $21::text) AS status),
   run AS (
     INSERT INTO "Run" (id, status, "startingAt", "locationId", "versionId", selection, plan, tags, "tagPairs", priority, "parentRunId",
                        "rootRunId", "reexecutionStrategy", "createdBy", "createdAt", "updatedAt", "partitionKey",
                        "partitionRangeStart", "partitionRangeEnd", traceparent,
                        "workerId", "startedAt", "lastHeartbeatAt", "leaseExpiresAt", "lastEventSeq")
     SELECT $1, d.status, CASE WHEN d.status <> 'QUEUED' THEN now() END, $2, $3, $4::text[], $5::jsonb, $6::jsonb,
            $7::text[], $8, $9, $10, $11::"ReexecutionStrategy", $12, now(), now(), $15, $16, $17, $19,
            CASE WHEN d.status = 'STARTED' THEN $22::text END, CASE WHEN d.status = 'STARTED' THEN now() END,
            CASE WHEN d.status = 'STARTED' THEN now() END, CASE WHEN d.status = 'STARTED' THEN now() + make_interval(secs => $23) END,
            CASE WHEN d.status = 'STARTED' THEN 1 ELSE 0 END
     FROM decision d
     WHERE NOT $20::boolean OR EXISTS (SELECT 1 FROM "CodeLocation" l WHERE l.id = $2 AND l."currentVersionId" = $3)
     RETURNING ${RUN_COLUMNS}),
   steps AS (INSERT INTO "RunStep" ("runId", "stepKey") SELECT run.id, step FROM run, unnest($13::text[]) AS step),
   checks AS (${plannedChecks("run.id", "$15")} FROM run, unnest($18::text[]) AS k(key) JOIN "AssetCheck" c ON c.key = k.key),
   start AS (${runStartEvent("run", `"reexecutionStrategy"`)} WHERE c.status = 'STARTED' RETURNING message, payload, timestamp)
   SELECT ${STORED_RUN_COLUMNS}, s.message AS "startMessage", s.payload AS "startPayload", s.timestamp AS "startTimestamp"
   FROM run LEFT JOIN start s ON true`);

/**
 * Stores a run and its PENDING steps. With `admitUpTo` (the global limit; 0 for none) and no
 * tag limits to weigh, a run that would be next anyway (nothing queued ahead of it, a slot
 * free) is admitted in the same transaction, under the coordinator's lock: it is STARTING when
 * the launch commits, and its start skips a coordinator pass. Otherwise it is QUEUED.
 */
export function insertRun(sql: Sql, run: NewRun & { onlyAtVersion?: false }, admitUpTo: number | null): Promise<StoredRun>;
export function insertRun(sql: Sql, run: NewRun, admitUpTo: number | null): Promise<StoredRun | null>;
export function insertRun(sql: Sql, run: NewRun, admitUpTo: number | null): Promise<StoredRun | null> {
  const id = randomUUID();
  // A span per launch when tracing is on; its context is stored with the run (below).
  return serverTracing().span("strata.run.launch", { "strata.run_id": id }, () => storeRun(sql, id, run, admitUpTo));
}

/** A run just stored, as insertRun answers it. */
export interface StoredRun {
  id: string;
  status: NewRunStatus;
  row: RunRow;
  /** Handed to the worker NewRun.handTo named (status STARTED): the run as that worker's claim answers it. */
  claimed?: ClaimedRun;
}

async function storeRun(sql: Sql, id: string, run: NewRun, admitUpTo: number | null): Promise<StoredRun | null> {
  const params = [
    id,
    run.locationId,
    run.versionId,
    run.plan.assetKeys,
    JSON.stringify(run.plan),
    JSON.stringify(run.tags),
    tagPairs(run.tags),
    priorityOf(run.tags),
    run.parentRunId ?? null,
    run.rootRunId ?? null,
    run.strategy ?? null,
    run.createdBy,
    run.plan.stepKeys,
    admitUpTo ?? -1,
    run.partitions?.key ?? null,
    run.partitions?.range?.start ?? null,
    run.partitions?.range?.end ?? null,
    run.plan.checkKeys ?? [],
    // The launching request's span (tracing on): the worker's run trace links back to it.
    serverTracing().traceparent(),
    run.onlyAtVersion ?? false,
    run.handTo ? run.locationId : null,
    run.handTo?.workerId ?? null,
    run.handTo?.leaseSeconds ?? 0,
  ];

  // Admission under a limit counts the runs admitted, under the coordinator's lock, taken by
  // strata_launch_status before it reads the queue (see its migration): one round trip on the
  // way to the run's start. A run's partitions are marked in the same transaction.
  const partitions = run.partitions;
  const [stored] = !partitions
    ? await sql.query<StoredRow>(STORE_RUN, params)
    : await sql.transaction(async (tx) => {
        const rows = await tx.query<StoredRow>(STORE_RUN, params);
        if (rows.length === 0) return rows;
        await markInProgress(
          tx,
          id,
          partitions.assetKeys.filter((key) => run.plan.assetKeys.includes(key)),
          partitions.partitions,
        );
        return rows;
      });
  if (!stored) return null;
  const { startMessage, startPayload, startTimestamp, ...row } = stored;
  const status = row.status as NewRunStatus;
  if (status !== "STARTED") return { id, status, row };
  const claimed = claimedRun({
    id,
    plan: row.plan,
    parentRunId: row.parentRunId,
    rootRunId: row.rootRunId,
    strategy: row.reexecutionStrategy,
    tags: row.tags as Record<string, string>,
    leaseExpiresAt: row.leaseExpiresAt!,
    partitionKey: row.partitionKey,
    partitionRangeStart: row.partitionRangeStart,
    partitionRangeEnd: row.partitionRangeEnd,
    traceparent: row.traceparent,
    queuedSeconds: (row.startedAt!.getTime() - row.createdAt.getTime()) / 1000,
    startMessage: startMessage!,
    startPayload,
    startTimestamp: startTimestamp!,
  });
  return { id, status, row, claimed };
}

/** STORE_RUN's row: the run's, and its RUN_START's when it was handed off. */
type StoredRow = RunRow & Partial<Pick<ClaimedRow, "startMessage" | "startTimestamp">> & { startPayload?: unknown };

/**
 * The selected assets' one code location: every key must be defined, all by the same location.
 * `what` names what is launched ("run", "backfill") in the refusals. @internal
 */
export function oneLocation<N extends { key: string; location: string }>(keys: readonly string[], nodes: readonly N[], what: string): N {
  const found = new Set(nodes.map((n) => n.key));
  const unknown = keys.filter((k) => !found.has(k));
  if (unknown.length) {
    throw new InvalidSelectionError("UNKNOWN_ASSETS", `No code location defines ${unknown.map((k) => `"${k}"`).join(", ")}`, unknown);
  }
  const locations = [...new Set(nodes.map((n) => n.location))].sort();
  if (locations.length > 1) {
    throw new InvalidSelectionError(
      "MULTIPLE_LOCATIONS",
      `A ${what} executes in one code location, but the selection spans ${locations.join(", ")}: launch one ${what} per location`,
      [...keys],
    );
  }
  return nodes[0]!;
}

/**
 * What a launch needs of its selection's code location, when the caller already holds it: the
 * automation tick launches assets of the manifest it evaluated, so it skips the catalog look-ups
 * (and their checks, which its selection passes by construction).
 */
export interface KnownLocation {
  locationId: string;
  location: string;
  versionId: string;
  manifest: Manifest;
  /** The partitions definitions of the manifest's assets (absent: read from the catalog). */
  partitionsDefinitions?: ReadonlyMap<string, PartitionsDefinition>;
}

/** The selected assets' nodes ($1: their keys), each with its location and the location's current version. */
const LOCATE_SELECTION = prepared(
  `SELECT n.key, n."locationId", l.name AS location, l."currentVersionId" AS "versionId", n.partitions IS NOT NULL AS partitioned
   FROM (SELECT DISTINCT unnest($1::text[]) AS key) k JOIN "AssetNode" n ON n.key = k.key JOIN "CodeLocation" l ON l.id = n."locationId"`,
);

/** Where a selection's assets were found: its location, that location's version then, its partitioned assets. */
interface LocatedSelection {
  locationId: string;
  location: string;
  versionId: string;
  partitioned: readonly string[];
}

/**
 * Selections launched before (by their keys, sorted), where they were found: a launch of the
 * same selection plans on it at once and stores its run only while the version found is still
 * its location's current one (NewRun.onlyAtVersion), in the same statement. A version pins its
 * location's assets (a registration that changes them is a new version; another location cannot
 * take a key this one defines), so the check is the catalog look-up, without its round trip.
 * Per ManifestCache (per server), bounded: dropped whole when full, as selections launched
 * again are few.
 */
const locatedSelections = new WeakMap<ManifestCache, Map<string, LocatedSelection>>();
const MAX_LOCATED_SELECTIONS = 1_000;
/** Larger selections are looked up each time: their key is as long as their look-up is cheap beside their run. */
const MAX_LOCATED_KEYS = 1_000;

/** The selection's one code location (see oneLocation); `reused` when found by an earlier launch. */
async function locationOfSelection(
  sql: Sql,
  manifests: ManifestCache,
  keys: readonly string[],
  reuse: boolean,
): Promise<LocatedSelection & { reused: boolean; forget(): void }> {
  const unique = [...new Set(keys)];
  const cacheKey = unique.length <= MAX_LOCATED_KEYS ? [...unique].sort().join("\n") : null;
  let cache = locatedSelections.get(manifests);
  if (!cache) locatedSelections.set(manifests, (cache = new Map()));
  const forget = () => {
    if (cacheKey !== null) cache.delete(cacheKey);
  };
  const earlier = reuse && cacheKey !== null ? cache.get(cacheKey) : undefined;
  const found = earlier ?? (await lookUpSelection(sql, unique));
  if (!earlier && cacheKey !== null) {
    if (cache.size >= MAX_LOCATED_SELECTIONS) cache.clear();
    cache.set(cacheKey, found);
  }
  return { ...found, reused: earlier !== undefined, forget };
}

/** Refuses a selection with partitioned assets launched without a partition. */
function requirePartition(partitioned: readonly string[], input: PartitionRequest): void {
  if (partitioned.length && input.partition == null && input.partitionRange == null) {
    throw new InvalidSelectionError(
      "MISSING_PARTITION",
      `${partitioned.map((k) => `"${k}"`).join(", ")} ${partitioned.length === 1 ? "is" : "are"} partitioned: launch with a partition or a partitionRange`,
      [...partitioned],
    );
  }
}

/** Where the selection's assets are, from the catalog (refusals: see oneLocation, and NOT_LOADED). */
async function lookUpSelection(sql: Sql, keys: readonly string[]): Promise<LocatedSelection> {
  const nodes = await sql.query<{
    key: string;
    locationId: string;
    location: string;
    versionId: string | null;
    partitioned: boolean;
  }>(LOCATE_SELECTION, [keys]);
  const { locationId, versionId, location } = oneLocation(keys, nodes, "run");
  if (!versionId) throw new InvalidSelectionError("NOT_LOADED", `Code location "${location}" has no registered manifest`);
  return { locationId, location, versionId, partitioned: nodes.filter((n) => n.partitioned).map((n) => n.key) };
}

/**
 * Validates a selection of asset keys against the catalog and the owning location's current
 * manifest (the same rules the location's executor applies), then queues the run. With
 * `unsyncedOnly`, the valid selection is then narrowed to its unsynced and missing assets
 * (see unsynced-selection.ts).
 *
 * With `claims` (a launch that commits as it returns: not in a caller's transaction), an admitted
 * run may be handed to a worker of its location waiting there (NewRun.handTo): the answer's
 * `handOff` then holds it, for the caller to settle with `claimed` once it has announced the run.
 */
export async function launchRun(
  sql: Sql,
  manifests: ManifestCache,
  input: LaunchSelection & { tags?: unknown; createdBy: string; unsyncedOnly?: boolean | null } & PartitionRequest,
  admitUpTo: number | null,
  known?: KnownLocation,
  reuse = true,
  claims?: ClaimDesk,
): Promise<LaunchedRun> {
  const checkedAssets = assetsOfChecks(input.checkKeys);
  if (input.assetKeys.length === 0 && checkedAssets.length === 0)
    throw new InvalidSelectionError("EMPTY_SELECTION", "Select at least one asset or check to launch a run");
  if (input.assetKeys.length > 100_000) throw new InvalidArgumentError("assetKeys", "select at most 100,000 assets");
  const keys = [...new Set(input.assetKeys.map((key, i) => parseAssetKey(key, `assetKeys.${i}`)))];
  const tags = parseTags(input.tags);
  const located = known ? null : await locationOfSelection(sql, manifests, [...keys, ...checkedAssets], reuse);
  try {
    // Everything that can fail on an earlier launch's findings runs in here, the manifest's read too.
    const where = known ?? { ...located!, manifest: await manifests.get(sql, located!.versionId) };
    if (located) requirePartition(located.partitioned, input);
    const run = await planAndStore(sql, input, keys, checkedAssets, tags, where, admitUpTo, located?.reused ?? false, claims);
    if (run) return run;
  } catch (error) {
    if (!located?.reused) throw error;
  }
  // Planned on what an earlier launch found, which no longer holds (the location registered
  // since), or refused on it: looked up again, and answered from what the catalog holds now.
  located!.forget();
  return launchRun(sql, manifests, input, admitUpTo, undefined, false, claims);
}

/** A launched run, with its location's name; `handOff` when it was handed to a waiting worker (launchRun). */
export type LaunchedRun = StoredRun & { location: string; handOff?: HandOff };

/** launchRun once its location is known: null when `onlyAtVersion` and the location moved on (insertRun). */
async function planAndStore(
  sql: Sql,
  input: LaunchSelection & { createdBy: string; unsyncedOnly?: boolean | null } & PartitionRequest,
  keys: string[],
  checkedAssets: readonly string[],
  tags: Record<string, string>,
  { locationId, versionId, location, manifest, partitionsDefinitions }: KnownLocation,
  admitUpTo: number | null,
  onlyAtVersion: boolean,
  claims: ClaimDesk | undefined,
): Promise<LaunchedRun | null> {
  let selection = resolveLaunchSelection(manifest, { ...input, assetKeys: keys });
  // A check step reads its asset's partition: a run of checks alone takes its assets' partitions.
  let partitions = await resolveRunPartitions(sql, [...new Set([...selection.assetKeys, ...checkedAssets])], input, partitionsDefinitions);
  if (input.unsyncedOnly) {
    const narrowed = await unsyncedSelection(sql, manifest, keys, input);
    selection = resolveLaunchSelection(manifest, { ...input, assetKeys: narrowed });
    // Only unpartitioned assets left to do: the run is not a partition's run.
    if (partitions && !partitions.assetKeys.some((k) => narrowed.includes(k))) partitions = null;
  }
  const newRun = { locationId, versionId, plan: planOf(manifest, selection), tags, createdBy: input.createdBy, partitions };
  const run = await insertRunHandingOff(sql, claims, location, { ...newRun, onlyAtVersion }, admitUpTo);
  return run && { ...run, location };
}

/**
 * insertRun, handing the run to a worker of `location` waiting on `claims` when there is one
 * (NewRun.handTo): the answer's `handOff` then holds it, for the caller to settle with `claimed`
 * once it has announced the run. For a launch that commits as it returns.
 */
export async function insertRunHandingOff(
  sql: Sql,
  claims: ClaimDesk | undefined,
  location: string,
  run: NewRun,
  admitUpTo: number | null,
): Promise<(StoredRun & { handOff?: HandOff }) | null> {
  // Taken as late as can be: the worker waits for this statement, not for the planning too.
  const handOff = claims?.take(location) ?? null;
  let stored: StoredRun | null = null;
  try {
    stored = await insertRun(sql, { ...run, handTo: handOff?.worker }, admitUpTo);
  } finally {
    // Not handed over (or failed): the worker claims again at once, as if woken.
    if (!stored?.claimed) handOff?.settle(null);
  }
  return stored?.claimed && handOff ? { ...stored, handOff } : stored;
}

/** What the runs of one batch share (a backfill's runs: its location, version, tags and creator). */
export interface RunBatch {
  locationId: string;
  versionId: string;
  tags: Record<string, string>;
  createdBy: string;
  backfillId: string | null;
}

/** One run of a batch: its plan and the partitions it materializes. */
export interface BatchRun {
  id: string;
  plan: RunPlan;
  partitions: RunPartitions;
}

const RUNS_PER_STATEMENT = 1000;

/**
 * Stores many QUEUED runs in the caller's transaction: one INSERT of runs and their PENDING
 * steps per 1,000 runs (the plans, few and shared, travel once as JSON; each run is a row of
 * parallel arrays), then their partitions IN_PROGRESS in one more statement. The coordinator
 * admits them afterwards (kick it once the transaction commits).
 */
export async function insertRuns(tx: Sql, batch: RunBatch, runs: readonly BatchRun[]): Promise<void> {
  const tags = JSON.stringify(batch.tags);
  const pairs = tagPairs(batch.tags);
  const priority = priorityOf(batch.tags);
  for (let from = 0; from < runs.length; from += RUNS_PER_STATEMENT) {
    const slice = runs.slice(from, from + RUNS_PER_STATEMENT);
    const plans = new Map<RunPlan, number>();
    for (const run of slice) if (!plans.has(run.plan)) plans.set(run.plan, plans.size);
    await tx.query(
      `WITH plans AS (
         SELECT (t.ord - 1)::int AS i, t.p AS plan, ARRAY(SELECT jsonb_array_elements_text(t.p->'assetKeys')) AS selection,
                ARRAY(SELECT jsonb_array_elements_text(t.p->'stepKeys')) AS steps
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(p, ord)),
       rows AS (SELECT * FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) AS r(id, plan_i, pkey, rstart, rend)),
       run AS (
         INSERT INTO "Run" (id, status, "locationId", "versionId", selection, plan, tags, "tagPairs", priority, "createdBy", "createdAt",
                            "updatedAt", "partitionKey", "partitionRangeStart", "partitionRangeEnd", "backfillId")
         SELECT r.id, 'QUEUED', $7, $8, p.selection, p.plan, $9::jsonb, $10::text[], $11, $12, now(), now(), r.pkey, r.rstart, r.rend, $13
         FROM rows r JOIN plans p ON p.i = r.plan_i
         RETURNING id),
       checks AS (${plannedChecks("r.id", "r.pkey")} FROM run JOIN rows r ON r.id = run.id JOIN plans p ON p.i = r.plan_i,
                    jsonb_array_elements_text(COALESCE(p.plan->'checkKeys', '[]')) AS k(key) JOIN "AssetCheck" c ON c.key = k.key)
       INSERT INTO "RunStep" ("runId", "stepKey")
       SELECT r.id, step FROM run JOIN rows r ON r.id = run.id JOIN plans p ON p.i = r.plan_i, unnest(p.steps) AS step`,
      [
        JSON.stringify([...plans.keys()]),
        slice.map((r) => r.id),
        slice.map((r) => plans.get(r.plan)!),
        slice.map((r) => r.partitions.key),
        slice.map((r) => r.partitions.range?.start ?? null),
        slice.map((r) => r.partitions.range?.end ?? null),
        batch.locationId,
        batch.versionId,
        tags,
        pairs,
        priority,
        batch.createdBy,
        batch.backfillId,
      ],
    );
    await markRunsInProgress(
      tx,
      slice.map((r) => ({ runId: r.id, assetKeys: r.partitions.assetKeys, partitions: r.partitions.partitions })),
    );
  }
}
