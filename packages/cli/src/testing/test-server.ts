import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger, createToken, openDatabase, parseEnv, startServer, type StrataServer } from "@strata/server";
import { createClient, type StrataClient } from "@strata/sdk";
import { afterAll, beforeAll } from "vitest";

/** A real Strata server on a free port, requiring tokens, on in-memory PGlite. */
export interface TestServer {
  readonly server: StrataServer;
  readonly url: string;
  /** An admin token's secret. */
  readonly admin: string;
  token(...scopes: string[]): Promise<string>;
  /** `--server <url> --token <a new token with these scopes>`, to append to a CLI command. */
  as(...scopes: string[]): Promise<string[]>;
  /** An SDK client as admin, to arrange and check what the CLI did. */
  readonly client: StrataClient;
  close(): Promise<void>;
}

let count = 0;

export async function startTestServer(): Promise<TestServer> {
  const db = await openDatabase();
  const server = await startServer({ env: parseEnv({}), port: 0, host: "127.0.0.1", auth: "required", db, logger: createLogger("silent") });
  const token = async (...scopes: string[]) => (await createToken(db.prisma, { name: `cli-test-${++count}`, scopes })).token;
  const admin = await token("admin");
  return {
    server,
    url: server.graphqlUrl,
    admin,
    token,
    as: async (...scopes) => ["--server", server.graphqlUrl, "--token", await token(...scopes)],
    client: createClient({ url: server.graphqlUrl, token: admin }),
    async close() {
      await server.close();
      await db.close();
    },
  };
}

/**
 * {@link startTestServer} before the file's tests, then `seed` (what they read: registrations,
 * reports), and `close` after them. The answer stands for the started server (each property read
 * goes to it): name it once at the top of a file, read it only inside tests and hooks.
 *
 * @example
 * ```ts
 * const t = useTestServer(() => t.client.registerCodeLocation({ name: "sales", ...manifestOf([{ key: "orders" }]) }));
 * ```
 */
export function useTestServer(seed: () => Promise<unknown> = async () => {}): TestServer {
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await startTestServer();
    await seed();
  });
  afterAll(() => started?.close());
  return startedPart(() => {
    if (!started) throw new Error("the test server has not started");
    return started;
  });
}

/** An object that reads every property from `part()` when it is read: a hook's result, named before the hook runs. */
export function startedPart<T extends object>(part: () => T): T {
  return new Proxy({} as T, { get: (_, property) => Reflect.get(part(), property) });
}

const WORK_ROOT = fileURLToPath(new URL("../../.test-work", import.meta.url));

/**
 * A fresh directory for definitions files, inside this package so that `@strata/definitions`
 * resolves from it as from a user's project, and a separate STRATA_HOME for the embedded database.
 */
export function workDirectory(): { dir: string; home: string; remove(): void } {
  mkdirSync(WORK_ROOT, { recursive: true });
  const dir = mkdtempSync(join(WORK_ROOT, "w-"));
  return { dir, home: join(dir, ".strata"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
