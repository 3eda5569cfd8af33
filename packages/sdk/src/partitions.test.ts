import { DAILY_JANUARY_UTC } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, PartitionInUseError, PartitionKeysNotFoundError, UnauthorizedError } from "./errors.js";
import { testManifest, useTestServer } from "./testing/test-server.js";

const server = useTestServer((t) =>
  t.client().registerCodeLocation({
    name: "shop",
    ...testManifest([
      { key: "shop/daily", partitions: DAILY_JANUARY_UTC },
      { key: "shop/per_customer", partitions: { kind: "dynamic", name: "customers" } },
      { key: "shop/plain" },
    ]),
  }),
);

describe("partitions through the SDK", () => {
  it("pages an asset's partition keys in the definition's order, and answers none for an unpartitioned one", async () => {
    const client = server().client();
    const first = await client.partitionKeys("shop/daily", { first: 20 });
    expect(first.items).toHaveLength(20);
    expect(first.items[0]).toBe("2024-01-01");
    expect(first.hasNextPage).toBe(true);
    const rest = await client.partitionKeys("shop/daily", { first: 20, after: first.endCursor });
    expect(rest.items).toEqual(Array.from({ length: 11 }, (_, i) => `2024-01-${String(21 + i)}`));
    expect(rest.hasNextPage).toBe(false);
    expect((await client.partitionKeys("shop/plain")).items).toEqual([]);
    await expect(client.partitionKeys("shop/daily", { after: "not-a-cursor" })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("adds and deletes dynamic partition keys; a key a live run uses stays, with the run named", async () => {
    const client = server().client();
    expect((await client.partitionStatus("shop/per_customer")).status?.counts.total).toBe(0);
    expect(await client.addDynamicPartitions("customers", ["acme", "globex"])).toMatchObject({
      name: "customers",
      keys: ["acme", "globex"],
    });
    expect((await client.addDynamicPartitions("customers", ["globex", "initech"])).keys).toEqual(["acme", "globex", "initech"]);
    expect((await client.partitionKeys("shop/per_customer")).items).toEqual(["acme", "globex", "initech"]);

    const run = await client.launchRun({ assetKeys: ["shop/per_customer"], partition: "acme" });
    const inUse = await client.deleteDynamicPartitions("customers", ["acme"]).catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(PartitionInUseError);
    expect(inUse).toMatchObject({ keys: ["acme"], runIds: [run.id] });
    await expect(client.deleteDynamicPartitions("customers", ["nobody"])).rejects.toBeInstanceOf(PartitionKeysNotFoundError);
    await client.terminateRun(run.id);
    expect((await client.deleteDynamicPartitions("customers", ["acme"])).keys).toEqual(["globex", "initech"]);

    const reader = server().client({ token: await server().token("read") });
    await expect(reader.addDynamicPartitions("customers", ["umbrella"])).rejects.toBeInstanceOf(UnauthorizedError);
    expect((await client.partitionKeys("shop/per_customer")).items).toEqual(["globex", "initech"]);
  });
});
