import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../testing/run-cli.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "strata-gc-"));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe("strata gc", () => {
  it("refuses to run without a retention to apply, before opening any database", async () => {
    const result = await runCli(["gc"], { env: { STRATA_HOME: home } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Nothing to do: pass --run-events-days");
  });

  it("previews, then runs, a pass over the embedded database (loading the server's code only then)", async () => {
    const preview = await runCli(["gc", "--dry-run", "--run-events-days", "30"], { env: { STRATA_HOME: home } });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/^Would purge 0 event\(s\) of 0 run\(s\) ended before \S+ \(30 days\)/);
    const pass = await runCli(["gc", "--run-events-days", "30", "--json"], { env: { STRATA_HOME: home } });
    expect(pass.code, pass.stderr).toBe(0);
    expect(JSON.parse(pass.stdout)).toMatchObject({ runs: 0, deleted: 0, ticks: 0, emptyRuns: 0 });
  });
});
