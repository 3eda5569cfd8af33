import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createToken, parseEnv, startServer, type StrataServer } from "@strata/server";
import { createScratchDatabase, dropScratchDatabase, withDatabase } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { fixture, waitFor, Worker } from "./harness.js";

const adminUrl = process.env.TEST_DATABASE_URL;

async function graphql<T>(server: StrataServer, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(body.errors[0]!.message);
  return body.data;
}

interface RunState {
  status: string;
  events: Array<{ seq: number; type: string; message: string | null }>;
}

const RUN = `query($id: ID!) { run(id: $id) { ... on Run { status events { seq type message } } } }`;

describe.skipIf(!adminUrl)("the server restarted mid-run, on PostgreSQL (runs when TEST_DATABASE_URL is set)", () => {
  it("lets the run complete with every event stored once and in order", async () => {
    const name = await createScratchDatabase(adminUrl!);
    const cwd = await mkdtemp(join(tmpdir(), "strata-restart-"));
    const env = parseEnv({ DATABASE_URL: withDatabase(adminUrl!, name), STRATA_LOG_LEVEL: "warn" });
    let server = await startServer({ env, port: 0, host: "127.0.0.1" });
    const port = Number(new URL(server.url).port);
    const admin = (await createToken(server.db.prisma, { name: "admin", scopes: ["admin"] })).token;
    const token = (await createToken(server.db.prisma, { name: "ticker", scopes: ["location:ticker"] })).token;
    const worker = Worker.start({ defs: fixture("recovery-defs.ts"), url: server.url, token, name: "ticker", cwd, env: { TICKS: "300" } });
    try {
      await worker.ready();
      const launched = await graphql<{ launchRun: { id: string } }>(
        server,
        admin,
        `mutation { launchRun(assetKeys: ["ticker"]) { ... on Run { id } } }`,
      );
      const runId = launched.launchRun.id;
      await waitFor(
        async () => (await graphql<{ run: RunState }>(server, admin, RUN, { id: runId })).run.events.length > 30,
        20_000,
        () => "the run never got going",
      );

      await server.close();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      server = await startServer({ env, port, host: "127.0.0.1" });

      const done = await waitFor(
        async () => {
          const { run } = await graphql<{ run: RunState }>(server, admin, RUN, { id: runId });
          return ["SUCCESS", "FAILURE", "CANCELED"].includes(run.status) && run;
        },
        30_000,
        () => "the run did not finish after the restart",
      );
      expect(done.status).toBe("SUCCESS");
      expect(done.events.map((e) => e.seq)).toEqual(done.events.map((_, i) => i + 1));
      const ticks = done.events.filter((e) => e.type === "LOG" && e.message?.startsWith("tick ")).map((e) => e.message);
      expect(ticks).toEqual(Array.from({ length: 300 }, (_, i) => `tick ${i}`));
      expect(done.events.at(-1)!.type).toBe("RUN_SUCCESS");
      // The worker noticed the outage and kept its events until the server was back.
      expect(worker.log.join("\n")).toMatch(/retry|unreachable|again/i);
    } finally {
      await worker.stop();
      await server.close();
      await rm(cwd, { recursive: true, force: true });
      await dropScratchDatabase(adminUrl!, name);
    }
  });
});
