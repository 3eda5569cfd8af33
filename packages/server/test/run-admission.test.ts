import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { RunService } from "../src/runs/run-service.js";
import { runStartPayload } from "../src/testing/events.js";

const LIMIT = 3;
let app: TestApp;
let worker: string;
beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: LIMIT, leaseSeconds: 60 } });
  worker = await app.token("location:etl");
  await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }]) }, worker);
  // Every time a run becomes STARTING, write down how many runs are active right after that
  // statement (a trigger's query takes a fresh snapshot, so it sees every commit before it).
  // Runs only leave the active set outside the coordinator's lock, so any count above the limit
  // here is a moment at which the limit was really exceeded.
  await app.db.sql.exec(`
    CREATE TABLE admission_audit (active int NOT NULL);
    CREATE FUNCTION audit_admission() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO admission_audit SELECT count(*) FROM "Run" WHERE status IN ('STARTING', 'STARTED', 'CANCELING');
      RETURN NULL;
    END $$;
    CREATE TRIGGER audit_admission AFTER INSERT OR UPDATE OF status ON "Run"
      FOR EACH ROW WHEN (NEW.status = 'STARTING') EXECUTE FUNCTION audit_admission();`);
}, 60_000);
afterAll(() => app.close());

const LAUNCH = `mutation($tags: JSON) { launchRun(assetKeys: ["a"], tags: $tags) { ... on Run { id } ... on Error { message } } }`;
const CLAIM = `mutation($w: String!) { claimRun(location: "etl", workerId: $w, leaseSeconds: 60) { ... on ClaimRunResult { run { id } } ... on Error { message } } }`;
const REPORT = `mutation($id: ID!, $w: String!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: $w, events: $e) { __typename ... on Error { message } } }`;

const launch = async (priority?: number) => {
  const result = await app.gql(LAUNCH, { tags: priority === undefined ? {} : { "strata/priority": String(priority) } });
  return result.data!.launchRun.id as string;
};
const claim = async (w: string): Promise<string | null> => (await app.gql(CLAIM, { w }, worker)).data!.claimRun.run?.id ?? null;
let clock = Date.now();
const finish = async (id: string, w: string) => {
  const events = [
    {
      seq: 1,
      type: "RUN_START",
      timestamp: clock++,
      payload: runStartPayload({ id, stepKeys: ["a"], assetKeys: ["a"] }),
    },
    { seq: 2, type: "RUN_SUCCESS", timestamp: clock++, payload: { durationMs: 1 } },
  ];
  expect((await app.gql(REPORT, { id, w, e: events }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
};
const statuses = async (ids: string[]) => {
  const rows = await app.db.sql.query<{ id: string; status: string }>(`SELECT id, status FROM "Run" WHERE id = ANY($1::text[])`, [ids]);
  return ids.map((id) => rows.find((r) => r.id === id)!.status);
};
const activeCount = async () =>
  (await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Run" WHERE status IN ('STARTING', 'STARTED', 'CANCELING')`))[0]!
    .n;
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
async function drain() {
  await app.db.sql.query(`UPDATE "Run" SET status = 'CANCELED', "endedAt" = now() WHERE status NOT IN ('SUCCESS', 'FAILURE', 'CANCELED')`);
  await app.db.sql.query(`DELETE FROM admission_audit`);
}

describe(`the global concurrency limit (${testDialect})`, () => {
  it("admits one queued run per freed slot, highest priority first", async () => {
    await drain();
    // Only the one slot counts here: fill the others with runs that stay STARTED.
    for (let i = 0; i < LIMIT - 1; i++) await launch(100);
    const long = await launch(100);
    for (let i = 0; i < LIMIT; i++) expect(await claim("w-long")).not.toBeNull();
    const queued = [await launch(0), await launch(5), await launch(1)];
    await app.runs.tick();
    expect(await statuses(queued)).toEqual(["QUEUED", "QUEUED", "QUEUED"]);

    await finish(long, "w-long");
    await until(async () => (await statuses(queued))[1] === "STARTING", "the priority-5 run to start");
    await app.runs.tick(); // let every pass the end triggered finish
    expect(await statuses(queued)).toEqual(["QUEUED", "STARTING", "QUEUED"]);
    expect(await activeCount()).toBe(LIMIT);

    expect(await claim("w-next")).toBe(queued[1]);
    await finish(queued[1]!, "w-next");
    await until(async () => (await statuses(queued))[2] === "STARTING", "the priority-1 run to start");
    await app.runs.tick();
    expect(await statuses(queued)).toEqual(["QUEUED", "SUCCESS", "STARTING"]);
  });

  // PGlite is one connection: its transactions never overlap, so only PostgreSQL can show a race.
  it.skipIf(testDialect === "pglite")(
    "is never exceeded with many launches, claims and ends at once, over two coordinators",
    async () => {
      await drain();
      // A second replica's coordinator on the same database.
      const replica = new RunService(app.db, app.pubsub.pubsub, app.runs.config, app.logger);
      const total = 40;
      let sampledMax = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          sampledMax = Math.max(sampledMax, await activeCount());
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const ids = await Promise.all(Array.from({ length: total }, (_, i) => launch(i % 4)));
      const ended = new Set<string>();
      const workers = Array.from({ length: 6 }, (_, w) =>
        (async () => {
          while (ended.size < total) {
            replica.kick();
            const id = await claim(`w${w}`);
            if (!id) {
              await new Promise((r) => setTimeout(r, 10));
              continue;
            }
            await finish(id, `w${w}`);
            ended.add(id);
          }
        })(),
      );
      await Promise.all(workers);
      sampling = false;
      await sampler;
      await replica.stop();

      expect(await statuses(ids)).toEqual(ids.map(() => "SUCCESS"));
      const [audit] = await app.db.sql.query<{ max: number; n: number }>(
        `SELECT max(active)::int AS max, count(*)::int AS n FROM admission_audit`,
      );
      expect(audit!.n).toBe(total);
      expect(audit!.max).toBeLessThanOrEqual(LIMIT);
      expect(sampledMax).toBeLessThanOrEqual(LIMIT);
    },
    120_000,
  );
});
