import { AutomationCondition as AC, type AutomationEvaluation } from "@strata/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { type AutomationLocation, dryRunLocation } from "../src/automation/tick.js";
import { DAILY_JANUARY_UTC, manifestOf, REGISTER } from "../src/testing/manifests.js";
import { playNextRun, type PlayedRun } from "../src/testing/played-run.js";
import { seededRandom } from "../src/testing/seeded-random.js";
import { createAutomationTestApp } from "../src/testing/automation-app.js";
import { suiteFixture } from "./support/suite-fixture.js";
import { testDialect } from "../src/testing/test-database.js";

// A tick evaluates only the assets whose inputs can have changed since the last tick. This test
// holds it to the whole evaluation: over a random history (materializations, runs starting and
// ending, hours passing, midnight crossed), before each tick a dry run evaluates every asset
// (it is never incremental) at the same instant; the tick must request exactly what the dry run
// would, and afterwards each asset's latest stored evaluation must be the dry run's.
const INTERVAL = 30_000;
const TICKS = 80;
const LAYERS = 5;
const WIDTH = 8;
/** Daily partitions in UTC from December 2025 on, with no end. */
const DAILY = { ...DAILY_JANUARY_UTC, start: "2025-12-01T00:00:00", end: null };

const keyOf = (n: number) => `n${String(n).padStart(2, "0")}`;
const partitioned = (n: number) => n >= WIDTH && n % 11 === 3;

/**
 * 40 assets in 5 layers, each past the first on one or two of the layer before; conditions
 * mixed: eager, onCron, onMissing and one on dependencies' requests.
 */
function assets() {
  const next = seededRandom(21);
  return Array.from({ length: LAYERS * WIDTH }, (_, n) => {
    const layer = Math.floor(n / WIDTH);
    const deps = new Set<string>();
    if (layer > 0) {
      const wanted = 1 + Math.floor(next() * 2);
      // A partitioned asset depends on unpartitioned ones only: its runs are one partition each.
      while (deps.size < wanted) deps.add(keyOf((layer - 1) * WIDTH + Math.floor(next() * WIDTH)));
      for (const d of [...deps]) if (partitioned(Number(d.slice(1)))) deps.delete(d);
      if (deps.size === 0) deps.add(keyOf((layer - 1) * WIDTH + (n % 11 === 3 ? 0 : 1)));
    }
    const automation =
      layer === 0
        ? n % 4 === 0
          ? AC.onCron("0 * * * *", "Europe/Berlin").node
          : undefined
        : n % 10 === 5
          ? // A condition of dependencies' requests: their `newlyRequested` is read from their cursors.
            AC.anyDepsMatch(AC.newlyRequested()).and(AC.not(AC.inProgress())).node
          : n % 6 === 0
            ? AC.onCron("30 */2 * * *", "UTC").node
            : n % 9 === 0
              ? AC.onMissing().node
              : AC.eager().node;
    return { key: keyOf(n), deps: [...deps], ...(automation ? { automation } : {}), ...(partitioned(n) ? { partitions: DAILY } : {}) };
  });
}

let location: AutomationLocation;
let clock = Date.parse("2026-01-05T21:10:00Z");
const env = suiteFixture(() => createAutomationTestApp("inc", manifestOf(assets()), () => clock, { intervalMs: INTERVAL }));

beforeAll(async () => {
  [location] = (await env.app.db.sql.query<AutomationLocation>(
    `SELECT l.id, l.name, v.id AS "versionId" FROM "CodeLocation" l JOIN "CodeLocationVersion" v ON v.id = l."currentVersionId" WHERE l.name = 'inc'`,
  )) as [AutomationLocation];
});

const MATERIALIZE = `mutation($key: String!) { reportMaterialization(assetKey: $key) { __typename } }`;
const FAIL = `mutation($id: ID!, $events: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w1", events: $events) { __typename } }`;

/** Each asset's latest stored evaluation, as the evaluator returns one (requested and the counts). */
async function latestEvaluations(): Promise<Map<string, { requested: boolean; counts: number[] }>> {
  const rows = await env.app.db.sql.query<{ assetKey: string; requested: boolean; counts: number[] }>(
    `SELECT DISTINCT ON ("assetKey") "assetKey", requested, counts FROM "AutomationEvaluation" ORDER BY "assetKey", id DESC`,
  );
  return new Map(rows.map((r) => [r.assetKey, { requested: r.requested, counts: r.counts }]));
}

const countsOf = (e: AutomationEvaluation) => [...e.counts];

describe(`incremental automation ticks (${testDialect})`, () => {
  it("request exactly what evaluating every asset requests, tick after tick, and keep every asset's latest evaluation exact", async () => {
    const next = seededRandom(5);
    const running: PlayedRun[] = [];
    const all = assets();
    const unpartitioned = all.filter((a) => !a.partitions).map((a) => a.key);
    let evaluated = 0;
    let quietTicks = 0;
    let requestedInAll = 0;
    const perTick: number[] = [];
    for (let t = 0; t < TICKS; t++) {
      // What happens between ticks: a few runless materializations, queued runs claimed, running
      // ones ending (most succeed, some fail), and time passing (up to three hours); or, one
      // time in three, nothing but the interval.
      const idle = t > 0 && next() < 0.35;
      if (!idle && t > 0 && next() < 0.6)
        for (let i = Math.floor(next() * 3); i >= 0; i--)
          await env.app.gql(MATERIALIZE, { key: unpartitioned[Math.floor(next() * unpartitioned.length)]! });
      const queued = await env.app.db.sql.query(`SELECT id FROM "Run" WHERE status = 'QUEUED'`);
      for (let i = 0; !idle && i < queued.length && next() < 0.7; i++) running.push(await playNextRun(env.app, env.worker, "inc"));
      while (!idle && running.length && next() < 0.5) {
        const run = running.shift()!;
        if (next() < 0.8) await run.finish();
        else {
          // The played run reported RUN_START and three events per asset.
          const seq = 2 + 3 * run.run.assetKeys.length;
          const payload = { durationMs: 1, failedSteps: [], skippedSteps: [], error: null };
          const failed = await env.app.gql(
            FAIL,
            { id: run.run.id, events: [{ seq, type: "RUN_FAILURE", timestamp: clock, payload }] },
            env.worker,
          );
          expect(failed.data!.reportRunEvents.__typename).toBe("RunReport");
        }
      }
      clock += !idle && next() < 0.3 ? Math.floor(next() * 3 * 3_600_000) : INTERVAL;

      const whole = await dryRunLocation(env.app.db.sql, env.app.runs.manifests, location, new Date(clock));
      expect(whole).not.toBeNull();
      const [result] = await env.automation.tick();
      const outcome = result!.outcome;
      if (outcome.kind !== "ticked") throw new Error(`tick ${t}: ${outcome.kind}`);
      expect([...outcome.requested].sort(), `tick ${t}`).toEqual([...whole!.requested].sort());
      const latest = await latestEvaluations();
      for (const e of whole!.evaluations) {
        expect(latest.get(e.assetKey), `tick ${t}: ${e.assetKey}`).toEqual({ requested: e.requested, counts: countsOf(e) });
      }
      evaluated += outcome.evaluated;
      perTick.push(outcome.evaluated);
      if (outcome.evaluated === 0) quietTicks++;
      requestedInAll += outcome.requested.length;
    }
    // The history did request work, and the ticks evaluated far less than every asset each time.
    const automated = all.filter((a) => a.automation).length;
    expect(requestedInAll).toBeGreaterThan(5);
    expect(quietTicks, `assets evaluated per tick: ${perTick.join(" ")}`).toBeGreaterThan(0);
    expect(evaluated).toBeLessThan((TICKS * automated) / 2);
  });

  it("evaluates nothing and reads no state when nothing changed, and everything again for a new version of the location", async () => {
    // Two ticks settle whatever the previous test left pending.
    for (let i = 0; i < 3; i++) {
      clock += INTERVAL;
      await env.automation.tick();
    }
    clock += INTERVAL;
    const [quiet] = await env.automation.tick();
    expect(quiet!.outcome).toMatchObject({ kind: "ticked", evaluated: 0, requested: [] });

    // The same assets re-registered with one description changed: a new version, evaluated whole.
    const changed = assets().map((a) => (a.key === "n00" ? { ...a, description: "changed" } : a));
    const registered = await env.app.gql(REGISTER, { name: "inc", ...manifestOf(changed) }, env.worker);
    expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
    clock += INTERVAL;
    const [whole] = await env.automation.tick();
    expect(whole!.outcome).toMatchObject({ kind: "ticked", evaluated: changed.filter((a) => a.automation).length });
  });
});
