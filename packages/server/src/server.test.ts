import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseEnv } from "./env.js";
import { createMemoryLogger } from "./logger.js";
import { startServer, type StrataServer } from "./server.js";
import { openTestDatabase, testDialect } from "./testing/test-database.js";

let server: StrataServer;
beforeAll(async () => {
  server = await startServer({ env: parseEnv({}), db: await openTestDatabase(), port: 0, host: "127.0.0.1", logger: createMemoryLogger() });
});
afterAll(async () => {
  await server.close();
  await server.db.close();
});

describe(`a server on a real port (${testDialect})`, () => {
  it("answers the health query with its version and database", async () => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ health { version database databaseLatencyMs } }" }),
    });
    const body = (await response.json()) as { data: { health: { version: string; database: string; databaseLatencyMs: number } } };
    expect(response.status).toBe(200);
    expect(body.data.health.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.data.health.database).toBe(testDialect === "postgres" ? "POSTGRES" : "PGLITE");
    expect(body.data.health.databaseLatencyMs).toBeGreaterThanOrEqual(0);
  });

  it("shares one database round trip among the health queries that arrive while it is under way, and keeps none", async () => {
    const health = () =>
      fetch(server.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ health { version databaseLatencyMs } }" }),
      }).then((r) => r.json() as Promise<{ data?: { health: { databaseLatencyMs: number } }; errors?: unknown }>);
    const original = server.db.sql.query.bind(server.db.sql);
    const query = vi.spyOn(server.db.sql, "query");
    try {
      const pings = () => query.mock.calls.filter(([text]) => text === "SELECT 1").length;
      // Held until all eight have arrived, so they all find it under way.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      query.mockImplementationOnce(async (...args: Parameters<typeof original>) => {
        await held;
        return original(...args);
      });
      const answers = Array.from({ length: 8 }, health);
      await vi.waitFor(() => expect(pings()).toBe(1));
      await new Promise((r) => setTimeout(r, 50));
      release();
      const bodies = await Promise.all(answers);
      expect(bodies.map((b) => b.errors)).toEqual(Array(8).fill(undefined));
      expect(new Set(bodies.map((b) => b.data!.health.databaseLatencyMs)).size).toBe(1);
      expect(pings()).toBe(1);
      // Once it has ended, the next health query makes its own.
      expect((await health()).data!.health.databaseLatencyMs).toBeGreaterThanOrEqual(0);
      expect(pings()).toBe(2);
    } finally {
      query.mockRestore();
    }
  });

  it("serves GraphiQL to a browser", async () => {
    const response = await fetch(server.graphqlUrl, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("GraphiQL");
  });

  it("rejects a malformed query with a clear error rather than a crash", async () => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ health { nope } }" }),
    });
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).toMatch(/Cannot query field "nope" on type "Health"/);
  });

  it("refuses a port that is taken, with the listen error", async () => {
    const port = Number(new URL(server.url).port);
    await expect(startServer({ env: parseEnv({}), db: server.db, port, host: "127.0.0.1" })).rejects.toThrow(/EADDRINUSE/);
  });
});
