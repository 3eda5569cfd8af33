import { AutomationCondition } from "@strata/protocol";
import { manifestOf } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { runCli, runCliOk } from "../testing/run-cli.js";
import { useTestServer } from "../testing/test-server.js";

const t = useTestServer(async () => {
  await t.client.registerCodeLocation({
    name: "auto",
    ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"], automation: AutomationCondition.eager().node }]),
  });
  await t.server.automation.tick({ force: true });
  await t.client.reportMaterialization({ assetKey: "a" });
  await t.server.automation.tick({ force: true });
});
const as = () => ["--server", t.url, "--token", t.admin];

describe("strata automation", () => {
  it("why prints the last evaluation: requested or not, and the condition tree with counts per node", async () => {
    const { stdout, lines } = await runCliOk(["automation", "why", "b", ...as()]);
    expect(lines[0]).toMatch(/^b: eager \(next tick \d{4}-\d\d-\d\dT/);
    expect(lines[1]).toMatch(/^Tick \d+ \(SUCCESS, (just now|\d+ min ago)\): requested → run [0-9a-f-]{36}$/);
    expect(lines[3]).toMatch(/^CONDITION\s+TRUE\s+OF$/);
    expect(lines[4]).toMatch(/^eager \(and\)\s+1\s+1$/);
    // Children indented under the root, with their counts: b's one dependency was updated.
    expect(stdout).toMatch(/\n {2}since_last_handled \(since\)\s+1\s+1\n/);
    expect(stdout).toMatch(/\n {6}any_deps_updated \(anyDepsMatch\)\s+1\s+1\n/);
    expect((await runCli(["automation", "why", "a", ...as()])).stdout).toMatch(/a has no automation condition/);
    const json = JSON.parse((await runCli(["automation", "why", "b", "--json", ...as()])).stdout);
    expect(json.evaluations.items[0].nodes[0]).toMatchObject({ label: "eager", trueCount: 1, candidateCount: 1 });
  });

  it("ticks lists ticks newest first; pause and resume switch a location's automation", async () => {
    const { lines } = await runCliOk(["automation", "ticks", "--location", "auto", ...as()]);
    expect(lines[0]).toMatch(/^TICK\s+LOCATION\s+BY\s+STATUS\s+WHEN\s+REQUESTED\s+RUNS$/);
    expect(lines[1]).toMatch(/^\d+\s+auto\s+conditions\s+SUCCESS\s+(just now|\d+ min ago)\s+1\s+[0-9a-f-]{36}$/);
    expect(lines[2]).toMatch(/^\d+\s+auto\s+conditions\s+SKIPPED\s+(just now|\d+ min ago)\s+0$/);
    expect((await runCli(["automation", "ticks", "--status", "failure", ...as()])).stdout.trim()).toBe("No automation ticks.");
    expect((await runCli(["automation", "ticks", "--status", "bad", ...as()])).code).toBe(2);

    const paused = await runCli(["automation", "pause", "auto", ...as()]);
    expect(paused).toMatchObject({ code: 0, stdout: 'Automation of code location "auto" is paused\n' });
    expect((await t.server.automation.tick({ force: true }))[0]?.outcome).toEqual({ kind: "paused" });
    const resumed = await runCli(["automation", "resume", "auto", ...as()]);
    expect(resumed.stdout).toMatch(/^Automation of code location "auto" is running; next tick /);
    expect((await runCli(["automation", "pause", "nowhere", ...as()])).code).not.toBe(0);
  });

  it("dry-run prints what the next tick would launch and why, and launches nothing", async () => {
    await t.client.registerCodeLocation({
      name: "dry",
      ...manifestOf([{ key: "dry/a" }, { key: "dry/b", deps: ["dry/a"], automation: AutomationCondition.eager().node }]),
    });
    await t.server.automation.tick({ force: true });
    await t.client.reportMaterialization({ assetKey: "dry/a" });
    const runsBefore = (await t.client.runs({ first: 100 })).items.length;
    const { lines } = await runCliOk(["automation", "dry-run", "dry", ...as()]);
    expect(lines[0]).toBe("dry: the next tick would launch one run of dry/b");
    expect(lines[2]).toBe("dry/b: requested");
    expect(lines[4]).toMatch(/^eager \(and\)\s+1\s+1$/);
    expect((await t.client.runs({ first: 100 })).items.length).toBe(runsBefore);
    const json = JSON.parse((await runCli(["automation", "dry-run", "dry", "--json", ...as()])).stdout);
    expect(json).toMatchObject({ location: "dry", requested: ["dry/b"], runAssetKeys: ["dry/b"] });
    expect((await runCli(["automation", "dry-run", "nowhere", ...as()])).code).toBe(1);
  });
});
