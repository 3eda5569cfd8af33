import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asset, Definitions } from "@strata/definitions";
import type { Page, Run, RunDetail, RunEvent } from "@strata/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runCliInTerminal, startCli } from "../testing/run-cli.js";
import { LOCATION_FIXTURE_TIMEOUT_MS, type LocationFixture, startLocationFixture } from "../testing/location-fixture.js";
import type { TestServer, workDirectory } from "../testing/test-server.js";

let t: TestServer;
let work: ReturnType<typeof workDirectory>;
let launcher: string;
let reader: string;
/** The first run: three steps, so more events than `runs show` prints by default. */
let firstId: string;
const as = (token = launcher) => ["--server", t.url, "--token", token];
const runIdIn = (output: string) => output.match(/Launched run (\S+):/)?.[1] ?? output.match(/as run (\S+):/)?.[1];

/**
 * A code location whose behaviour the tests steer with files next to it: `fail` makes
 * `doubled` throw its text, `source.count` counts the executions of `source`, `flaky` fails its
 * first attempt, and `slow` takes a minute unless it is terminated.
 */
const DEFS = `
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asset, Definitions } from "@strata/definitions";

const steer = (name: string) => join(import.meta.dirname, name);

export const source = asset("source", () => {
  appendFileSync(steer("source.count"), "x");
  return 21;
});
export const doubled = asset("doubled", { ins: { source } }, ({ source }) => {
  if (existsSync(steer("fail"))) throw new Error(readFileSync(steer("fail"), "utf8").trim());
  return source * 2;
});
export const flaky = asset("flaky", { retryPolicy: { maxRetries: 2, delay: 20 } }, () => {
  if (!existsSync(steer("flaky.tried"))) {
    writeFileSync(steer("flaky.tried"), "");
    throw new Error("the first try fails");
  }
  return "ok";
});
export const slow = asset("slow", (_ins, ctx) => new Promise<number>((resolve) => {
  const timer = setTimeout(() => resolve(1), 60_000);
  ctx.signal.addEventListener("abort", () => clearTimeout(timer));
}));
export default new Definitions({ assets: [source, doubled, flaky, slow] });
`;

let fixture: LocationFixture;
beforeAll(async () => {
  fixture = await startLocationFixture("fixture", DEFS);
  ({ server: t, work } = fixture);
  launcher = await t.token("read", "launch");
  reader = await t.token("read");
}, LOCATION_FIXTURE_TIMEOUT_MS);
afterAll(() => fixture?.stop());

describe("strata runs launch --wait", () => {
  it("prints the run id, follows steps, retries and materializations live, and exits 0 on SUCCESS", async () => {
    const { code, stdout, stderr } = await runCli([
      "runs",
      "launch",
      "source",
      "doubled",
      "flaky",
      "--tag",
      "team=data",
      "--wait",
      ...as(),
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const runId = (firstId = runIdIn(stdout)!);
    expect(stdout).toMatch(new RegExp(`^Launched run ${runId}: 3 assets of code location "fixture" \\((QUEUED|STARTING|STARTED)\\)\\n`));
    const lines = stdout.split("\n").map((l) => l.trim().replace(/^\d+\.\d\ds {2}/, ""));
    expect(lines).toContain("● run      started: 3 steps");
    expect(lines).toContain("▶ source   started");
    expect(lines).toContain("◆ source   materialized");
    expect(lines).toContainEqual(expect.stringMatching(/^✓ source {3}succeeded in (?:\d+ms|\d+\.\ds)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^↻ flaky {4}failed, retry 1 in (?:\d+ms|\d+\.\ds): Error: the first try fails$/));
    expect(lines).toContain("▶ flaky    restarted (retry 1)");
    expect(lines).toContainEqual(expect.stringMatching(/^✓ flaky {4}succeeded in (?:\d+ms|\d+\.\ds)$/));
    // doubled starts only after source succeeded, and the summary closes the output.
    expect(lines.indexOf("▶ doubled  started")).toBeGreaterThan(lines.indexOf("◆ source   materialized"));
    expect(stdout.trimEnd().split("\n").at(-1)).toMatch(
      new RegExp(`^✓ SUCCESS {2}run ${runId} in (?:\\d+ms|\\d+\\.\\ds): 3 of 3 steps succeeded, 3 assets materialized$`),
    );
    expect(await t.client.run(runId)).toMatchObject({ status: "SUCCESS", tags: { team: "data" } });
  });

  it("without --wait prints the id and how to follow it; --json prints the run", async () => {
    const human = await runCli(["runs", "launch", "source", ...as()]);
    expect(human.code).toBe(0);
    const runId = runIdIn(human.stdout)!;
    expect(human.stdout).toContain(`Follow it: strata runs watch ${runId}`);
    const json = await runCli(["runs", "launch", "source", "--json", ...as()]);
    expect(JSON.parse(json.stdout)).toMatchObject({ assetKeys: ["source"], location: { name: "fixture" } });
    // With --wait too: the lines on stderr, the ended run alone on stdout.
    const waited = await runCli(["runs", "launch", "source", "--json", "--wait", ...as()]);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ status: "SUCCESS", steps: [{ stepKey: "source", status: "SUCCESS", attempts: 1 }] });
    expect(waited.stderr).toMatch(/▶ source {2}started\n[\s\S]*✓ SUCCESS {2}run /);
    const watched = await runCli(["runs", "watch", runId, ...as()]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/✓ SUCCESS {2}run \S+ in (?:\d+ms|\d+\.\ds): 1 of 1 step succeeded, 1 asset materialized\n$/);
  });
});

describe("following a run on a terminal", () => {
  it("draws a progress bar under the event lines, and clears it before the summary", async () => {
    const { code, stdout } = await runCliInTerminal(["runs", "launch", "source", "doubled", "--wait", ...as()]);
    expect(code).toBe(0);
    const CLEAR = "\r\u001b[2K";
    // Each event line replaces the bar, which is drawn again under it.
    expect(stdout).toMatch(
      /\r\u001b\[2K {2}0\.\d\ds {2}▶ source {3}started\r\n {2}□{20} 0\/2 steps · [^\r]*\r\u001b\[2K {2}□{20} 0\/2 steps · running source · \d+\.\d\ds/,
    );
    expect(stdout).toContain(`${"■".repeat(20)} 2/2 steps`);
    const summary = stdout.indexOf("✓ SUCCESS");
    expect(stdout.slice(summary - CLEAR.length, summary)).toBe(CLEAR);
    expect(stdout.slice(summary)).not.toContain("steps ·");
  });
});

describe("a failing run, re-executed from its failure", () => {
  let failedId: string;
  let childId: string;

  it("exits 1, says which step failed with the user's error, and how to re-execute", async () => {
    writeFileSync(join(work.dir, "fail"), "the warehouse is closed");
    const before = readFileSync(join(work.dir, "source.count"), "utf8").length;
    const { code, stdout } = await runCli(["runs", "launch", "source", "doubled", "--wait", ...as()]);
    expect(code).toBe(1);
    failedId = runIdIn(stdout)!;
    expect(stdout).toMatch(/✗ doubled {2}failed: Error: the warehouse is closed\n/);
    expect(stdout).toMatch(
      new RegExp(`✗ FAILURE {2}run ${failedId} in (?:\\d+ms|\\d+\\.\\ds): doubled failed, 1 of 2 steps succeeded, 1 asset materialized\\n`),
    );
    expect(stdout).toMatch(new RegExp(`Run the failed steps again: strata runs reexecute ${failedId} --from-failure --wait\\n$`));
    expect(readFileSync(join(work.dir, "source.count"), "utf8").length).toBe(before + 1);
  });

  it("re-executes only the failed step, loading the upstream value, and exits 0", async () => {
    rmSync(join(work.dir, "fail"));
    const sourceRuns = readFileSync(join(work.dir, "source.count"), "utf8").length;
    const { code, stdout } = await runCli(["runs", "reexecute", failedId, "--from-failure", "--wait", ...as()]);
    expect(code).toBe(0);
    childId = runIdIn(stdout)!;
    expect(stdout).toMatch(
      new RegExp(`^Re-executing run ${failedId} FROM_FAILURE as run ${childId}: 1 step \\(doubled\\) \\((QUEUED|STARTING|STARTED)\\)\\n`),
    );
    expect(stdout).toMatch(/● run {6}started: 1 step, reusing 1 output of earlier runs\n/);
    expect(stdout).not.toMatch(/▶ source/);
    expect(stdout).toMatch(/✓ SUCCESS {2}run \S+ in (?:\d+ms|\d+\.\ds): 1 of 1 step succeeded, 1 asset materialized\n$/);
    // source did not run again, and doubled computed from the value the failed run stored.
    expect(readFileSync(join(work.dir, "source.count"), "utf8").length).toBe(sourceRuns);
    expect(JSON.parse(readFileSync(join(work.dir, ".strata/storage/doubled.json"), "utf8"))).toBe(42);
  });

  it("lists runs newest first with filters, as a table or JSON", async () => {
    const page = JSON.parse((await runCli(["runs", "list", "--json", ...as(reader)])).stdout) as Page<Run>;
    expect(page.items[0]).toMatchObject({ id: childId, status: "SUCCESS", parentRunId: failedId, reexecutionStrategy: "FROM_FAILURE" });
    const failures = JSON.parse((await runCli(["runs", "list", "--status", "failure", "--json", ...as(reader)])).stdout) as Page<Run>;
    expect(failures.items.map((r) => r.id)).toEqual([failedId]);
    const tagged = JSON.parse(
      (await runCli(["runs", "list", "--tag", "team=data", "--asset", "flaky", "--json", ...as(reader)])).stdout,
    ) as Page<Run>;
    expect(tagged.items).toHaveLength(1);

    const table = await runCli(["runs", "list", "--first", "2", ...as(reader)]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+CREATED\s+DURATION\s+LOCATION\s+RE-EXECUTES\s+TAGS\s+ASSETS$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${childId}\\s+SUCCESS\\s+(?:just now|\\d+ min ago)\\s+(?:\\d+ms|\\d+\\.\\ds)\\s+fixture\\s+FROM_FAILURE of ${failedId.slice(0, 8)}\\s+doubled$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${failedId}\\s+FAILURE\\s+(?:just now|\\d+ min ago)\\s+(?:\\d+ms|\\d+\\.\\ds)\\s+fixture\\s+doubled \\+1$`),
    );
    expect(lines.at(-1)).toMatch(/^2 runs, newest first; next page: --after \S+$/);
  });

  it("shows a run: status, timings, steps with attempts and errors, family, and its last events", async () => {
    const { code, stdout } = await runCli(["runs", "show", failedId, ...as(reader)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Run ${failedId} {2}FAILURE\\n`));
    expect(stdout).toMatch(/ {2}location {4}fixture\n {2}assets {6}doubled, source \(2\)\n/);
    expect(stdout).toMatch(/ {2}duration {4}(?:\d+ms|\d+\.\ds)\n/);
    expect(stdout).toMatch(new RegExp(`re-executed {1}as ${childId} SUCCESS`));
    expect(stdout).toMatch(
      /STEP\s+STATUS\s+ATTEMPTS\s+STARTED\s+DURATION\s+ERROR\n\s+doubled\s+FAILURE\s+1\s+[\d:.]+\s+(?:\d+ms|\d+\.\ds)\s+Error: the warehouse is closed\n\s+source\s+SUCCESS\s+1/,
    );
    // The user's own stack frame, in their definitions file.
    expect(stdout).toMatch(/doubled: Error: the warehouse is closed\n\s+at .*defs\.ts:\d+:\d+/);
    expect(stdout).toMatch(/Events \(8\)\n.*● run {6}started: 2 steps\n/);
    expect(stdout).toMatch(/✗ run {6}failed in (?:\d+ms|\d+\.\ds): doubled failed\n$/);

    const child = await runCli(["runs", "show", childId, ...as(reader)]);
    expect(child.stdout).toMatch(new RegExp(`parent {6}${failedId} \\(re-executed FROM_FAILURE\\)`));
  });

  it("prints a run with its events as JSON, the whole log with --events", async () => {
    const failed = JSON.parse((await runCli(["runs", "show", failedId, "--json", ...as(reader)])).stdout) as RunDetail & {
      events: RunEvent[];
    };
    expect(failed).toMatchObject({ id: failedId, status: "FAILURE", childRuns: [{ id: childId, status: "SUCCESS" }] });
    expect(failed.steps.find((s) => s.stepKey === "doubled")).toMatchObject({ status: "FAILURE", attempts: 1 });
    const first = JSON.parse((await runCli(["runs", "show", firstId, "--json", ...as(reader)])).stdout) as RunDetail & {
      events: RunEvent[];
    };
    expect(first.steps.find((s) => s.stepKey === "flaky")).toMatchObject({ status: "SUCCESS", attempts: 2 });
    expect(first.events.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => first.lastEventSeq - 9 + i));
    const human = await runCli(["runs", "show", firstId, ...as(reader)]);
    expect(human.stdout).toMatch(/\s+flaky\s+SUCCESS\s+2\s+/);
    expect(human.stdout).toContain(`Last 10 of ${first.lastEventSeq} events (--events for all)`);
    const all = JSON.parse((await runCli(["runs", "show", failedId, "--events", "--json", ...as(reader)])).stdout) as {
      events: RunEvent[];
      lastEventSeq: number;
    };
    expect(all.events.map((e) => e.seq)).toEqual(Array.from({ length: all.lastEventSeq }, (_, i) => i + 1));
    expect(all.events[0]!.type).toBe("RUN_START");
    expect(all.events.at(-1)!.type).toBe("RUN_FAILURE");
    const log = await runCli(["runs", "show", failedId, "--events", ...as(reader)]);
    expect(log.stdout).toContain(`Events (${all.lastEventSeq})`);
    expect(log.stdout).toMatch(/▶ source {3}started/);
  });

  it("refuses what cannot be re-executed, in one line each", async () => {
    const nothing = await runCli(["runs", "reexecute", childId, ...as()]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(
      new RegExp(`^strata: Nothing to re-execute FROM_FAILURE for run ${childId}: .*; --all-steps runs every step again\\n$`),
    );
    const again = await runCli(["runs", "reexecute", childId, "--all-steps", "--json", ...as()]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      parentRunId: childId,
      rootRunId: failedId,
      reexecutionStrategy: "ALL_STEPS",
      stepKeys: ["doubled"],
    });
    await t.client.terminateRun((JSON.parse(again.stdout) as Run).id).catch(() => undefined);
  });

  it("re-executes exactly the steps named with --step, and refuses a step the run did not have", async () => {
    const sourceRuns = readFileSync(join(work.dir, "source.count"), "utf8").length;
    const { code, stdout } = await runCli(["runs", "reexecute", childId, "--step", "doubled", "--wait", ...as()]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Re-executing run ${childId} SELECTED_STEPS as run \\S+: 1 step \\(doubled\\) `));
    expect(stdout).toMatch(/✓ SUCCESS {2}run \S+ in (?:\d+ms|\d+\.\ds): 1 of 1 step succeeded, 1 asset materialized\n$/);
    expect(readFileSync(join(work.dir, "source.count"), "utf8").length).toBe(sourceRuns);
    const refused = await runCli(["runs", "reexecute", childId, "--step", "nope", ...as()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no step "nope"/);
    const mixed = await runCli(["runs", "reexecute", childId, "--step", "doubled", "--all-steps", ...as()]);
    expect(mixed.code).toBe(2);
  });
});

describe("stopping runs", () => {
  it("terminates a slow run that another process is waiting for: that one ends CANCELED, exit 1", async () => {
    const waiting = startCli(["runs", "launch", "slow", "--wait", ...as()]);
    await waiting.waitFor(/▶ slow {2}started/);
    const runId = runIdIn(waiting.stdout)!;
    const { code, stdout } = await runCli(["runs", "terminate", runId, ...as()]);
    expect(code).toBe(0);
    expect(stdout).toBe(`Run ${runId} is CANCELING: its worker is stopping it.\n`);
    expect(await waiting.exited).toBe(1);
    expect(waiting.stdout).toMatch(/⊘ slow {2}interrupted: the run was canceled/);
    expect(waiting.stdout).toMatch(
      new RegExp(`⊘ CANCELED {2}run ${runId} in \\S+: slow interrupted, 0 of 1 step succeeded, 0 assets materialized\\n`),
    );
    const again = await runCli(["runs", "terminate", runId, ...as()]);
    expect(again).toMatchObject({ code: 1, stderr: `strata: Run ${runId} has already ended (CANCELED); there is nothing to terminate\n` });
  });

  it("stops waiting on Ctrl-C without stopping the run, and says how to; terminate --wait then ends it", async () => {
    const launched = await runCli(["runs", "launch", "slow", ...as()]);
    const runId = runIdIn(launched.stdout)!;
    const watching = startCli(["runs", "watch", runId, ...as()]);
    await watching.waitFor(/▶ slow {2}started/);
    expect(await watching.stop()).toBe(130);
    expect(watching.stderr).toContain(`Stopped waiting; run ${runId} goes on (STARTED).`);
    expect(watching.stderr).toContain(`Terminate it:    strata runs terminate ${runId}`);
    expect((await t.client.run(runId)).status).toBe("STARTED");

    const reexecute = await runCli(["runs", "reexecute", runId, ...as()]);
    expect(reexecute.stderr).toBe(
      `strata: Run ${runId} is STARTED: only a finished run can be re-executed (wait for it: strata runs watch ${runId})\n`,
    );

    const terminated = await runCli(["runs", "terminate", runId, "--wait", ...as()]);
    expect(terminated.code).toBe(0);
    expect(terminated.stdout).toMatch(/⊘ CANCELED {2}run /);
  });
});

describe("a run no worker claims", () => {
  it("says what it is waiting for, and Ctrl-C leaves it queued", async () => {
    const lonely = new Definitions({ assets: [asset("lonely", () => 1)] });
    await t.client.registerCodeLocation({ name: "idle", ...lonely.manifest() });
    const waiting = startCli(["runs", "launch", "lonely", "--wait", ...as()]);
    await waiting.waitFor(
      /… still (QUEUED|STARTING): waiting for a worker of code location "idle" \(is `strata dev` or `strata location serve` running\?\)/,
    );
    expect(await waiting.stop()).toBe(130);
    const runId = runIdIn(waiting.stdout)!;
    expect(waiting.stderr).toMatch(new RegExp(`Stopped waiting; run ${runId} goes on \\((QUEUED|STARTING)\\)\\.`));
    expect(await runCli(["runs", "terminate", runId, ...as()])).toMatchObject({
      code: 0,
      stdout: `Run ${runId} is CANCELED: it had not started.\n`,
    });
  });
});

describe("bad input", () => {
  it("fails in one line with exit code 1 for what the server refuses", async () => {
    expect(await runCli(["runs", "launch", "source", "nope", ...as()])).toMatchObject({
      code: 1,
      stdout: "",
      stderr: 'strata: No code location defines "nope" (find keys with `strata assets search`)\n',
    });
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(await runCli(["runs", "show", unknown, ...as()])).toMatchObject({
      code: 1,
      stderr: `strata: No run "${unknown}" (recent runs: strata runs list)\n`,
    });
    expect(await runCli(["runs", "terminate", "not-a-run-id", ...as()])).toMatchObject({
      code: 1,
      stderr: 'strata: runId: "not-a-run-id" is not a run id\n',
    });
    const forbidden = await runCli(["runs", "launch", "source", ...as(reader)]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^strata: .*"launch".*\n$/);
    const offline = await runCli(["runs", "list", "--server", "http://127.0.0.1:9"]);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/^strata: cannot reach the Strata server at http:\/\/127\.0\.0\.1:9\/graphql/);
  });

  it("fails with exit code 2 for a usage mistake", async () => {
    const usage = async (...args: string[]) => {
      const result = await runCli(["runs", ...args, ...as()]);
      expect(result.code, args.join(" ")).toBe(2);
      return result.stderr;
    };
    expect(await usage("launch")).toBe(
      "strata: runs launch: missing required argument 'key'. Usage: strata runs launch [options] <key...>\n",
    );
    expect(await usage("launch", "source", "--tag", "team")).toBe('strata: --tag "team" must be name=value\n');
    expect(await usage("reexecute", "abc", "--all-steps", "--from-failure")).toMatch(
      /^strata: runs reexecute: option '--from-failure' cannot be used with option '--all-steps'\. Usage: /,
    );
    expect(await usage("list", "--status", "done")).toMatch(/^strata: --status "done" is not a run status: use QUEUED, /);
    expect(await usage("show")).toBe("strata: runs show: missing required argument 'runId'. Usage: strata runs show [options] <runId>\n");
    expect(await usage("rerun")).toMatch(/^strata: runs: unknown command 'rerun'/);
  });

  it("has help for each subcommand", async () => {
    for (const sub of ["launch", "list", "show", "watch", "reexecute", "terminate"]) {
      const { code, stdout } = await runCli(["runs", sub, "--help"]);
      expect(code, sub).toBe(0);
      expect(stdout, sub).toMatch(new RegExp(`^Usage: strata runs ${sub}`));
    }
    expect(existsSync(join(work.dir, "defs.ts"))).toBe(true);
  });
});
