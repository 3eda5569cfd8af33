import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../testing/run-cli.js";
import { useLocationFixture } from "../testing/location-fixture.js";

/**
 * Declarative automation end to end: a real server on a port (its automation loop ticked by the
 * test), a real `strata location serve` process executing the runs a tick launches, values on
 * disk. `auto/b` is eager on `auto/a`.
 */
const DEFS = `
import { join } from "node:path";
import { asset, AutomationCondition, Definitions, FilesystemIOManager } from "@strata/definitions";

export const a = asset({ key: "auto/a" }, () => 20);
export const b = asset({ key: "auto/b", ins: { a }, automation: AutomationCondition.eager() }, ({ a }) => a + 1);
export default new Definitions({
  assets: [a, b],
  ioManagers: { io_manager: new FilesystemIOManager({ baseDir: join(import.meta.dirname, "storage") }) },
});
`;

const { server: t, work } = useLocationFixture("auto", DEFS);

const tick = async () => (await t.server.automation.tick({ force: true })).find((x) => x.location === "auto")!.outcome;
const ended = async (runId: string) => {
  await expect.poll(async () => (await t.client.run(runId)).endedAt, { timeout: 120_000, interval: 200 }).not.toBeNull();
  return t.client.run(runId);
};
const stored = (key: string) => {
  const path = join(work.dir, "storage", ...key.split("/"));
  const file = [`${path}.json`, path].find((p) => existsSync(p));
  return file ? JSON.parse(readFileSync(file, "utf8")) : undefined;
};

describe("declarative automation with a real server and a real code location", () => {
  it("materializing a launches one run of b that the location executes; the next ticks launch nothing", async () => {
    expect(await tick()).toMatchObject({ status: "SKIPPED" });
    const a = await t.client.launchRun({ assetKeys: ["auto/a"] });
    expect((await ended(a.id)).status).toBe("SUCCESS");

    const requested = await tick();
    expect(requested).toMatchObject({ status: "SUCCESS", requested: ["auto/b"] });
    const [runId] = (requested as { runs: Array<{ id: string }> }).runs.map((r) => r.id);
    const b = await ended(runId!);
    expect(b).toMatchObject({ status: "SUCCESS", assetKeys: ["auto/b"], createdBy: "automation" });
    expect(b.tags).toEqual({ "strata/automation_tick": (requested as { tickId: string }).tickId });
    expect(stored("auto/b")).toBe(21);

    for (let i = 0; i < 3; i++) expect(await tick()).toMatchObject({ status: "SKIPPED" });
    expect((await t.client.runs({ assetKey: "auto/b", first: 10 })).items.map((r) => r.id)).toEqual([runId]);

    const why = await runCli(["automation", "why", "auto/b", "--server", t.url, "--token", t.admin]);
    expect(why.code).toBe(0);
    expect(why.stdout).toMatch(/^auto\/b: eager /);
    expect(why.stdout).toMatch(/\neager \(and\)\s+0\s+1\n/);
  });
});
