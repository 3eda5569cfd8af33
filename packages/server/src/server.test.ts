import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
