import { AutomationCondition } from "@strata/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutomationService } from "../src/automation/automation-service.js";
import type { TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { createRegisteredTestApp } from "./support/register-assets.js";

/** The metric lines of `name` in the app's registry, as "labels value". */
async function lines(app: TestApp, name: string): Promise<string[]> {
  const text = await app.runs.metrics.registry.metrics();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => l.slice(name.length))
    .sort();
}

describe(`metric families of checks and automation (${testDialect})`, () => {
  let app: TestApp;
  let clock = Date.parse("2026-01-05T10:00:00Z");
  let automation: AutomationService;
  beforeAll(async () => {
    app = await createRegisteredTestApp(
      "fam",
      [{ key: "a" }, { key: "b", deps: ["a"], automation: AutomationCondition.eager().node }],
      [{ asset: "a", name: "valid" }],
    );
    automation = new AutomationService(app.db, app.runs, { intervalMs: 30_000 }, app.logger, () => clock);
  });
  afterAll(async () => {
    await automation.stop();
    await app.close();
  });

  it("counts check results reported outside runs and recorded by runs, by outcome and severity", async () => {
    const report = `mutation($passed: Boolean!, $severity: AssetCheckSeverity) {
      reportCheckResult(checkKey: "a#valid", passed: $passed, severity: $severity) { __typename } }`;
    for (const vars of [{ passed: false, severity: "WARN" }, { passed: false, severity: "WARN" }, { passed: true }]) {
      expect((await app.gql(report, vars)).data!.reportCheckResult.__typename).toBe("AssetCheckExecution");
    }
    expect(await lines(app, "strata_reported_check_results_total")).toEqual([
      '{outcome="failed",severity="WARN"} 2',
      '{outcome="passed",severity="ERROR"} 1',
    ]);
    // What a worker's committed report carries (report.ts hands it over after the commit).
    app.runs.metrics.runReported("fam", {
      stored: [
        { type: "ASSET_CHECK_EVALUATION", payload: { passed: false, severity: "ERROR" } },
        { type: "ASSET_CHECK_EVALUATION", payload: { passed: true, severity: "ERROR" } },
      ],
      materialized: [],
      status: null,
      backfillId: null,
    });
    expect(await lines(app, "strata_check_evaluations_total")).toEqual([
      '{location="fam",outcome="failed",severity="ERROR"} 1',
      '{location="fam",outcome="passed",severity="ERROR"} 1',
    ]);
  });

  it("counts automation ticks by location, instigator and status", async () => {
    clock += 30_000;
    const [first] = await automation.tick();
    expect(first?.outcome).toMatchObject({ kind: "ticked", status: "SKIPPED" });
    clock += 30_000;
    await automation.tick();
    expect(await lines(app, "strata_automation_ticks_total")).toEqual(['{location="fam",instigator="conditions",status="SKIPPED"} 2']);
  });
});
