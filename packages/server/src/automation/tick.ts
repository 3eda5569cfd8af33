import { createHash } from "node:crypto";
import {
  AUTOMATION_TICK_TAG,
  type AutomationConditionNode,
  type AutomationCursor,
  type AutomationEvaluation,
  automationConditionSchema,
  evaluateAutomationTick,
  type Manifest,
  type PartitionsDefinition,
  partitionSpace,
} from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { failpoint } from "../failpoints.js";
import { launchRun } from "../runs/launch.js";
import { readPartitionsDefinitions } from "../partitions/space.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { readAssetStates } from "./asset-states.js";

/** Who `Run.createdBy` says launched an automation run. */
export const AUTOMATION_CREATOR = "automation";
/** Serialises ticks of one location across replicas (with the location's hash as second key). */
const AUTOMATION_LOCK = 5_337_002;

export interface AutomationLocation {
  id: string;
  name: string;
  versionId: string;
}

export interface TickOptions {
  now: Date;
  intervalMs: number;
  /** Tick even if the location's next tick is not due yet (tests and a manual tick). */
  force?: boolean;
}

/** One run a tick launches: its selection and, for time-partitioned assets, the window. */
export interface AutomationRunRequest {
  assetKeys: string[];
  partitionKey: string | null;
}

/** What a tick would request now, from the same evaluation; nothing is written (see dryRunLocation). */
export interface DryRunOutcome {
  /** The assets the conditions request. */
  requested: string[];
  /** The runs' selections together: those, with the siblings a multi-asset that cannot subset brings along. */
  runAssetKeys: string[];
  runs: AutomationRunRequest[];
  evaluations: AutomationEvaluation[];
}

/** Thrown out of the tick's transaction to roll it back, carrying what it evaluated. */
class DryRunRollback extends Error {
  constructor(readonly outcome: DryRunOutcome) {
    super("automation dry run: rolled back");
  }
}

/**
 * A tick of `location` evaluated exactly as the loop's (same reads, same pure evaluation, paused
 * or not, due or not) inside a transaction that is rolled back before anything is written: what
 * it would request now and each asset's evaluation tree. Null when another replica is ticking
 * the location at this moment.
 */
export async function dryRunLocation(
  sql: Sql,
  manifests: ManifestCache,
  location: AutomationLocation,
  now: Date,
): Promise<DryRunOutcome | null> {
  try {
    const outcome = await tickLocation(sql, manifests, location, { now, intervalMs: 0, force: true }, true);
    if (outcome.kind === "busy") return null;
    throw new Error(`automation dry run ended as ${outcome.kind}`);
  } catch (error) {
    if (error instanceof DryRunRollback) return error.outcome;
    throw error;
  }
}

export type LocationTickOutcome =
  | {
      kind: "ticked";
      tickId: string;
      status: "SUCCESS" | "SKIPPED";
      requested: string[];
      runs: Array<{ id: string; status: "QUEUED" | "STARTING"; location: string }>;
    }
  /** Nothing done: another replica holds the location, it is paused, or its next tick is not due. */
  | { kind: "busy" | "paused" | "not_due" };

/**
 * The assets of a manifest whose condition the tick evaluates: unpartitioned ones (whole) and
 * time-partitioned ones (on their latest window). Static, dynamic and multi-partitioned assets
 * are not evaluated yet (their manifest keeps the condition; `automationEvaluations` stays empty).
 */
export function automatedAssets(manifest: Manifest) {
  return manifest.assets.filter((a) => a.automation !== null && (a.partitions === null || a.partitions.kind === "time_window"));
}

// Conditions are parsed once per manifest object (the manifest cache keeps them), not every tick:
// the evaluator then keeps each tree's ids and hash by identity too.
const parsedConditions = new WeakMap<object, AutomationConditionNode>();
function parsedCondition(automation: unknown): AutomationConditionNode {
  const raw = automation as object;
  let parsed = parsedConditions.get(raw);
  if (!parsed) {
    parsed = automationConditionSchema.parse(automation);
    parsedConditions.set(raw, parsed);
  }
  return parsed;
}

/** The key of a time-window definition's latest window that has ended by `now` (null: none yet). */
function latestWindow(def: PartitionsDefinition, now: Date): string | null {
  const space = partitionSpace(def, { now });
  return space.count > 0 ? space.keyAt(space.count - 1) : null;
}

/**
 * Groups the requested assets into runs as Dagster's build_run_requests does: one for the
 * unpartitioned ones, one per partition key for the time-partitioned ones.
 */
function runRequests(
  manifest: Manifest,
  requested: readonly string[],
  evaluations: readonly AutomationEvaluation[],
): AutomationRunRequest[] {
  const partitionOf = new Map(evaluations.map((e) => [e.assetKey, e.partitionKey]));
  const groups = new Map<string | null, string[]>();
  for (const key of requested) {
    const partition = partitionOf.get(key) ?? null;
    groups.set(partition, [...(groups.get(partition) ?? []), key]);
  }
  return [...groups].map(([partitionKey, keys]) => ({ assetKeys: withRequiredSiblings(manifest, keys), partitionKey }));
}

/**
 * One tick of one location, in one transaction: reads every automated asset's state, evaluates
 * the conditions (the same pure code tests call), creates the requested assets' run and stores
 * the tick, the evaluations and the cursors. A failure anywhere rolls all of it back: a run
 * never exists without its tick, nor a tick without its run (Dagster writes the tick first and
 * recovers runs by run key; one transaction needs no recovery).
 */
export async function tickLocation(
  sql: Sql,
  manifests: ManifestCache,
  location: AutomationLocation,
  options: TickOptions,
  dryRun = false,
): Promise<LocationTickOutcome> {
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok`, [
      AUTOMATION_LOCK,
      location.id,
    ]);
    if (!lock?.ok) return { kind: "busy" };
    await tx.query(`INSERT INTO "AutomationInstigator" ("locationId", "updatedAt") VALUES ($1, now()) ON CONFLICT DO NOTHING`, [
      location.id,
    ]);
    const [instigator] = await tx.query<{
      paused: boolean;
      lastTickAt: Date | null;
      nextTickAt: Date | null;
      lastMaterializationId: string;
    }>(
      `SELECT paused, "lastTickAt", "nextTickAt", "lastMaterializationId"::text FROM "AutomationInstigator" WHERE "locationId" = $1 FOR UPDATE`,
      [location.id],
    );
    if (instigator!.paused && !dryRun) return { kind: "paused" };
    // A timer firing a little early still ticks: replicas' timers drift.
    if (!options.force && instigator!.nextTickAt && instigator!.nextTickAt.getTime() - options.intervalMs / 10 > options.now.getTime())
      return { kind: "not_due" };

    const manifest = await manifests.get(tx, location.versionId);
    const automated = automatedAssets(manifest);
    const automatedKeys = new Set(automated.map((a) => a.key));
    const depKeys = [...new Set(automated.flatMap((a) => a.deps))].filter((k) => !automatedKeys.has(k));
    // Time-partitioned assets (automated or dependencies, any location) are read on their latest window.
    const definitions = await readPartitionsDefinitions(tx, [...automatedKeys, ...depKeys]);
    const windowOf = (key: string): { partitionKey?: string | null } => {
      const def = definitions.get(key);
      return def?.kind === "time_window" ? { partitionKey: latestWindow(def, options.now) } : {};
    };
    const [{ max }] = (await tx.query<{ max: string }>(`SELECT COALESCE(max(id), 0)::text AS max FROM "Materialization"`)) as [
      { max: string },
    ];
    const upTo = BigInt(max);
    // The first tick has no previous tick to compare with: nothing is newly updated.
    const after = instigator!.lastTickAt === null ? upTo : BigInt(instigator!.lastMaterializationId);
    const states = await readAssetStates(
      tx,
      [
        ...automated.map((a) => ({
          key: a.key,
          deps: a.deps,
          condition: parsedCondition(a.automation),
          ...windowOf(a.key),
        })),
        ...depKeys.map((key) => ({ key, deps: [], condition: null, ...windowOf(key) })),
      ],
      { after, upTo },
    );
    const stored = await tx.query<{ assetKey: string; cursor: AutomationCursor; resultHash: string | null }>(
      `SELECT "assetKey", cursor, "resultHash" FROM "AutomationCursor" WHERE "locationId" = $1`,
      [location.id],
    );
    const result = evaluateAutomationTick({
      now: options.now.getTime(),
      previousTickAt: instigator!.lastTickAt?.getTime() ?? null,
      assets: states,
      cursors: new Map(stored.map((s) => [s.assetKey, s.cursor])),
    });
    const requests = runRequests(manifest, result.requested, result.evaluations);
    if (dryRun)
      throw new DryRunRollback({
        requested: result.requested,
        runAssetKeys: [...new Set(requests.flatMap((r) => r.assetKeys))],
        runs: requests,
        evaluations: result.evaluations,
      });

    const [tick] = await tx.query<{ id: string }>(
      `INSERT INTO "AutomationTick" ("locationId", status, "startedAt", "runIds") VALUES ($1, 'STARTED', $2, '{}') RETURNING id::text`,
      [location.id, options.now],
    );
    const tickId = tick!.id;
    const runs: Array<{ id: string; status: "QUEUED" | "STARTING"; location: string }> = [];
    const runIdsOf = new Map<string, string[]>();
    for (const request of requests) {
      const run = await launchRun(
        tx,
        manifests,
        {
          assetKeys: request.assetKeys,
          tags: { [AUTOMATION_TICK_TAG]: tickId },
          createdBy: AUTOMATION_CREATOR,
          partition: request.partitionKey,
        },
        null,
      );
      runs.push({ id: run.id, status: run.status, location: run.location });
      for (const key of request.assetKeys) runIdsOf.set(key, [...(runIdsOf.get(key) ?? []), run.id]);
    }
    if (runs.length) failpoint("automation.after-run-insert");
    const runIds = runs.map((r) => r.id);
    const hashes = await storeEvaluations(tx, tickId, result.evaluations, runIdsOf, new Map(stored.map((s) => [s.assetKey, s.resultHash])));
    await storeCursors(tx, location.id, result.cursors, hashes, new Map(stored.map((s) => [s.assetKey, s.cursor])));
    await tx.query(
      `UPDATE "AutomationInstigator" SET "lastTickAt" = $2, "nextTickAt" = $3, "lastMaterializationId" = $4::bigint, "updatedAt" = now()
       WHERE "locationId" = $1`,
      [location.id, options.now, new Date(options.now.getTime() + options.intervalMs), upTo.toString()],
    );
    const status = runIds.length ? "SUCCESS" : "SKIPPED";
    await tx.query(
      `UPDATE "AutomationTick" SET status = $2::"AutomationTickStatus", "endedAt" = $3, "runIds" = $4::text[], requested = $5 WHERE id = $1::bigint`,
      [tickId, status, new Date(), runIds, result.requested.length],
    );
    return { kind: "ticked", tickId, status, requested: result.requested, runs };
  });
}

/** Equal but for `evaluatedAt` (stored ones come back from jsonb with their keys reordered). */
function sameCursor(a: AutomationCursor, b: AutomationCursor): boolean {
  if (a.requested !== b.requested || a.condition !== b.condition || (a.partitionKey ?? null) !== (b.partitionKey ?? null)) return false;
  const ids = Object.keys(a.nodes);
  if (ids.length !== Object.keys(b.nodes).length) return false;
  for (const id of ids) {
    const x = a.nodes[id]!;
    const y = b.nodes[id];
    if (!y) return false;
    const subjects = Object.keys(x);
    if (subjects.length !== Object.keys(y).length || subjects.some((subject) => x[subject] !== y[subject])) return false;
  }
  return true;
}

/** A multi-asset that cannot subset runs whole: requesting one of its assets requests them all. */
function withRequiredSiblings(manifest: Manifest, keys: readonly string[]): string[] {
  const out = new Set(keys);
  for (const key of keys) {
    const multi = manifest.assets.find((a) => a.key === key)?.multiAsset;
    if (multi && !multi.canSubset) for (const sibling of manifest.assets) if (sibling.multiAsset?.name === multi.name) out.add(sibling.key);
  }
  return [...out];
}

/**
 * An asset's evaluation is written when it was requested or its node results differ from the
 * last ones written (Dagster keeps them the same way), so a quiet asset costs no row per tick
 * and its latest row still answers "why (not)". Returns the hashes of those written.
 */
async function storeEvaluations(
  tx: Sql,
  tickId: string,
  evaluations: readonly AutomationEvaluation[],
  runIdsOf: ReadonlyMap<string, readonly string[]>,
  previousHashes: ReadonlyMap<string, string | null>,
): Promise<Map<string, string>> {
  const written = evaluations
    .map((e) => ({
      e,
      hash: createHash("sha256")
        // The node ids stand for the tree (they derive from it): the counts are what change.
        .update(`${e.requested}|${e.partitionKey}|${e.nodes.map((n) => `${n.id}:${n.trueCount}/${n.candidateCount}`).join(",")}`)
        .digest("hex")
        .slice(0, 32),
    }))
    .filter(({ e, hash }) => e.requested || previousHashes.get(e.assetKey) !== hash);
  if (written.length)
    await tx.query(
      `INSERT INTO "AutomationEvaluation" ("tickId", "assetKey", "partitionKey", requested, nodes, "runIds")
       SELECT $1::bigint, r.key, r.partition, r.requested, r.nodes, ARRAY(SELECT jsonb_array_elements_text(r.runs))
       FROM unnest($2::text[], $3::boolean[], $4::jsonb[], $5::jsonb[], $6::text[]) AS r(key, requested, nodes, runs, partition)`,
      [
        tickId,
        written.map((w) => w.e.assetKey),
        written.map((w) => w.e.requested),
        written.map((w) => JSON.stringify(w.e.nodes)),
        written.map((w) => JSON.stringify(w.e.requested ? (runIdsOf.get(w.e.assetKey) ?? []) : [])),
        written.map((w) => w.e.partitionKey),
      ],
    );
  return new Map(written.map((w) => [w.e.assetKey, w.hash]));
}

/**
 * The evaluator's cursors replace the location's (assets no longer automated drop theirs), with
 * the hashes just written. A cursor that differs from the stored one only by its `evaluatedAt`
 * is not rewritten: the evaluator compares cron ticks with the location's last tick, so a quiet
 * tick writes no cursor row.
 */
async function storeCursors(
  tx: Sql,
  locationId: string,
  cursors: ReadonlyMap<string, AutomationCursor>,
  writtenHashes: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, AutomationCursor>,
): Promise<void> {
  const unchanged = (key: string) => {
    const before = previous.get(key);
    return before !== undefined && !writtenHashes.has(key) && sameCursor(before, cursors.get(key)!);
  };
  const keys = [...cursors.keys()];
  await tx.query(`DELETE FROM "AutomationCursor" WHERE "locationId" = $1 AND NOT ("assetKey" = ANY($2::text[]))`, [locationId, keys]);
  const changed = keys.filter((key) => !unchanged(key));
  if (changed.length === 0) return;
  await tx.query(
    `INSERT INTO "AutomationCursor" ("locationId", "assetKey", cursor, "resultHash")
     SELECT $1, r.key, r.cursor, r.hash FROM unnest($2::text[], $3::jsonb[], $4::text[]) AS r(key, cursor, hash)
     ON CONFLICT ("locationId", "assetKey") DO UPDATE SET cursor = EXCLUDED.cursor,
       "resultHash" = COALESCE(EXCLUDED."resultHash", "AutomationCursor"."resultHash")`,
    [locationId, changed, changed.map((k) => JSON.stringify(cursors.get(k))), changed.map((k) => writtenHashes.get(k) ?? null)],
  );
}
