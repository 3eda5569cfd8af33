import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";

let app: TestApp;
let worker: string;
beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: 0, leaseSeconds: 30 } });
  worker = await app.token("location:etl");
  const etl = manifestOf([
    { key: "raw" },
    { key: "clean", deps: ["raw"] },
    { key: "report", deps: ["clean"] },
    { key: "pair_a", multiAsset: { name: "pair", canSubset: false } },
    { key: "pair_b", multiAsset: { name: "pair", canSubset: false } },
  ]);
  await app.gql(REGISTER, { name: "etl", ...etl }, worker);
  const other = manifestOf([{ key: "elsewhere" }]);
  await app.gql(REGISTER, { name: "other", ...other });
});
afterAll(() => app.close());

const LAUNCH = `mutation($keys: [String!]!, $tags: JSON) { launchRun(assetKeys: $keys, tags: $tags) {
  __typename ... on Error { message code } ... on InvalidSelectionError { reason keys }
  ... on Run { id status assetKeys stepKeys tags priority createdBy createdAt location { name } steps { stepKey status } }
} }`;
const CLAIM = `mutation($w: String!, $lease: Int) { claimRun(location: "etl", workerId: $w, leaseSeconds: $lease) { ... on ClaimRunResult { run { id stepKeys assetKeys reusedOutputs { stepKey output runId } parentRunId strategy } } ... on Error { message } } }`;
const REPORT = `mutation($id: ID!, $w: String!, $events: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: $w, events: $events) {
  __typename ... on RunReport { lastSeq status cancelRequested } ... on Error { message code } ... on RunNotHeldError { status }
} }`;
const RUN = `query($id: ID!) { run(id: $id) { ... on Run { id status failureReason lastEventSeq workerId startedAt endedAt parentRunId rootRunId reexecutionStrategy
  steps { stepKey status attempts } events { seq type stepKey } materializations { assetKey runId stepKey } } } }`;

const launch = async (keys: string[], tags?: Record<string, string>) => (await app.gql(LAUNCH, { keys, tags })).data!.launchRun;
const claim = async (w = "w1", lease?: number) => (await app.gql(CLAIM, { w, lease }, worker)).data!.claimRun.run;
const report = async (id: string, events: unknown[], w = "w1") => (await app.gql(REPORT, { id, w, events }, worker)).data!.reportRunEvents;
const run = async (id: string) => (await app.gql(RUN, { id })).data!.run;
const settle = () => new Promise((r) => setTimeout(r, 50));

let clock = Date.now();
function ev(seq: number, type: string, extra: Record<string, unknown> = {}) {
  return { seq, type, timestamp: clock++, payload: {}, ...extra };
}
function successEvents(stepKeys: string[], runId: string, assets: Record<string, string> = {}) {
  const events = [
    ev(1, "RUN_START", {
      payload: runStartPayload({ id: runId, stepKeys, assetKeys: Object.values(assets) }),
    }),
  ];
  for (const step of stepKeys) {
    events.push(ev(events.length + 1, "STEP_START", { stepKey: step, payload: { retryNumber: 0 } }));
    events.push(
      ev(events.length + 1, "STEP_OUTPUT", {
        stepKey: step,
        payload: { outputName: "result", assetKey: assets[step] ?? null, stored: true, metadata: {} },
      }),
    );
    if (assets[step]) {
      events.push(
        ev(events.length + 1, "ASSET_MATERIALIZATION", {
          stepKey: step,
          assetKey: assets[step],
          payload: { assetKey: assets[step], outputName: "result", metadata: { rows: { type: "int", value: 3 } }, dataVersion: null },
        }),
      );
    }
    events.push(ev(events.length + 1, "STEP_SUCCESS", { stepKey: step, payload: { durationMs: 1, retryNumber: 0 } }));
  }
  events.push(ev(events.length + 1, "RUN_SUCCESS", { payload: { durationMs: 5 } }));
  return events;
}

describe(`launching runs (${testDialect})`, () => {
  it("queues a run with its plan and tags, and the coordinator makes it STARTING", async () => {
    const launched = await launch(["clean", "raw"], { team: "data", "strata/priority": "5" });
    expect(["QUEUED", "STARTING"]).toContain(launched.status);
    expect(launched).toMatchObject({
      __typename: "Run",
      assetKeys: ["clean", "raw"],
      stepKeys: ["clean", "raw"],
      priority: 5,
      createdBy: "t1",
      location: { name: "etl" },
      steps: [
        { stepKey: "clean", status: "PENDING" },
        { stepKey: "raw", status: "PENDING" },
      ],
    });
    expect(new Date(launched.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    await settle();
    expect((await run(launched.id)).status).toBe("STARTING");
  });

  it("refuses unknown keys, several locations, part of a non-subsettable multi-asset and an empty selection", async () => {
    expect(await launch(["raw", "nope", "also/nope"])).toMatchObject({
      __typename: "InvalidSelectionError",
      reason: "UNKNOWN_ASSETS",
      keys: ["nope", "also/nope"],
    });
    const multi = await launch(["raw", "elsewhere"]);
    expect(multi).toMatchObject({ reason: "MULTIPLE_LOCATIONS" });
    expect(multi.message).toMatch(/spans etl, other/);
    const partial = await launch(["pair_a"]);
    expect(partial).toMatchObject({ reason: "PARTIAL_MULTI_ASSET" });
    expect(partial.message).toMatch(/also select "pair_b"/);
    expect(await launch([])).toMatchObject({ reason: "EMPTY_SELECTION" });
    expect(await launch(["bad key"])).toMatchObject({ __typename: "InvalidArgumentError" });
    expect(await launch(["raw"], { "strata/priority": "high" } as never)).toMatchObject({ __typename: "InvalidArgumentError" });
  });
});

describe(`a worker's view (${testDialect})`, () => {
  it("claims, reports events (idempotently), and the run, its steps and the catalog follow", async () => {
    while (await claim("drain")) {
      /* clear runs left STARTING by earlier tests */
    }
    const launched = await launch(["raw", "clean"]);
    await settle();
    const claimed = await claim();
    expect(claimed).toMatchObject({ id: launched.id, stepKeys: ["clean", "raw"], reusedOutputs: [], parentRunId: null });
    expect(await claim("w2")).toBeNull();
    const events = successEvents(["raw", "clean"], launched.id, { raw: "raw", clean: "clean" });
    const first = await report(launched.id, events.slice(0, 5));
    expect(first).toEqual({ __typename: "RunReport", lastSeq: 5, status: "STARTED", cancelRequested: false });
    // A resend overlapping what is stored changes nothing and is not an error.
    expect(await report(launched.id, events.slice(0, 5))).toMatchObject({ lastSeq: 5 });
    expect(await report(launched.id, events.slice(3))).toMatchObject({ lastSeq: events.length, status: "SUCCESS" });
    const stored = await run(launched.id);
    expect(stored).toMatchObject({ status: "SUCCESS", failureReason: null, lastEventSeq: events.length, workerId: "w1" });
    expect(stored.events.map((e: { seq: number }) => e.seq)).toEqual(events.map((e) => e.seq));
    expect(stored.steps).toEqual([
      { stepKey: "clean", status: "SUCCESS", attempts: 1 },
      { stepKey: "raw", status: "SUCCESS", attempts: 1 },
    ]);
    expect(stored.materializations).toEqual([
      { assetKey: "raw", runId: launched.id, stepKey: "raw" },
      { assetKey: "clean", runId: launched.id, stepKey: "clean" },
    ]);
    const asset = await app.gql(
      `{ asset(key: "clean") { ... on Asset { latestMaterialization { runId metadata { value } } latestRun { id } } } }`,
    );
    expect(asset.data!.asset).toEqual({
      latestMaterialization: { runId: launched.id, metadata: [{ value: 3 }] },
      latestRun: { id: launched.id },
    });
    // A finished run takes no more events.
    expect(await report(launched.id, [ev(99, "LOG", { message: "late" })])).toMatchObject({
      __typename: "RunNotHeldError",
      status: "SUCCESS",
    });
  });

  it("refuses reports from a worker that does not hold the run, and malformed events", async () => {
    const launched = await launch(["report"]);
    await settle();
    await claim("holder");
    // The RUN_START the claim stored is a harmless resend from anyone; the next event is not.
    const intruder = await report(launched.id, successEvents(["report"], launched.id).slice(0, 2), "intruder");
    expect(intruder).toMatchObject({ __typename: "RunNotHeldError", code: "RUN_NOT_HELD" });
    expect(intruder.message).toMatch(/does not hold run .* worker holder/);
    const bad = await report(launched.id, [{ seq: 0, type: "NOT_A_TYPE", timestamp: 1 }], "holder");
    expect(bad).toMatchObject({ __typename: "InvalidArgumentError" });
    expect(bad.message).toMatch(/events\.0: seq .*; type/);
    // A payload the planner would later rely on is checked now, naming the field at fault.
    const noReused = await report(
      launched.id,
      [
        ev(1, "RUN_START", {
          payload: { runId: launched.id, stepKeys: ["report"], assetKeys: [], parentRunId: null, rootRunId: null, strategy: null },
        }),
      ],
      "holder",
    );
    expect(noReused).toMatchObject({ __typename: "InvalidArgumentError" });
    expect(noReused.message).toMatch(/events\.0: RUN_START payload\.reusedOutputs: /);
    const badKey = await report(
      launched.id,
      [ev(1, "ASSET_MATERIALIZATION", { payload: { assetKey: "not a key", outputName: "x", metadata: {} } })],
      "holder",
    );
    expect(badKey.message).toMatch(/ASSET_MATERIALIZATION payload\.assetKey/);
    await report(launched.id, successEvents(["report"], launched.id), "holder");
  });

  it("answers an idle worker's long-poll claim the moment a run starts, and empty when the wait is over", async () => {
    while (await claim("drain")) {
      /* nothing else may be STARTING */
    }
    const LONG = `mutation($w: String!, $s: Int) { claimRun(location: "etl", workerId: $w, waitSeconds: $s) { __typename ... on ClaimRunResult { run { id } } ... on Error { message } } }`;
    const waiting = app.gql(LONG, { w: "poller", s: 10 }, worker);
    await settle();
    const startedAt = Date.now();
    const launched = await launch(["raw"]);
    const answer = await waiting;
    expect(answer.data!.claimRun.run).toEqual({ id: launched.id });
    expect(Date.now() - startedAt).toBeLessThan(2000);
    await report(launched.id, successEvents(["raw"], launched.id), "poller");

    const emptyAt = Date.now();
    const empty = await app.gql(LONG, { w: "poller", s: 1 }, worker);
    expect(empty.data!.claimRun.run).toBeNull();
    expect(Date.now() - emptyAt).toBeGreaterThanOrEqual(900);
    const tooLong = await app.gql(LONG, { w: "poller", s: 61 }, worker);
    expect(tooLong.data!.claimRun).toMatchObject({ __typename: "InvalidArgumentError", message: "waitSeconds: must be from 0 to 60" });
  });

  it("gives each run to exactly one of many claiming workers", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 6; i++) ids.add((await launch(["raw"])).id);
    await settle();
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claim(`racer-${i}`)));
    const won = claims.filter(Boolean).map((c) => c.id);
    expect(won.sort()).toEqual([...ids].sort());
    for (const id of won)
      await report(id, successEvents(["raw"], id), claims.find((c) => c?.id === id) && `racer-${claims.findIndex((c) => c?.id === id)}`);
  });
});
