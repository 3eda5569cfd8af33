import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnauthorizedError } from "./errors.js";
import { startTestServer, testManifest, type TestServer } from "./testing/test-server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client().registerCodeLocation({ name: "crm", ...testManifest([{ key: "crm/accounts" }]) });
});
afterAll(() => t.close());

describe("reportMaterialization", () => {
  it("records a runless materialization with typed metadata and shows it as the asset's latest", async () => {
    const client = t.client({ token: await t.token("launch") });
    const reported = await client.reportMaterialization({
      assetKey: "crm/accounts",
      metadata: { row_count: 1200, source: { type: "url", value: "https://crm.example.com" } },
      partition: "2024-06-01",
      description: "nightly export",
      dataVersion: "v7",
      codeVersion: "3",
    });
    expect(reported).toMatchObject({ assetKey: "crm/accounts", runId: null, partition: "2024-06-01", dataVersion: "v7", codeVersion: "3" });
    expect(reported.metadata).toEqual([
      { label: "row_count", type: "int", value: 1200 },
      { label: "source", type: "url", value: "https://crm.example.com" },
    ]);
    expect((await client.asset("crm/accounts")).latestMaterialization?.id).toBe(reported.id);
  });

  it("accepts assets no location defines (external systems)", async () => {
    const m = await t.client().reportMaterialization({ assetKey: "warehouse/legacy_table" });
    expect((await t.client().asset("warehouse/legacy_table")).latestMaterialization?.id).toBe(m.id);
  });

  it("lets a location token report only the assets its location defines", async () => {
    const crm = t.client({ token: await t.token("location:crm") });
    await expect(crm.reportMaterialization({ assetKey: "crm/accounts" })).resolves.toMatchObject({ assetKey: "crm/accounts" });
    const error = await crm.reportMaterialization({ assetKey: "billing/invoices" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ requiredScope: "launch" });
  });
});
