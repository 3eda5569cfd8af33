import { AutomationCondition } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { manifestOf } from "../src/testing/manifests.js";
import { playNextRun } from "../src/testing/played-run.js";
import { createAutomationTestApp } from "../src/testing/automation-app.js";
import { suiteFixture } from "./support/suite-fixture.js";
import { testDialect } from "../src/testing/test-database.js";

const INTERVAL = 30_000;
let clock = Date.parse("2026-01-05T10:00:00Z");
const env = suiteFixture(() => {
  const auto = manifestOf([{ key: "a" }, { key: "b", deps: ["a"], automation: AutomationCondition.eager().node }]);
  return createAutomationTestApp("auto", auto, () => clock, { intervalMs: INTERVAL });
});

/** One tick, one interval after the previous one. */
async function tick() {
  clock += INTERVAL;
  const [result] = await env.automation.tick();
  expect(result?.location).toBe("auto");
  return result!.outcome;
}

const LAUNCH = `mutation($keys: [String!]!) { launchRun(assetKeys: $keys) { ... on Run { id } ... on Error { message } } }`;
const MATERIALIZE = `mutation($key: String!) { reportMaterialization(assetKey: $key) { __typename } }`;

/** Plays the worker: claims the next run and reports it started and each asset materialized; `finish` ends it. */
const startRun = () => playNextRun(env.app, env.worker, "auto");

const runsOf = (key: string) =>
  env.app.db.sql.query<{ id: string; tags: Record<string, string>; createdBy: string }>(
    `SELECT id, tags, "createdBy" FROM "Run" WHERE $1 = ANY(selection) ORDER BY "createdAt"`,
    [key],
  );

describe(`automation ticks (${testDialect})`, () => {
  it("requests b exactly once after a is materialized, never while a is in progress, then skips tick after tick", async () => {
    // First evaluation: b is missing, but so is a, which no condition will request: b waits for it.
    expect(await tick()).toMatchObject({ kind: "ticked", status: "SKIPPED", requested: [] });

    await env.app.gql(LAUNCH, { keys: ["a"] });
    const a = await startRun();
    // a is materialized, but its run goes on: b waits.
    expect(await tick()).toMatchObject({ status: "SKIPPED" });
    expect(await tick()).toMatchObject({ status: "SKIPPED" });
    await a.finish();

    const requested = await tick();
    expect(requested).toMatchObject({ kind: "ticked", status: "SUCCESS", requested: ["b"] });
    const tickId = (requested as { tickId: string }).tickId;
    const runs = await runsOf("b");
    expect(runs).toHaveLength(1);
    expect(runs[0]!.tags).toEqual({ "strata/automation_tick": tickId });
    expect(runs[0]!.createdBy).toBe("automation");

    // Ten more ticks: the run of b is queued, then runs, then succeeds; nothing more is requested.
    const b = await startRun();
    expect(b.run.assetKeys).toEqual(["b"]);
    for (let i = 0; i < 10; i++) {
      if (i === 4) await b.finish();
      expect(await tick()).toMatchObject({ status: "SKIPPED", requested: [] });
    }
    expect(await runsOf("b")).toHaveLength(1);
    const ticks = await env.app.db.sql.query<{ status: string; runIds: string[] }>(
      `SELECT status, "runIds" FROM "AutomationTick" ORDER BY id`,
    );
    expect(ticks.map((t) => t.status)).toEqual(["SKIPPED", "SKIPPED", "SKIPPED", "SUCCESS", ...Array(10).fill("SKIPPED")]);
    expect(ticks[3]!.runIds).toEqual([runs[0]!.id]);
  });

  it("records each evaluation tree, only when it changes, with the run it requested", async () => {
    // Each row holds its counts; its tree (ids, ops, labels) is stored once, by hash.
    const rows = await env.app.db.sql.query<{
      tickId: string;
      requested: boolean;
      runIds: string[];
      counts: number[];
      nodes: Array<{ label: string | null }>;
    }>(
      `SELECT e."tickId"::text, e.requested, e."runIds", e.counts, t.nodes
       FROM "AutomationEvaluation" e JOIN "AutomationConditionTree" t ON t.hash = e."treeHash" WHERE e."assetKey" = 'b' ORDER BY e.id`,
    );
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.length).toBeLessThan(14);
    const requested = rows.filter((r) => r.requested);
    expect(requested).toHaveLength(1);
    expect(requested[0]!.runIds).toHaveLength(1);
    expect(rows.at(-1)!.nodes[0]!.label).toBe("eager");
    expect(rows.at(-1)!.counts).toHaveLength(2 * rows.at(-1)!.nodes.length);
    expect(await env.app.db.sql.query(`SELECT hash FROM "AutomationConditionTree"`)).toHaveLength(1);
  });

  it("a tick whose transaction fails leaves neither its run nor its evaluations, and the next tick creates the run", async () => {
    const runsBefore = (await runsOf("b")).length;
    const [cursorBefore] = await env.app.db.sql.query(`SELECT cursor FROM "AutomationCursor" WHERE "assetKey" = 'b'`);
    await env.app.gql(MATERIALIZE, { key: "a" });
    // Fails the transaction after the run is inserted, as a crash before the commit would.
    await env.app.db.sql.exec(`
      CREATE FUNCTION automation_crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'crash after the run insert'; END $$;
      CREATE TRIGGER automation_crash BEFORE INSERT ON "AutomationEvaluation" FOR EACH ROW EXECUTE FUNCTION automation_crash();`);
    try {
      const failed = await tick();
      expect(failed).toMatchObject({ kind: "failed", error: expect.stringMatching(/crash after the run insert/) });
    } finally {
      await env.app.db.sql.exec(`DROP TRIGGER automation_crash ON "AutomationEvaluation"; DROP FUNCTION automation_crash();`);
    }
    expect(await runsOf("b")).toHaveLength(runsBefore);
    const [last] = await env.app.db.sql.query<{ status: string; runIds: string[]; n: number }>(
      `SELECT t.status, t."runIds", (SELECT count(*)::int FROM "AutomationEvaluation" e WHERE e."tickId" = t.id) AS n
       FROM "AutomationTick" t ORDER BY id DESC LIMIT 1`,
    );
    expect(last).toEqual({ status: "FAILURE", runIds: [], n: 0 });
    expect(await env.app.db.sql.query(`SELECT cursor FROM "AutomationCursor" WHERE "assetKey" = 'b'`)).toEqual([cursorBefore]);

    expect(await tick()).toMatchObject({ status: "SUCCESS", requested: ["b"] });
    expect(await runsOf("b")).toHaveLength(runsBefore + 1);
    expect(await tick()).toMatchObject({ status: "SKIPPED" });
  });
});

const WHY = `query($key: String!) { asset(key: $key) { ... on Asset {
  automationCondition { label tree }
  nextAutomationTickAt
  automationEvaluations(first: 2) { edges { node { requested runIds tick { id status startedAt } nodes { id parentId op label trueCount candidateCount } } } }
} } }`;
const TICKS = `query($location: String, $status: [AutomationTickStatus!], $first: Int, $after: String) {
  automationTicks(location: $location, status: $status, first: $first, after: $after) {
    edges { cursor node { id status runIds requested location { name } error } } pageInfo { hasNextPage endCursor } } }`;
const PAUSE = `mutation($location: String!, $paused: Boolean!) { setAutomationPaused(location: $location, paused: $paused) {
  __typename ... on AutomationInstigator { location paused nextTickAt } ... on Error { message code } } }`;

describe(`automation through GraphQL (${testDialect})`, () => {
  it("shows an asset's condition, its latest evaluation tree with counts per node, and its next tick", async () => {
    const asset = (await env.app.gql(WHY, { key: "b" })).data!.asset;
    expect(asset.automationCondition.label).toBe("eager");
    expect(asset.automationCondition.tree).toEqual(JSON.parse(JSON.stringify(AutomationCondition.eager().node)));
    expect(new Date(asset.nextAutomationTickAt).getTime()).toBe(clock + INTERVAL);
    const [latest, previous] = asset.automationEvaluations.edges.map((e: { node: unknown }) => e.node);
    expect(latest.requested).toBe(false);
    expect(previous.requested).toBe(true);
    expect(previous.runIds).toHaveLength(1);
    expect(previous.tick).toMatchObject({ status: "SUCCESS" });
    const root = latest.nodes[0];
    expect(root).toMatchObject({ parentId: null, op: "and", label: "eager", trueCount: 0, candidateCount: 1 });
    const anyDepsUpdated = latest.nodes.find((n: { label: string }) => n.label === "any_deps_updated");
    // Evaluated over b's one dependency, a.
    expect(anyDepsUpdated).toMatchObject({ op: "anyDepsMatch", trueCount: 0, candidateCount: 1 });
    const children = latest.nodes.filter((n: { parentId: string }) => n.parentId === root.id);
    expect(children.length).toBeGreaterThan(1);
    for (const child of children) expect(child.candidateCount).toBeGreaterThanOrEqual(1);

    expect((await env.app.gql(WHY, { key: "a" })).data!.asset).toMatchObject({
      automationCondition: null,
      nextAutomationTickAt: null,
      automationEvaluations: { edges: [] },
    });
  });

  it("lists ticks newest first, by location and status, page by page", async () => {
    const success = (await env.app.gql(TICKS, { location: "auto", status: ["SUCCESS"] })).data!.automationTicks.edges;
    expect(success).toHaveLength(2);
    expect(success[0].node).toMatchObject({ status: "SUCCESS", requested: 1, location: { name: "auto" } });
    const failed = (await env.app.gql(TICKS, { status: ["FAILURE"] })).data!.automationTicks.edges;
    expect(failed[0].node.error).toMatchObject({ message: expect.stringMatching(/crash after the run insert/) });
    const first = (await env.app.gql(TICKS, { first: 3 })).data!.automationTicks;
    const next = (await env.app.gql(TICKS, { first: 3, after: first.pageInfo.endCursor })).data!.automationTicks;
    expect(next.edges).toHaveLength(3);
    expect(Number(next.edges[0].node.id)).toBeLessThan(Number(first.edges[2].node.id));
    expect((await env.app.gql(TICKS, { location: "nowhere" })).data!.automationTicks.edges).toEqual([]);
  });

  it("pauses a location (no ticks, no next tick) and resumes it", async () => {
    // The run of b the last tick created ends first.
    const b = await startRun();
    await b.finish();
    expect(await tick()).toMatchObject({ status: "SKIPPED" });
    expect((await env.app.gql(PAUSE, { location: "auto", paused: true })).data!.setAutomationPaused).toMatchObject({
      __typename: "AutomationInstigator",
      paused: true,
      nextTickAt: null,
    });
    await env.app.gql(MATERIALIZE, { key: "a" });
    expect(await tick()).toEqual({ kind: "paused" });
    expect((await env.app.gql(WHY, { key: "b" })).data!.asset.nextAutomationTickAt).toBeNull();
    expect((await env.app.gql(PAUSE, { location: "auto", paused: false })).data!.setAutomationPaused.paused).toBe(false);
    // What was materialized while paused counts on resuming.
    expect(await tick()).toMatchObject({ status: "SUCCESS", requested: ["b"] });
    expect((await env.app.gql(PAUSE, { location: "nowhere", paused: true })).data!.setAutomationPaused).toMatchObject({
      code: "NOT_FOUND",
    });
    const reader = await env.app.token("read");
    expect((await env.app.gql(PAUSE, { location: "auto", paused: true }, reader)).data!.setAutomationPaused).toMatchObject({
      code: "FORBIDDEN",
    });
  });
});
