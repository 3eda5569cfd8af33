import { AutomationCondition } from "@strata/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutomationService } from "../src/automation/automation-service.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { registerAssets } from "./support/register-assets.js";

const DRY_RUN = `query($l: String!) { automationDryRun(location: $l) {
  __typename ... on AutomationDryRun { location requested runAssetKeys evaluations { assetKey requested nodes { label trueCount candidateCount } } }
  ... on Error { message } } }`;

describe(`automation dry run (${testDialect})`, () => {
  let app: TestApp;
  let clock = Date.parse("2026-01-05T10:00:00Z");
  let automation: AutomationService;
  beforeAll(async () => {
    app = await createTestApp({ runs: { maxConcurrentRuns: 0 } });
    await registerAssets(app, "dry", [{ key: "a" }, { key: "b", deps: ["a"], automation: AutomationCondition.eager().node }]);
    automation = new AutomationService(app.db, app.runs, { intervalMs: 30_000 }, app.logger, () => clock);
  });
  afterAll(async () => {
    await automation.stop();
    await app.close();
  });
  const written = async () =>
    (
      await app.db.sql.query<{ ticks: number; runs: number; evaluations: number }>(
        `SELECT (SELECT count(*)::int FROM "AutomationTick") AS ticks, (SELECT count(*)::int FROM "Run") AS runs,
                (SELECT count(*)::int FROM "AutomationEvaluation") AS evaluations`,
      )
    )[0];

  it("shows what the next tick would request and why, and writes nothing; the tick then does the same", async () => {
    clock += 30_000;
    await automation.tick(); // the first tick: nothing is newly updated yet
    await app.gql(`mutation { reportMaterialization(assetKey: "a") { __typename } }`);
    const before = await written();

    const dry = (await app.gql(DRY_RUN, { l: "dry" })).data!.automationDryRun;
    expect(dry).toMatchObject({ __typename: "AutomationDryRun", location: "dry", requested: ["b"], runAssetKeys: ["b"] });
    const b = dry.evaluations.find((e: { assetKey: string }) => e.assetKey === "b");
    expect(b.requested).toBe(true);
    expect(b.nodes[0]).toMatchObject({ label: "eager", trueCount: 1, candidateCount: 1 });
    // Twice in a row, the same answer: the first wrote no cursor, tick or run.
    expect((await app.gql(DRY_RUN, { l: "dry" })).data!.automationDryRun.requested).toEqual(["b"]);
    expect(await written()).toEqual(before);

    clock += 30_000;
    const [tick] = await automation.tick();
    expect(tick?.outcome).toMatchObject({ kind: "ticked", status: "SUCCESS", requested: ["b"] });
    expect((await app.gql(DRY_RUN, { l: "dry" })).data!.automationDryRun.requested).toEqual([]);
  });

  it("answers for a paused location too, and refuses an unknown one", async () => {
    await app.gql(`mutation { setAutomationPaused(location: "dry", paused: true) { paused } }`);
    expect((await app.gql(DRY_RUN, { l: "dry" })).data!.automationDryRun.__typename).toBe("AutomationDryRun");
    expect((await app.gql(DRY_RUN, { l: "nowhere" })).data!.automationDryRun).toMatchObject({ __typename: "NotFoundError" });
  });
});
