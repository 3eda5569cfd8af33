import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../src/auth/tokens.js";
import type { StrataServer } from "../src/server.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { openTestDatabase, testDialect } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";
import { startLoopbackServer } from "../src/testing/loopback-server.js";

const REVOKE = `mutation($name: String!) { revokeToken(name: $name) { __typename } }`;
const LAUNCH = `mutation { launchRun(assetKeys: ["a"]) { ... on Run { id } } }`;
const CLAIM = `mutation($w: String!, $wait: Int) { claimRun(location: "etl", workerId: $w, waitSeconds: $wait) { ... on ClaimRunResult { run { id } } } }`;
const REPORT = `mutation($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w", events: $e) { __typename } }`;
let clock = Date.now();
const ev = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: clock++, payload: {}, ...extra });

describe(`revoking a token ends what it opened before (${testDialect})`, () => {
  let app: TestApp;
  let worker: string;
  beforeAll(async () => {
    app = await createTestApp({ runs: { maxConcurrentRuns: 0 } });
    worker = await app.token("location:etl");
    await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }]) }, worker);
  });
  afterAll(() => app.close());

  /** A token and its name, for revoking it. */
  async function named(...scopes: string[]) {
    const created = await createToken(app.db.prisma, { name: `n${Math.random().toString(36).slice(2)}`, scopes });
    return { token: created.token, name: created.name };
  }

  it("ends a runEvents stream at its next event, with UNAUTHENTICATED", async () => {
    const reader = await named("read");
    const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
    expect((await app.gql(CLAIM, { w: "w" }, worker)).data!.claimRun.run.id).toBe(id);
    const stream = await app.subscribe(`subscription($id: ID!) { runEvents(runId: $id) { seq } }`, { id }, reader.token);
    await app.gql(
      REPORT,
      {
        id,
        e: [
          ev(1, "RUN_START", {
            payload: runStartPayload({ id, stepKeys: ["a"], assetKeys: ["a"] }),
          }),
        ],
      },
      worker,
    );
    expect((await stream.next()).data).toEqual({ runEvents: { seq: 1 } });
    expect((await app.gql(REVOKE, { name: reader.name })).data!.revokeToken.__typename).not.toMatch(/Error/);
    await app.gql(REPORT, { id, e: [ev(2, "LOG")] }, worker);
    const after = await stream.next();
    expect(after.data ?? null).toBeNull();
    expect(after.errors?.[0]).toMatchObject({ message: `API token "${reader.name}" was revoked`, extensions: { code: "UNAUTHENTICATED" } });
    await expect(stream.next()).rejects.toThrow(/subscription ended/);
  });

  it("ends runRequests and runStatusChanged streams the same way", async () => {
    const location = await named("location:etl");
    const reader = await named("read");
    const requests = await app.subscribe(`subscription { runRequests(location: "etl") { kind } }`, {}, location.token);
    const statuses = await app.subscribe(`subscription { runStatusChanged { status } }`, {}, reader.token);
    await app.gql(REVOKE, { name: location.name });
    await app.gql(REVOKE, { name: reader.name });
    await app.gql(LAUNCH);
    for (const stream of [requests, statuses]) {
      expect((await stream.next()).errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
      await expect(stream.next()).rejects.toThrow(/subscription ended/);
    }
    await app.gql(`mutation { claimRun(location: "etl", workerId: "cleanup") { __typename } }`, {}, worker);
  });

  it("makes a claimRun long poll opened before revocation claim nothing launched after it", async () => {
    const location = await named("location:etl");
    const polling = app.gql(CLAIM, { w: "revoked-worker", wait: 60 }, location.token);
    // Revoked once the poll was authenticated (its token's first use is recorded then).
    const usedYet = async () => (await app.db.prisma.apiToken.findUniqueOrThrow({ where: { name: location.name } })).lastUsedAt !== null;
    while (!(await usedYet())) await new Promise((r) => setTimeout(r, 10));
    await app.gql(REVOKE, { name: location.name });
    const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
    const answer = await polling;
    expect(answer.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    const run = await app.db.prisma.run.findUniqueOrThrow({ where: { id } });
    expect([run.status, run.workerId]).toEqual(["STARTING", null]);
    expect((await app.gql(CLAIM, { w: "w2" }, worker)).data!.claimRun.run.id).toBe(id);
  });
});

describe(`open subscriptions per token (${testDialect})`, () => {
  let server: StrataServer;
  let reader: string;
  let other: string;
  beforeAll(async () => {
    const db = await openTestDatabase();
    server = await startLoopbackServer({ env: { STRATA_MAX_SUBSCRIPTIONS_PER_TOKEN: "3" }, db });
    reader = (await createToken(db.prisma, { name: "reader", scopes: ["read"] })).token;
    other = (await createToken(db.prisma, { name: "other", scopes: ["read"] })).token;
  });
  afterAll(async () => {
    await server.close();
    await server.db.close();
  });

  /** Opens `runStatusChanged` over SSE; resolves with the first frame's data when it is an error, or "open". */
  async function open(token: string) {
    const abort = new AbortController();
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `subscription { runStatusChanged { status } }` }),
      signal: abort.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    // A refused subscription answers with one result and ends; an open one starts with yoga's
    // keep-alive comment (":").
    const first = await reader.read();
    const data = first.value?.split("\n").find((line) => line.startsWith("data:"));
    return {
      refusal: data ? (JSON.parse(data.slice(5)) as { errors?: { extensions: { code: string; limit: number } }[] }) : null,
      close: () => abort.abort(),
    };
  }

  it("refuses one more than STRATA_MAX_SUBSCRIPTIONS_PER_TOKEN with TOO_MANY_SUBSCRIPTIONS, per token, until one closes", async () => {
    const held = [await open(reader), await open(reader), await open(reader)];
    expect(held.map((s) => s.refusal)).toEqual([null, null, null]);
    const fourth = await open(reader);
    expect(fourth.refusal?.errors?.[0]?.extensions).toMatchObject({ code: "TOO_MANY_SUBSCRIPTIONS", limit: 3 });
    expect((await open(other)).refusal).toBeNull();
    held[0]!.close();
    // The server notices the closed stream on its own time: wait for the slot to come back.
    let again = await open(reader);
    while (again.refusal) {
      await new Promise((r) => setTimeout(r, 20));
      again = await open(reader);
    }
    expect(again.refusal).toBeNull();
  });
});
