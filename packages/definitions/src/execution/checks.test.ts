import { describe, expect, expectTypeOf, it } from "vitest";
import {
  AssetOut,
  asset,
  assetCheck,
  checkResult,
  checkSpec,
  DefinitionError,
  Definitions,
  dailyPartitions,
  graphAsset,
  type InProcessRunResult,
  materialize,
  multiAsset,
  op,
  output,
  type RunEvent,
  type SingleAssetDefinition,
} from "../index.js";

type Order = { id: number | null; total: number };

const orders = asset("orders", { keyPrefix: "sales" }, (): Order[] => [
  { id: 1, total: 10 },
  { id: null, total: 5 },
]);
const revenue = asset("revenue", { keyPrefix: "sales", ins: { orders } }, ({ orders }) => orders.reduce((s, o) => s + o.total, 0));

/** A check on `orders` that finds the null id, with the given severity and blocking. */
const noNulls = (options: { blocking: boolean; severity?: "WARN" | "ERROR" }) =>
  assetCheck(orders, { name: "no_nulls", blocking: options.blocking, description: "every order has an id" }, (orders) => ({
    passed: orders.every((o) => o.id !== null),
    severity: options.severity ?? "ERROR",
    metadata: { null_rows: orders.filter((o) => o.id === null).length },
  }));

const stepsOf = (result: InProcessRunResult, type: RunEvent["type"]) => result.events.filter((e) => e.type === type).map((e) => e.stepKey);
const skipped = (result: InProcessRunResult) =>
  result.events.flatMap((e) =>
    e.type === "STEP_SKIPPED" ? [{ step: e.stepKey, reason: e.payload.reason, blockedBy: e.payload.blockedBy }] : [],
  );
const runFailure = (result: InProcessRunResult) =>
  result.events.find((e): e is RunEvent<"RUN_FAILURE"> => e.type === "RUN_FAILURE")?.payload;

describe("asset checks in their own steps (assetCheck)", () => {
  it("a failing non-blocking check (ERROR) is recorded, and downstream still materializes: the run succeeds", async () => {
    const result = await materialize(new Definitions({ assets: [orders, revenue], checks: [noNulls({ blocking: false })] }));
    expect(result.status).toBe("SUCCESS");
    expect(result.checkResults).toEqual([
      {
        checkKey: "sales/orders#no_nulls",
        assetKey: "sales/orders",
        passed: false,
        severity: "ERROR",
        executionFailed: false,
        metadata: { null_rows: { type: "int", value: 1 } },
        description: null,
        partition: null,
      },
    ]);
    expect(result.outputFor(revenue)).toBe(15);
  });

  it("a failing blocking check (ERROR) skips what reads the asset, keeps the asset's materialization, and fails the run with its reason", async () => {
    const defs = new Definitions({ assets: [orders, revenue], checks: [noNulls({ blocking: true })] });
    const result = await materialize(defs);
    expect(result.status).toBe("FAILURE");
    expect(result.materializations.map((m) => m.assetKey)).toEqual(["sales/orders"]);
    expect(skipped(result)).toEqual([{ step: "sales/revenue", reason: "blocked_by_check", blockedBy: ["sales/orders#no_nulls"] }]);
    const skipLine = result.events.find((e) => e.type === "STEP_SKIPPED");
    expect(skipLine?.message).toContain("blocked by check sales/orders#no_nulls");
    expect(runFailure(result)).toMatchObject({ reason: "BLOCKING_CHECK_FAILED", failedChecks: ["sales/orders#no_nulls"], failedSteps: [] });
    // The check step itself ran after the asset and succeeded: a failed check is a result, not a crash.
    expect(stepsOf(result, "STEP_SUCCESS")).toEqual(["sales/orders", "sales/orders#no_nulls"]);
  });

  it("FROM_ASSET_FAILURE re-runs the asset a blocking check failed, its checks and what they blocked", async () => {
    let fixed = false;
    const flaky = asset("orders", { keyPrefix: "sales" }, (): Order[] => [{ id: fixed ? 2 : null, total: 5 }]);
    const sum = asset("revenue", { keyPrefix: "sales", ins: { orders: flaky } }, ({ orders }) => orders.length);
    const check = assetCheck(flaky, { name: "no_nulls", blocking: true }, (orders) => orders.every((o) => o.id !== null));
    const defs = new Definitions({ assets: [flaky, sum], checks: [check] });
    const parent = await materialize(defs);
    expect(parent.status).toBe("FAILURE");
    fixed = true;
    const child = await materialize(defs, { parentRun: { events: parent.events }, strategy: "FROM_ASSET_FAILURE" });
    expect(child.status).toBe("SUCCESS");
    expect(stepsOf(child, "STEP_SUCCESS")).toEqual(["sales/orders", "sales/orders#no_nulls", "sales/revenue"]);
    expect(child.checkResults.map((c) => c.passed)).toEqual([true]);
  });

  it("a blocking check failing with WARN blocks nothing", async () => {
    const result = await materialize(
      new Definitions({ assets: [orders, revenue], checks: [noNulls({ blocking: true, severity: "WARN" })] }),
    );
    expect(result.status).toBe("SUCCESS");
    expect(result.checkResults.map((c) => [c.passed, c.severity])).toEqual([[false, "WARN"]]);
    expect(result.outputFor(revenue)).toBe(15);
  });

  it("a check that throws is an execution failure: the step fails, and downstream is skipped when it blocks", async () => {
    const throwing = (blocking: boolean) =>
      assetCheck(orders, { name: "explodes", blocking }, () => {
        throw new Error("warehouse unreachable");
      });
    const blocking = await materialize(new Definitions({ assets: [orders, revenue], checks: [throwing(true)] }));
    expect(blocking.checkResults).toMatchObject([
      { checkKey: "sales/orders#explodes", passed: false, severity: "ERROR", executionFailed: true },
    ]);
    const evaluation = blocking.events.find((e): e is RunEvent<"ASSET_CHECK_EVALUATION"> => e.type === "ASSET_CHECK_EVALUATION");
    expect(evaluation?.payload.error?.message).toContain("warehouse unreachable");
    expect(stepsOf(blocking, "STEP_FAILURE")).toEqual(["sales/orders#explodes"]);
    expect(skipped(blocking)).toEqual([{ step: "sales/revenue", reason: "blocked_by_check", blockedBy: ["sales/orders#explodes"] }]);
    expect(runFailure(blocking)).toMatchObject({ reason: "BLOCKING_CHECK_FAILED", failedChecks: ["sales/orders#explodes"] });

    const nonBlocking = await materialize(new Definitions({ assets: [orders, revenue], checks: [throwing(false)] }));
    expect(nonBlocking.outputFor(revenue)).toBe(15);
    expect(runFailure(nonBlocking)).toMatchObject({ reason: "STEP_FAILURE", failedSteps: ["sales/orders#explodes"], failedChecks: [] });
  });

  it("runs a check alone on the asset's stored value, and the run's selection can leave checks out", async () => {
    const defs = new Definitions({ assets: [orders, revenue], checks: [noNulls({ blocking: true })] });
    const withoutChecks = await materialize(defs, { includeChecks: false });
    expect(withoutChecks.status).toBe("SUCCESS");
    expect(withoutChecks.checkResults).toEqual([]);
    const alone = await materialize(defs, { checks: ["sales/orders#no_nulls"] });
    expect(stepsOf(alone, "STEP_START")).toEqual(["sales/orders#no_nulls"]);
    expect(alone.checkResults.map((c) => c.passed)).toEqual([false]);
  });

  it("checks a graph asset's value and one out of a multi-asset: a blocking failure skips only that out's consumers", async () => {
    const split = multiAsset({ name: "split", outs: { good: new AssetOut<number[]>(), bad: new AssetOut<number[]>() } }, () => ({
      good: [1, 2],
      bad: [-1],
    }));
    const fromGood = asset("from_good", { ins: { good: split.out.good } }, ({ good }) => good.length);
    const fromBad = asset("from_bad", { ins: { bad: split.out.bad } }, ({ bad }) => bad.length);
    const positive = (name: "good" | "bad") =>
      assetCheck(split.out[name], { name: "positive", blocking: true }, (values) => values.every((n) => n > 0));
    const double = op("double", (n: number) => n * 2);
    const graphed = graphAsset("graphed", () => double(op("seven", () => 7)()));
    const isEven = assetCheck(graphed, { name: "even" }, (value) => value % 2 === 0);

    const result = await materialize(
      new Definitions({ assets: [split, fromGood, fromBad, graphed], checks: [positive("good"), positive("bad"), isEven] }),
    );
    expect(result.checkResults.map((c) => [c.checkKey, c.passed])).toEqual(
      expect.arrayContaining([
        ["good#positive", true],
        ["bad#positive", false],
        ["graphed#even", true],
      ]),
    );
    expect(result.materializations.map((m) => m.assetKey).sort()).toEqual(["bad", "from_good", "good", "graphed"]);
    expect(skipped(result)).toEqual([{ step: "from_bad", reason: "blocked_by_check", blockedBy: ["bad#positive"] }]);
  });

  it("are listed in the manifest, each with the step that evaluates it", () => {
    const { manifest } = new Definitions({ assets: [orders, revenue], checks: [noNulls({ blocking: true })] }).manifest();
    expect(manifest.checks).toEqual([
      {
        key: "sales/orders#no_nulls",
        assetKey: "sales/orders",
        name: "no_nulls",
        description: "every order has an id",
        blocking: true,
        stepKey: "sales/orders#no_nulls",
      },
    ]);
    const step = manifest.steps.find((s) => s.key === "sales/orders#no_nulls");
    expect(step).toMatchObject({
      kind: "check",
      outputs: [],
      inputs: [{ name: "orders", stepKey: "sales/orders", assetKey: "sales/orders" }],
    });
  });
});

describe("checks an asset evaluates in its own step (checkSpec + checkResult)", () => {
  const audited = (passed: boolean, blocking: boolean) =>
    asset(
      "orders",
      { keyPrefix: "sales", checks: [checkSpec("has_rows", { blocking, description: "at least one row" })] },
      async function* () {
        const rows: Order[] = passed ? [{ id: 1, total: 3 }] : [];
        // Write-audit-publish: the result comes before the output it is about.
        yield checkResult("has_rows", { passed: rows.length > 0, metadata: { rows: rows.length } });
        yield output(rows);
      },
    );

  it("reports the result before the materialization it is about, and a blocking failure stops downstream", async () => {
    const failing = audited(false, true);
    const downstream = asset("revenue", { keyPrefix: "sales", ins: { orders: failing } }, ({ orders }) => orders.length);
    expectTypeOf(failing).toEqualTypeOf<SingleAssetDefinition<Order[]>>();
    const result = await materialize([failing, downstream]);
    const order = result.events.map((e) => e.type).filter((t) => t === "ASSET_CHECK_EVALUATION" || t === "ASSET_MATERIALIZATION");
    expect(order).toEqual(["ASSET_CHECK_EVALUATION", "ASSET_MATERIALIZATION"]);
    expect(result.checkResults).toMatchObject([{ checkKey: "sales/orders#has_rows", passed: false, metadata: { rows: { value: 0 } } }]);
    expect(skipped(result)).toEqual([{ step: "sales/revenue", reason: "blocked_by_check", blockedBy: ["sales/orders#has_rows"] }]);
    expect(runFailure(result)?.reason).toBe("BLOCKING_CHECK_FAILED");

    const passing = audited(true, true);
    const ok = await materialize([
      passing,
      asset("revenue", { keyPrefix: "sales", ins: { orders: passing } }, ({ orders }) => orders.length),
    ]);
    expect(ok.status).toBe("SUCCESS");
  });

  it("a multi-asset's check names the out's asset, and blocks only that asset's consumers", async () => {
    const pair = multiAsset(
      {
        name: "pair",
        outs: { left: new AssetOut<number>(), right: new AssetOut<number>() },
        checks: [checkSpec("non_zero", { asset: "right", blocking: true })],
      },
      async function* () {
        yield output(1, { name: "left" });
        yield checkResult("non_zero", { passed: false });
        yield output(0, { name: "right" });
      },
    );
    const useLeft = asset("use_left", { ins: { left: pair.out.left } }, ({ left }) => left + 1);
    const useRight = asset("use_right", { ins: { right: pair.out.right } }, ({ right }) => right + 1);
    const result = await materialize([pair, useLeft, useRight]);
    expect(result.outputFor(useLeft)).toBe(2);
    expect(skipped(result)).toEqual([{ step: "use_right", reason: "blocked_by_check", blockedBy: ["right#non_zero"] }]);
  });

  it("records one result per partition of a partitioned run", async () => {
    const daily = dailyPartitions({ start: "2024-01-01" });
    const events = asset("events", { partitions: daily, checks: [checkSpec("fresh")] }, async function* (_, ctx) {
      yield checkResult("fresh", { passed: true, description: `for ${ctx.partition?.keys.join(",")}` });
      yield output(1);
    });
    const result = await materialize([events], { partitionRange: { from: "2024-01-01", to: "2024-01-02" } });
    expect(result.checkResults.map((c) => c.partition)).toEqual(["2024-01-01", "2024-01-02"]);
  });

  it("refuses a result for an undeclared check, a declared check left without a result, and a check declared twice", async () => {
    const undeclared = asset("a", async function* () {
      yield checkResult("surprise", { passed: true });
      yield output(1);
    });
    const stepFailure = async (def: Parameters<typeof materialize>[0]) => {
      const result = await materialize(def);
      const failure = result.events.find((e): e is RunEvent<"STEP_FAILURE"> => e.type === "STEP_FAILURE");
      return failure?.payload.error.message;
    };
    expect(await stepFailure([undeclared])).toMatch(/yielded a result for check "surprise", which it does not declare/);
    const silent = asset("b", { checks: [checkSpec("declared")] }, () => 1);
    expect(await stepFailure([silent])).toMatch(/declares check "declared" but yielded no checkResult/);
    expect(() => asset("c", { checks: [checkSpec("x"), checkSpec("x")] }, () => 1)).toThrow(DefinitionError);
    expect(() =>
      multiAsset({ name: "m", outs: { p: new AssetOut(), q: new AssetOut() }, checks: [checkSpec("x")] }, () => ({ p: 1, q: 2 })),
    ).toThrow(/must say which asset it checks/);
    expect(
      () =>
        new Definitions({
          assets: [asset("a", { checks: [checkSpec("x")] }, () => 1)],
          checks: [assetCheck({ key: "a" }, { name: "x" }, () => true)],
        }),
    ).toThrow(/check "a#x"[\s\S]*defined twice/);
  });
});

describe("freshness policies", () => {
  it("travel in the manifest as data, and a wrong one fails where it is declared", () => {
    const fresh = asset("fresh", { freshness: { failAfterMs: 3_600_000, warnAfterMs: 1_800_000 } }, () => 1);
    const byNine = asset("by_nine", { freshness: { cron: "0 9 * * *", timezone: "Europe/Berlin", lowerBoundMs: 7_200_000 } }, () => 2);
    const { manifest } = new Definitions({ assets: [fresh, byNine] }).manifest();
    expect(manifest.assets.map((a) => [a.key, a.freshness])).toEqual([
      ["by_nine", { kind: "cron", cron: "0 9 * * *", timezone: "Europe/Berlin", lowerBoundMs: 7_200_000 }],
      ["fresh", { kind: "time_window", failAfterMs: 3_600_000, warnAfterMs: 1_800_000 }],
    ]);
    expect(() => asset("late", { freshness: { failAfterMs: 60_000, warnAfterMs: 120_000 } }, () => 1)).toThrow(
      /freshness.warnAfterMs: warnAfterMs must be less than failAfterMs/,
    );
  });
});

describe("automation conditions", () => {
  it("travel in the manifest as the condition's tree", async () => {
    const { AutomationCondition } = await import("../index.js");
    const b = asset("b", { automation: AutomationCondition.eager().ignore({ keys: ["debug"] }) }, () => 1);
    const { manifest } = new Definitions({ assets: [b] }).manifest();
    const tree = manifest.assets[0]!.automation!;
    expect(tree.label).toBe("eager");
    expect(JSON.stringify(tree)).toContain('"ignore":["debug"]');
    expect(() => asset("c", { automation: { op: "missing" } as never }, () => 1)).toThrow(/automation must be an AutomationCondition/);
  });
});
