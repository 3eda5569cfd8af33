import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../db/database.js";

/**
 * A fresh, migrated, empty database for one test file. In-memory PGlite by default; with
 * `TEST_DATABASE_URL=postgres://...` a new database on that server, created from scratch and
 * dropped on close, so test files run side by side without sharing state.
 */
export async function openTestDatabase(): Promise<Database> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return openDatabase();
  const name = await createScratchDatabase(adminUrl);
  const db = await openDatabase({ url: withDatabase(adminUrl, name), poolSize: 5 });
  return {
    ...db,
    async close() {
      await db.close();
      await dropScratchDatabase(adminUrl, name);
    },
  };
}

/** Which database the suite runs on, for test names. */
export const testDialect: "pglite" | "postgres" = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";

export async function createScratchDatabase(adminUrl: string): Promise<string> {
  const name = `strata_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  return name;
}

export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
