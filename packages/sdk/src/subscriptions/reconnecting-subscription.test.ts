import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parse } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { afterEach, describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RECONNECT } from "./backoff.js";
import { resumableSubscription, type SubscriptionStatus } from "./reconnecting-subscription.js";
import type { Endpoint } from "./sse-connection.js";

/**
 * A real GraphQL server (graphql-yoga over HTTP, as Strata's is) with the shape of the coming
 * `runEvents(runId, after)`: a stored log of events with a strictly increasing `seq`; a
 * subscription replays the stored events after `after`, then streams new ones live.
 * `overlap` makes it replay a few events the client already has, as a sloppy server might.
 */
function eventLogServer(options: { overlap?: number } = {}) {
  const log: number[] = [];
  const listeners = new Set<() => void>();
  const requestedAfter: Array<number | null> = [];
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { ok: Boolean }
        type Event { seq: Int! }
        type Subscription { events(after: Int): Event! }
      `,
      resolvers: {
        Subscription: {
          events: {
            subscribe: async function* (_: unknown, args: { after: number | null }) {
              requestedAfter.push(args.after);
              let next = Math.max(0, (args.after ?? 0) - (options.overlap ?? 0));
              for (;;) {
                while (next < log.length) yield { events: { seq: log[next++] } };
                await new Promise<void>((resolve) => {
                  const wake = () => (listeners.delete(wake), resolve());
                  listeners.add(wake);
                });
              }
            },
          },
        },
      },
    }),
  });
  let http: Server = createServer(yoga);
  let port = 0;
  const listen = () => new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
  return {
    log,
    requestedAfter,
    get url() {
      return `http://127.0.0.1:${port}/graphql`;
    },
    async start() {
      await listen();
      port = (http.address() as AddressInfo).port;
    },
    append(count: number) {
      for (let i = 0; i < count; i++) log.push(log.length + 1);
      for (const wake of [...listeners]) wake();
    },
    /** Cuts every open connection, as a network blip would; the server keeps running. */
    dropConnections() {
      http.closeAllConnections();
    },
    async stop() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      http = createServer(yoga);
    },
    restart: listen,
  };
}

const document = parse(`subscription Events($after: Int) { events(after: $after) { seq } }`);
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(options: { overlap?: number } = {}) {
  const server = eventLogServer(options);
  await server.start();
  cleanup.push(() => server.stop());
  const endpoint: Endpoint = { url: server.url, headers: {}, fetch };
  const statuses: SubscriptionStatus[] = [];
  const events = resumableSubscription(
    endpoint,
    {
      document,
      variables: (cursor) => ({ after: cursor }),
      select: (data) => (data as { events: { seq: number } }).events,
      cursorOf: (event) => event.seq,
    },
    { minDelayMs: 20, maxDelayMs: 100, onStatus: (s) => statuses.push(s) },
  );
  cleanup.push(() => events.close());
  const take = async (count: number) => {
    const seqs: number[] = [];
    while (seqs.length < count) {
      const { value, done } = await events.next();
      if (done) break;
      seqs.push(value.seq);
    }
    return seqs;
  };
  return { server, events, statuses, take };
}

describe("resumableSubscription", () => {
  it("resumes after the last delivered event when the connection drops: nothing lost, nothing twice", async () => {
    const { server, take, statuses } = await setUp();
    server.append(3);
    expect(await take(3)).toEqual([1, 2, 3]);

    const pending = take(4);
    server.dropConnections();
    server.append(4);
    expect(await pending).toEqual([4, 5, 6, 7]);
    expect(server.requestedAfter).toEqual([null, 3]);
    expect(statuses.filter((s) => s.state === "reconnecting")).toHaveLength(1);
  });

  it("delivers the events stored while the server was down, once it is back", async () => {
    const { server, take } = await setUp();
    server.append(2);
    expect(await take(2)).toEqual([1, 2]);

    const pending = take(5);
    await server.stop();
    server.append(5); // stored while no one could connect
    await new Promise((resolve) => setTimeout(resolve, 150)); // a few refused attempts
    await server.restart();
    expect(await pending).toEqual([3, 4, 5, 6, 7]);
    expect(server.requestedAfter.at(-1)).toBe(2);
  });

  it("skips replayed events it already delivered", async () => {
    const { server, take } = await setUp({ overlap: 2 });
    server.append(4);
    expect(await take(4)).toEqual([1, 2, 3, 4]);
    const pending = take(2);
    server.dropConnections();
    server.append(2);
    expect(await pending).toEqual([5, 6]);
  });
});

describe("a silent connection", () => {
  it("is presumed dead after idleTimeoutMs and replaced", async () => {
    // Accepts the subscription and then says nothing, not even a keep-alive ping.
    let connections = 0;
    const silent = createServer((_request, response) => {
      connections++;
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write('event: next\ndata: {"data":{"events":{"seq":1}}}\n\n');
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => (silent.close(() => resolve()), silent.closeAllConnections())));
    const statuses: SubscriptionStatus[] = [];
    const events = resumableSubscription(
      { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`, headers: {}, fetch },
      { document, variables: (after) => ({ after }), select: (d) => (d as { events: { seq: number } }).events, cursorOf: (e) => e.seq },
      { idleTimeoutMs: 100, minDelayMs: 10, maxDelayMs: 10, onStatus: (s) => statuses.push(s) },
    );
    cleanup.push(() => events.close());
    expect((await events.next()).value).toEqual({ seq: 1 });
    const next = events.next(); // the replayed seq 1 is skipped; nothing else comes
    await expect.poll(() => connections).toBeGreaterThanOrEqual(3);
    expect(statuses.find((s) => s.state === "reconnecting")).toMatchObject({ error: { message: "no data from the server for 100 ms" } });
    await events.close();
    await expect(next).resolves.toMatchObject({ done: true });
  });
});

describe("backoffDelay", () => {
  it("doubles from minDelayMs up to maxDelayMs, jittered between half and all of it", () => {
    const options = { ...DEFAULT_RECONNECT, minDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelay(attempt, options, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffDelay(3, options, () => 0)).toBe(200);
  });
});
