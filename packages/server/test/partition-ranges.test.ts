import type { PartitionSpace, PartitionsDefinition } from "@strata/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.js";
import type { Sql } from "../src/db/sql.js";
import { loadSpace } from "../src/partitions/space.js";
import {
  markMaterialized,
  markRunsInProgress,
  type PartitionStatusValue,
  STATUS_BLOCK,
  settleRunPartitions,
  type StatusRange,
  statusRanges,
} from "../src/partitions/status.js";
import { seededRandom } from "../src/testing/seeded-random.js";
import { openTestDatabase, testDialect } from "../src/testing/test-database.js";

/**
 * PartitionStatusRange (time-window statuses as ranges, rebuilt per block of 1,024 indexes by
 * triggers as a transaction commits) against a per-partition model of status.ts's writers:
 * random launches, materializations and run ends over an hourly asset of 2,904 partitions
 * (three blocks), many of them across a block's edge.
 */
const HOURLY: PartitionsDefinition = {
  kind: "time_window",
  cron: "0 * * * *",
  start: "2024-01-01T00:00:00",
  end: "2024-05-01T00:00:00",
  timezone: "UTC",
  format: "yyyy-MM-dd-HH:mm",
  endOffset: 0,
};

interface ModelPartition {
  status: Exclude<PartitionStatusValue, "MISSING">;
  lastRunId: string | null;
  materialized: boolean;
}

/** What status.ts's writers do to AssetPartition, partition by partition. */
class Model {
  readonly partitions = new Map<number, ModelPartition>();

  inProgress(runId: string, indexes: readonly number[]): void {
    for (const i of indexes) {
      const p = this.partitions.get(i);
      this.partitions.set(i, { status: "IN_PROGRESS", lastRunId: runId, materialized: p?.materialized ?? false });
    }
  }

  materialized(runId: string | null, indexes: readonly number[]): void {
    for (const i of indexes) {
      const p = this.partitions.get(i);
      this.partitions.set(i, { status: "MATERIALIZED", lastRunId: p ? p.lastRunId : runId, materialized: true });
    }
  }

  settle(runId: string, status: "SUCCESS" | "FAILURE" | "CANCELED"): void {
    for (const [i, p] of this.partitions) {
      if (p.lastRunId !== runId || p.status !== "IN_PROGRESS") continue;
      if (status === "FAILURE") p.status = "FAILED";
      else if (p.materialized) p.status = "MATERIALIZED";
      else this.partitions.delete(i);
    }
  }

  ranges(start: number, end: number): StatusRange[] {
    const ranges: StatusRange[] = [];
    for (let i = start; i <= end; i++) {
      const status = this.partitions.get(i)?.status ?? "MISSING";
      const last = ranges.at(-1);
      if (last?.status === status) last.endIndex = i;
      else ranges.push({ status, startIndex: i, endIndex: i });
    }
    return ranges;
  }
}

let db: Database;
let space: PartitionSpace;
beforeAll(async () => {
  db = await openTestDatabase();
  space = await loadSpace(db.sql, HOURLY);
});
afterAll(() => db.close());

/** markMaterialized's rows for these partitions of `assetKey`, by `runId`, each materialization's id from `id`. */
const materializedRows = (assetKey: string, indexes: readonly number[], runId: string | null, id: (i: number) => string = String) =>
  indexes.map((i) => ({ assetKey, partition: space.keyAt(i), timeIndex: i, materializationId: id(i), runId }));

/** Ranges as stored: each inside one block, none overlapping, nothing left to rebuild. */
async function checkStorage(sql: Sql, assetKey: string): Promise<void> {
  const rows = await sql.query<{ s: number; e: number }>(
    `SELECT "startIndex" AS s, "endIndex" AS e FROM "PartitionStatusRange" WHERE "assetKey" = $1 ORDER BY "startIndex"`,
    [assetKey],
  );
  let previousEnd = -1;
  for (const row of rows) {
    expect(row.s).toBeGreaterThan(previousEnd);
    expect(row.e).toBeGreaterThanOrEqual(row.s);
    expect(Math.floor(row.s / STATUS_BLOCK)).toBe(Math.floor(row.e / STATUS_BLOCK));
    previousEnd = row.e;
  }
  const [dirty] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "PartitionStatusDirty"`);
  expect(dirty!.n).toBe(0);
}

describe(`partition status ranges (${testDialect})`, () => {
  it("follow random launches, materializations and run ends exactly, per block and across blocks", async () => {
    const asset = "ranges/random";
    const model = new Model();
    const next = seededRandom(20261202);
    const int = (n: number) => Math.floor(next() * n);
    // Indexes near a block's edge half of the time: that is where ranges are cut and rejoined.
    const pick = () =>
      next() < 0.5 ? Math.min(space.count - 1, Math.max(0, STATUS_BLOCK * (1 + int(2)) - 6 + int(12))) : int(space.count);
    const span = (): number[] => {
      const start = pick();
      const length = next() < 0.6 ? 1 : 1 + int(next() < 0.2 ? 2_000 : 40);
      return Array.from({ length: Math.min(length, space.count - start) }, (_, k) => start + k);
    };
    const asPartitions = (indexes: readonly number[]) => indexes.map((i) => ({ key: space.keyAt(i), timeIndex: i }));
    const running: string[] = [];
    let materialization = 0;
    let runs = 0;
    for (let step = 0; step < 250; step++) {
      const roll = next();
      // One transaction per step, sometimes rolled back (nothing of it may remain).
      const rollback = next() < 0.08;
      const effects: (() => void)[] = [];
      await db.sql
        .transaction(async (tx) => {
          if (roll < 0.35 || running.length === 0) {
            // A launch of one run (or of several, like a backfill's batch) over disjoint spans.
            const batch: { runId: string; indexes: number[] }[] = [];
            const taken = new Set<number>();
            for (let r = 0, n = next() < 0.2 ? 2 + int(4) : 1; r < n; r++) {
              const indexes = span().filter((i) => !taken.has(i));
              for (const i of indexes) taken.add(i);
              if (indexes.length) batch.push({ runId: `run-${++runs}`, indexes });
            }
            await markRunsInProgress(
              tx,
              batch.map((b) => ({ runId: b.runId, assetKeys: [asset], partitions: asPartitions(b.indexes) })),
            );
            for (const b of batch) effects.push(() => (model.inProgress(b.runId, b.indexes), running.push(b.runId)));
          } else if (roll < 0.55) {
            // A materialization report of a running run (some of its partitions), or a runless one.
            const runId = next() < 0.7 ? running[int(running.length)]! : null;
            const held = [...model.partitions].filter(([, p]) => runId && p.lastRunId === runId).map(([i]) => i);
            const indexes = runId && held.length && next() < 0.8 ? held.filter(() => next() < 0.6) : span();
            await markMaterialized(
              tx,
              materializedRows(asset, indexes, runId, () => String(++materialization)),
            );
            effects.push(() => model.materialized(runId, indexes));
            // A run's last report also ends it, in the same transaction.
            if (runId && next() < 0.5) {
              const status = (["SUCCESS", "FAILURE", "CANCELED"] as const)[int(3)]!;
              await settleRunPartitions(tx, runId, status);
              effects.push(() => (model.settle(runId, status), running.splice(running.indexOf(runId), 1)));
            }
          } else {
            const runId = running[int(running.length)]!;
            const status = (["SUCCESS", "FAILURE", "FAILURE", "CANCELED"] as const)[int(4)]!;
            await settleRunPartitions(tx, runId, status);
            effects.push(() => (model.settle(runId, status), running.splice(running.indexOf(runId), 1)));
          }
          if (rollback) throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      if (!rollback) for (const effect of effects) effect();

      const whole = await statusRanges(db.sql, asset, space, { start: 0, end: space.count - 1 });
      expect(whole, `step ${step}`).toEqual(model.ranges(0, space.count - 1));
      const [a, b] = [pick(), pick()].sort((x, y) => x - y) as [number, number];
      expect(await statusRanges(db.sql, asset, space, { start: a, end: b }), `step ${step}, ${a}..${b}`).toEqual(model.ranges(a, b));
      if (step % 25 === 0) await checkStorage(db.sql, asset);
    }
    await checkStorage(db.sql, asset);
    // The run exercised every status, and ranges that cross blocks.
    const statuses = new Set((await statusRanges(db.sql, asset, space, { start: 0, end: space.count - 1 })).map((r) => r.status));
    expect(statuses.size).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it("joins a range cut at a block's edge, and clips ranges to the asked window", async () => {
    const asset = "ranges/edges";
    const indexes = Array.from({ length: 2_000 }, (_, k) => 500 + k);
    await markMaterialized(db.sql, materializedRows(asset, indexes, null));
    const stored = await db.sql.query(`SELECT 1 FROM "PartitionStatusRange" WHERE "assetKey" = $1`, [asset]);
    expect(stored).toHaveLength(3); // 500..1023, 1024..2047 and 2048..2499
    expect(await statusRanges(db.sql, asset, space, { start: 0, end: space.count - 1 })).toEqual([
      { status: "MISSING", startIndex: 0, endIndex: 499 },
      { status: "MATERIALIZED", startIndex: 500, endIndex: 2499 },
      { status: "MISSING", startIndex: 2500, endIndex: space.count - 1 },
    ]);
    expect(await statusRanges(db.sql, asset, space, { start: 1500, end: 1600 })).toEqual([
      { status: "MATERIALIZED", startIndex: 1500, endIndex: 1600 },
    ]);
    await checkStorage(db.sql, asset);
  });

  it.skipIf(testDialect !== "postgres")(
    "stay exact when concurrent transactions change the same blocks (PostgreSQL: runs when TEST_DATABASE_URL is set)",
    async () => {
      const asset = "ranges/concurrent";
      const model = new Model();
      // 600 runs of 4 partitions each launched at once (a backfill), then ended concurrently,
      // each end with a materialization of part of its run in the same transaction, while
      // runless reports materialize spans across blocks in both orders.
      const runs = Array.from({ length: 600 }, (_, r) => ({ runId: `c-${r}`, indexes: [0, 1, 2, 3].map((k) => 100 + r * 4 + k) }));
      await db.sql.transaction((tx) =>
        markRunsInProgress(
          tx,
          runs.map((r) => ({
            runId: r.runId,
            assetKeys: [asset],
            partitions: r.indexes.map((i) => ({ key: space.keyAt(i), timeIndex: i })),
          })),
        ),
      );
      for (const r of runs) model.inProgress(r.runId, r.indexes);
      const next = seededRandom(7);
      const ends = runs.map((r) => ({
        ...r,
        status: (["SUCCESS", "FAILURE", "CANCELED"] as const)[Math.floor(next() * 3)]!,
        some: r.indexes.filter(() => next() < 0.3),
      }));
      const far = [2_600, 2_601, 2_602];
      await Promise.all([
        ...ends.map((end) =>
          db.sql.transaction(async (tx) => {
            await markMaterialized(tx, materializedRows(asset, end.some, end.runId));
            await settleRunPartitions(tx, end.runId, end.status);
          }),
        ),
        // Two blocks, in opposite orders within one transaction each.
        ...[0, 1].map((k) =>
          db.sql.transaction(async (tx) => {
            const order = k === 0 ? [far, [10, 11]] : [[20, 21], far.map((i) => i + 10)];
            for (const indexes of order) await markMaterialized(tx, materializedRows(asset, indexes, null));
          }),
        ),
      ]);
      for (const end of ends) {
        model.materialized(end.runId, end.some);
        model.settle(end.runId, end.status);
      }
      model.materialized(null, [...far, 10, 11, 20, 21, ...far.map((i) => i + 10)]);
      expect(await statusRanges(db.sql, asset, space, { start: 0, end: space.count - 1 })).toEqual(model.ranges(0, space.count - 1));
      await checkStorage(db.sql, asset);
    },
    120_000,
  );
});

class RolledBack extends Error {}
