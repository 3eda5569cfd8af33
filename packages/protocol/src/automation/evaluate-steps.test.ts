import { describe, expect, it } from "vitest";
import {
  AutomationCondition as AC,
  type AutomationAssetState,
  type AutomationCursor,
  type AutomationGraph,
  evaluateAutomationTick,
  evaluateAutomationTickInSteps,
  idleAssetState,
} from "../index.js";

/** mulberry32: the same graph and histories on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3_600_000;
const LAYERS = 12;
const WIDTH = 10;
const conditions = [
  AC.eager().node,
  AC.onMissing().node,
  AC.onCron("0 * * * *", "UTC").node,
  AC.anyDepsMatch(AC.newlyRequested()).or(AC.missing()).node,
];

/**
 * 120 assets in 12 layers, each past the first on one to three assets of the layer before; a few
 * roots unautomated, every automated asset with one of four conditions (eager dominates, so
 * requests travel down long paths).
 */
function graphOf(next: () => number) {
  const keys = Array.from({ length: LAYERS * WIDTH }, (_, n) => `a${n}`);
  const deps = keys.map((_, n) => {
    if (n < WIDTH) return [];
    const layer = Math.floor(n / WIDTH);
    const picked = new Set<string>();
    const wanted = 1 + Math.floor(next() * 3);
    while (picked.size < wanted) picked.add(keys[(layer - 1) * WIDTH + Math.floor(next() * WIDTH)]!);
    return [...picked];
  });
  const condition = keys.map((_, n) => (n < WIDTH && n % 3 === 0 ? null : conditions[next() < 0.7 ? 0 : Math.floor(next() * 4)]!));
  const automated = keys.filter((_, n) => condition[n] !== null);
  const dependents = new Map<string, string[]>();
  keys.forEach((key, n) => {
    if (condition[n]) for (const dep of deps[n]!) dependents.set(dep, [...(dependents.get(dep) ?? []), key]);
  });
  const depsOf = new Map(keys.map((key, n) => [key, deps[n]!]));
  const graph: AutomationGraph = {
    order: automated,
    depsOf: (key) => depsOf.get(key) ?? [],
    dependentsOf: (key) => dependents.get(key) ?? [],
  };
  return { keys, deps, condition, graph };
}

describe("evaluateAutomationTickInSteps", () => {
  it("gives exactly the whole evaluation's result while reading only what it evaluates, over random histories", () => {
    const next = random(7);
    const { keys, deps, condition, graph } = graphOf(next);
    let cursors = new Map<string, AutomationCursor>();
    let now = Date.parse("2026-01-05T10:00:00Z");
    let readAtMost = 0;
    let multiRound = 0;
    let requestedInAll = 0;
    for (let tick = 0; tick < 60; tick++) {
      now += next() < 0.2 ? HOUR : 30_000;
      const states: AutomationAssetState[] = keys.map((key, n) =>
        idleAssetState(key, deps[n]!, {
          condition: condition[n]!,
          missing: next() < 0.1,
          newlyUpdated: next() < 0.08,
          runInProgress: next() < 0.05,
        }),
      );
      // What moved: a random few assets, and some left pending (the server's dirty set).
      const changed = new Set(keys.filter(() => next() < 0.06));
      const dirty = new Set(graph.order.filter((k) => cursors.get(k)?.requested || next() < 0.03));
      const incremental = { dirty, changed };
      const whole = evaluateAutomationTick({ now, previousTickAt: now - 30_000, assets: states, cursors, incremental });

      const byKey = new Map(states.map((s) => [s.key, s]));
      const steps = evaluateAutomationTickInSteps({ now, previousTickAt: now - 30_000, graph, incremental });
      const asked: string[] = [];
      let rounds = 0;
      let step = steps.next();
      while (!step.done) {
        rounds++;
        asked.push(...step.value);
        step = steps.next({
          states: step.value.map((k) => byKey.get(k)!),
          cursors: new Map(step.value.flatMap((k) => (cursors.has(k) ? [[k, cursors.get(k)!] as const] : []))),
        });
      }
      const stepped = step.value;
      // The same results; both lists in a dependency order (not necessarily the same one).
      expect([...stepped.requested].sort(), `tick ${tick}`).toEqual([...whole.requested].sort());
      const position = new Map(stepped.requested.map((k, i) => [k, i]));
      for (const key of stepped.requested)
        for (const dep of graph.depsOf(key)) expect(position.get(dep) ?? -1).toBeLessThan(position.get(key)!);
      const byAsset = (list: typeof whole.evaluations) => [...list].sort((a, b) => a.assetKey.localeCompare(b.assetKey));
      expect(byAsset(stepped.evaluations), `tick ${tick}`).toEqual(byAsset(whole.evaluations));
      expect(stepped.cursors, `tick ${tick}`).toEqual(whole.cursors);
      // Each key is asked for once, and only the evaluated assets and their dependencies, and
      // what the doubling guess reached beyond them.
      expect(new Set(asked).size).toBe(asked.length);
      const needed = new Set(whole.evaluations.flatMap((e) => [e.assetKey, ...graph.depsOf(e.assetKey)]));
      for (const key of needed) expect(asked, `tick ${tick}: ${key}`).toContain(key);
      if (asked.length < keys.length) readAtMost++;
      if (rounds > 1) multiRound++;
      requestedInAll += whole.requested.length;
      cursors = new Map([...cursors, ...whole.cursors]);
    }
    // The histories did exercise the cases: requests, reads of part of the graph, later rounds.
    expect(requestedInAll).toBeGreaterThan(20);
    expect(readAtMost).toBeGreaterThan(10);
    expect(multiRound).toBeGreaterThan(5);
  });

  it("asks for nothing when nothing changed and nothing is pending", () => {
    const { graph } = graphOf(random(3));
    const steps = evaluateAutomationTickInSteps({ now: 0, graph, incremental: { dirty: new Set(), changed: new Set() } });
    const step = steps.next();
    expect(step.done).toBe(true);
    expect(step.value).toEqual({ requested: [], evaluations: [], cursors: new Map() });
  });
});
