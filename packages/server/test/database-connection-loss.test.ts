import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../src/auth/tokens.js";
import { openDatabase } from "../src/db/database.js";
import { parseEnv } from "../src/env.js";
import { ServiceUnavailableError } from "../src/errors.js";
import { createMemoryLogger } from "../src/logger.js";
import { startServer, type StrataServer } from "../src/server.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createScratchDatabase, dropScratchDatabase, withDatabase } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";

const adminUrl = process.env.TEST_DATABASE_URL;

/** `read` again while it fails with a lost connection (a few times at most). */
async function retryingConnectionLoss<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError) || attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/*
 * A failover or a database restart drops every connection the server holds, whatever each is
 * doing. The server must live through it, answer what failed with the retryable
 * SERVICE_UNAVAILABLE, and reconnect; a worker that retries such answers (as a location does)
 * then gets every event stored.
 */
describe.skipIf(!adminUrl)("losing PostgreSQL connections while runs report (runs when TEST_DATABASE_URL is set)", () => {
  let server: StrataServer;
  let name: string;
  let admin: pg.Client;
  let worker: string;
  let launcher: string;
  const logger = createMemoryLogger();
  beforeAll(async () => {
    name = await createScratchDatabase(adminUrl!);
    const db = await openDatabase({ url: withDatabase(adminUrl!, name), poolSize: 5 });
    server = await startServer({ env: parseEnv({ STRATA_MAX_CONCURRENT_RUNS: "0" }), db, port: 0, host: "127.0.0.1", logger });
    worker = (await createToken(db.prisma, { name: "worker", scopes: ["location:etl"] })).token;
    launcher = (await createToken(db.prisma, { name: "launcher", scopes: ["launch"] })).token;
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await server?.close();
    await server?.db.close();
    await admin?.end();
    if (name) await dropScratchDatabase(adminUrl!, name);
  });

  async function gql(query: string, variables: Record<string, unknown>, token: string) {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string } }[] };
  }

  /** What every refusal said, by code: only SERVICE_UNAVAILABLE may come back while connections drop. */
  const refusals = new Map<string, number>();
  let answered = 0;
  /** Sends until the server answers with data, retrying (only) what it says is retryable, as a location does. */
  async function untilAnswered(query: string, variables: Record<string, unknown>, token: string): Promise<Record<string, any>> {
    for (;;) {
      const body = await gql(query, variables, token);
      if (body.data && !body.errors) {
        answered++;
        return body.data;
      }
      const code = body.errors?.[0]?.extensions?.code ?? "NONE";
      refusals.set(code, (refusals.get(code) ?? 0) + 1);
      if (code !== "SERVICE_UNAVAILABLE") {
        const logged = logger.lines.filter((line) => line.level === "error").slice(-3);
        throw new Error(`not retryable: ${JSON.stringify(body.errors)}; server log: ${JSON.stringify(logged)}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it("survives pg_terminate_backend of its connections at any moment, and the retried reports store every event", async () => {
    await untilAnswered(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }]) }, worker);
    const runs = 8;
    const eventsPerRun = 45;
    const ids: string[] = [];
    for (let i = 0; i < runs; i++) {
      const launched = await untilAnswered(`mutation { launchRun(assetKeys: ["a"]) { ... on Run { id } } }`, {}, launcher);
      ids.push(launched.launchRun.id);
    }
    for (let i = 0; i < runs; i++) {
      const claimed = await untilAnswered(
        `mutation { claimRun(location: "etl", workerId: "w") { ... on ClaimRunResult { run { id } } } }`,
        {},
        worker,
      );
      expect(ids).toContain(claimed.claimRun.run.id);
    }

    let reporting = true;
    let terminated = 0;
    // Every connection of the server's database dropped, again each time a few more reports got
    // through: whatever each connection was doing (idle, mid-transaction, mid-commit).
    const killer = (async () => {
      while (reporting) {
        const { rows } = await admin.query(
          `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t`,
          [name],
        );
        terminated += rows[0].n as number;
        const progress = answered + 3;
        while (reporting && answered < progress) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const REPORT = `mutation($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w", events: $e) { __typename ... on Error { message code } } }`;
    const reporters = ids.map(async (id) => {
      const events = Array.from({ length: eventsPerRun }, (_, i) => ({
        seq: i + 1,
        type: "LOG",
        timestamp: Date.now(),
        message: `line ${i + 1}`,
        payload: {},
      }));
      events[0] = {
        ...events[0]!,
        type: "RUN_START",
        payload: runStartPayload({ id, stepKeys: ["a"], assetKeys: ["a"] }) as never,
      };
      events[eventsPerRun - 1] = { ...events[eventsPerRun - 1]!, type: "RUN_SUCCESS", payload: { durationMs: 1 } as never };
      for (let i = 0; i < eventsPerRun; i += 3) {
        const answer = await untilAnswered(REPORT, { id, e: events.slice(i, i + 3) }, worker);
        expect(answer.reportRunEvents.__typename).toBe("RunReport");
      }
    });
    try {
      await Promise.all(reporters);
    } finally {
      reporting = false;
      await killer;
    }

    expect(terminated).toBeGreaterThan(0);
    expect(refusals.get("SERVICE_UNAVAILABLE") ?? 0).toBeGreaterThan(0);
    expect([...refusals.keys()]).toEqual(["SERVICE_UNAVAILABLE"]);
    // The killer's last round may have ended a pooled connection after the last report: this
    // read retries what the server would answer SERVICE_UNAVAILABLE, as a client does.
    const rows = await retryingConnectionLoss(() =>
      server.db.sql.query<{ id: string; status: string; n: number; top: number }>(
        `SELECT r.id, r.status, count(e.seq)::int AS n, max(e.seq) AS top FROM "Run" r JOIN "RunEvent" e ON e."runId" = r.id GROUP BY r.id`,
      ),
    );
    expect(rows.map((r) => [r.status, r.n, r.top])).toEqual(ids.map(() => ["SUCCESS", eventsPerRun, eventsPerRun]));
    // The server is still serving, on fresh connections.
    expect((await gql(`{ health { database } }`, {}, worker)).data).toEqual({ health: { database: "POSTGRES" } });
  }, 120_000);
});
