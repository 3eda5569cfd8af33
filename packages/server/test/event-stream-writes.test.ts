import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../src/auth/tokens.js";
import type { StrataServer } from "../src/server.js";
import { runStartPayload } from "../src/testing/events.js";
import { startLoopbackServer } from "../src/testing/loopback-server.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { testDialect } from "../src/testing/test-database.js";

const LAUNCH = `mutation { launchRun(assetKeys: ["a"]) { ... on Run { id } } }`;
const CLAIM = `mutation { claimRun(location: "etl", workerId: "w", waitSeconds: 10) { ... on ClaimRunResult { run { id } } } }`;
const REPORT = `mutation($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w", events: $e) { __typename } }`;
const EVENTS = 2000;

describe(`a subscription's events over SSE (${testDialect})`, () => {
  let server: StrataServer;
  let admin: string;
  let worker: string;
  beforeAll(async () => {
    server = await startLoopbackServer();
    admin = (await createToken(server.db.prisma, { name: "admin", scopes: ["admin"] })).token;
    worker = (await createToken(server.db.prisma, { name: "etl", scopes: ["location:etl"] })).token;
    await gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }]) }, worker);
  });
  afterAll(async () => {
    await server.close();
    await server.db.close();
  });

  async function gql(query: string, variables: Record<string, unknown>, token: string) {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  it("arrive complete and in order from a backlog of 2,000 (written together, see event-stream-writes.ts), and a lone live event after them still arrives", async () => {
    const id = (await gql(LAUNCH, {}, admin)).launchRun.id as string;
    expect((await gql(CLAIM, {}, worker)).claimRun.run.id).toBe(id);
    let clock = Date.now();
    const events = [
      { seq: 1, type: "RUN_START", timestamp: clock++, payload: runStartPayload({ id, stepKeys: ["a"], assetKeys: ["a"] }) },
      ...Array.from({ length: EVENTS - 1 }, (_, i) => ({
        seq: i + 2,
        type: "LOG",
        timestamp: clock++,
        message: `line ${i + 2}`,
        payload: {},
      })),
    ];
    expect((await gql(REPORT, { id, e: events }, worker)).reportRunEvents.__typename).toBe("RunReport");

    const abort = new AbortController();
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: `subscription($id: ID!) { runEvents(runId: $id) { seq message } }`, variables: { id } }),
      signal: abort.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const seqs: number[] = [];
    let buffer = "";
    const readUntil = async (count: number) => {
      while (seqs.length < count) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended after ${seqs.length} events`);
        const frames = (buffer + value).split("\n\n");
        buffer = frames.pop()!;
        for (const frame of frames) {
          const data = frame.split("\n").find((line) => line.startsWith("data:"));
          if (data) seqs.push((JSON.parse(data.slice(5)) as { data: { runEvents: { seq: number } } }).data.runEvents.seq);
        }
      }
    };
    try {
      await readUntil(EVENTS);
      expect(seqs).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
      // Nothing else is written after it: a lone event must not wait for company.
      expect(
        (await gql(REPORT, { id, e: [{ seq: EVENTS + 1, type: "LOG", timestamp: clock++, payload: {} }] }, worker)).reportRunEvents
          .__typename,
      ).toBe("RunReport");
      await readUntil(EVENTS + 1);
      expect(seqs.at(-1)).toBe(EVENTS + 1);
    } finally {
      abort.abort();
    }
  });
});
