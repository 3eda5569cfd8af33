import { createLogger, createStrataYoga, defaultRunConfig, RunService } from "@strata/server";
import { manifestOf } from "@strata/server/testing";
import { REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { latencyRows, median, sample, type BenchRow, type Workload } from "../harness.js";
import { withScratchApp } from "../strata-app.js";

const MATERIALIZATIONS = 1_000_000;
const ENDED_RUNS = 100_000;
const QUEUED_RUNS = 1_000;

/** What a worker reports for a three-step run, as report.ts hands it to the metrics once committed. */
function threeStepReport() {
  const stored = [{ type: "RUN_START", payload: {} }];
  for (const step of ["a", "b", "c"]) {
    stored.push(
      { type: "STEP_START", payload: { retryNumber: 0 } },
      { type: "ASSET_MATERIALIZATION", payload: { assetKey: step } },
      { type: "STEP_SUCCESS", payload: { durationMs: 12, retryNumber: 0 } },
    );
  }
  stored.push({ type: "RUN_SUCCESS", payload: { durationMs: 40 } });
  return { stored, materialized: [1, 2, 3], status: "SUCCESS", backfillId: null };
}

/**
 * W9: `GET /metrics` on a database of 1,000,000 materializations, 100,000 ended runs and 1,000
 * queued ones (PostgreSQL, in-process through yoga.fetch). The counters live in memory; the
 * scrape's one query reads the queue (an index-only count of what waits) and the locations'
 * heartbeats, so its time does not grow with history. Baseline: prom-client rendering the same
 * registry without that query. Second row: the bookkeeping a three-step run adds on the write
 * path (launch, claim, report, one GraphQL timing), beside the JSON.stringify of that report
 * which report.ts does anyway.
 */
export const w9Metrics: Workload = {
  id: "W9",
  title: "GET /metrics over 1,000,000 materializations (PostgreSQL)",
  async run(): Promise<BenchRow[]> {
    return withScratchApp(async (_app, pubsub, db) => {
      const logger = createLogger("silent");
      const runs = new RunService(db, pubsub.pubsub, defaultRunConfig, logger);
      const app = createStrataYoga({ db, logger, pubsub, auth: "disabled", runs });
      await post(app.fetch, REGISTER, { name: "etl", ...manifestOf([{ key: "m/a" }]) });
      await db.sql.query(`UPDATE "CodeLocation" SET "lastHeartbeatAt" = now()`);
      await db.sql.query(
        `INSERT INTO "Materialization" ("assetKey", metadata, timestamp) SELECT 'm/a', '{}', now() FROM generate_series(1, ${MATERIALIZATIONS})`,
      );
      await db.sql.query(
        `INSERT INTO "Run" (id, status, "locationId", selection, plan, "tagPairs", "createdAt", "updatedAt")
         SELECT gen_random_uuid()::text, (CASE WHEN i <= ${QUEUED_RUNS} THEN 'QUEUED' ELSE 'SUCCESS' END)::"RunStatus", l.id, '{m/a}', '{}', '{}', now(), now()
         FROM "CodeLocation" l, generate_series(1, ${ENDED_RUNS + QUEUED_RUNS}) AS i`,
      );
      await db.sql.query(`ANALYZE "Materialization"; ANALYZE "Run"`);
      const scrape = async () => {
        const response = await app.fetch("http://bench/metrics");
        if (response.status !== 200) throw new Error(`W9 /metrics answered ${response.status}`);
        return response.text();
      };
      const text = await scrape();
      if (!new RegExp(`^strata_run_queue_depth\\{status="QUEUED"\\} ${QUEUED_RUNS}$`, "m").test(text)) {
        throw new Error("W9: /metrics does not show the queued runs");
      }
      const registry = runs.metrics.registry;
      const baseline = await sample(() => registry.metrics(), 200);
      const times = await sample(scrape, 200);

      const metrics = runs.metrics;
      const report = threeStepReport();
      const perRun = 10_000;
      const bookkeeping = await sample(() => {
        for (let i = 0; i < perRun; i++) {
          metrics.runLaunched("etl");
          metrics.runStarted("etl", 0.02);
          metrics.runReported("etl", report);
          metrics.graphqlOperation("ReportRunEvents", "mutation", 0.004);
        }
      }, 20);
      const stringify = await sample(() => {
        for (let i = 0; i < perRun; i++) JSON.stringify(report.stored);
      }, 20);
      const name = `W9 /metrics: ${MATERIALIZATIONS.toLocaleString("en-US")} materializations, ${QUEUED_RUNS.toLocaleString("en-US")} queued runs`;
      return [
        ...latencyRows(name, times, "registry.metrics() alone", baseline, 50),
        {
          name: "W9 metrics bookkeeping of a three-step run",
          metric: "per run",
          unit: "µs",
          value: (median(bookkeeping) * 1000) / perRun,
          baselineName: "JSON.stringify of its report",
          baseline: (median(stringify) * 1000) / perRun,
        },
      ];
    });
  },
};
