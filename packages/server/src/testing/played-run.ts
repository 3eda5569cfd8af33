import { runStartPayload } from "./events.js";
import type { TestApp } from "./test-app.js";

const CLAIM = `mutation($location: String!) { claimRun(location: $location, workerId: "w1") {
  ... on ClaimRunResult { run { id stepKeys assetKeys partitionKey } } ... on Error { message } } }`;
const REPORT = `mutation($id: ID!, $events: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w1", events: $events) {
  __typename ... on Error { message } } }`;

export interface PlayedRun {
  run: { id: string; stepKeys: string[]; assetKeys: string[]; partitionKey: string | null };
  /** Reports RUN_SUCCESS. */
  finish(): Promise<void>;
}

let clock = Date.now();

/**
 * Plays a code location's worker without a location process: claims the location's next run
 * (waiting for the coordinator to admit it), reports it started and each of its assets
 * materialized (for the run's partition), and leaves it running until `finish`.
 *
 * @example
 * const b = await playNextRun(app, await app.token("location:auto"), "auto");
 * await b.finish();
 */
export async function playNextRun(app: TestApp, token: string, location: string): Promise<PlayedRun> {
  let run: PlayedRun["run"] | null = null;
  for (let i = 0; i < 100 && !run; i++) {
    run = (await app.gql(CLAIM, { location }, token)).data!.claimRun.run;
    if (!run) await new Promise((r) => setTimeout(r, 20));
  }
  if (!run) throw new Error(`no run of ${location} to claim`);
  const claimed = run;
  const ev = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: clock++, payload: {}, ...extra });
  const events = [ev(1, "RUN_START", { payload: runStartPayload(claimed) })];
  for (const key of claimed.assetKeys) {
    events.push(ev(events.length + 1, "STEP_START", { stepKey: key, payload: { retryNumber: 0 } }));
    events.push(
      ev(events.length + 1, "ASSET_MATERIALIZATION", {
        stepKey: key,
        assetKey: key,
        payload: { assetKey: key, outputName: "result", metadata: {}, dataVersion: null, partition: claimed.partitionKey },
      }),
    );
    events.push(ev(events.length + 1, "STEP_SUCCESS", { stepKey: key, payload: { durationMs: 1, retryNumber: 0 } }));
  }
  const report = async (batch: unknown[]) => {
    const result = (await app.gql(REPORT, { id: claimed.id, events: batch }, token)).data!.reportRunEvents;
    if (result.__typename !== "RunReport") throw new Error(`report of run ${claimed.id} refused: ${result.message}`);
  };
  await report(events);
  return { run: claimed, finish: () => report([ev(events.length + 1, "RUN_SUCCESS", { payload: { durationMs: 5 } })]) };
}
