import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnauthenticatedError, UnauthorizedError } from "../errors.js";
import type { Materialization } from "../materializations.js";
import { startTestServer, testManifest, type TestServer } from "../testing/test-server.js";
import type { SubscriptionStatus } from "./reconnecting-subscription.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** Resolves when `onStatus` first reports `state`. */
function statusWatcher() {
  const seen: SubscriptionStatus[] = [];
  const waiters: Array<{ state: string; resolve: () => void }> = [];
  return {
    seen,
    onStatus(status: SubscriptionStatus) {
      seen.push(status);
      for (const w of waiters.filter((w) => w.state === status.state)) w.resolve();
    },
    next(state: SubscriptionStatus["state"]) {
      return new Promise<void>((resolve) => waiters.push({ state, resolve }));
    },
  };
}

/** The server's event-stream responses from now on, each with whether it has closed. */
function watchEventStreams() {
  const streams: Array<{ closed: boolean }> = [];
  t.server.http.on("request", (request, response) => {
    if (!request.headers.accept?.includes("text/event-stream")) return;
    const stream = { closed: false };
    streams.push(stream);
    response.once("close", () => (stream.closed = true));
  });
  return streams;
}

describe("assetMaterialized", () => {
  it("delivers each new materialization of the subscribed keys, and closes its connection on break", async () => {
    const client = t.client();
    const streams = watchEventStreams();
    const status = statusWatcher();
    const subscription = client.assetMaterialized({ keys: ["live/watched"] }, { onStatus: status.onStatus });
    const received: Materialization[] = [];
    const consumed = (async () => {
      for await (const m of subscription) {
        received.push(m);
        if (received.length === 2) break;
      }
    })();
    await status.next("connected");
    await client.reportMaterialization({ assetKey: "live/ignored" });
    await client.reportMaterialization({ assetKey: "live/watched", metadata: { rows: 1 } });
    await client.reportMaterialization({ assetKey: "live/watched", metadata: { rows: 2 } });
    await consumed;
    expect(received.map((m) => [m.assetKey, m.metadata[0]?.value])).toEqual([
      ["live/watched", 1],
      ["live/watched", 2],
    ]);
    expect(streams).toHaveLength(1);
    await expect.poll(() => streams[0]!.closed).toBe(true);
  });

  it("ends a pending next() when closed from elsewhere", async () => {
    const subscription = t.client().assetMaterialized();
    const pending = subscription.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await subscription.close();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });

  it("throws the server's refusal from the loop instead of retrying it", async () => {
    const anonymous = t.client({ token: undefined }).assetMaterialized();
    await expect(anonymous.next()).rejects.toBeInstanceOf(UnauthorizedError);
    const badToken = t.client({ token: "strata_forged" }).assetMaterialized();
    await expect(badToken.next()).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe("codeLocationChanged", () => {
  it("keeps delivering after the server restarts mid-subscription", async () => {
    const client = t.client();
    const status = statusWatcher();
    const subscription = client.codeLocationChanged({ onStatus: status.onStatus });
    let version = 0;
    const register = () => client.registerCodeLocation({ name: "restarting", ...testManifest([{ key: `restarting/v${++version}` }]) });

    const first = subscription.next();
    await status.next("connected");
    await register();
    expect((await first).value).toMatchObject({ name: "restarting", change: "REGISTERED", location: { version: 1 } });

    // As in a for-await loop, the iterator is waiting for its next event when the server goes.
    const second = subscription.next();
    const reconnected = status.next("connected");
    await t.restart();
    await reconnected;
    expect(status.seen.some((s) => s.state === "reconnecting")).toBe(true);
    await register();
    expect((await second).value).toMatchObject({ name: "restarting", change: "UPDATED", location: { version: 2 } });
    await subscription.close();
  });
});
