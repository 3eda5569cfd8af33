import { describe, expect, it } from "vitest";
import {
  AutomationCondition as AC,
  type AutomationAssetState,
  type AutomationConditionNode,
  type AutomationCursor,
  automationConditionSchema,
  evaluateAutomationTick,
  evaluationNodes,
  flattenCondition,
  idleAssetState,
} from "../index.js";

const MIN = 60_000;

/** An asset's state with everything quiet, and its condition. */
const state = (key: string, deps: string[], condition: AC | null, extra: Partial<AutomationAssetState> = {}) =>
  idleAssetState(key, deps, { condition: condition ? condition.node : null, ...extra });

/** Runs ticks in sequence, carrying cursors, as the server's tick loop does. */
function ticker() {
  let cursors = new Map<string, AutomationCursor>();
  return (now: number, assets: AutomationAssetState[]) => {
    const result = evaluateAutomationTick({ now, assets, cursors });
    cursors = result.cursors;
    return result;
  };
}

describe("automation conditions as data", () => {
  it("compose as Dagster's composites, with stable node ids and labels, and parse back from a manifest", () => {
    const eager = AC.eager();
    expect(eager.node.label).toBe("eager");
    expect(automationConditionSchema.parse(JSON.parse(JSON.stringify(eager.node)))).toEqual(eager.node);
    const labels = flattenCondition(eager.node).flatMap((n) => (n.node.label ? [n.node.label] : []));
    expect(labels).toEqual(
      expect.arrayContaining([
        "eager",
        "since_last_handled",
        "newly_missing",
        "any_deps_updated",
        "any_deps_missing",
        "any_deps_in_progress",
        "in_progress",
      ]),
    );
    expect(flattenCondition(AC.eager().node).map((n) => n.id)).toEqual(flattenCondition(eager.node).map((n) => n.id));
    expect(automationConditionSchema.safeParse({ op: "not", children: [] }).success).toBe(false);
    expect(automationConditionSchema.safeParse({ op: "cronTickPassed" }).success).toBe(false);
  });

  it("refuse a bad node at any depth by its path, and leave unknown fields out", () => {
    const bad = automationConditionSchema.safeParse({
      op: "and",
      children: [{ op: "missing" }, { op: "not", children: [{ op: "cronTickPassed", args: {} }, { op: "missing" }] }, { op: "nope" }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["children.1.children", "not takes 1 condition, got 2"],
      ["children.1.children.0.args.cron", "cronTickPassed needs a cron"],
      ["children.2.op", expect.stringMatching(/Invalid option/)],
    ]);
    expect(automationConditionSchema.parse({ op: "not", extra: 1, children: [{ op: "missing", args: { cron: "x", more: 2 } }] })).toEqual({
      op: "not",
      children: [{ op: "missing", args: { cron: "x" } }],
    });
  });
});

describe("eager", () => {
  it("requests b exactly once after a updates, then stays quiet tick after tick", () => {
    const tick = ticker();
    const t0 = Date.parse("2024-03-01T00:00:00Z");
    const b = (extra: Partial<AutomationAssetState> = {}) => state("b", ["a"], AC.eager(), extra);
    expect(tick(t0, [state("a", [], null), b()]).requested).toEqual([]);
    expect(tick(t0 + 30_000, [state("a", [], null, { newlyUpdated: true }), b()]).requested).toEqual(["b"]);
    // The run of b is under way, then done: nothing more.
    expect(tick(t0 + 60_000, [state("a", [], null), b({ runInProgress: true })]).requested).toEqual([]);
    for (let i = 3; i < 13; i++) {
      expect(tick(t0 + i * 30_000, [state("a", [], null), b({ newlyUpdated: i === 3, latestRunTargets: ["b"] })]).requested).toEqual([]);
    }
  });

  it("waits while a dependency is missing or in progress, and ignores the dependencies it is told to", () => {
    const t0 = Date.parse("2024-03-01T00:00:00Z");
    const tick = ticker();
    tick(t0, [state("a", [], null), state("b", ["a"], AC.eager())]);
    expect(
      tick(t0 + MIN, [state("a", [], null, { newlyUpdated: true, runInProgress: true }), state("b", ["a"], AC.eager())]).requested,
    ).toEqual([]);
    const missing = ticker();
    expect(missing(t0, [state("a", [], null, { missing: true }), state("b", ["a"], AC.eager(), { missing: true })]).requested).toEqual([]);

    const ignoring = ticker();
    const b = state("b", ["a", "c"], AC.eager().ignore({ keys: ["a"] }));
    ignoring(t0, [state("a", [], null), state("c", [], null), b]);
    expect(ignoring(t0 + MIN, [state("a", [], null, { newlyUpdated: true }), state("c", [], null), b]).requested).toEqual([]);
    expect(ignoring(t0 + 2 * MIN, [state("a", [], null), state("c", [], null, { newlyUpdated: true }), b]).requested).toEqual(["b"]);
  });

  it("a → b → c all missing: the first tick requests all three together (one run), nothing while they run, nothing after", () => {
    const tick = ticker();
    const t0 = Date.parse("2024-03-01T00:00:00Z");
    const chain = (extra: Partial<AutomationAssetState>) => [
      state("a", [], AC.eager(), extra),
      state("b", ["a"], AC.eager(), extra),
      state("c", ["b"], AC.eager(), extra),
    ];
    const first = tick(t0, chain({ missing: true }));
    expect(first.requested).toEqual(["a", "b", "c"]);
    // b waits for nothing: a is missing but will be requested by the same tick.
    const b = first.evaluations.find((e) => e.assetKey === "b")!;
    expect(evaluationNodes(b).find((n) => n.label === "any_deps_missing")).toMatchObject({ trueCount: 0, candidateCount: 1 });
    expect(tick(t0 + MIN, chain({ missing: true, runInProgress: true })).requested).toEqual([]);
    const done = { newlyUpdated: true, latestRunTargets: ["a", "b", "c"] };
    expect(tick(t0 + 2 * MIN, chain(done)).requested).toEqual([]);
    for (let i = 3; i < 13; i++) expect(tick(t0 + i * MIN, chain({ latestRunTargets: ["a", "b", "c"] })).requested).toEqual([]);
  });

  it("a changed condition does not act on what was already missing (Dagster's initial-evaluation reset)", () => {
    const tick = ticker();
    const t0 = Date.parse("2024-03-01T00:00:00Z");
    const v1 = AC.missing().and(AC.runInProgress().not());
    expect(tick(t0, [state("a", [], v1, { missing: true, runInProgress: true })]).requested).toEqual([]);
    expect(tick(t0 + MIN, [state("a", [], AC.eager(), { missing: true })]).requested).toEqual([]);
    expect(tick(t0 + 2 * MIN, [state("a", [], AC.eager(), { missing: true })]).requested).toEqual([]);
  });

  it("a → b → c: when a updates, one tick requests b and c together; nothing while they run, nothing after", () => {
    const t0 = Date.parse("2024-03-01T00:00:00Z");
    const tick = ticker();
    const chain = (a: Partial<AutomationAssetState>, rest: Partial<AutomationAssetState>) => [
      state("a", [], null, a),
      state("b", ["a"], AC.eager(), rest),
      state("c", ["b"], AC.eager(), rest),
    ];
    expect(tick(t0, chain({}, {})).requested).toEqual([]);
    const updated = tick(t0 + MIN, chain({ newlyUpdated: true }, {}));
    expect(updated.requested).toEqual(["b", "c"]);
    expect(tick(t0 + 2 * MIN, chain({}, { runInProgress: true })).requested).toEqual([]);
    const done = { newlyUpdated: true, latestRunTargets: ["b", "c"] };
    expect(tick(t0 + 3 * MIN, chain({}, done)).requested).toEqual([]);
    expect(tick(t0 + 4 * MIN, chain({}, { latestRunTargets: ["b", "c"] })).requested).toEqual([]);

    const why = updated.evaluations.find((e) => e.assetKey === "c")!;
    expect(evaluationNodes(why)[0]).toMatchObject({ label: "eager", trueCount: 1, candidateCount: 1 });
    expect(evaluationNodes(why).find((n) => n.label === "any_deps_updated")).toMatchObject({ trueCount: 1, candidateCount: 1 });
    expect(evaluationNodes(why).find((n) => n.label === "any_deps_missing")).toMatchObject({ trueCount: 0, candidateCount: 1 });
  });
});

describe("onCron", () => {
  it("at 09:00 Berlin waits for every dependency to update since the tick, runs once, and not again until the next day", () => {
    const tick = ticker();
    const c = state("c", ["a", "b"], AC.onCron("0 9 * * *", "Europe/Berlin"));
    const at = (iso: string) => Date.parse(iso);
    const deps = (a: boolean, b: boolean) => [state("a", [], null, { newlyUpdated: a }), state("b", [], null, { newlyUpdated: b })];
    // 09:00 in Berlin on 2024-03-01 is 08:00 UTC.
    expect(tick(at("2024-03-01T07:59:30Z"), [...deps(false, false), c]).requested).toEqual([]);
    expect(tick(at("2024-03-01T08:00:30Z"), [...deps(false, false), c]).requested).toEqual([]);
    expect(tick(at("2024-03-01T08:10:00Z"), [...deps(true, false), c]).requested).toEqual([]);
    expect(tick(at("2024-03-01T08:20:30Z"), [...deps(false, true), c]).requested).toEqual(["c"]);
    for (const time of ["2024-03-01T08:21:00Z", "2024-03-01T12:00:00Z", "2024-03-02T07:59:00Z"]) {
      expect(tick(at(time), [...deps(true, true), c]).requested).toEqual([]);
    }
  });
});

describe("checks in conditions", () => {
  it("allDepsBlockingChecksPassed holds d back while an upstream blocking check fails", () => {
    const t0 = Date.parse("2024-03-01T00:00:00Z");
    const tick = ticker();
    const condition = AC.onMissing().and(AC.allDepsBlockingChecksPassed());
    const a = (passed: boolean) => state("a", [], null, { checks: [{ key: "a#ok", blocking: true, passed }] });
    expect(tick(t0, [a(false), state("d", ["a"], condition)]).requested).toEqual([]);
    // d goes missing (its storage was wiped) while a's blocking check fails: held back.
    expect(tick(t0 + MIN, [a(false), state("d", ["a"], condition, { missing: true })]).requested).toEqual([]);
    expect(tick(t0 + 2 * MIN, [a(true), state("d", ["a"], condition, { missing: true })]).requested).toEqual(["d"]);
  });

  it("initialEvaluation is true on the first evaluation of a changed condition, not on an asset's very first", () => {
    const t0 = Date.parse("2024-03-01T00:00:00Z");
    const tick = ticker();
    const node: AutomationConditionNode = AC.initialEvaluation().node;
    expect(tick(t0, [state("x", [], AC.from(node))]).requested).toEqual([]);
    expect(tick(t0 + MIN, [state("x", [], AC.from(node))]).requested).toEqual([]);
    expect(tick(t0 + 2 * MIN, [state("x", [], AC.from(node).withLabel("renamed"))]).requested).toEqual(["x"]);
  });
});
