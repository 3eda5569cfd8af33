import { AutomationCondition } from "@strata/definitions";
import { createLogger, defaultRunConfig, manifestHash, RunService } from "@strata/server";
import { seededRandom } from "@strata/server/testing";
import { assetStep, REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { latencyRows, median, percentile, sample, type BenchRow, type Workload } from "../harness.js";
import { withScratchApp } from "../strata-app.js";
// None is exported by its package yet: the tick loop's class (the server's own, driven here with
// an injected clock as its tests do), the pure evaluator, for the in-memory baseline, and the
// protocol tests' manifest asset with every attribute at its default. Relative imports, so
// bench/package.json need not declare @strata/protocol for them.
import { AutomationService } from "../../packages/server/src/automation/automation-service.js";
import { type AutomationAssetState, type AutomationCursor, evaluateAutomationTick } from "../../packages/protocol/src/index.js";
import { assetFixture } from "../../packages/protocol/src/testing/manifest.js";

const LOCATION = "auto";
const LAYERS = 20;
const WIDTH = 500;
const COUNT = LAYERS * WIDTH;
/** Daily windows since 2023 in UTC: 1,100 of them have ended at the benchmark's clock. */
const DAILY = {
  kind: "time_window" as const,
  cron: "0 0 * * *",
  start: "2023-01-01T00:00:00",
  end: null,
  timezone: "UTC",
  format: "yyyy-MM-dd",
  endOffset: 0,
};
/** The ticks' clock starts here (a Monday, 11:00 in Berlin: today's 09:00 cron tick has passed). */
const START = Date.parse("2026-01-05T10:00:00Z");
const LATEST_WINDOW = "2026-01-04";
const LATEST_INDEX = 1099;
const INTERVAL = 30_000;
/** Assets materialized before each "changed" tick: 1% of them. */
const CHANGED = COUNT / 100;
/** Ticks timed: up to 10 with nothing changed and 5 after changes, at least 3 each once a budget is spent. */
const QUIET_TICKS = 10;
const CHANGED_TICKS = 5;
const MIN_TICKS = 3;
const QUIET_BUDGET_MS = 20_000;
const CHANGED_BUDGET_MS = 30_000;
const QUIET_GOAL_MS = 100;
const CHANGED_GOAL_MS = 1_000;

const keyOf = (n: number) => `${LOCATION}/asset_${String(n).padStart(6, "0")}`;
const stepOf = (key: string) => key.replaceAll("/", "__");
const isPartitioned = (n: number) => n % 10 === 3;
/**
 * A few assets of the last two layers never materialized (their latest window, for partitioned
 * ones): the first tick requests them and what is downstream of them.
 */
const isMissing = (n: number) => n >= COUNT - 2 * WIDTH && n % 97 === 5;

/**
 * 10,000 assets in 20 layers of 500, each (past the first layer) depending on 1 to 3 assets of the
 * layer before, within 10 positions of its own; every 10th daily-partitioned since 2023. Conditions: the
 * first layer's roots are unautomated but for every 5th (on_cron at 09:00 Berlin); past it every
 * 7th asset is on_cron and the others eager.
 */
function automationDag() {
  const next = seededRandom(8);
  const eager = AutomationCondition.eager().node;
  const onCron = AutomationCondition.onCron("0 9 * * *", "Europe/Berlin").node;
  const deps: number[][] = [];
  for (let n = 0; n < COUNT; n++) {
    const layer = Math.floor(n / WIDTH);
    if (layer === 0) {
      deps.push([]);
      continue;
    }
    const position = n % WIDTH;
    const picked = new Set<number>();
    const wanted = 1 + Math.floor(next() * 3);
    while (picked.size < wanted) picked.add((layer - 1) * WIDTH + ((position + Math.floor(next() * 21) - 10 + WIDTH) % WIDTH));
    deps.push([...picked].sort((a, b) => a - b));
  }
  const conditionOf = (n: number) => (n < WIDTH ? (n % 5 === 0 ? onCron : null) : n % 7 === 0 ? onCron : eager);
  const assets = Array.from({ length: COUNT }, (_, n) =>
    assetFixture(keyOf(n), deps[n]!.map(keyOf), {
      group: `layer_${String(Math.floor(n / WIDTH)).padStart(2, "0")}`,
      stepKey: stepOf(keyOf(n)),
      ...(isPartitioned(n) ? { partitions: DAILY } : {}),
      automation: conditionOf(n),
    }),
  );
  const manifest = {
    manifestVersion: 3,
    assets,
    steps: assets.map((a) => assetStep(a, stepOf)),
  };
  return { manifest, hash: manifestHash(manifest), deps, conditionOf };
}

/**
 * W8: automation ticks (issue 13) of one location of 10,000 assets (1,000 daily-partitioned
 * since 2023, whose 1.1 million partitions are materialized but for a few latest windows; eager
 * and on_cron conditions mixed, some unautomated roots) on PostgreSQL, through the server's own
 * tick (AutomationService with an injected clock, each tick forced, its runs left queued): the
 * first tick, ticks with nothing changed (up to 10) and ticks after 1% of the assets (100, picked
 * at random) were materialized (up to 5); fewer, at least 3, once a budget is spent. Baselines,
 * in the same run: the one statement reading the latest materialization id of each of the
 * 10,000 assets (the least any tick must read), and the tick's own pure evaluation
 * (evaluateAutomationTick on the same 10,000 states, no I/O).
 * Dagster's own performance test allows 20 s for a tick of 1,000 assets.
 */
export const w8Automation: Workload = {
  id: "W8",
  title: "automation ticks on 10,000 assets, 1,000 daily-partitioned since 2023 (PostgreSQL)",
  async run(): Promise<BenchRow[]> {
    return withScratchApp(async (app, pubsub, db) => {
      const dag = automationDag();
      const registered = await post(app.fetch, REGISTER, { name: LOCATION, manifest: dag.manifest, hash: dag.hash });
      if (registered.registerCodeLocation.__typename !== "RegisterCodeLocationSuccess")
        throw new Error(registered.registerCodeLocation.message);
      const keys = Array.from({ length: COUNT }, (_, n) => keyOf(n));
      const whole = keys.filter((_, n) => !isPartitioned(n) && !isMissing(n));
      const partitioned = keys.filter((_, n) => isPartitioned(n));
      const partitionedMissing = keys.filter((_, n) => isPartitioned(n) && isMissing(n));
      // Three runless materializations of each unpartitioned asset, and every daily partition of
      // each partitioned one (but the latest of the missing ones), day by day as they would have
      // come; their AssetPartition rows (and the status ranges its triggers build) in one go.
      await db.sql.query(
        `INSERT INTO "Materialization" ("assetKey", "stepKey", "timestamp")
         SELECT k, replace(k, '/', '__'), timestamp '2026-01-02' + make_interval(days => i)
         FROM generate_series(0, 2) AS i, unnest($1::text[]) AS k ORDER BY i, k`,
        [whole],
      );
      await db.sql.query(
        `INSERT INTO "Materialization" ("assetKey", "stepKey", partition, "timestamp")
         SELECT k, replace(k, '/', '__'), to_char(date '2023-01-01' + d, 'YYYY-MM-DD'), timestamp '2023-01-02 01:00' + make_interval(days => d)
         FROM generate_series(0, $3::int) AS d, unnest($1::text[]) AS k
         WHERE d < $3::int OR NOT (k = ANY($2::text[])) ORDER BY d, k`,
        [partitioned, partitionedMissing, LATEST_INDEX],
      );
      await db.sql.query(
        `INSERT INTO "AssetPartition" ("assetKey", "partitionKey", "timeIndex", status, "lastMaterializationId", "updatedAt")
         SELECT "assetKey", partition, partition::date - date '2023-01-01', 'MATERIALIZED', id, now()
         FROM "Materialization" WHERE partition IS NOT NULL`,
      );
      await db.sql.query(`ANALYZE`);

      let clock = START;
      const logger = createLogger("silent");
      const runs = new RunService(db, pubsub.pubsub, defaultRunConfig, logger);
      const automation = new AutomationService(db, runs, { intervalMs: INTERVAL }, logger, () => clock);
      const tick = async () => {
        clock += INTERVAL;
        const started = performance.now();
        const [result] = await automation.tick({ force: true });
        const ms = performance.now() - started;
        const outcome = result?.outcome;
        if (outcome?.kind !== "ticked") throw new Error(`W8 tick: ${JSON.stringify(outcome)}`);
        return { ms, requested: outcome.requested.length, runs: outcome.runs.length };
      };

      // Baseline: each asset's latest materialization id, in one statement.
      const latestSql = `SELECT k.key, m.id FROM unnest($1::text[]) AS k(key)
        LEFT JOIN LATERAL (SELECT id FROM "Materialization" WHERE "assetKey" = k.key ORDER BY id DESC LIMIT 1) m ON true`;
      const select = await sample(() => db.sql.query(latestSql, [keys]), 20, 3);

      const first = await tick();
      // Two ticks settle what the first one changed (its requests, then their runs in progress).
      const quiet: number[] = [];
      for (let i = 0; i < 2 || !enough(quiet, QUIET_TICKS, QUIET_BUDGET_MS); i++) {
        const t = await tick();
        if (t.requested !== 0) throw new Error(`W8 a tick with nothing changed requested ${t.requested} assets`);
        if (i >= 2) quiet.push(t.ms);
      }

      // The pure evaluation of the same states (nothing changed; then 1% newly updated), with
      // the cursors the ticks stored.
      const stored = await db.sql.query<{ assetKey: string; cursor: AutomationCursor }>(
        `SELECT "assetKey", cursor FROM "AutomationCursor"`,
      );
      const cursors = new Map(stored.map((s) => [s.assetKey, s.cursor]));
      const pick = seededRandom(13);
      const states = (updated: ReadonlySet<number>): AutomationAssetState[] =>
        keys.map((key, n) => ({
          key,
          deps: dag.deps[n]!.map(keyOf),
          missing: isMissing(n),
          runInProgress: false,
          backfillInProgress: false,
          executionFailed: false,
          newlyUpdated: updated.has(n),
          latestRunTargets: null,
          codeVersionChanged: false,
          checks: [],
          condition: dag.conditionOf(n),
          ...(isPartitioned(n) ? { partitionKey: LATEST_WINDOW } : {}),
        }));
      const pickChanged = () => {
        const out = new Set<number>();
        while (out.size < CHANGED) {
          const n = Math.floor(pick() * COUNT);
          if (!isMissing(n)) out.add(n);
        }
        return out;
      };
      const quietStates = states(new Set());
      const pureQuiet = await sample(() => evaluateAutomationTick({ now: clock, assets: quietStates, cursors }), 5, 1);
      const changedStates = states(pickChanged());
      const pureChanged = await sample(() => evaluateAutomationTick({ now: clock, assets: changedStates, cursors }), 5, 1);

      // 1% changed: 100 assets (about 10 of them partitioned, on their latest window) get a new
      // materialization before each tick, outside the timing.
      const materialize = async (changed: ReadonlySet<number>) => {
        const picked = [...changed];
        await db.sql.query(
          `INSERT INTO "Materialization" ("assetKey", "stepKey") SELECT k, replace(k, '/', '__') FROM unnest($1::text[]) AS k`,
          [picked.filter((n) => !isPartitioned(n)).map(keyOf)],
        );
        await db.sql.query(
          `WITH m AS (
             INSERT INTO "Materialization" ("assetKey", "stepKey", partition)
             SELECT k, replace(k, '/', '__'), $2 FROM unnest($1::text[]) AS k RETURNING id, "assetKey")
           INSERT INTO "AssetPartition" ("assetKey", "partitionKey", "timeIndex", status, "lastMaterializationId", "updatedAt")
           SELECT "assetKey", $2, $3, 'MATERIALIZED', id, now() FROM m
           ON CONFLICT ("assetKey", "partitionKey") DO UPDATE SET status = 'MATERIALIZED',
             "lastMaterializationId" = EXCLUDED."lastMaterializationId", "updatedAt" = now()`,
          [picked.filter(isPartitioned).map(keyOf), LATEST_WINDOW, LATEST_INDEX],
        );
      };
      const changed: number[] = [];
      let requested = 0;
      let launched = 0;
      // The first such tick is a warm-up. The runs the ticks launch stay queued (no coordinator
      // runs here), so their assets stay in progress and later ticks request fewer.
      for (let i = 0; i === 0 || !enough(changed, CHANGED_TICKS, CHANGED_BUDGET_MS); i++) {
        await materialize(pickChanged());
        const t = await tick();
        if (i === 0) continue;
        changed.push(t.ms);
        requested += t.requested;
        launched += t.runs;
      }
      if (requested === 0) throw new Error("W8 ticks after 100 materializations requested nothing");

      const graph = `${COUNT.toLocaleString("en-US")} assets`;
      const sqlName = "SELECT of each asset's latest materialization";
      const pureName = "pure evaluateAutomationTick, same states";
      const rows: BenchRow[] = [
        {
          name: `W8 first tick: ${graph} (1,000 daily-partitioned), ${first.requested} requested in ${first.runs} runs`,
          metric: "one tick",
          unit: "ms",
          value: first.ms,
          baselineName: sqlName,
          baseline: median(select),
        },
      ];
      const quietName = `W8 tick with nothing changed: ${graph}, ${quiet.length} ticks`;
      rows.push(...latencyRows(quietName, quiet, sqlName, select, QUIET_GOAL_MS), ...pureRows(quietName, quiet, pureName, pureQuiet));
      const changedName = `W8 tick after 1% (${CHANGED}) materialized: ${graph}, ${changed.length} ticks, ~${Math.round(requested / changed.length)} requested in ~${Math.round(launched / changed.length)} runs`;
      rows.push(
        ...latencyRows(changedName, changed, sqlName, select, CHANGED_GOAL_MS),
        ...pureRows(changedName, changed, pureName, pureChanged),
      );
      await automation.stop();
      return rows;
    });
  },
};

/** Whether `times` holds `max` figures, or at least MIN_TICKS that took `budgetMs` together. */
function enough(times: readonly number[], max: number, budgetMs: number): boolean {
  return times.length >= max || (times.length >= MIN_TICKS && times.reduce((sum, t) => sum + t, 0) >= budgetMs);
}

/** The p50 and p95 of `times` beside a second baseline (no goal: the goal rows are beside the first). */
function pureRows(name: string, times: readonly number[], baselineName: string, baseline: readonly number[]): BenchRow[] {
  return [
    ["p50", 50],
    ["p95", 95],
  ].map(([metric, p]) => ({
    name,
    metric: metric as string,
    unit: "ms" as const,
    value: percentile(times, p as number),
    baselineName,
    baseline: percentile(baseline, p as number),
  }));
}
