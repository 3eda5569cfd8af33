import type { Backfill, BackfillPreview } from "@strata/sdk";
import { describe, expect, it } from "vitest";
import { backfillEnded, formatBackfill, formatBackfillPreview } from "./backfill-progress.js";
import { styleFor } from "./style.js";

const plain = styleFor({ isTTY: false }, {});

const failed: Backfill = {
  id: "bf-1",
  status: "COMPLETED_FAILED",
  title: "Q1",
  assetKeys: ["a", "sales/b"],
  only: "ALL",
  policy: { kind: "multi_run", maxPartitionsPerRun: 1 },
  tags: {},
  createdBy: "dev",
  createdAt: "2026-12-02T10:00:00.000Z",
  endedAt: "2026-12-02T10:05:00.000Z",
  parentBackfillId: null,
  runCount: 90,
  runsAhead: 1000,
  chunkCounts: { waiting: 0, ready: 0, launched: 0, succeeded: 89, failed: 1, skipped: 0, canceled: 0 },
  assetStatuses: [
    { assetKey: "a", targeted: 90, materialized: 89, failed: 1, inProgress: 0, skipped: 0 },
    { assetKey: "sales/b", targeted: 90, materialized: 89, failed: 0, inProgress: 0, skipped: 1 },
  ],
};

describe("formatBackfill", () => {
  it("prints the status, the runs by state and a bar with counts per asset; a single failure still shows", () => {
    expect(formatBackfill(failed, plain, 70).split("\n")).toEqual([
      "bf-1  COMPLETED_FAILED  Q1",
      "  runs: 90 planned, 89 succeeded, 1 failed",
      `  a        ${"█".repeat(22)}x  89/90 materialized, 1 failed`,
      `  sales/b  ${"█".repeat(22)}-  89/90 materialized, 1 skipped`,
    ]);
  });

  it("shows waiting and running partitions, and the parent of a retry", () => {
    const running: Backfill = {
      ...failed,
      status: "REQUESTED",
      title: null,
      endedAt: null,
      parentBackfillId: "bf-0",
      runCount: 7,
      chunkCounts: { waiting: 2, ready: 3, launched: 1, succeeded: 1, failed: 0, skipped: 0, canceled: 0 },
      assetStatuses: [{ assetKey: "a", targeted: 4, materialized: 1, failed: 0, inProgress: 1, skipped: 0 }],
    };
    expect(formatBackfill(running, plain, 60).split("\n")).toEqual([
      "bf-1  REQUESTED",
      "  runs: 7 planned, 2 waiting, 3 ready, 1 launched, 1 succeeded",
      "  a  █████▒▒▒▒▒·········  1/4 materialized, 1 in progress",
      "  retry of bf-0",
    ]);
    expect(backfillEnded(running)).toBe(false);
    expect(backfillEnded(failed)).toBe(true);
  });
});

describe("formatBackfillPreview", () => {
  it("states the run count, the policy and the first runs with what they wait for", () => {
    const preview: BackfillPreview = {
      assetKeys: ["a", "b"],
      policy: { kind: "multi_run", maxPartitionsPerRun: 30 },
      runCount: 3,
      targeted: [
        { assetKey: "a", targeted: 90 },
        { assetKey: "b", targeted: 90 },
      ],
      chunks: [
        { idx: 0, assetKeys: ["a", "b"], startKey: "2024-01-01", endKey: "2024-01-30", partitionCount: 30, dependsOn: [] },
        { idx: 1, assetKeys: ["a", "b"], startKey: "2024-01-31", endKey: "2024-02-29", partitionCount: 30, dependsOn: [0] },
      ],
    };
    expect(formatBackfillPreview(preview, plain, 2).split("\n")).toEqual([
      "3 runs would be created (at most 30 partitions per run):",
      "  #0  a, b  2024-01-01 .. 2024-01-30 (30)",
      "  #1  a, b  2024-01-31 .. 2024-02-29 (30) after #0",
      "  … 1 more",
      "  a: 90 partitions",
      "  b: 90 partitions",
    ]);
  });
});
