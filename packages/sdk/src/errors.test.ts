import { createServer } from "node:net";
import { createLogger, openDatabase, parseEnv, startServer } from "@strata/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./client.js";
import { errorFromGraphQLErrors } from "./error-mapping.js";
import { isRetryable, StrataError, StrataRequestError, StrataServerError, UnauthenticatedError, UnauthorizedError } from "./errors.js";
import { startTestServer, type TestServer } from "./testing/test-server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the error policy", () => {
  it("answers health without a token", async () => {
    const health = await t.client({ token: undefined }).health();
    expect(health).toMatchObject({ database: "PGLITE", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("throws StrataRequestError naming the reason when the server cannot be reached", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const error = await createClient({ url })
      .health()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrataRequestError);
    expect(error).toBeInstanceOf(StrataError);
    expect(error).toMatchObject({ code: "REQUEST_FAILED", url, status: null });
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect(isRetryable(error)).toBe(true);
  });

  it("throws StrataRequestError with the status for an HTTP error without a GraphQL body", async () => {
    const error = await createClient({ url: t.url.replace("/graphql", "/nothing-here") })
      .health()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrataRequestError);
    expect(error).toMatchObject({ status: 404 });
  });

  it("throws UnauthenticatedError for a token the server does not know (HTTP 401)", async () => {
    const error = await t
      .client({ token: "strata_not-a-real-token" })
      .assets()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ code: "UNAUTHENTICATED", message: "Invalid API token" });
    expect(isRetryable(error)).toBe(false);
  });

  it("throws UnauthorizedError when no token is sent for a field that needs one", async () => {
    const error = await t
      .client({ token: undefined })
      .assets()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toContain("Authorization: Bearer");
  });

  it("throws StrataServerError carrying the request id the server logged, for an unexpected failure", async () => {
    const db = await openDatabase();
    const logs: Array<Record<string, unknown>> = [];
    const logger = createLogger("debug", { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const server = await startServer({ env: parseEnv({}), port: 0, host: "127.0.0.1", auth: "disabled", db, logger });
    try {
      await db.close(); // every query now fails inside the server
      const error = await createClient({ url: server.graphqlUrl })
        .codeLocations()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StrataServerError);
      const { requestId } = error as StrataServerError;
      expect(requestId).toMatch(/[0-9a-f-]{36}/);
      expect(logs.some((line) => line.level === "error" && line.requestId === requestId)).toBe(true);
      expect(isRetryable(error)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("retries a server that lost its database for a moment (SERVICE_UNAVAILABLE), not a refusal", () => {
    const outage = errorFromGraphQLErrors(
      [{ message: "The server lost its connection to the database: try again", extensions: { code: "SERVICE_UNAVAILABLE" } }],
      "http://x/graphql",
      503,
    );
    expect(outage.code).toBe("SERVICE_UNAVAILABLE");
    expect(isRetryable(outage)).toBe(true);
    expect(isRetryable(errorFromGraphQLErrors([{ message: "no", extensions: { code: "BAD_USER_INPUT" } }], "http://x/graphql", 200))).toBe(
      false,
    );
  });
});
