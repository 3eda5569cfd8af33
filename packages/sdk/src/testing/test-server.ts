import { afterAll, beforeAll } from "vitest";
import { createLogger, createToken, openDatabase, parseEnv, startServer, type Database, type StrataServer } from "@strata/server";
import { manifestOf, type FixtureAsset } from "@strata/server/testing";
import { createClient, type StrataClient } from "../client.js";
import type { ClientOptions } from "../client-connection.js";

/** A real Strata server on a free port of 127.0.0.1, requiring tokens, on in-memory PGlite. */
export interface TestServer {
  readonly server: StrataServer;
  readonly url: string;
  readonly db: Database;
  /** The secret of a token with the `admin` scope. */
  readonly admin: string;
  /** Structured log lines the server wrote. */
  readonly logs: Array<Record<string, unknown>>;
  /** A client of this server (default: as admin; `token: undefined` for none). */
  client(options?: Partial<ClientOptions>): StrataClient;
  /** Creates a token with these scopes and returns its secret. */
  token(...scopes: string[]): Promise<string>;
  /** Stops listening and starts again on the same port and database, as a restarted server would. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

let tokens = 0;

/**
 * A test server for the test file: started before its tests (then `seed`, what they read), closed
 * after them. Call it at the top level of the file; the returned function gives the server inside tests.
 *
 * @example
 * ```ts
 * const t = useTestServer((server) => server.client().registerCodeLocation({ name: "shop", ...testManifest([{ key: "orders" }]) }));
 * ```
 */
export function useTestServer(seed: (server: TestServer) => Promise<unknown> = async () => {}): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    await seed(server);
  });
  afterAll(() => server?.close());
  return () => {
    if (!server) throw new Error("the test server is not started yet: use it inside a test or hook");
    return server;
  };
}

export async function startTestServer(): Promise<TestServer> {
  const db = await openDatabase();
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger("debug", { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const listen = (port: number) => startServer({ env: parseEnv({}), port, host: "127.0.0.1", auth: "required", db, logger });
  let server = await listen(0);
  const port = Number(new URL(server.url).port);
  const token = async (...scopes: string[]) => (await createToken(db.prisma, { name: `sdk-test-${++tokens}`, scopes })).token;
  const admin = await token("admin");
  return {
    get server() {
      return server;
    },
    url: server.graphqlUrl,
    db,
    admin,
    logs,
    token,
    client: (options = {}) =>
      createClient({ url: server.graphqlUrl, token: admin, reconnect: { minDelayMs: 50, maxDelayMs: 200 }, ...options }),
    async restart() {
      await server.close();
      server = await listen(port);
    },
    async close() {
      await server.close();
      await db.close();
    },
  };
}

/** One asset of a hand-written test manifest. */
export type TestAsset = FixtureAsset;

/**
 * A valid manifest (version 1) in which each asset is its own step, and its hash: what
 * `Definitions#manifest()` would send, without depending on the definitions package. The
 * server's own fixture, so the SDK's tests and the server's agree on the wire format.
 */
export const testManifest: (assets: TestAsset[]) => { manifest: unknown; hash: string } = manifestOf;
