import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@strata/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli } from "../testing/run-cli.js";
import { workDirectory } from "../testing/test-server.js";

/**
 * Crash safety of an automation tick, with real processes: `strata dev` (server, PGlite on disk,
 * a location child process) killed with SIGKILL between the insert of the run a tick requests
 * and the tick's commit (the `automation.after-run-insert` failpoint), then started again on the
 * same database. `a → b → c`, all eager and missing: the first tick requests one run of all three.
 */
const DEFS = `
import { join } from "node:path";
import { asset, AutomationCondition, Definitions, FilesystemIOManager } from "@strata/definitions";

export const a = asset({ key: "crash/a", automation: AutomationCondition.eager() }, () => 1);
export const b = asset({ key: "crash/b", ins: { a }, automation: AutomationCondition.eager() }, ({ a }) => a + 1);
export const c = asset({ key: "crash/c", ins: { b }, automation: AutomationCondition.eager() }, ({ b }) => b + 1);
export default new Definitions({
  assets: [a, b, c],
  ioManagers: { io_manager: new FilesystemIOManager({ baseDir: join(import.meta.dirname, "storage") }) },
});
`;

let work: ReturnType<typeof workDirectory>;
beforeAll(() => {
  work = workDirectory();
  writeFileSync(join(work.dir, "defs.ts"), DEFS);
});
afterAll(() => work.remove());

const dev = (env: Record<string, string> = {}) =>
  startCli(["dev", "defs.ts", "--port", "0", "--name", "crash"], { cwd: work.dir, env: { STRATA_HOME: work.home, ...env } });

describe("an automation tick killed before it commits", () => {
  it("leaves neither its run nor its tick; after a restart one tick creates one run, which succeeds", async () => {
    const crashing = dev({ STRATA_FAILPOINTS: "automation.after-run-insert" });
    // The loop's first tick after the registration commits kills the process, sometimes before
    // the location has read the registration's answer: wait for the exit, not for that line.
    await crashing.exited;
    expect(crashing.child.signalCode).toBe("SIGKILL");
    expect(crashing.stdout).toMatch(/Loading defs\.ts as code location "crash"/);
    expect(crashing.stdout).not.toMatch(/Automation launched run/);

    const again = dev();
    try {
      const url = (await again.waitFor(/GraphiQL\s+(\S+)/))[1]!;
      const client = createClient({ url });
      await expect
        .poll(async () => (await client.runs({ first: 10 })).items[0]?.status, { timeout: 120_000, interval: 250 })
        .toBe("SUCCESS");
      const runs = (await client.runs({ first: 10 })).items;
      expect(runs).toHaveLength(1);
      const runId = runs[0]!.id;
      expect(runs[0]).toMatchObject({ createdBy: "automation" });
      expect([...runs[0]!.assetKeys].sort()).toEqual(["crash/a", "crash/b", "crash/c"]);
      expect((await client.asset("crash/c")).latestMaterialization?.runId).toBe(runId);
      // The crashed tick left no row: the first tick on record is the one that launched the run.
      const ticks = (await client.automationTicks({ location: "crash", first: 100 })).items.reverse();
      expect(ticks[0]).toMatchObject({ status: "SUCCESS", runIds: [runId] });
      expect((runs[0]!.tags as Record<string, string>)["strata/automation_tick"]).toBe(ticks[0]!.id);
      expect(ticks.slice(1).every((t) => t.status === "SKIPPED")).toBe(true);
      // The manifest was committed before the crash: nothing new to register.
      expect(again.stdout).not.toMatch(/Registered version 2/);
    } finally {
      await again.stop();
    }
  }, 300_000);
});
