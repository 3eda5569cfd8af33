import { AutomationCondition as AC } from "@strata/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { DAILY_JANUARY_UTC, manifestOf } from "../src/testing/manifests.js";
import { playNextRun } from "../src/testing/played-run.js";
import type { TestApp } from "../src/testing/test-app.js";
import { createAutomationTestApp } from "../src/testing/automation-app.js";
import { testDialect } from "../src/testing/test-database.js";

// The acceptance scenarios for the condition evaluator, through the server's tick loop
// with an injected clock (each location its own app: a tick covers every location).
const INTERVAL = 30_000;
/** Daily partitions in UTC from 2024 on, with no end. */
const DAILY_2024_UTC = { ...DAILY_JANUARY_UTC, end: null };

interface Scenario {
  app: TestApp;
  worker: string;
  tick(at?: number): Promise<{ kind: string; status?: string; requested?: string[]; runs?: Array<{ id: string }> }>;
  runs(): Promise<Array<{ id: string; selection: string[]; partitionKey: string | null; tags: Record<string, string> }>>;
  materialize(key: string, partition?: string): Promise<void>;
  close(): Promise<void>;
}

/** A server with one location of these assets, its automation loop driven by `clock`. */
async function scenario(
  location: string,
  assets: Parameters<typeof manifestOf>[0],
  start: number,
  checks: Parameters<typeof manifestOf>[1] = [],
): Promise<Scenario> {
  let clock = start;
  const { app, worker, automation, close } = await createAutomationTestApp(location, manifestOf(assets, checks), () => clock, {
    intervalMs: INTERVAL,
  });
  return {
    app,
    worker,
    close,
    async tick(at = clock + INTERVAL) {
      clock = at;
      const [result] = await automation.tick();
      expect(result?.location).toBe(location);
      return result!.outcome as Awaited<ReturnType<Scenario["tick"]>>;
    },
    runs: () =>
      app.db.sql.query(`SELECT id, selection, "partitionKey", tags FROM "Run" WHERE "createdBy" = 'automation' ORDER BY "createdAt", id`),
    async materialize(key, partition) {
      const done = await app.gql(
        `mutation($key: String!, $partition: String) { reportMaterialization(assetKey: $key, partition: $partition) { __typename } }`,
        {
          key,
          partition: partition ?? null,
        },
      );
      expect(done.data!.reportMaterialization.__typename).toBe("Materialization");
    },
  };
}

/** [trueCount, candidateCount] of the first node with `op` in an asset's latest stored evaluation. */
async function latestCounts(s: Scenario, key: string, op: string): Promise<number[]> {
  const [row] = await s.app.db.sql.query<{ counts: number[]; nodes: Array<{ op: string }> }>(
    `SELECT e.counts, t.nodes FROM "AutomationEvaluation" e JOIN "AutomationConditionTree" t ON t.hash = e."treeHash"
     WHERE e."assetKey" = $1 ORDER BY e.id DESC LIMIT 1`,
    [key],
  );
  const at = row!.nodes.findIndex((n) => n.op === op);
  return row!.counts.slice(2 * at, 2 * at + 2);
}

describe(`automation scenarios (${testDialect})`, () => {
  let open: Scenario[] = [];
  const make = async (...args: Parameters<typeof scenario>) => {
    const s = await scenario(...args);
    open.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });

  it("a → b → c all eager and missing: the first tick creates one run of all three; nothing while it runs, nothing after", async () => {
    const s = await make(
      "chain",
      [
        { key: "a", automation: AC.eager().node },
        { key: "b", deps: ["a"], automation: AC.eager().node },
        { key: "c", deps: ["b"], automation: AC.eager().node },
      ],
      Date.parse("2026-01-05T10:00:00Z"),
    );
    expect(await s.tick()).toMatchObject({ kind: "ticked", status: "SUCCESS", requested: ["a", "b", "c"] });
    const [run] = await s.runs();
    expect(run!.selection.sort()).toEqual(["a", "b", "c"]);
    // Queued, then running: nothing more.
    expect(await s.tick()).toMatchObject({ status: "SKIPPED", requested: [] });
    const played = await playNextRun(s.app, s.worker, "chain");
    expect(played.run.id).toBe(run!.id);
    expect(await s.tick()).toMatchObject({ status: "SKIPPED" });
    await played.finish();
    for (let i = 0; i < 5; i++) expect(await s.tick()).toMatchObject({ status: "SKIPPED", requested: [] });
    expect(await s.runs()).toHaveLength(1);
    // "Why" not b: a was updated by a run that targeted b (executedWithRootTarget true for a, of a).
    expect(await latestCounts(s, "b", "executedWithRootTarget")).toEqual([1, 1]);
  });

  it("a dependency's blocking check gates an eager asset: a failed blocking check holds it, a failed warning does not, a pass releases it", async () => {
    const gated = AC.eager().and(AC.allDepsBlockingChecksPassed()).node;
    const s = await make("checks", [{ key: "a" }, { key: "b", deps: ["a"], automation: gated }], Date.parse("2026-01-05T10:00:00Z"), [
      { asset: "a", name: "rows", blocking: true },
      { asset: "a", name: "style" },
    ]);
    const report = async (check: string, passed: boolean) => {
      const done = await s.app.gql(
        `mutation($key: String!, $passed: Boolean!) { reportCheckResult(checkKey: $key, passed: $passed) { __typename } }`,
        { key: check, passed },
      );
      expect(done.data!.reportCheckResult.__typename).toBe("AssetCheckExecution");
    };
    // a is missing: nothing yet.
    expect(await s.tick()).toMatchObject({ status: "SKIPPED" });
    await s.materialize("a");
    await report("a#rows", false);
    await report("a#style", true);
    expect(await s.tick()).toMatchObject({ status: "SKIPPED", requested: [] });
    // The warning failing does not hold b; the blocking check passing releases it.
    await report("a#style", false);
    expect(await s.tick()).toMatchObject({ status: "SKIPPED", requested: [] });
    await report("a#rows", true);
    expect(await s.tick()).toMatchObject({ status: "SUCCESS", requested: ["b"] });
    // Its gate (allDepsMatch of all_deps_blocking_checks_passed) is true for its one dependency, of one.
    expect(await latestCounts(s, "b", "allDepsMatch")).toEqual([1, 1]);
  });

  it("a dependency's backfill in progress holds an eager asset; once the backfill is canceled it is requested", async () => {
    const s = await make(
      "backfilling",
      [
        { key: "a", partitions: DAILY_2024_UTC },
        { key: "b", deps: ["a"], automation: AC.eager().node },
      ],
      Date.parse("2026-01-05T10:00:00Z"),
    );
    await s.materialize("a", "2026-01-04");
    expect(await s.tick()).toMatchObject({ status: "SUCCESS", requested: ["b"] });
    await (await playNextRun(s.app, s.worker, "backfilling")).finish();
    expect(await s.tick()).toMatchObject({ status: "SKIPPED" });

    const launched = await s.app.gql(
      `mutation($input: LaunchBackfillInput!) { launchBackfill(input: $input) { __typename ... on Backfill { id status } } }`,
      { input: { assetKeys: ["a"], from: "2026-01-01", to: "2026-01-03" } },
    );
    expect(launched.data!.launchBackfill).toMatchObject({ __typename: "Backfill", status: "REQUESTED" });
    await s.materialize("a", "2026-01-04");
    for (let i = 0; i < 3; i++) expect(await s.tick()).toMatchObject({ status: "SKIPPED", requested: [] });
    const canceled = await s.app.gql(`mutation($id: ID!) { cancelBackfill(id: $id) { __typename ... on Backfill { status } } }`, {
      id: launched.data!.launchBackfill.id,
    });
    expect(canceled.data!.cancelBackfill.__typename).toBe("Backfill");
    expect(await s.tick()).toMatchObject({ status: "SUCCESS", requested: ["b"] });
  });

  it("onCron 09:00 Berlin with two dependencies: nothing with one updated, one run after the second, none until the next day's 09:00", async () => {
    const cron = AC.onCron("0 9 * * *", "Europe/Berlin").node;
    // 09:00 in Berlin in January is 08:00 UTC.
    const s = await make(
      "cron",
      [{ key: "a" }, { key: "b" }, { key: "c", deps: ["a", "b"], automation: cron }],
      Date.parse("2026-01-05T07:50:00Z"),
    );
    const at = (iso: string) => Date.parse(iso);
    expect(await s.tick(at("2026-01-05T07:59:30Z"))).toMatchObject({ status: "SKIPPED" });
    expect(await s.tick(at("2026-01-05T08:00:00Z"))).toMatchObject({ status: "SKIPPED" });
    await s.materialize("a");
    expect(await s.tick(at("2026-01-05T08:10:00Z"))).toMatchObject({ status: "SKIPPED" });
    await s.materialize("b");
    expect(await s.tick(at("2026-01-05T08:20:00Z"))).toMatchObject({ status: "SUCCESS", requested: ["c"] });
    const played = await playNextRun(s.app, s.worker, "cron");
    await played.finish();
    // Both dependencies update again the same day: c waits for the next 09:00.
    await s.materialize("a");
    await s.materialize("b");
    for (const time of ["2026-01-05T08:30:00Z", "2026-01-05T15:00:00Z", "2026-01-06T07:59:30Z"])
      expect(await s.tick(at(time))).toMatchObject({ status: "SKIPPED" });
    expect(await s.runs()).toHaveLength(1);
    // The next 09:00: a and b have not updated since it, so c still waits for them.
    expect(await s.tick(at("2026-01-06T08:00:30Z"))).toMatchObject({ status: "SKIPPED" });
    await s.materialize("a");
    await s.materialize("b");
    expect(await s.tick(at("2026-01-06T08:05:00Z"))).toMatchObject({ status: "SUCCESS", requested: ["c"] });
  });

  it("onMissing on a daily asset: crossing midnight requests exactly the new partition, never the older missing ones", async () => {
    const s = await make(
      "daily",
      [{ key: "d", partitions: DAILY_2024_UTC, automation: AC.onMissing().node }],
      Date.parse("2026-01-05T23:00:00Z"),
    );
    const at = (iso: string) => Date.parse(iso);
    // First evaluation: the latest window (the day that ended at midnight) is missing.
    const first = await s.tick(at("2026-01-05T23:50:00Z"));
    expect(first).toMatchObject({ status: "SUCCESS", requested: ["d"] });
    let runs = await s.runs();
    expect(runs.map((r) => r.partitionKey)).toEqual(["2026-01-04"]);
    const played = await playNextRun(s.app, s.worker, "daily");
    expect(played.run.partitionKey).toBe("2026-01-04");
    await played.finish();
    expect(await s.tick(at("2026-01-05T23:59:30Z"))).toMatchObject({ status: "SKIPPED" });
    // Midnight: 2026-01-05 has ended and is missing; 2024-01-01 … 2026-01-03 are missing too and stay so.
    expect(await s.tick(at("2026-01-06T00:00:30Z"))).toMatchObject({ status: "SUCCESS", requested: ["d"] });
    runs = await s.runs();
    expect(runs.map((r) => r.partitionKey)).toEqual(["2026-01-04", "2026-01-05"]);
    expect(runs[1]!.tags["strata/automation_tick"]).toBeDefined();
    for (let i = 1; i <= 5; i++) expect(await s.tick(at("2026-01-06T00:00:30Z") + i * INTERVAL)).toMatchObject({ status: "SKIPPED" });
    expect(await s.runs()).toHaveLength(2);

    // "Why": the evaluation names the window it was evaluated on.
    const why = await s.app.gql(
      `query { asset(key: "d") { ... on Asset { automationEvaluations(first: 5) { edges { node { partitionKey requested } } } } } }`,
    );
    const evaluations = why.data!.asset.automationEvaluations.edges.map((e: { node: unknown }) => e.node);
    expect(evaluations).toContainEqual({ partitionKey: "2026-01-05", requested: true });
    expect(evaluations).toContainEqual({ partitionKey: "2026-01-04", requested: true });
  });
});
