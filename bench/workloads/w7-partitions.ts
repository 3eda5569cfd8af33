import { manifestOf } from "@strata/server/testing";
import { REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { latencyRows, median, percentile, sample, type BenchRow, type Workload } from "../harness.js";
import { benchApp, withScratchApp } from "../strata-app.js";
import { defaultRunConfig } from "@strata/server";

/** Hourly windows since 2015 in UTC: about 100,000 partitions by the end of 2026. */
const HOURLY = {
  kind: "time_window",
  cron: "0 * * * *",
  start: "2015-01-01T00:00:00",
  end: null,
  timezone: "UTC",
  format: "yyyy-MM-dd-HH:mm",
  endOffset: 0,
};
const ISLANDS = 200;
const ISLAND = 250;

const LAUNCH_BACKFILL = `mutation($keys: [String!]!) {
  launchBackfill(input: { assetKeys: $keys, all: true, maxPartitionsPerRun: 1 }) { __typename ... on Backfill { id runCount } } }`;

/** Thrown to roll a baseline's transaction back. */
class Rollback extends Error {}

const STATUS = `query { asset(key: "events/hourly") { ... on Asset {
  partitionStatus { ranges { status startKey endKey count start end } counts { materialized missing total } } } } }`;

/**
 * W7: partition status of one hourly asset since 2015 (~100,000 partitions) with 50,000
 * materialized in 200 islands, on PostgreSQL, in-process through yoga.fetch (server-side time).
 * The answer is ranges: at most 401 of them. The server reads them from PartitionStatusRange
 * (kept by triggers as AssetPartition changes), so the baseline is that design's floor: the
 * bare indexed SELECT of the stored ranges that the resolver runs once; the difference is the
 * server's own work (evaluating the hourly definition, merging and filling MISSING, GraphQL).
 * The previous design's read, the gaps-and-islands SQL over every stored partition, is
 * measured beside it.
 */
export const w7Partitions: Workload = {
  id: "W7",
  title: "partition status of ~100,000 hourly partitions in 200 islands (PostgreSQL)",
  async run(): Promise<BenchRow[]> {
    return withScratchApp(async (app, pubsub, db) => {
      await post(app.fetch, REGISTER, {
        name: "events",
        ...manifestOf([
          { key: "events/hourly", partitions: HOURLY },
          { key: "events/hourly_backfilled", partitions: HOURLY },
          { key: "events/hourly_eager", partitions: HOURLY },
        ]),
      });
      // 200 islands of 250 materialized hours, one every 500 hours (the triggers on AssetPartition
      // build their PartitionStatusRange rows as this statement commits).
      await db.sql.query(
        `INSERT INTO "AssetPartition" ("assetKey", "partitionKey", "timeIndex", status, "updatedAt")
         SELECT 'events/hourly', to_char(timestamp '2015-01-01' + make_interval(hours => i), 'YYYY-MM-DD-HH24:MI'), i, 'MATERIALIZED', now()
         FROM generate_series(0, ${ISLANDS - 1}) AS island, generate_series(island * 500, island * 500 + ${ISLAND - 1}) AS i`,
      );
      await db.sql.query(`ANALYZE "AssetPartition"`);
      const answer = (await post(app.fetch, STATUS)).asset.partitionStatus;
      if (answer.counts.materialized !== ISLANDS * ISLAND || answer.ranges.length > 2 * ISLANDS + 1) {
        throw new Error(`W7 partition status is wrong: ${JSON.stringify(answer.counts)}, ${answer.ranges.length} ranges`);
      }
      const total = answer.counts.total as number;
      const islandsSql = `SELECT status, min("timeIndex") AS s, max("timeIndex") AS e FROM (
           SELECT status, "timeIndex", "timeIndex" - row_number() OVER (PARTITION BY status ORDER BY "timeIndex") AS island
           FROM "AssetPartition" WHERE "assetKey" = $1 AND "timeIndex" BETWEEN $2 AND $3) t
         GROUP BY status, island ORDER BY s`;
      const rangesSql = `SELECT status, "startIndex" AS s, "endIndex" AS e FROM "PartitionStatusRange"
         WHERE "assetKey" = $1 AND "startIndex" BETWEEN $2::int - 1023 AND $3 AND "endIndex" >= $2 ORDER BY "startIndex"`;
      const stored = await db.sql.query(rangesSql, ["events/hourly", 0, total - 1]);
      const previous = await sample(() => db.sql.query(islandsSql, ["events/hourly", 0, total - 1]), 200);
      const floor = await sample(() => db.sql.query(rangesSql, ["events/hourly", 0, total - 1]), 200);
      const times = await sample(() => post(app.fetch, STATUS), 200);
      const name = `W7 partitionStatus: ${total.toLocaleString("en-US")} hourly partitions, ${answer.ranges.length} ranges (${stored.length} stored)`;
      const rows = latencyRows(name, times, "stored-ranges SELECT alone", floor, 20);
      for (const [metric, of] of [
        ["p50", median],
        ["p95", (values: readonly number[]) => percentile(values, 95)],
      ] as const) {
        rows.push({
          name,
          metric,
          unit: "ms",
          value: of(times),
          baselineName: "previous design: islands SQL alone",
          baseline: of(previous),
        });
      }

      // A backfill of every partition of another hourly asset, one run per partition: the
      // launch stores the backfill, its chunks and all its runs (with their steps and their
      // partitions IN_PROGRESS, whose status ranges are rebuilt as it commits) in one
      // transaction. Baseline: a bare INSERT of as many Run rows, rolled back.
      const [location] = await db.sql.query<{ id: string }>(`SELECT id FROM "CodeLocation" WHERE name = 'events'`);
      const rawStarted = performance.now();
      await db.sql
        .transaction(async (tx) => {
          await tx.query(
            `INSERT INTO "Run" (id, "locationId", selection, plan, tags, "tagPairs", "updatedAt")
             SELECT gen_random_uuid()::text, $1, ARRAY['events/hourly_backfilled'], '{}'::jsonb, '{}'::jsonb, '{}', now()
             FROM generate_series(1, $2)`,
            [location!.id, total],
          );
          throw new Rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
      const rawMs = performance.now() - rawStarted;
      // The server's default: the backfill stores every chunk and creates the runs of the first
      // 1,000 (runsAhead); each later run is created by the end of an earlier one.
      const launchStarted = performance.now();
      const launched = await post(app.fetch, LAUNCH_BACKFILL, { keys: ["events/hourly_backfilled"] });
      const launchMs = performance.now() - launchStarted;
      const runCount = launched.launchBackfill.runCount as number;
      if (runCount !== total) throw new Error(`W7 backfill launched ${runCount} runs, expected ${total}`);
      rows.push({
        name: `W7 launchBackfill: ${total.toLocaleString("en-US")} single-partition runs (1,000 ahead)`,
        metric: "one launch",
        unit: "s",
        value: launchMs / 1000,
        baselineName: "bare INSERT of as many Run rows",
        baseline: rawMs / 1000,
        goal: "≤ 5 s",
        met: launchMs <= 5_000,
      });
      // How fast runs are created when they all are at once (runsAhead above the run count):
      // every run, its steps and its partitions IN_PROGRESS, in the launch's transaction.
      const eager = benchApp(db, pubsub, { ...defaultRunConfig, backfillRunsAhead: 10 * total });
      const eagerStarted = performance.now();
      const eagerLaunch = await post(eager.fetch, LAUNCH_BACKFILL, { keys: ["events/hourly_eager"] });
      const eagerMs = performance.now() - eagerStarted;
      const [{ n: created }] = (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Run" WHERE "backfillId" = $1`, [
        eagerLaunch.launchBackfill.id,
      ])) as [{ n: number }];
      if (created !== total) throw new Error(`W7 eager backfill created ${created} runs, expected ${total}`);
      rows.push({
        name: `W7 run creation: all ${total.toLocaleString("en-US")} runs of a backfill at its launch`,
        metric: "runs created",
        unit: "ops/s",
        value: Math.round(total / (eagerMs / 1000)),
        baselineName: "bare INSERT of as many Run rows",
        baseline: Math.round(total / (rawMs / 1000)),
        goal: "≥ 1,000 runs/s",
        met: total / (eagerMs / 1000) >= 1_000,
      });
      return rows;
    });
  },
};
