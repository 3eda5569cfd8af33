import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { createClient } from "@strata/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, startCli, type RunningCli } from "../testing/run-cli.js";
import { workDirectory } from "../testing/test-server.js";

let work: ReturnType<typeof workDirectory>;
beforeAll(() => {
  work = workDirectory();
});
afterAll(() => work.remove());

/** A definitions file whose asset keys come from `names.ts` next to it. */
function writeDefs(extra = "") {
  writeFileSync(
    join(work.dir, "defs.ts"),
    [
      'import { asset, Definitions } from "@strata/definitions";',
      'import { prefix } from "./names.js";',
      "",
      'export const orders = asset("orders", { keyPrefix: prefix }, () => [{ id: 1, total: 9.5 }]);',
      'export const revenue = asset("revenue", { keyPrefix: prefix, ins: { orders } }, ({ orders }) => orders.reduce((s, o) => s + o.total, 0));',
      extra,
      `export default new Definitions({ assets: [orders, revenue${extra ? ", report" : ""}] });`,
      "",
    ].join("\n"),
  );
}

describe("strata dev", () => {
  let cli: RunningCli;
  let url: string;

  it("starts the server, loads the definitions in a child process, and registers them", async () => {
    writeFileSync(join(work.dir, "names.ts"), 'export const prefix = "shop";\n');
    writeDefs();
    cli = startCli(["dev", "defs.ts", "--port", "0", "--name", "devtest"], { cwd: work.dir, env: { STRATA_HOME: work.home } });
    url = (await cli.waitFor(/GraphiQL\s+(\S+)/))[1]!;
    await cli.waitFor(/Auth {6}disabled \(dev mode, localhost only\)/);
    await cli.waitFor(/Registered version 1 of devtest: 2 asset\(s\) added, 0 removed\./);
    const client = createClient({ url });
    expect((await client.assets()).items.map((a) => a.key)).toEqual(["shop/orders", "shop/revenue"]);
    expect(existsSync(join(work.home, "db"))).toBe(true);
  });

  it("executes runs in the location process", async () => {
    const client = createClient({ url });
    const run = await client.launchRun({ assetKeys: ["shop/orders", "shop/revenue"] });
    await cli.waitFor(new RegExp(`run ${run.id} ended SUCCESS`));
    expect((await client.asset("shop/revenue")).latestMaterialization?.runId).toBe(run.id);
  });

  it("re-registers when the file changes", async () => {
    const from = cli.mark();
    writeDefs('const report = asset("report", { keyPrefix: prefix, deps: [revenue] }, () => "ok");');
    await cli.waitFor(/defs\.ts changed: reloading devtest/, { from });
    await cli.waitFor(/Registered version 2 of devtest: 1 asset\(s\) added, 0 removed\./, { from });
    expect((await createClient({ url }).assets()).items.map((a) => a.key)).toContain("shop/report");
  });

  it("re-registers when a file next to it changes", async () => {
    const from = cli.mark();
    writeFileSync(join(work.dir, "names.ts"), 'export const prefix = "store";\n');
    await cli.waitFor(/names\.ts changed: reloading devtest/, { from });
    await cli.waitFor(/Registered version 3 of devtest: 3 asset\(s\) added, 3 removed\./, { from });
  });

  it("reports a file that throws as the location's load error, and keeps serving", async () => {
    const from = cli.mark();
    writeFileSync(
      join(work.dir, "names.ts"),
      'export const prefix: string = (() => { throw new Error("the prefix table is missing"); })();\n',
    );
    await cli.waitFor(/Could not load code location "devtest"/, { from });
    await cli.waitFor(/Fix the file and save it: strata dev reloads it\./, { from });
    expect(cli.stderr).toContain("Error: the prefix table is missing");
    const client = createClient({ url });
    const location = await client.codeLocation("devtest");
    expect(location).toMatchObject({ status: "LOAD_ERROR", assetCount: 3 });
    expect(location.loadError).toContain("the prefix table is missing");
    expect((await client.health()).database).toBe("PGLITE");

    const fixed = cli.mark();
    writeFileSync(join(work.dir, "names.ts"), 'export const prefix = "store";\n');
    await cli.waitFor(/Registered version 4 of devtest/, { from: fixed });
    expect((await client.codeLocation("devtest")).status).toBe("LOADED");
  });

  it("re-registers when a file it imports from a subdirectory changes", async () => {
    mkdirSync(join(work.dir, "lib"), { recursive: true });
    writeFileSync(join(work.dir, "lib", "helper.ts"), 'export const reportName = "extra";\n');
    const added = cli.mark();
    writeDefs(
      'import { reportName } from "./lib/helper.js";\nconst report = asset(reportName, { keyPrefix: prefix, deps: [revenue] }, () => "ok");',
    );
    await cli.waitFor(/Registered version 5 of devtest: 1 asset\(s\) added, 1 removed\./, { from: added });

    const from = cli.mark();
    writeFileSync(join(work.dir, "lib", "helper.ts"), 'export const reportName = "summary";\n');
    await cli.waitFor(/lib\/helper\.ts changed: reloading devtest/, { from });
    await cli.waitFor(/Registered version 6 of devtest: 1 asset\(s\) added, 1 removed\./, { from });
    expect((await createClient({ url }).assets()).items.map((a) => a.key)).toContain("store/summary");
  });

  it("re-registers when a file it imports from elsewhere in its project changes", async () => {
    const shared = `${work.dir}-shared`;
    mkdirSync(shared, { recursive: true });
    try {
      writeFileSync(join(shared, "label.ts"), 'export const label = "outside";\n');
      const added = cli.mark();
      writeDefs(
        `import { label } from "../${basename(shared)}/label.js";\nconst report = asset(label, { keyPrefix: prefix, deps: [revenue] }, () => "ok");`,
      );
      await cli.waitFor(/Registered version 7 of devtest: 1 asset\(s\) added, 1 removed\./, { from: added });

      const from = cli.mark();
      writeFileSync(join(shared, "label.ts"), 'export const label = "moved";\n');
      await cli.waitFor(new RegExp(`\\.\\./${basename(shared)}/label\\.ts changed: reloading devtest`), { from });
      await cli.waitFor(/Registered version 8 of devtest: 1 asset\(s\) added, 1 removed\./, { from });
      expect((await createClient({ url }).assets()).items.map((a) => a.key)).toContain("store/moved");
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it("keeps other processes off its embedded database", async () => {
    const { code, stderr } = await runCli(["token", "list"], { cwd: work.dir, env: { STRATA_HOME: work.home } });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^strata: the embedded database .* is in use by `strata dev` \(pid \d+\) at http:\/\/localhost:\d+\/graphql; stop it first, or manage tokens through it with --server URL --token <admin token>\n$/,
    );
  });

  it("stops the server and the location on Ctrl-C, and releases the database", async () => {
    expect(await cli.stop()).toBe(0);
    expect(existsSync(join(work.home, "db.lock"))).toBe(false);
    await expect(createClient({ url }).health()).rejects.toThrow(/ECONNREFUSED/);
  });

  it("refuses a definitions file that does not exist (exit 2)", async () => {
    expect(await runCli(["dev", "missing.ts"], { cwd: work.dir, env: { STRATA_HOME: work.home } })).toMatchObject({
      code: 2,
      stderr: "strata: no definitions file at missing.ts\n",
    });
  });
});

describe("strata dev --run (what npm start does)", () => {
  it("starts the quick-start, runs every asset once registered, prints the progress, follows the run automation launches, and keeps serving", async () => {
    const quickstart = workDirectory();
    const cli = startCli(["dev", join(REPO_ROOT, "examples/quickstart/defs.ts"), "--run", "--port", "0"], {
      cwd: quickstart.dir,
      env: { STRATA_HOME: quickstart.home },
    });
    try {
      const url = (await cli.waitFor(/GraphiQL\s+(\S+)/))[1]!;
      await cli.waitFor(/Registered version 1 of quickstart: 7 asset\(s\) added, 0 removed\./);
      // The board report has an eager condition: the run leaves it to the automation loop.
      const runId = (
        await cli.waitFor(/Launched run (\S+): every unpartitioned asset of "quickstart" without an automation condition \(5\)/)
      )[1]!;
      await cli.waitFor(new RegExp(`✓ SUCCESS {2}run ${runId} in \\S+: 4 of 4 steps succeeded, 5 assets materialized\n`));
      // Then the daily-partitioned asset: every day in one run (its backfill policy is a single run), and its status bar.
      const partitionedRunId = (await cli.waitFor(/Launched run (\S+): web\/daily_visits, partitions 2024-06-01\.\.2024-06-03/))[1]!;
      await cli.waitFor(
        new RegExp(`✓ SUCCESS {2}run ${partitionedRunId} in \\S+: 1 of 1 step succeeded, 1 asset materialized \\(3 partitions\\)\n`),
      );
      await cli.waitFor(/web\/daily_visits {2}███\n {2}3\/3 materialized\n/);
      await cli.waitFor(
        new RegExp(
          `Explore the run and the catalog in GraphiQL: ${url}\n {2}The automation loop runs board_report when its inputs update; its runs follow here.\n {2}The server keeps running; Ctrl-C stops it.`,
        ),
      );
      // The loop's next tick sees the board report's inputs updated, and launches it by itself.
      const automatedRunId = (await cli.waitFor(/Automation launched run (\S+): board_report \(condition eager\)/))[1]!;
      await cli.waitFor(new RegExp(`✓ SUCCESS {2}run ${automatedRunId} in \\S+: 2 of 2 steps succeeded, 1 asset materialized\n`));
      // Read top to bottom, the output tells the run in order: nothing about it before it is
      // launched, and nothing saying it ended before its progress lines and outcome.
      const launchedAt = cli.stdout.indexOf(`Launched run ${runId}`);
      const outcomeAt = cli.stdout.indexOf(`✓ SUCCESS  run ${runId}`);
      expect(cli.stdout.slice(0, launchedAt)).not.toContain(runId);
      expect(cli.stdout.slice(launchedAt, outcomeAt)).not.toMatch(new RegExp(`run ${runId} ended`));
      const lines = cli.stdout.split("\n").map((l) => l.trim().replace(/^\d+\.\d\ds {2}/, ""));
      for (const line of [
        "● run            started: 4 steps",
        "◆ raw/orders     materialized  row_count=60",
        "· clean_orders   kept 52 of 60 orders",
        "◆ revenue_stats  materialized daily_revenue",
        "◆ revenue_stats  materialized top_customers",
        "● run                     started: 2 steps",
        "◆ board_report.render     materialized board_report",
      ]) {
        expect(lines).toContain(line);
      }
      expect(lines).toContainEqual(expect.stringMatching(/^✓ board_report\.summarize {2}succeeded in (?:\d+ms|\d+\.\ds)$/));

      // The server keeps running, with the run in its history and the assets materialized.
      const listed = await runCli(["runs", "list", "--json", "--server", url]);
      const runs = JSON.parse(listed.stdout).items as Array<{ id: string }>;
      expect(runs).toHaveLength(3);
      expect(runs.find((r) => r.id === partitionedRunId)).toMatchObject({
        status: "SUCCESS",
        partitionRange: { from: "2024-06-01", to: "2024-06-03" },
      });
      expect(runs.find((r) => r.id === runId)).toMatchObject({ status: "SUCCESS", tags: { "strata/launched-by": "strata dev --run" } });
      expect(runs.find((r) => r.id === automatedRunId)).toMatchObject({
        status: "SUCCESS",
        createdBy: "automation",
        assetKeys: ["board_report"],
        tags: { "strata/automation_tick": expect.any(String) },
      });
      expect((await createClient({ url }).asset("board_report")).latestMaterialization?.runId).toBe(automatedRunId);
      // The location's own lines about the automation run are left out, as about dev's runs.
      expect(cli.stdout).not.toMatch(new RegExp(`executing run ${automatedRunId}`));
      expect(cli.stderr).toMatch(/✓ Starting the server on PGlite \(\.strata\/db\)/);
      expect(await cli.stop()).toBe(0);
      expect(cli.stdout.match(/Launched run/g)).toHaveLength(2);
      expect(cli.stdout.match(/Automation launched run/g)).toHaveLength(1);

      // Started again on the same database, the manifest is unchanged (nothing to register),
      // and the runs still come: the loop sees the inputs updated again.
      const again = startCli(["dev", join(REPO_ROOT, "examples/quickstart/defs.ts"), "--run", "--port", "0"], {
        cwd: quickstart.dir,
        env: { STRATA_HOME: quickstart.home },
      });
      try {
        const second = (
          await again.waitFor(/Launched run (\S+): every unpartitioned asset of "quickstart" without an automation condition \(5\)/)
        )[1]!;
        expect(second).not.toBe(runId);
        await again.waitFor(/✓ SUCCESS {2}run \S+ in \S+: 4 of 4 steps succeeded, 5 assets materialized\n/);
        const automatedAgain = (await again.waitFor(/Automation launched run (\S+): board_report \(condition eager\)/))[1]!;
        expect(automatedAgain).not.toBe(automatedRunId);
        await again.waitFor(new RegExp(`✓ SUCCESS {2}run ${automatedAgain} in \\S+: 2 of 2 steps succeeded, 1 asset materialized\n`));
      } finally {
        await again.stop();
      }
    } finally {
      await cli.stop();
      quickstart.remove();
    }
  });

  it("needs a definitions file to run (exit 2)", async () => {
    expect(await runCli(["dev", "--run"], { cwd: work.dir, env: { STRATA_HOME: work.home } })).toMatchObject({
      code: 2,
      stderr: "strata: --run needs a definitions file: strata dev defs.ts --run\n",
    });
  });
});
