import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { afterEach, describe, expect, it } from "vitest";
import { createScratchDatabase, dropScratchDatabase, openTestDatabase, testDialect, withDatabase } from "../testing/test-database.js";
import { openDatabase, type Database } from "./database.js";
import { applyMigrations, MigrationError, readMigrations } from "./migrator.js";
import { pgliteSql } from "./sql.js";

const adminUrl = process.env.TEST_DATABASE_URL;
const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

describe(`migrations on ${testDialect}`, () => {
  it("bring an empty database to the current schema and record each one as Prisma does", async () => {
    const db = await openTestDatabase();
    open.push(db);
    const migrations = readMigrations();
    expect(db.migrations.applied).toEqual(migrations.map((m) => m.name));
    const rows = await db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(migrations.map((m) => [m.name, m.checksum]));
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
    // The schema works: Prisma can write and read through the driver adapter.
    await db.prisma.apiToken.create({ data: { name: "ci", tokenHash: "h", prefix: "strata_", scopes: ["read"] } });
    expect(await db.prisma.apiToken.count()).toBe(1);
  });

  it("apply nothing the second time", async () => {
    const db = await openTestDatabase();
    open.push(db);
    const again = await applyMigrations(db.sql);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(readMigrations().length);
  });

  it("roll back a failing migration entirely and record nothing, so a fixed one applies next time", async () => {
    const db = await openTestDatabase();
    open.push(db);
    const broken = { name: "99990101000000_broken", sql: `CREATE TABLE "Probe" (id int);\nSELECT * FROM "NoSuchTable";`, checksum: "x" };
    const attempt = applyMigrations(db.sql, { migrations: [...readMigrations(), broken] });
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/99990101000000_broken failed and was rolled back: .*NoSuchTable/);
    const probe = await db.sql.query(`SELECT to_regclass('"Probe"') AS t`);
    expect(probe[0]).toEqual({ t: null });
    const recorded = await db.sql.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1`, [broken.name]);
    expect(recorded).toEqual([]);
    const fixed = { ...broken, sql: `CREATE TABLE "Probe" (id int);` };
    expect((await applyMigrations(db.sql, { migrations: [...readMigrations(), fixed] })).applied).toEqual([fixed.name]);
  });

  it("refuse to start over a migration Prisma recorded as failed", async () => {
    const db = await openTestDatabase();
    open.push(db);
    await db.sql.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ('f', 'c', '99990101000000_half_done')`);
    await expect(applyMigrations(db.sql)).rejects.toThrow(/99990101000000_half_done failed earlier.*prisma migrate resolve/);
  });

  it("warn about a migration edited after it was applied, without re-running it", async () => {
    const db = await openTestDatabase();
    open.push(db);
    const warnings: string[] = [];
    const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: "edited" } : m));
    const report = await applyMigrations(db.sql, { migrations: edited, log: (m) => warnings.push(m) });
    expect(report.applied).toEqual([]);
    expect(warnings.join("\n")).toMatch(/was edited after it was applied/);
  });
});

describe("two servers starting at once on one empty database", () => {
  it.skipIf(!adminUrl)("both come up and the migrations run exactly once (PostgreSQL: runs when TEST_DATABASE_URL is set)", async () => {
    const name = await createScratchDatabase(adminUrl!);
    try {
      const url = withDatabase(adminUrl!, name);
      const [a, b] = await Promise.all([openDatabase({ url }), openDatabase({ url })]);
      open.push(a, b);
      const count = readMigrations().length;
      // One applied them all; the other waited on the advisory lock and found nothing to do.
      expect([a.migrations.applied.length, b.migrations.applied.length].sort()).toEqual([0, count]);
      const rows = await a.sql.query<{ n: string }>(`SELECT count(*) AS n FROM "_prisma_migrations"`);
      expect(Number(rows[0]!.n)).toBe(count);
      expect(await a.prisma.codeLocation.count()).toBe(0);
      expect(await b.prisma.codeLocation.count()).toBe(0);
    } finally {
      await Promise.all(open.splice(0).map((db) => db.close()));
      await dropScratchDatabase(adminUrl!, name);
    }
  });

  it("on PGlite, a data directory keeps its migrations across restarts", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "strata-pglite-"));
    const first = await openDatabase({ dataDir: dir });
    await first.prisma.apiToken.create({ data: { name: "kept", tokenHash: "h", prefix: "p", scopes: [] } });
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    open.push(second);
    expect(second.migrations.applied).toEqual([]);
    expect((await second.prisma.apiToken.findMany()).map((t) => t.name)).toEqual(["kept"]);
    // The same SQL layer applies on raw PGlite too (the migrator is below the driver adapter).
    const raw = await PGlite.create({ extensions: { pg_trgm } });
    expect((await applyMigrations(pgliteSql(raw))).applied.length).toBe(readMigrations().length);
    await raw.close();
  });
});

/** A fresh PGlite with every migration before the one named `…suffix` applied: `at` is that one's index in `all`. */
async function migratedUpTo(suffix: string) {
  const raw = await PGlite.create({ extensions: { pg_trgm } });
  const sql = pgliteSql(raw);
  const all = readMigrations();
  const at = all.findIndex((m) => m.name.endsWith(suffix));
  expect(at).toBeGreaterThan(0);
  await applyMigrations(sql, { migrations: all.slice(0, at) });
  return { raw, sql, all, at };
}

describe("upgrading a database that holds data", () => {
  it("keys run events by run and seq, keeping every event stored before", async () => {
    const { raw, sql, all, at } = await migratedUpTo("_run_event_keyed_by_run_and_seq");
    try {
      await sql.query(
        `INSERT INTO "RunEvent" ("runId", seq, type, payload) SELECT 'run-' || (n % 3), n, 'LOG', '{}'::jsonb FROM generate_series(1, 30) AS n`,
      );
      expect((await applyMigrations(sql, { migrations: all })).applied).toEqual(all.slice(at).map((m) => m.name));
      const kept = await sql.query<{ runId: string; n: number }>(
        `SELECT "runId", count(*)::int AS n FROM "RunEvent" GROUP BY "runId" ORDER BY "runId"`,
      );
      expect(kept).toEqual([
        { runId: "run-0", n: 10 },
        { runId: "run-1", n: 10 },
        { runId: "run-2", n: 10 },
      ]);
      const key = await sql.query<{ columns: string }>(
        `SELECT pg_get_indexdef(i.indexrelid) AS columns FROM pg_index i WHERE i.indrelid = '"RunEvent"'::regclass AND i.indisprimary`,
      );
      expect(key[0]?.columns).toMatch(/"RunEvent_pkey" ON public\."RunEvent" USING btree \("runId", seq\)/);
      await expect(sql.query(`INSERT INTO "RunEvent" ("runId", seq, type) VALUES ('run-1', 1, 'LOG')`)).rejects.toThrow(/RunEvent_pkey/);
    } finally {
      await raw.close();
    }
  });

  it("stores run event payloads as json text, each payload stored as jsonb before read back the same", async () => {
    const { raw, sql, all } = await migratedUpTo("_run_event_payload_json");
    try {
      const payloads = [{ assetKey: "a/b", metadata: { rows: { type: "int", value: 3 } }, stored: true }, null, { list: [1, "two", null] }];
      await sql.query(
        `INSERT INTO "RunEvent" ("runId", seq, type, payload) SELECT 'run', n, 'LOG', p FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(p, n)`,
        [JSON.stringify(payloads)],
      );
      await applyMigrations(sql, { migrations: all });
      const [column] = await sql.query<{ type: string }>(
        `SELECT data_type AS type FROM information_schema.columns WHERE table_name = 'RunEvent' AND column_name = 'payload'`,
      );
      expect(column?.type).toBe("json");
      const rows = await sql.query<{ payload: unknown }>(`SELECT payload FROM "RunEvent" WHERE "runId" = 'run' ORDER BY seq`);
      expect(rows.map((r) => r.payload)).toEqual(payloads);
    } finally {
      await raw.close();
    }
  });
});
