import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestHash } from "../src/catalog/manifest.js";
import { type Clock, FreshnessService } from "../src/freshness/freshness-service.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";

/** Time that moves only when told; due timers fire as it passes them. */
class ManualClock implements Clock {
  private timers: Array<{ at: number; fn: () => void }> = [];
  constructor(private time: number) {}
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.time + ms, fn };
    this.timers.push(timer);
    return timer;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t !== handle);
  };
  advanceTo(time: number) {
    this.time = time;
    const due = this.timers.filter((t) => t.at <= time);
    this.timers = this.timers.filter((t) => t.at > time);
    for (const t of due) t.fn();
  }
  /** How many timers are armed: one, whatever the number of assets. */
  get armed() {
    return this.timers.length;
  }
}

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
}, 60_000);
afterAll(() => app?.close());

function withFreshness(assets: Array<{ key: string; freshness: unknown }>) {
  const { manifest } = manifestOf(assets.map((a) => ({ key: a.key })));
  const policies = new Map(assets.map((a) => [a.key, a.freshness]));
  const withPolicies = {
    ...manifest,
    manifestVersion: 3,
    checks: [],
    assets: manifest.assets.map((a) => ({ ...a, freshness: policies.get(a.key) ?? null })),
  };
  return { manifest: withPolicies, hash: manifestHash(withPolicies) };
}

const FRESHNESS = `query($k: String!) { asset(key: $k) { ... on Asset { freshness { state since nextTransitionAt } } } }`;
const MIN = 60_000;

describe("freshness", () => {
  it("warn after 30 min, fail after 60 min: PASS, then WARN and FAIL at their deadlines, one timer, an event at each", async () => {
    const policy = { kind: "time_window", failAfterMs: 60 * MIN, warnAfterMs: 30 * MIN };
    const registered = await app.gql(REGISTER, {
      name: "fresh",
      ...withFreshness([
        { key: "fresh/a", freshness: policy },
        { key: "fresh/b", freshness: policy },
      ]),
    });
    expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
    expect((await app.gql(FRESHNESS, { k: "fresh/a" })).data!.asset.freshness.state).toBe("UNKNOWN");

    const events = await app.subscribe(`subscription { freshnessChanged(assetKeys: ["fresh/a"]) { assetKey state since } }`);
    const reported = await app.gql(`mutation { reportMaterialization(assetKey: "fresh/a") { ... on Materialization { timestamp } } }`);
    const t0 = Date.parse(reported.data!.reportMaterialization.timestamp);
    expect((await events.next()).data!.freshnessChanged).toMatchObject({ assetKey: "fresh/a", state: "PASS" });

    const clock = new ManualClock(t0 + MIN);
    const service = new FreshnessService(app.db.sql, app.pubsub.pubsub, app.logger, clock);
    await service.start();
    expect(clock.armed).toBe(1);
    expect((await app.gql(FRESHNESS, { k: "fresh/a" })).data!.asset.freshness).toMatchObject({
      state: "PASS",
      nextTransitionAt: new Date(t0 + 30 * MIN).toISOString(),
    });

    /** Just past `deadline`: the service's event says `state` since the deadline, and `armed` timers are left. */
    const expectTransition = async (deadline: number, state: string, armed: number) => {
      clock.advanceTo(deadline + 500);
      await service.idle();
      const changed = (await events.next()).data!.freshnessChanged;
      expect(changed.state).toBe(state);
      expect(Date.parse(changed.since) - deadline).toBeLessThan(1000);
      expect(clock.armed).toBe(armed);
    };
    await expectTransition(t0 + 30 * MIN, "WARN", 1);
    await expectTransition(t0 + 60 * MIN, "FAIL", 0);

    const failing = await app.gql(`{ assets(freshness: FAIL) { edges { node { key } } } }`);
    expect(failing.data!.assets.edges.map((e: { node: { key: string } }) => e.node.key)).toEqual(["fresh/a"]);
    const history = await app.db.sql.query<{ fromState: string | null; toState: string }>(
      `SELECT "fromState", "toState" FROM "FreshnessTransition" WHERE "assetKey" = 'fresh/a' ORDER BY id`,
    );
    expect(history.map((h) => `${h.fromState}→${h.toState}`)).toEqual(["null→UNKNOWN", "UNKNOWN→PASS", "PASS→WARN", "WARN→FAIL"]);
    events.close();
    await service.stop();
  });

  it("a cron deadline in a time zone: FAIL once the deadline passes without a materialization in its window", async () => {
    // 09:00 in New York (14:00 UTC in January); a materialization within 2 hours before it counts.
    const policy = { kind: "cron", cron: "0 9 * * *", timezone: "America/New_York", lowerBoundMs: 120 * MIN };
    await app.gql(REGISTER, { name: "cron", ...withFreshness([{ key: "cron/a", freshness: policy }]) });
    const [row] = await app.db.sql.query<{ state: string; nextTransitionAt: Date | null }>(
      `SELECT state, "nextTransitionAt" FROM "AssetFreshness" WHERE "assetKey" = 'cron/a'`,
    );
    // Never materialized: a deadline has passed (yesterday's at the latest), so it fails.
    expect(row!.state).toBe("FAIL");
    await app.gql(`mutation { reportMaterialization(assetKey: "cron/a") { __typename } }`);
    const [after] = await app.db.sql.query<{ state: string; nextTransitionAt: Date }>(
      `SELECT state, "nextTransitionAt" FROM "AssetFreshness" WHERE "assetKey" = 'cron/a'`,
    );
    expect(after!.state).toBe("PASS");
    // The next deadline it will miss is a 09:00 in New York.
    const local = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit", hour12: false });
    expect(local.format(after!.nextTransitionAt)).toBe("09:00");
  });

  it("registered again: a changed policy is evaluated again, a removed one loses its state, an unchanged one keeps it", async () => {
    const hour = { kind: "time_window", failAfterMs: 60 * MIN };
    const day = { kind: "time_window", failAfterMs: 24 * 60 * MIN };
    await app.gql(REGISTER, {
      name: "again",
      ...withFreshness([
        { key: "again/kept", freshness: hour },
        { key: "again/dropped", freshness: hour },
        { key: "again/changed", freshness: hour },
      ]),
    });
    for (const key of ["again/kept", "again/dropped", "again/changed"])
      await app.gql(`mutation($k: String!) { reportMaterialization(assetKey: $k) { __typename } }`, { k: key });
    const states = async () =>
      new Map(
        (
          await app.db.sql.query<{ assetKey: string; state: string; next: Date | null }>(
            `SELECT "assetKey", state, "nextTransitionAt" AS next FROM "AssetFreshness" WHERE "assetKey" LIKE 'again/%'`,
          )
        ).map((r) => [r.assetKey, r]),
      );
    const before = await states();
    expect([...before.values()].map((r) => r.state)).toEqual(["PASS", "PASS", "PASS"]);

    const registered = await app.gql(REGISTER, {
      name: "again",
      ...withFreshness([
        { key: "again/kept", freshness: hour },
        { key: "again/dropped", freshness: null },
        { key: "again/changed", freshness: day },
        { key: "again/added", freshness: hour },
      ]),
    });
    expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
    const after = await states();
    expect(after.get("again/kept")).toEqual(before.get("again/kept"));
    expect(after.has("again/dropped")).toBe(false);
    expect((await app.gql(FRESHNESS, { k: "again/dropped" })).data!.asset.freshness).toBeNull();
    // Its deadline moved from an hour after its materialization to a day after it.
    const changed = after.get("again/changed")!;
    expect(changed.state).toBe("PASS");
    expect(changed.next!.getTime() - before.get("again/changed")!.next!.getTime()).toBe(23 * 60 * MIN);
    expect(after.get("again/added")!.state).toBe("UNKNOWN");
  });
});
