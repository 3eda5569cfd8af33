import { prepared, type Sql } from "../db/sql.js";
import { readPlan, type RunPlan } from "./run-plan.js";

/** A run's plan as reports check their events against it. */
export interface RunPlanSets {
  plan: RunPlan;
  steps: ReadonlySet<string>;
  assets: ReadonlySet<string>;
}

/** How many runs' facts a database handle keeps, and how many plan keys (steps and assets) in all. */
const MAX_RUNS = 256;
const MAX_PLAN_KEYS = 200_000;

/**
 * What never changes about a run once it is stored: its location's name and its plan. A worker
 * reports a run's events in many small requests and heartbeats it, and each read both again: two
 * of a report's eight round trips. Kept for the runs seen last (a report is for a running run,
 * so a few hundred cover a busy server); a run not kept is read as before.
 *
 * @internal Exported for its tests; the server keeps one per database handle (below).
 */
export class RunFacts {
  private readonly locations = new Map<string, string>();
  private readonly plans = new Map<string, RunPlanSets & { weight: number }>();
  private keys = 0;

  constructor(
    private readonly maxRuns = MAX_RUNS,
    private readonly maxPlanKeys = MAX_PLAN_KEYS,
  ) {}

  get runs(): number {
    return this.plans.size;
  }

  /** The plan keys (steps and assets) of the plans kept, in all. */
  get planKeys(): number {
    return this.keys;
  }

  location(runId: string): string | undefined {
    return touch(this.locations, runId);
  }

  rememberLocation(runId: string, location: string): void {
    // Deleted first, so that a run remembered again is the newest, not left where it was.
    this.locations.delete(runId);
    this.locations.set(runId, location);
    if (this.locations.size > this.maxRuns) this.locations.delete(this.locations.keys().next().value!);
  }

  plan(runId: string): RunPlanSets | undefined {
    return touch(this.plans, runId);
  }

  rememberPlan(runId: string, plan: RunPlan): RunPlanSets {
    // A run claimed again (handed back, then claimed by this server once more) replaces its entry:
    // the old entry's keys no longer count.
    const replaced = this.plans.get(runId);
    if (replaced) {
      this.plans.delete(runId);
      this.keys -= replaced.weight;
    }
    const sets = {
      plan,
      steps: new Set(plan.stepKeys),
      assets: new Set(plan.assetKeys),
      weight: plan.stepKeys.length + plan.assetKeys.length,
    };
    this.plans.set(runId, sets);
    this.keys += sets.weight;
    while (this.plans.size > 1 && (this.plans.size > this.maxRuns || this.keys > this.maxPlanKeys)) {
      const [oldest, entry] = this.plans.entries().next().value!;
      this.plans.delete(oldest);
      this.keys -= entry.weight;
    }
    return sets;
  }
}

/** A Map used as a least-recently-used list: a hit moves to the end. */
function touch<V>(map: Map<string, V>, key: string): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

const facts = new WeakMap<Sql, RunFacts>();

function factsOf(sql: Sql): RunFacts {
  let kept = facts.get(sql);
  if (!kept) facts.set(sql, (kept = new RunFacts()));
  return kept;
}

const RUN_LOCATION = prepared(`SELECT l.name AS location FROM "Run" r JOIN "CodeLocation" l ON l.id = r."locationId" WHERE r.id = $1`);
const RUN_PLAN = prepared(`SELECT plan FROM "Run" WHERE id = $1`);

/** The name of a run's code location, or null when there is no such run. `sql` is the database's handle (not a transaction's). */
export async function runLocation(sql: Sql, runId: string): Promise<string | null> {
  const known = factsOf(sql).location(runId);
  if (known !== undefined) return known;
  const [run] = await sql.query<{ location: string }>(RUN_LOCATION, [runId]);
  if (!run) return null;
  factsOf(sql).rememberLocation(runId, run.location);
  return run.location;
}

/** A run's plan, read through `tx` when `sql` does not keep it yet. */
export async function runPlanSets(sql: Sql, tx: Sql, runId: string): Promise<RunPlanSets> {
  const known = factsOf(sql).plan(runId);
  if (known) return known;
  const [row] = await tx.query<{ plan: unknown }>(RUN_PLAN, [runId]);
  // A run that is not there has no plan to keep (the caller has found it already, under lock).
  if (!row) return { plan: readPlan(null), steps: new Set(), assets: new Set() };
  return factsOf(sql).rememberPlan(runId, readPlan(row.plan));
}

/** A run a worker has just claimed: its location and plan, read by the claim, kept for its reports. */
export function rememberClaimedRun(sql: Sql, runId: string, location: string, plan: RunPlan): void {
  const kept = factsOf(sql);
  kept.rememberLocation(runId, location);
  kept.rememberPlan(runId, plan);
}
