import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { e2eSuite, fixture } from "./harness.js";

const suite = e2eSuite();

describe("serve(): a re-execution planned by the server", () => {
  it("runs only the failed op and loads the output the parent run stored, through the IO manager", async () => {
    const countDir = join(await suite.dir(), "counts");
    await suite.startWorker(fixture("reexecution-defs.ts"), "reexec", { env: { COUNT_DIR: countDir } });
    await writeFile(join(countDir, "broken"), "");
    const parent = await suite.strata.waitForRun(await suite.strata.launch(["summed"]));
    expect(parent.status).toBe("FAILURE");
    await rm(join(countDir, "broken"));

    const childId = await suite.strata.reexecute(parent.id, "FROM_FAILURE");
    const child = await suite.strata.waitForRun(childId);

    expect(child.status).toBe("SUCCESS");
    expect(child.steps.map((s) => [s.stepKey, s.status])).toEqual([["summed.total", "SUCCESS"]]);
    expect(await suite.strata.runStart(childId)).toMatchObject({
      stepKeys: ["summed.total"],
      parentRunId: parent.id,
      rootRunId: parent.id,
      strategy: "FROM_FAILURE",
      reusedOutputs: [{ stepKey: "summed.load", output: "result", runId: parent.id }],
    });
    expect((await readFile(join(countDir, "load"), "utf8")).trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(await readFile(join(await suite.dir(), ".strata", "storage", "summed.json"), "utf8"))).toBe(6);
    expect(await suite.strata.latestMaterializationRun("summed")).toBe(childId);
  });
});
