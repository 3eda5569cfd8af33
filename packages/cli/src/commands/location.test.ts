import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, startCli } from "../testing/run-cli.js";
import { startTestServer, workDirectory, type TestServer } from "../testing/test-server.js";

let t: TestServer;
let work: ReturnType<typeof workDirectory>;
const QUICKSTART = join(REPO_ROOT, "examples/quickstart/defs.ts");

beforeAll(async () => {
  t = await startTestServer();
  work = workDirectory();
});
afterAll(async () => {
  await t.close();
  work.remove();
});

describe("strata location serve", () => {
  it("registers the definitions, heartbeats, executes a run, and stops cleanly on Ctrl-C", async () => {
    const token = await t.token("location:quickstart");
    const cli = startCli(["location", "serve", QUICKSTART, "--server", t.url, "--token", token, "--heartbeat-interval", "1"], {
      cwd: work.dir,
    });
    await cli.waitFor(/Registered version 1 of quickstart: 7 asset\(s\) added, 0 removed\./);
    expect(cli.stdout).toContain(`Serving code location "quickstart" from`);
    expect(await t.client.codeLocation("quickstart")).toMatchObject({ status: "LOADED", assetCount: 7 });
    await expect.poll(async () => (await t.client.codeLocation("quickstart")).lastHeartbeatAt, { timeout: 60_000 }).not.toBeNull();

    // Every asset but the daily-partitioned one, which runs by partition.
    const keys = (await t.client.codeLocation("quickstart")).assets.map((a) => a.key).filter((key) => key !== "web/daily_visits");
    const run = await t.client.launchRun({ assetKeys: keys });
    await cli.waitFor(new RegExp(`run ${run.id} ended SUCCESS`));
    const done = await t.client.run(run.id);
    expect(done.status).toBe("SUCCESS");
    expect(done.materializations.map((m) => m.assetKey).sort()).toEqual(keys);

    expect(await cli.stop()).toBe(0);
    expect(cli.stdout).toMatch(/stopped after 1 run\(s\)/);
  });

  it("asks for the run lease given by --lease-seconds, else STRATA_RUN_LEASE_SECONDS, else 30 s", async () => {
    const token = await t.token("location:quickstart");
    const serve = async (extra: string[], env: Record<string, string | undefined>) => {
      const cli = startCli(["location", "serve", QUICKSTART, "--server", t.url, "--token", token, ...extra], { cwd: work.dir, env });
      await cli.waitFor(/claiming runs: at most \d+ at once, lease \d+ s/);
      const lease = /lease (\d+) s/.exec(cli.stdout)![1];
      expect(await cli.stop()).toBe(0);
      return Number(lease);
    };
    expect(await serve(["--lease-seconds", "5"], { STRATA_RUN_LEASE_SECONDS: "7" })).toBe(5);
    expect(await serve([], { STRATA_RUN_LEASE_SECONDS: "7" })).toBe(7);
    expect(await serve([], { STRATA_RUN_LEASE_SECONDS: undefined })).toBe(30);
    const bad = await runCli(["location", "serve", QUICKSTART, "--server", t.url, "--token", token, "--lease-seconds", "0"], {
      cwd: work.dir,
    });
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('--lease-seconds must be a whole number from 1 to 3600, not "0"');
  });

  it("reports a file that fails to load to the server, prints it as one block, and exits 3", async () => {
    writeFileSync(
      join(work.dir, "orders.ts"),
      [
        'import { asset, Definitions } from "@strata/definitions";',
        "",
        'const a = asset("orders", () => 1);',
        'const b = asset("orders", () => 2);',
        "export default new Definitions({ assets: [a, b] });",
        "",
      ].join("\n"),
    );
    const token = await t.token("location:orders");
    const { code, stderr } = await runCli(["location", "serve", "orders.ts", "--server", t.url, "--token", token], { cwd: work.dir });
    expect(code).toBe(3);
    expect(stderr).toContain('✗ Could not load code location "orders": orders.ts failed to load');
    expect(stderr).toMatch(/DefinitionError: .*orders/);
    expect(stderr).toMatch(/at .*orders\.ts:\d+:\d+/);
    expect(stderr).toContain("Reported to the server as a load error.");
    const location = await t.client.codeLocation("orders");
    expect(location.status).toBe("LOAD_ERROR");
    expect(location.loadError).toMatch(/DefinitionError/);
  });

  it("exits 1 with the server's reason when it refuses the registration", async () => {
    const reader = await t.token("read");
    const { code, stderr } = await runCli(["location", "serve", QUICKSTART, "--server", t.url, "--token", reader, "--name", "quickstart"], {
      cwd: work.dir,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /✗ quickstart: the server refused the registration: Token "cli-test-\d+" lacks the "location:quickstart" or "admin" scope|lacks the "location:quickstart"/,
    );
  });

  it("rejects a missing file and a bad name as usage errors (exit 2)", async () => {
    expect(await runCli(["location", "serve", "nowhere.ts", "--server", t.url], { cwd: work.dir })).toMatchObject({
      code: 2,
      stderr: "strata: no definitions file at nowhere.ts\n",
    });
    const badName = await runCli(["location", "serve", QUICKSTART, "--name", "no spaces"], { cwd: work.dir });
    expect(badName).toMatchObject({ code: 2 });
    expect(badName.stderr).toContain('--name "no spaces" is not a location name');
    expect((await runCli(["location", "launch"])).code).toBe(2);
  });
});
