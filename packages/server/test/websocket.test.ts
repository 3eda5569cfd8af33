import type { ExecutionResult, FormattedExecutionResult } from "graphql";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createToken } from "../src/auth/tokens.js";
import { openDatabase, type Database } from "../src/db/database.js";
import { parseEnv } from "../src/env.js";
import { createMemoryLogger } from "../src/logger.js";
import { startServer, type StrataServer } from "../src/server.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createScratchDatabase, dropScratchDatabase, testDialect, withDatabase } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";
import { startLoopbackServer } from "../src/testing/loopback-server.js";

const EVENT_FIELDS = "runId seq type stepKey assetKey level message payload timestamp";
const RUN_EVENTS = `subscription($id: ID!, $after: Int) { runEvents(runId: $id, after: $after) { ${EVENT_FIELDS} } }`;

const call = async (server: StrataServer, query: string, variables: Record<string, unknown>, token: string) => {
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as ExecutionResult<any>;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};

const wsClient = (server: StrataServer, connectionParams: Record<string, unknown>): Client =>
  createWsClient({ url: server.graphqlUrl.replace(/^http/, "ws"), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });

const sseClient = (server: StrataServer, token: string) =>
  createSseClient({ url: server.graphqlUrl, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });

/** Every result of a subscription until the server completes it; the first error fails. */
async function collect(results: AsyncIterable<FormattedExecutionResult<any>>, received: unknown[] = []): Promise<unknown[]> {
  for await (const result of results) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    received.push(result.data.runEvents);
  }
  return received;
}

/**
 * Follows a run's events and resolves `live` once the stored backlog (`backlog` events) has
 * arrived: the stream listens for live events before it reads the backlog, so whatever is
 * reported after that reaches this subscriber only as a live event.
 */
function follow(results: AsyncIterable<FormattedExecutionResult<any>>, backlog: number) {
  const received: unknown[] = [];
  const ended = collect(results, received);
  const live = (async () => {
    while (received.length < backlog) await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 20))]);
  })();
  return { ended, live };
}

/** Registers location "etl" (x, then y), launches a run of both and claims it as worker "w". */
async function claimedRun(servers: StrataServer[], admin: string, worker: string): Promise<string> {
  const [first] = servers as [StrataServer];
  await call(first, REGISTER, { name: "etl", ...manifestOf([{ key: "x" }, { key: "y", deps: ["x"] }]) }, worker);
  const runId = (await call(first, `mutation { launchRun(assetKeys: ["x", "y"]) { ... on Run { id } } }`, {}, admin)).launchRun
    .id as string;
  for (let attempt = 0; ; attempt++) {
    const claimed = await call(
      first,
      `mutation { claimRun(location: "etl", workerId: "w", waitSeconds: 5) { ... on ClaimRunResult { run { id } } } }`,
      {},
      worker,
    );
    if (claimed.claimRun.run) return runId;
    if (attempt > 20) throw new Error("the run was never claimable");
  }
}

/** The run's log, in three reports: the first before anyone subscribes, the rest while they listen. */
function runLog(runId: string) {
  let timestamp = Date.parse("2026-12-01T00:00:00Z");
  const e = (seq: number, type: string, extra: Record<string, unknown>) => ({ seq, type, timestamp: timestamp++, payload: {}, ...extra });
  const step = (first: number, key: string) => [
    e(first, "STEP_START", { stepKey: key, payload: { retryNumber: 0 } }),
    e(first + 1, "STEP_OUTPUT", { stepKey: key, payload: { outputName: key, assetKey: key, stored: true } }),
    e(first + 2, "ASSET_MATERIALIZATION", {
      stepKey: key,
      assetKey: key,
      payload: { assetKey: key, outputName: key, metadata: { rows: { type: "int", value: first } } },
    }),
    e(first + 3, "LOG", { stepKey: key, message: `${key} done`, level: "INFO" }),
    e(first + 4, "STEP_SUCCESS", { stepKey: key, payload: { durationMs: 3, retryNumber: 0 } }),
  ];
  const start = e(1, "RUN_START", {
    payload: runStartPayload({ id: runId, stepKeys: ["x", "y"], assetKeys: ["x", "y"] }),
  });
  return [
    [start, ...step(2, "x").slice(0, 2)],
    step(2, "x").slice(2),
    [...step(7, "y"), e(12, "RUN_SUCCESS", { payload: { durationMs: 20 } })],
  ];
}

async function report(server: StrataServer, runId: string, events: unknown[], worker: string) {
  const data = await call(
    server,
    `mutation($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w", events: $e) { __typename ... on Error { message } } }`,
    { id: runId, e: events },
    worker,
  );
  expect(data.reportRunEvents.__typename).toBe("RunReport");
}

/**
 * A graphql-ws subscriber of the run's events on `servers.ws` (added to `clients`, which the suite
 * disposes) and a graphql-sse one on `servers.sse`, both live once they have the first `backlog`;
 * `expectEnded` expects each to have received `stored` when the run ended, then closes the SSE one.
 */
async function subscribeOverBoth(
  servers: { ws: StrataServer; sse: StrataServer },
  clients: Client[],
  admin: string,
  runId: string,
  backlog: number,
) {
  const ws = wsClient(servers.ws, { authorization: `Bearer ${admin}` });
  clients.push(ws);
  const sse = sseClient(servers.sse, admin);
  const overWs = follow(ws.iterate({ query: RUN_EVENTS, variables: { id: runId } }), backlog);
  const overSse = follow(sse.iterate({ query: RUN_EVENTS, variables: { id: runId } }), backlog);
  await Promise.all([overWs.live, overSse.live]);
  return {
    async expectEnded(stored: unknown[]) {
      expect(await overWs.ended).toEqual(stored);
      expect(await overSse.ended).toEqual(stored);
      sse.dispose();
    },
  };
}

const storedLog = async (server: StrataServer, runId: string, admin: string) =>
  (await call(server, `query($id: ID!) { run(id: $id) { ... on Run { events { ${EVENT_FIELDS} } } } }`, { id: runId }, admin)).run
    .events as unknown[];

describe(`subscriptions over WebSocket (graphql-transport-ws) on a real port (${testDialect})`, () => {
  let server: StrataServer;
  let admin: string;
  let worker: string;
  let runId: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startLoopbackServer();
    admin = (await createToken(server.db.prisma, { name: "admin", scopes: ["admin"] })).token;
    worker = (await createToken(server.db.prisma, { name: "etl", scopes: ["location:etl"] })).token;
    runId = await claimedRun([server], admin, worker);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.close();
    await server?.db.close();
  });

  it("gives a graphql-ws client and a graphql-sse client the same events, identical to the stored log", async () => {
    const [before, ...after] = runLog(runId);
    await report(server, runId, before!, worker);
    const subscribers = await subscribeOverBoth({ ws: server, sse: server }, clients, admin, runId, before!.length);
    for (const batch of after) await report(server, runId, batch, worker);

    const stored = await storedLog(server, runId, admin);
    expect(stored.map((e: any) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await subscribers.expectEnded(stored);
  });

  it("resumes after a given seq, with the token as `token` in the connection payload", async () => {
    const ws = wsClient(server, { token: admin });
    clients.push(ws);
    const resumed = await collect(ws.iterate({ query: RUN_EVENTS, variables: { id: runId, after: 9 } }));
    expect(resumed.map((e: any) => e.seq)).toEqual([10, 11, 12]);
  });

  it("closes a connection whose token is unknown with 4403 and the reason", async () => {
    const ws = wsClient(server, { authorization: "Bearer strata_nope" });
    clients.push(ws);
    const closed = await collect(ws.iterate({ query: RUN_EVENTS, variables: { id: runId } })).then(
      () => null,
      (error: unknown) => error,
    );
    expect(closed).toMatchObject({ code: 4403 });
    expect((closed as { reason: string }).reason).toMatch(/token/i);
  });

  it("answers an anonymous subscription with the typed error HTTP gives", async () => {
    const ws = wsClient(server, {});
    clients.push(ws);
    const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
    for await (const result of ws.iterate({ query: RUN_EVENTS, variables: { id: runId } })) results.push(result);
    expect(results).toHaveLength(1);
    expect(results[0]!.errors![0]!.extensions).toMatchObject({ code: "FORBIDDEN" });
    expect(results[0]!.errors![0]!.message).toMatch(/requires a token with the "read" scope/);
  });

  it("ends a subscription whose token is revoked, and refuses the connection's next operation, as over SSE", async () => {
    const reader = await createToken(server.db.prisma, { name: "reader", scopes: ["read"] });
    const second = await claimedRun([server], admin, worker);
    const [[start]] = runLog(second) as [[unknown]];
    await report(server, second, [start], worker);
    const ws = wsClient(server, { token: reader.token });
    clients.push(ws);
    const events = ws.iterate({ query: RUN_EVENTS, variables: { id: second } });
    expect((await events.next()).value?.data).toMatchObject({ runEvents: { seq: 1 } });
    await call(server, `mutation { revokeToken(name: "reader") { __typename } }`, {}, admin);
    await report(server, second, [{ seq: 2, type: "LOG", timestamp: Date.now(), payload: {}, message: "after the revocation" }], worker);
    const ended = await events.next();
    expect(ended.value?.data ?? null).toBeNull();
    expect(ended.value?.errors?.[0]).toMatchObject({ message: 'API token "reader" was revoked', extensions: { code: "UNAUTHENTICATED" } });
    expect((await events.next()).done).toBe(true);
    const again = await collect(ws.iterate({ query: RUN_EVENTS, variables: { id: second } })).then(
      () => null,
      (error: unknown) => error,
    );
    // The client closes an idle connection, so this is a new one (refused with 4403) or the same
    // one (the operation refused with UNAUTHENTICATED): either way, refused and saying why.
    const refusal = Array.isArray(again)
      ? { reason: again[0].message, code: again[0].extensions.code }
      : { reason: (again as { reason: string }).reason, code: (again as { code: number }).code };
    expect(refusal.reason).toBe('API token "reader" was revoked');
    expect([4403, "UNAUTHENTICATED"]).toContain(refusal.code);
  });

  it("applies the same query limits as HTTP", async () => {
    const ws = wsClient(server, { token: admin });
    clients.push(ws);
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: seq`).join(" ");
    const outcome = await collect(ws.iterate({ query: `subscription { runEvents(runId: "${runId}") { ${aliases} } }` })).then(
      () => null,
      (error: unknown) => error,
    );
    expect(JSON.stringify(outcome)).toMatch(/aliases/i);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
const adminUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!redisUrl || !adminUrl)(
  "WebSocket and SSE subscribers of two replicas sharing Redis (runs when TEST_REDIS_URL and TEST_DATABASE_URL are set)",
  () => {
    let dbName: string;
    let replicas: StrataServer[] = [];
    let databases: Database[] = [];
    const clients: Client[] = [];

    beforeAll(async () => {
      dbName = await createScratchDatabase(adminUrl!);
      const url = withDatabase(adminUrl!, dbName);
      const env = parseEnv({ REDIS_URL: redisUrl, DATABASE_URL: url });
      databases = await Promise.all([openDatabase({ url }), openDatabase({ url })]);
      replicas = await Promise.all(
        databases.map((db) => startServer({ env, db, port: 0, host: "127.0.0.1", logger: createMemoryLogger() })),
      );
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
      await Promise.all(replicas.map((r) => r.close()));
      await Promise.all(databases.map((db) => db.close()));
      if (dbName) await dropScratchDatabase(adminUrl!, dbName);
    });

    it("deliver the stored log to a WebSocket subscriber of one replica and an SSE subscriber of the other, whichever replica the worker reports to", async () => {
      const [a, b] = replicas as [StrataServer, StrataServer];
      expect(a.pubsub.transport).toBe("redis");
      const admin = (await createToken(databases[0]!.prisma, { name: "admin", scopes: ["admin"] })).token;
      const worker = (await createToken(databases[0]!.prisma, { name: "etl", scopes: ["location:etl"] })).token;
      const runId = await claimedRun([a], admin, worker);
      const [before, ...after] = runLog(runId);
      await report(b, runId, before!, worker);

      const subscribers = await subscribeOverBoth({ ws: a, sse: b }, clients, admin, runId, before!.length);
      // Alternate replicas: each subscriber receives some batches only through Redis.
      for (const [i, batch] of after.entries()) await report(i % 2 === 0 ? b : a, runId, batch, worker);

      const stored = await storedLog(a, runId, admin);
      expect(stored).toHaveLength(12);
      await subscribers.expectEnded(stored);
    });
  },
);
