import {
  AUTOMATION_TICK_TAG,
  type AutomationConditionNode,
  type AutomationCursor,
  type AutomationEvaluation,
  automationConditionSchema,
  type AutomationGraph,
  type AutomationTickResult,
  evaluateAutomationTick,
  evaluateAutomationTickInSteps,
  lastCronTick,
  type Manifest,
  type PartitionsDefinition,
  partitionSpace,
  topologicalOrder,
} from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { failpoint } from "../failpoints.js";
import { launchRun, type NewRunStatus } from "../runs/launch.js";
import { readPartitionsDefinitions } from "../partitions/space.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { type AssetToRead, assetStateReader, type StoredCursor } from "./asset-states.js";
import { sameCursor, storeCursors, storeEvaluations } from "./tick-records.js";

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
      runs: Array<{ id: string; status: NewRunStatus; location: string }>;
      /** How many assets' conditions it evaluated (an incremental tick: those whose inputs can have changed). */
      evaluated: number;
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

/** What a tick needs of a manifest's automated assets, computed once per manifest object (the manifest cache keeps them). */
interface AutomatedGraph {
  automated: ReturnType<typeof automatedAssets>;
  automatedKeys: ReadonlySet<string>;
  /** Dependencies of automated assets that are not automated themselves. */
  depKeys: readonly string[];
  /** Those of them another location defines. */
  externalDeps: readonly string[];
  /** An asset's automated dependents. */
  dependents: ReadonlyMap<string, readonly string[]>;
  /** The partitions definitions of the location's automated assets and own dependencies. */
  ownPartitions: ReadonlyMap<string, PartitionsDefinition>;
  /** Every partitioned asset of the manifest's definitions (what its runs' launches need). */
  allPartitions: ReadonlyMap<string, PartitionsDefinition>;
  /** An asset of a multi-asset that cannot subset → all of that multi-asset's assets. */
  requiredSiblings: ReadonlyMap<string, readonly string[]>;
  /** The automated assets in dependency order, for an incremental tick's stepwise evaluation. */
  steps: AutomationGraph;
  automatedByKey: ReadonlyMap<string, ReturnType<typeof automatedAssets>[number]>;
}

const graphs = new WeakMap<Manifest, AutomatedGraph>();
function automatedGraph(manifest: Manifest): AutomatedGraph {
  let graph = graphs.get(manifest);
  if (!graph) {
    const automated = automatedAssets(manifest);
    const automatedKeys = new Set(automated.map((a) => a.key));
    const depKeys = [...new Set(automated.flatMap((a) => a.deps))].filter((k) => !automatedKeys.has(k));
    const own = new Map(manifest.assets.map((a) => [a.key, a]));
    const dependents = new Map<string, string[]>();
    for (const asset of automated)
      for (const dep of asset.deps) {
        const list = dependents.get(dep);
        if (list) list.push(asset.key);
        else dependents.set(dep, [asset.key]);
      }
    const ownPartitions = new Map<string, PartitionsDefinition>();
    for (const key of [...automatedKeys, ...depKeys]) {
      const partitions = own.get(key)?.partitions;
      if (partitions) ownPartitions.set(key, partitions as PartitionsDefinition);
    }
    const wholeMultiAssets = new Map<string, string[]>();
    for (const asset of manifest.assets)
      if (asset.multiAsset && !asset.multiAsset.canSubset)
        wholeMultiAssets.set(asset.multiAsset.name, [...(wholeMultiAssets.get(asset.multiAsset.name) ?? []), asset.key]);
    const requiredSiblings = new Map([...wholeMultiAssets.values()].flatMap((keys) => keys.map((key) => [key, keys] as const)));
    const allPartitions = new Map<string, PartitionsDefinition>();
    for (const asset of manifest.assets) if (asset.partitions) allPartitions.set(asset.key, asset.partitions as PartitionsDefinition);
    const depsOf = new Map(automated.map((a) => [a.key, a.deps]));
    const steps: AutomationGraph = {
      order: topologicalOrder([...automatedKeys], (key) => depsOf.get(key) ?? []),
      depsOf: (key) => depsOf.get(key) ?? [],
      dependentsOf: (key) => dependents.get(key) ?? [],
    };
    graph = {
      steps,
      automatedByKey: new Map(automated.map((a) => [a.key, a])),
      allPartitions,
      automated,
      automatedKeys,
      depKeys,
      externalDeps: depKeys.filter((k) => !own.has(k)),
      dependents,
      ownPartitions,
      requiredSiblings,
    };
    graphs.set(manifest, graph);
  }
  return graph;
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

/**
 * The key of a time-window definition's latest window that has ended by an instant (null: none
 * yet), computed once per definition and instant in a tick (1,000 partitioned assets usually
 * share a handful of definitions).
 */
class LatestWindows {
  // By definition object (asked for thousands of times a tick), then by its JSON (equal definitions share).
  private readonly byDefinition = new WeakMap<PartitionsDefinition, Map<number, string | null>>();
  private readonly byJson = new Map<string, Map<number, string | null>>();
  at(def: PartitionsDefinition, now: Date): string | null {
    let keys = this.byDefinition.get(def);
    if (!keys) {
      const json = JSON.stringify(def);
      keys = this.byJson.get(json) ?? new Map();
      this.byJson.set(json, keys);
      this.byDefinition.set(def, keys);
    }
    let key = keys.get(now.getTime());
    if (key === undefined) {
      const space = partitionSpace(def, { now });
      key = space.count > 0 ? space.keyAt(space.count - 1) : null;
      keys.set(now.getTime(), key);
    }
    return key;
  }
}

interface InstigatorRow {
  paused: boolean;
  lastTickAt: Date | null;
  nextTickAt: Date | null;
  lastMaterializationId: string;
  previousMaterializationId: string;
  changeSeq: string;
  previousChangeSeq: string;
  pending: string[] | null;
  flipped: string[] | null;
  versionId: string | null;
}

/** What an incremental tick evaluates (see AutomationTick.incremental). */
interface Changes {
  /** Automated assets evaluated whatever their dependencies: a cron of their condition ticked since the last tick, or the last tick left them pending. */
  dirty: Set<string>;
  /** Assets (automated or dependencies) whose state can have moved since the last tick. */
  changed: Set<string>;
}

/**
 * The assets whose inputs can differ from the last tick's, read from what changed since the tick
 * before it (two ticks: a write committed up to a tick late is still seen, and an asset newly
 * updated at the last tick is evaluated again when it no longer is): assets materialized; the
 * selections of runs and backfills and the assets of check executions whose status was written
 * (the "AutomationChange" sequence, set by triggers); assets whose latest time window moved;
 * assets whose request the last tick changed (dependents read it as `newlyRequested`). Dirty,
 * evaluated but not by that alone their dependents: those the last tick left pending
 * (requested, their cursor rewritten, or their cron ticked) and automated assets for which one
 * of their condition's crons ticked since the last tick. Evaluating an asset
 * whose inputs did not change gives its previous result, so erring towards more is harmless.
 */
async function changedSinceLastTick(
  tx: Sql,
  instigator: InstigatorRow,
  upTo: bigint,
  cronTicked: ReadonlySet<string>,
  definitions: ReadonlyMap<string, PartitionsDefinition>,
  windows: LatestWindows,
  now: Date,
): Promise<Changes> {
  const rows = await tx.query<{ key: string }>(
    `SELECT "assetKey" AS key FROM "Materialization" WHERE id > $1::bigint AND id <= $2::bigint
     UNION SELECT unnest(selection) FROM "Run" WHERE "changeSeq" > $3::bigint
     UNION SELECT unnest("assetKeys") FROM "Backfill" WHERE "changeSeq" > $3::bigint
     UNION SELECT "assetKey" FROM "AssetCheckExecution" WHERE "changeSeq" > $3::bigint`,
    [instigator.previousMaterializationId, upTo.toString(), instigator.previousChangeSeq],
  );
  const changed = new Set([...rows.map((r) => r.key), ...(instigator.flipped ?? [])]);
  const lastTickAt = instigator.lastTickAt!;
  for (const [key, def] of definitions)
    if (def.kind === "time_window" && windows.at(def, now) !== windows.at(def, lastTickAt)) changed.add(key);
  const dirty = new Set(cronTicked);
  for (const key of instigator.pending ?? []) dirty.add(key);
  return { dirty, changed };
}

/**
 * The automated assets for one of whose condition's crons a tick passed since the last tick
 * (`cronTickPassed` is true for them this tick, and false again the next).
 */
function cronTickedFor(automated: ReturnType<typeof automatedAssets>, lastTickAt: Date | null, now: Date): Set<string> {
  const out = new Set<string>();
  if (lastTickAt === null) return out;
  const ticked = new Map<string, boolean>();
  for (const asset of automated) {
    const crons = cronsOf(parsedCondition(asset.automation));
    if (crons.some((c) => cronTicked(c, lastTickAt, now, ticked))) out.add(asset.key);
  }
  return out;
}

/** Whether the cron ticked in (since, now]: what the evaluator's cronTickPassed compares. */
function cronTicked(cron: { cron: string; timezone: string }, since: Date, now: Date, memo: Map<string, boolean>): boolean {
  const id = `${cron.cron}\u0000${cron.timezone}`;
  let ticked = memo.get(id);
  if (ticked === undefined) {
    const last = lastCronTick(cron.cron, cron.timezone, now.getTime());
    ticked = last !== null && last > since.getTime();
    memo.set(id, ticked);
  }
  return ticked;
}

// The crons a condition tree's cronTickPassed nodes name, once per parsed tree.
const cronsByTree = new WeakMap<AutomationConditionNode, Array<{ cron: string; timezone: string }>>();
function cronsOf(tree: AutomationConditionNode): Array<{ cron: string; timezone: string }> {
  let crons = cronsByTree.get(tree);
  if (!crons) {
    crons = [];
    const walk = (node: AutomationConditionNode) => {
      if (node.op === "cronTickPassed" && node.args?.cron) crons!.push({ cron: node.args.cron, timezone: node.args.timezone ?? "UTC" });
      for (const child of node.children ?? []) walk(child);
    };
    walk(tree);
    cronsByTree.set(tree, crons);
  }
  return crons;
}

/**
 * Groups the requested assets into runs as Dagster's build_run_requests does: one for the
 * unpartitioned ones, one per partition key for the time-partitioned ones.
 */
function runRequests(
  graph: AutomatedGraph,
  requested: readonly string[],
  evaluations: readonly AutomationEvaluation[],
): AutomationRunRequest[] {
  const partitionOf = new Map(evaluations.map((e) => [e.assetKey, e.partitionKey]));
  const groups = new Map<string | null, string[]>();
  for (const key of requested) {
    const partition = partitionOf.get(key) ?? null;
    const group = groups.get(partition);
    if (group) group.push(key);
    else groups.set(partition, [key]);
  }
  return [...groups].map(([partitionKey, keys]) => ({ assetKeys: withRequiredSiblings(graph, keys), partitionKey }));
}

/**
 * One tick of one location, in one transaction: reads the automated assets' states (on an
 * incremental tick, only of those it evaluates and their dependencies, as it goes), evaluates
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
  return sql.transaction<LocationTickOutcome>(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok`, [
      AUTOMATION_LOCK,
      location.id,
    ]);
    if (!lock?.ok) return { kind: "busy" };
    // The state reads' estimates on thousands of keys pass jit_above_cost; every connection has
    // JIT off (database.ts): compiling them took 20-40 ms a statement, more than running them.
    await tx.query(`INSERT INTO "AutomationInstigator" ("locationId", "updatedAt") VALUES ($1, now()) ON CONFLICT DO NOTHING`, [
      location.id,
    ]);
    const [instigator] = await tx.query<InstigatorRow>(
      `SELECT paused, "lastTickAt", "nextTickAt", "lastMaterializationId"::text, "previousMaterializationId"::text,
              "changeSeq"::text, "previousChangeSeq"::text, pending, flipped, "versionId"
       FROM "AutomationInstigator" WHERE "locationId" = $1 FOR UPDATE`,
      [location.id],
    );
    if (instigator!.paused && !dryRun) return { kind: "paused" };
    // A timer firing a little early still ticks: replicas' timers drift.
    if (!options.force && instigator!.nextTickAt && instigator!.nextTickAt.getTime() - options.intervalMs / 10 > options.now.getTime())
      return { kind: "not_due" };

    const manifest = await manifests.get(tx, location.versionId);
    const graph = automatedGraph(manifest);
    const { automated, automatedKeys, depKeys } = graph;
    // Time-partitioned assets (automated or dependencies, any location) are read on their latest
    // window: the location's own definitions from its manifest, other locations' from the catalog.
    const definitions = new Map([...graph.ownPartitions, ...(await readPartitionsDefinitions(tx, graph.externalDeps))]);
    const windows = new LatestWindows();
    const windowOf = (key: string): { partitionKey?: string | null } => {
      const def = definitions.get(key);
      return def?.kind === "time_window" ? { partitionKey: windows.at(def, options.now) } : {};
    };
    const [watermarks] = (await tx.query<{ max: string; seq: string }>(
      `SELECT (SELECT COALESCE(max(id), 0) FROM "Materialization")::text AS max,
              (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "AutomationChange")::text AS seq`,
    )) as [{ max: string; seq: string }];
    const upTo = BigInt(watermarks.max);
    // The first tick has no previous tick to compare with: nothing is newly updated.
    const after = instigator!.lastTickAt === null ? upTo : BigInt(instigator!.lastMaterializationId);

    // The automated assets one of whose crons ticked since the last tick: evaluated now, and
    // again by the next tick (their cronTickPassed turns false).
    const cronTicked = cronTickedFor(automated, instigator!.lastTickAt, options.now);
    // Which assets to evaluate: all of them on the first tick, a dry run or a new version of the
    // location; else only those whose inputs can have changed since the last tick (see
    // changedSinceLastTick), with what is downstream of them.
    const incremental =
      !dryRun && instigator!.lastTickAt !== null && instigator!.versionId === location.versionId
        ? await changedSinceLastTick(tx, instigator!, upTo, cronTicked, definitions, windows, options.now)
        : null;
    // An asset as the state reads describe it: automated ones with their condition, dependencies bare.
    const describe = (key: string): AssetToRead => {
      const asset = graph.automatedByKey.get(key);
      return asset
        ? { key, deps: asset.deps, condition: parsedCondition(asset.automation), ...windowOf(key) }
        : { key, deps: [], condition: null, ...windowOf(key) };
    };
    // Each state read brings the assets' stored cursors along (the location's own).
    const stored = new Map<string, StoredCursor>();
    const readStates = assetStateReader(tx, { after, upTo }, location.id);
    const read = async (assets: AssetToRead[]) => {
      const { states, cursors } = await readStates(assets);
      const cursorOf = new Map<string, AutomationCursor>();
      for (const [key, entry] of cursors) {
        stored.set(key, entry);
        cursorOf.set(key, entry.cursor);
      }
      return { states, cursors: cursorOf };
    };
    const previousTickAt = instigator!.lastTickAt?.getTime() ?? null;
    let result: AutomationTickResult;
    if (incremental) {
      // Reads the states it needs as it goes: those certain to be evaluated first, then whatever
      // a flipped request reaches (nothing at all when nothing changed).
      const steps = evaluateAutomationTickInSteps({ now: options.now.getTime(), previousTickAt, graph: graph.steps, incremental });
      let step = steps.next();
      while (!step.done) step = steps.next(await read(step.value.map(describe)));
      result = step.value;
    } else {
      const { states, cursors } = await read([...automated.map((a) => describe(a.key)), ...depKeys.map(describe)]);
      result = evaluateAutomationTick({ now: options.now.getTime(), previousTickAt, assets: states, cursors });
    }
    const cursorsBefore = new Map([...stored].map(([key, s]) => [key, s.cursor]));
    const requests = runRequests(graph, result.requested, result.evaluations);
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
    const runs: Array<{ id: string; status: NewRunStatus; location: string }> = [];
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
        // The tick's own manifest: its assets need no catalog look-up.
        {
          locationId: location.id,
          location: location.name,
          versionId: location.versionId,
          manifest,
          partitionsDefinitions: graph.allPartitions,
        },
      );
      runs.push({ id: run.id, status: run.status, location: run.location });
      for (const key of request.assetKeys) runIdsOf.set(key, [...(runIdsOf.get(key) ?? []), run.id]);
    }
    if (runs.length) failpoint("automation.after-run-insert");
    const runIds = runs.map((r) => r.id);
    const hashes = await storeEvaluations(
      tx,
      tickId,
      result.evaluations,
      runIdsOf,
      new Map([...stored].map(([key, s]) => [key, s.resultHash])),
    );
    await storeCursors(
      tx,
      location.id,
      // An incremental tick evaluates the version the last tick did: no asset stopped being automated.
      incremental ? null : automatedKeys,
      result.cursors,
      hashes,
      cursorsBefore,
    );
    // The next tick evaluates again what this one requested (the same inputs would request it
    // again) or whose memory changed (`since`, `newlyTrue`, `requested`: the same inputs can give
    // another result), and the assets whose cron ticked (true once, false the next tick). An
    // evaluation that only counted differently needs nothing: its inputs moved, and the ones that
    // move back are found again (newly updated by the two-tick materialization window, requests
    // by `flipped`).
    const remembered = [...result.cursors].filter(([key, c]) => {
      const before = cursorsBefore.get(key);
      return before === undefined || !sameCursor(before, c);
    });
    const pending = [...new Set([...remembered.map(([key]) => key), ...result.requested, ...cronTicked])];
    const flipped = [...result.cursors]
      .filter(([key, c]) => c.requested !== (cursorsBefore.get(key)?.requested ?? false))
      .map(([key]) => key);
    await tx.query(
      `UPDATE "AutomationInstigator" SET "lastTickAt" = $2, "nextTickAt" = $3, "lastMaterializationId" = $4::bigint,
         "previousMaterializationId" = $8::bigint, "previousChangeSeq" = $9::bigint, "changeSeq" = $5::bigint,
         pending = $6::text[], flipped = $10::text[], "versionId" = $7, "updatedAt" = now()
       WHERE "locationId" = $1`,
      [
        location.id,
        options.now,
        new Date(options.now.getTime() + options.intervalMs),
        upTo.toString(),
        watermarks.seq,
        pending,
        location.versionId,
        after.toString(),
        instigator!.lastTickAt === null ? watermarks.seq : instigator!.changeSeq,
        flipped,
      ],
    );
    const status = runIds.length ? "SUCCESS" : "SKIPPED";
    await tx.query(
      `UPDATE "AutomationTick" SET status = $2::"AutomationTickStatus", "endedAt" = $3, "runIds" = $4::text[], requested = $5 WHERE id = $1::bigint`,
      [tickId, status, new Date(), runIds, result.requested.length],
    );
    return { kind: "ticked", tickId, status, requested: result.requested, runs, evaluated: result.evaluations.length };
  });
}

/** A multi-asset that cannot subset runs whole: requesting one of its assets requests them all. */
function withRequiredSiblings(graph: AutomatedGraph, keys: readonly string[]): string[] {
  const out = new Set(keys);
  for (const key of keys) for (const sibling of graph.requiredSiblings.get(key) ?? []) out.add(sibling);
  return [...out];
}
