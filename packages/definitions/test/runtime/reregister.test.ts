import { describe, expect, it } from "vitest";
import { e2eSuite, fixture, waitFor } from "./harness.js";

const suite = e2eSuite();

describe("a server that forgets a location", () => {
  it("gets its manifest again from the location's next heartbeat", async () => {
    const { strata } = suite;
    const worker = await suite.startWorker(fixture("slow-defs.ts"), "phoenix", { args: ["--heartbeat-ms", "200"] });
    expect((await strata.codeLocation("phoenix"))?.status).toBe("LOADED");
    // As if the server's database had been restored from before the location existed, or its
    // row deleted by hand: its assets' nodes and edges stay behind (no foreign key cascades
    // them), and its next registration releases them (register.ts, releaseOrphanedKeys).
    await strata.server.db.sql.query(`DELETE FROM "CodeLocation" WHERE name = 'phoenix'`);
    expect(await strata.codeLocation("phoenix")).toBeNull();
    const back = await waitFor(
      async () => strata.codeLocation("phoenix"),
      10_000,
      () => `the location never came back:\n${worker.log.join("\n")}`,
    );
    expect(back.status).toBe("LOADED");
    expect(worker.log.join("\n")).toMatch(/no longer knows location phoenix; registering it again/);
    // And its worker still takes the location's runs.
    const runId = await strata.launch(["slow"]);
    expect((await strata.waitForRun(runId, ["STARTED"])).workerId).toBe(worker.workerId);
    await strata.terminate(runId);
    expect((await strata.waitForRun(runId, ["CANCELED"])).status).toBe("CANCELED");
  });
});
