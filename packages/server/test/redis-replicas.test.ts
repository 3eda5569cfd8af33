import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../src/auth/tokens.js";
import { openDatabase, type Database } from "../src/db/database.js";
import { parseEnv } from "../src/env.js";
import { createMemoryLogger } from "../src/logger.js";
import { startServer, type StrataServer } from "../src/server.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createScratchDatabase, dropScratchDatabase, withDatabase } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";

const redisUrl = process.env.TEST_REDIS_URL;
const adminUrl = process.env.TEST_DATABASE_URL;

/**
 * Two server replicas on one PostgreSQL database, sharing live events through Redis: what a
 * subscriber of one sees must include what workers report to the other.
 */
describe.skipIf(!redisUrl || !adminUrl)("two server replicas with Redis (runs when TEST_REDIS_URL and TEST_DATABASE_URL are set)", () => {
  let dbName: string;
  let replicas: StrataServer[] = [];
  let databases: Database[] = [];
  let admin: string;
  let worker: string;

  beforeAll(async () => {
    dbName = await createScratchDatabase(adminUrl!);
    const url = withDatabase(adminUrl!, dbName);
    const env = parseEnv({ REDIS_URL: redisUrl, DATABASE_URL: url });
    databases = await Promise.all([openDatabase({ url }), openDatabase({ url })]);
    replicas = await Promise.all(databases.map((db) => startServer({ env, db, port: 0, host: "127.0.0.1", logger: createMemoryLogger() })));
    admin = (await createToken(databases[0]!.prisma, { name: "admin", scopes: ["admin"] })).token;
    worker = (await createToken(databases[0]!.prisma, { name: "etl", scopes: ["location:etl"] })).token;
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await Promise.all(databases.map((db) => db.close()));
    if (dbName) await dropScratchDatabase(adminUrl!, dbName);
  });

  const call = async (server: StrataServer, query: string, variables: Record<string, unknown>, token: string) => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return ((await response.json()) as { data: any }).data;
  };

  it("deliver events reported through one replica to a subscriber of the other", async () => {
    const [a, b] = replicas as [StrataServer, StrataServer];
    expect(a.pubsub.transport).toBe("redis");
    await call(a, REGISTER, { name: "etl", ...manifestOf([{ key: "x" }]) }, worker);
    const run = await call(a, `mutation { launchRun(assetKeys: ["x"]) { ... on Run { id } } }`, {}, admin);
    const runId = run.launchRun.id as string;

    const abort = new AbortController();
    const response = await fetch(a.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: `subscription($id: ID!) { runEvents(runId: $id) { seq type } }`, variables: { id: runId } }),
      signal: abort.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const received: Array<{ seq: number; type: string }> = [];
    const reading = (async () => {
      let buffer = "";
      while (received.length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (const frame of buffer.split("\n\n").slice(0, -1)) {
          const data = frame.split("\n").find((l) => l.startsWith("data:"));
          if (data && data.length > 6) received.push(JSON.parse(data.slice(5)).data.runEvents);
        }
        buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));

    // The worker talks to replica B only.
    for (
      let i = 0;
      i < 50 &&
      !(await call(b, `mutation { claimRun(location: "etl", workerId: "w") { ... on ClaimRunResult { run { id } } } }`, {}, worker))
        .claimRun.run;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const now = Date.now();
    const events = [
      {
        seq: 1,
        type: "RUN_START",
        timestamp: now,
        payload: runStartPayload({ id: runId, stepKeys: ["x"], assetKeys: ["x"] }),
      },
      { seq: 2, type: "RUN_SUCCESS", timestamp: now + 1, payload: { durationMs: 1 } },
    ];
    const reported = await call(
      b,
      `mutation($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w", events: $e) { ... on RunReport { status } } }`,
      { id: runId, e: events },
      worker,
    );
    expect(reported.reportRunEvents.status).toBe("SUCCESS");
    await Promise.race([
      reading,
      new Promise((_, reject) => setTimeout(() => reject(new Error("no events through Redis within 5 s")), 5000)),
    ]);
    abort.abort();
    expect(received).toEqual([
      { seq: 1, type: "RUN_START" },
      { seq: 2, type: "RUN_SUCCESS" },
    ]);
  });
});
