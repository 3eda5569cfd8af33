import type { TestApp } from "../../src/testing/test-app.js";

/**
 * A location's worker "w1" for schedule-function or sensor ticks, as tests play it: `claim` takes
 * the waiting ticks (with `claimedFields`), `report` answers one with a result, `tickRow` reads
 * the stored tick. The operations
 * are there too, to send with another token. `env` is read at each call (a suiteFixture).
 */
export function tickWorker<Claimed>(
  env: { app: TestApp; worker: string },
  kind: "Schedule" | "Sensor",
  location: string,
  claimedFields: string,
) {
  const claimQuery = `mutation { claim${kind}Ticks(location: "${location}", workerId: "w1") { ${claimedFields} } }`;
  const reportQuery = `mutation($tickId: ID!, $result: JSON!) { report${kind}Tick(location: "${location}", tickId: $tickId, workerId: "w1", result: $result) {
  __typename ... on ${kind}TickReport { status accepted runIds repeatedRunKeys } ... on Error { message } } }`;
  return {
    claimQuery,
    reportQuery,
    claim: async () => (await env.app.gql(claimQuery, {}, env.worker)).data![`claim${kind}Ticks`] as Claimed[],
    tickRow: (id: string) =>
      env.app.db.sql
        .query<{ status: string; skipReason: string | null; runKeys: string[]; runIds: string[]; error: { message: string } | null }>(
          `SELECT status, "skipReason", "runKeys", "runIds", error FROM "AutomationTick" WHERE id = $1::bigint`,
          [id],
        )
        .then((rows) => rows[0]!),
    report: async (tickId: string, result: unknown) =>
      (await env.app.gql(reportQuery, { tickId, result }, env.worker)).data![`report${kind}Tick`],
  };
}
