import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAILY_JANUARY_UTC } from "../src/testing/manifests.js";
import type { FixtureAsset } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { registerAssets } from "./support/register-assets.js";

let app: TestApp;
const register = (name: string, assets: FixtureAsset[]) => registerAssets(app, name, assets);

const PLAN = `query($assetKeys: [String!], $partition: String) { planRun(assetKeys: $assetKeys, partition: $partition) {
  __typename
  ... on RunPlanPreview { location assetKeys checkKeys partitionKey steps { key kind assetKeys upstreamStepKeys } }
  ... on Error { message code }
} }`;
const LAUNCH = `mutation($assetKeys: [String!], $partition: String) { launchRun(assetKeys: $assetKeys, partition: $partition) {
  __typename ... on Run { id stepKeys } } }`;
const runCount = async () => Number((await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Run"`))[0]!.n);

beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: 0 } });
  await register("shop", [
    { key: "shop/raw" },
    { key: "shop/clean", deps: ["shop/raw"] },
    { key: "shop/report", deps: ["shop/clean", "shop/raw"] },
    { key: "shop/daily", partitions: DAILY_JANUARY_UTC },
  ]);
  await register("other", [{ key: "other/x" }]);
});
afterAll(() => app.close());

describe(`planRun (${testDialect})`, () => {
  it("previews the steps a launch would run, in order, and launches nothing", async () => {
    const { data } = await app.gql(PLAN, { assetKeys: ["shop/report", "shop/raw", "shop/clean"] });
    expect(data!.planRun).toEqual({
      __typename: "RunPlanPreview",
      location: "shop",
      assetKeys: ["shop/clean", "shop/raw", "shop/report"],
      checkKeys: [],
      partitionKey: null,
      steps: [
        { key: "shop__raw", kind: "asset", assetKeys: ["shop/raw"], upstreamStepKeys: [] },
        { key: "shop__clean", kind: "asset", assetKeys: ["shop/clean"], upstreamStepKeys: ["shop__raw"] },
        { key: "shop__report", kind: "asset", assetKeys: ["shop/report"], upstreamStepKeys: ["shop__clean", "shop__raw"] },
      ],
    });
    expect(await runCount()).toBe(0);
    // The launch runs what the preview showed.
    const launched = await app.gql(LAUNCH, { assetKeys: ["shop/report", "shop/raw", "shop/clean"] });
    expect([...launched.data!.launchRun.stepKeys].sort()).toEqual(data!.planRun.steps.map((s: { key: string }) => s.key).sort());
    expect(await runCount()).toBe(1);
  });

  it("answers the refusal a launch would, and keeps nothing of a partitioned preview", async () => {
    const before = await runCount();
    const mixed = await app.gql(PLAN, { assetKeys: ["shop/raw", "other/x"] });
    expect(mixed.data!.planRun).toMatchObject({
      __typename: "InvalidSelectionError",
      message: expect.stringMatching(/shop.*other|other.*shop/),
    });
    const noPartition = await app.gql(PLAN, { assetKeys: ["shop/daily"] });
    expect(noPartition.data!.planRun).toMatchObject({
      __typename: "InvalidSelectionError",
      message: expect.stringContaining("partitioned"),
    });
    const badPartition = await app.gql(PLAN, { assetKeys: ["shop/daily"], partition: "2031-13-01" });
    expect(badPartition.data!.planRun.__typename).toBe("PartitionKeysNotFoundError");
    const daily = await app.gql(PLAN, { assetKeys: ["shop/daily"], partition: "2024-01-05" });
    expect(daily.data!.planRun).toMatchObject({ partitionKey: "2024-01-05", steps: [{ key: "shop__daily" }] });
    expect(await runCount()).toBe(before);
    // The preview held no partition: launching it now works.
    const launched = await app.gql(LAUNCH, { assetKeys: ["shop/daily"], partition: "2024-01-05" });
    expect(launched.data!.launchRun.__typename).toBe("Run");
  });

  it("needs the read scope", async () => {
    const anonymous = await app.gql(PLAN, { assetKeys: ["shop/raw"] }, null);
    expect(anonymous.data!.planRun).toMatchObject({ __typename: "UnauthorizedError", code: "FORBIDDEN" });
  });
});
