import type { TestApp } from "../../src/testing/test-app.js";

/** A run as a location's worker claims it, with what the partition tests read of it. */
export interface ClaimedRun {
  id: string;
  stepKeys: string[];
  assetKeys: string[];
  partitionKey: string | null;
  partitionRange: { from: string; to: string } | null;
}

/** The worker id the partition and backfill tests play. */
const WORKER_ID = "worker-1";

const CLAIM = `mutation($location: String!, $w: String!) { claimRun(location: $location, workerId: $w) {
  ... on ClaimRunResult { run { id stepKeys assetKeys partitionKey partitionRange { from to } } } } }`;
const REPORT = `mutation($id: ID!, $w: String!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: $w, events: $e) {
  __typename ... on Error { message } } }`;

/** As `location`'s worker (with the location's token): claims its next queued run, or null. */
export async function claimRunAs(app: TestApp, location: string, token: string): Promise<ClaimedRun | null> {
  return (await app.gql(CLAIM, { location, w: WORKER_ID }, token)).data!.claimRun.run;
}

/** As the worker (with its location's token): reports `events` of run `id`; answers reportRunEvents' result. */
export async function reportRunEventsAs(app: TestApp, token: string, id: string, events: unknown[]) {
  return (await app.gql(REPORT, { id, w: WORKER_ID, e: events }, token)).data!.reportRunEvents;
}
