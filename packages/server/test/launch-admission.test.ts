import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { COORDINATOR_LOCK } from "../src/runs/queue.js";

// A launch under a global limit and no tag limits is admitted in its own statement (STARTING at
// once) while a slot is free and nothing is queued ahead; else it is QUEUED for the coordinator.
const LIMIT = 2;
/** Launches waiting for the lock at once: the test database's pool has 5 connections, one holding the lock and one watching. */
const WAITING = 3;
let app: TestApp;
let worker: string;
/** The statements the GraphQL app sends the database, as it sends them. */
const statements: string[] = [];
beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: LIMIT }, tap: { before: (text) => statements.push(text) } });
  worker = await app.token("location:etl");
  await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }]) }, worker);
});
afterAll(() => app.close());

const launch = async () => {
  const result = await app.gql(`mutation { launchRun(assetKeys: ["a"]) { __typename ... on Run { id status } } }`);
  return result.data!.launchRun as { __typename: string; id: string; status: string };
};
const statuses = async () =>
  (await app.db.sql.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM "Run" GROUP BY status`)).reduce<
    Record<string, number>
  >((all, row) => Object.assign(all, { [row.status]: row.n }), {});
const endAll = () =>
  app.db.sql.query(`UPDATE "Run" SET status = 'CANCELED', "endedAt" = now() WHERE status NOT IN ('SUCCESS', 'FAILURE', 'CANCELED')`);

describe(`admission at launch (${testDialect})`, () => {
  it("admits up to the limit at once, then queues, and a launch behind a queued run queues too", async () => {
    await endAll();
    const answers = [];
    for (let i = 0; i < LIMIT + 2; i++) answers.push(await launch());
    expect(answers.map((a) => a.status)).toEqual([...Array(LIMIT).fill("STARTING"), "QUEUED", "QUEUED"]);
    // A slot frees, but a run is queued ahead: the next launch waits its turn behind it.
    await app.db.sql.query(`UPDATE "Run" SET status = 'CANCELED', "endedAt" = now() WHERE id = $1`, [answers[0]!.id]);
    expect((await launch()).status).toBe("QUEUED");
    await endAll();
  });

  // A pass after every run's end held the lock for its transaction, and a launch right then
  // waited for it: with nothing queued, a pass takes no lock.
  it.runIf(testDialect === "postgres")("passes the coordinator over an empty queue without waiting for its lock", async () => {
    await endAll();
    // A pass the test before kicked while a run was queued may still be on its way to the lock
    // (on a loaded machine, CI): awaited here, it is not mistaken for this pass waiting.
    await app.runs.tick();
    await app.db.sql.session(async (other) => {
      await other.query(`SELECT pg_advisory_lock(${COORDINATOR_LOCK})`);
      try {
        // A pass that waited for the lock held above would wait until it is released, below.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          app.runs.tick(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("the coordinator's pass waited for the lock")), 10_000);
          }),
        ]).finally(() => clearTimeout(timer));
        expect(await statuses()).not.toHaveProperty("QUEUED");
      } finally {
        await other.query(`SELECT pg_advisory_unlock(${COORDINATOR_LOCK})`);
      }
    });
    await endAll();
  });

  // Launches that wait for the coordinator's lock together must each count the runs admitted by
  // the ones before them: a count read in the statement's own snapshot, taken before the wait,
  // would admit every one of them.
  it.runIf(testDialect === "postgres")("counts what the launches before it admitted while it waited for the lock", async () => {
    await endAll();
    await app.runs.tick(); // The coordinator idle: a pass of its own would wait for the lock too, holding a connection.
    const launches = await app.db.sql.session(async (other) => {
      await other.query(`SELECT pg_advisory_lock(${COORDINATOR_LOCK})`);
      try {
        const pending = Array.from({ length: WAITING }, () => launch());
        // Every launch is waiting for the lock before it is released (asked on the lock's own
        // connection: the others are the launches'). Only this database's launches count.
        const deadline = Date.now() + 30_000;
        for (let waiting = 0; waiting < WAITING; await new Promise((r) => setTimeout(r, 10))) {
          if (Date.now() > deadline) throw new Error(`only ${waiting} of ${WAITING} launches came to wait for the lock`);
          const [row] = await other.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks k JOIN pg_stat_activity a ON a.pid = k.pid
             WHERE k.locktype = 'advisory' AND k.objid = $1 AND NOT k.granted
               AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND a.query LIKE '%strata_launch_status%'`,
            [COORDINATOR_LOCK],
          );
          waiting = row!.n;
        }
        return pending;
      } finally {
        await other.query(`SELECT pg_advisory_unlock(${COORDINATOR_LOCK})`);
      }
    });
    const answers = await Promise.all(launches);
    expect(answers.filter((a) => a.status === "STARTING")).toHaveLength(LIMIT);
    expect(await statuses()).toMatchObject({ STARTING: LIMIT, QUEUED: WAITING - LIMIT });
    await endAll();
  });

  // A launch is a prepared statement (db/sql.ts). During a rolling upgrade a newer server's
  // migration may add a column to "Run" while this one still launches: its answer names its
  // columns, so its shape does not change under it.
  it.runIf(testDialect === "postgres")("still launches after a migration added a column to Run", async () => {
    await endAll();
    for (let i = 0; i < 6; i++) expect((await launch()).__typename).toBe("Run"); // prepared on the connections it used
    await app.db.sql.query(`ALTER TABLE "Run" ADD COLUMN "addedByANewerServer" text`);
    try {
      for (let i = 0; i < 6; i++) expect((await launch()).__typename).toBe("Run");
    } finally {
      await app.db.sql.query(`ALTER TABLE "Run" DROP COLUMN "addedByANewerServer"`);
    }
    await endAll();
  });
});

describe(`a selection launched again (${testDialect})`, () => {
  const launchOf = async (keys: string[]) => {
    const result = await app.gql(
      `mutation($k: [String!]!) { launchRun(assetKeys: $k) { __typename ... on Run { id } ... on Error { message } } }`,
      {
        k: keys,
      },
    );
    return result.data!.launchRun as { __typename: string; id?: string; message?: string };
  };
  const versionOf = async (id: string) =>
    (
      await app.db.sql.query<{ version: number }>(
        `SELECT v.version FROM "Run" r JOIN "CodeLocationVersion" v ON v.id = r."versionId" WHERE r.id = $1`,
        [id],
      )
    )[0]!.version;
  const register = (assets: Parameters<typeof manifestOf>[0]) => app.gql(REGISTER, { name: "etl", ...manifestOf(assets) }, worker);
  const lookUps = () => statements.filter((text) => text.includes('JOIN "AssetNode" n ON n.key = k.key')).length;

  it("is planned on where it was found, in one statement, and follows the location's next version", async () => {
    await endAll();
    await register([{ key: "a" }, { key: "b", deps: ["a"] }]);
    const first = await launchOf(["b", "a"]);
    statements.length = 0;
    const again = await launchOf(["a", "b"]);
    // The same selection (in any order): no catalog look-up, the run stored in one statement.
    expect(lookUps()).toBe(0);
    expect(statements.filter((text) => text.includes('INSERT INTO "Run"'))).toHaveLength(1);
    expect(await versionOf(again.id!)).toBe(await versionOf(first.id!));

    // Registered again: the next launch is refused its stale plan by the store, and looks up.
    await register([{ key: "a" }, { key: "b", deps: ["a"] }, { key: "c", deps: ["b"] }]);
    statements.length = 0;
    const afterRegistration = await launchOf(["a", "b"]);
    expect(await versionOf(afterRegistration.id!)).toBe((await versionOf(first.id!)) + 1);
    expect(lookUps()).toBe(1);
    await endAll();
  });

  it("is refused once its location no longer defines an asset of it, or a partition is missing", async () => {
    await endAll();
    await register([{ key: "a" }, { key: "b", deps: ["a"] }]);
    expect((await launchOf(["a", "b"])).__typename).toBe("Run");
    await register([{ key: "a" }]);
    expect(await launchOf(["a", "b"])).toMatchObject({ __typename: "InvalidSelectionError", message: 'No code location defines "b"' });
    await register([{ key: "a", partitions: { kind: "static", keys: ["x", "y"] } }]);
    expect((await launchOf(["a"])).message).toMatch(/"a" is partitioned/);
    expect((await launchOf(["a"])).message).toMatch(/"a" is partitioned/);
    // A refusal found on an earlier launch's findings is checked against the catalog first.
    await register([{ key: "a" }]);
    expect((await launchOf(["a"])).__typename).toBe("Run");
    await endAll();
  });
});
