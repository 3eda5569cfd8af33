import { DAILY_JANUARY_UTC } from "@strata/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackfillStatusError, NotFoundError, PartitionKeysNotFoundError } from "./errors.js";
import { startTestServer, testManifest, type TestServer } from "./testing/test-server.js";

const DAILY = DAILY_JANUARY_UTC;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client().registerCodeLocation({
    name: "fills",
    ...testManifest([
      { key: "fills/raw", partitions: DAILY },
      { key: "fills/clean", deps: ["fills/raw"], partitions: DAILY },
    ]),
  });
});
afterAll(() => t.close());

describe("backfills through the SDK", () => {
  it("previews, launches, reads, lists and cancels a backfill; refusals throw typed errors", async () => {
    const client = t.client();
    const input = { assetKeys: ["fills/raw", "fills/clean"], from: "2024-01-01", to: "2024-01-10", maxPartitionsPerRun: 5 };
    const preview = await client.previewBackfill(input);
    expect(preview).toMatchObject({
      runCount: 2,
      chunks: [
        { startKey: "2024-01-01", endKey: "2024-01-05" },
        { startKey: "2024-01-06", endKey: "2024-01-10" },
      ],
    });

    const launched = await client.launchBackfill({ ...input, title: "January", tags: { team: "data" } });
    expect(launched).toMatchObject({ status: "REQUESTED", title: "January", runCount: 2, chunkCounts: { launched: 2 } });
    expect(launched.assetStatuses).toEqual([
      { assetKey: "fills/raw", targeted: 10, materialized: 0, failed: 0, inProgress: 10, skipped: 0 },
      { assetKey: "fills/clean", targeted: 10, materialized: 0, failed: 0, inProgress: 10, skipped: 0 },
    ]);
    const detail = await client.backfill(launched.id);
    expect(detail.runs.map((r) => r.partitionRange)).toEqual([
      { from: "2024-01-01", to: "2024-01-05" },
      { from: "2024-01-06", to: "2024-01-10" },
    ]);
    expect((await client.backfills({ status: ["REQUESTED"] })).items.map((b) => b.id)).toEqual([launched.id]);

    await expect(client.reexecuteBackfill(launched.id)).rejects.toBeInstanceOf(BackfillStatusError);
    const canceled = await client.cancelBackfill(launched.id);
    expect(canceled).toMatchObject({ status: "CANCELED", chunkCounts: { canceled: 2 } });
    await expect(client.cancelBackfill(launched.id)).rejects.toMatchObject({ name: "BackfillStatusError", status: "CANCELED" });

    await expect(client.launchBackfill({ assetKeys: ["fills/raw"], from: "2024-01-01", to: "2024-02-01" })).rejects.toMatchObject({
      name: "PartitionKeysNotFoundError",
      keys: ["2024-02-01"],
    });
    await expect(client.launchBackfill({ assetKeys: ["fills/raw"], keys: ["nope"] })).rejects.toBeInstanceOf(PartitionKeysNotFoundError);
    await expect(client.backfill("00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("backfillChanged follows a backfill to its end", async () => {
    const client = t.client();
    const launched = await client.launchBackfill({ assetKeys: ["fills/raw"], from: "2024-01-11", to: "2024-01-12", title: "watched" });
    let onConnected!: () => void;
    const connected = new Promise<void>((resolve) => (onConnected = resolve));
    const changes = client.backfillChanged(launched.id, { onStatus: (s) => s.state === "connected" && onConnected() });
    const seen: string[] = [];
    const watching = (async () => {
      for await (const change of changes) {
        expect(change.id).toBe(launched.id);
        seen.push(change.status);
        if (change.endedAt) break;
      }
    })();
    await connected;
    await client.cancelBackfill(launched.id);
    await watching;
    expect(seen.at(-1)).toBe("CANCELED");
  });
});
