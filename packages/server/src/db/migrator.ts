import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sql } from "./sql.js";

/**
 * Applies prisma/migrations at start-up, without Prisma's native schema engine (which these
 * machines cannot download). It keeps Prisma's own bookkeeping so that `prisma migrate deploy`
 * and `prisma migrate status` on a connected machine agree with what ran here:
 * - the `_prisma_migrations` table, with Prisma's columns, checksum = sha256 of migration.sql;
 * - Prisma's advisory lock key, so neither two servers nor a server and `prisma migrate deploy`
 *   can migrate at once.
 * Unlike Prisma, each migration runs inside a transaction: a failure leaves nothing half-applied
 * and nothing recorded, and the next start simply tries again.
 */

/** The advisory lock key Prisma's schema engine takes while migrating. */
export const PRISMA_MIGRATION_LOCK = 72707369;

/** Where the repository's migrations live, from src/db or dist/db alike. */
export const defaultMigrationsDir = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    message: string,
    readonly migration?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql`, in name order (Prisma's order). */
export function readMigrations(dir: string = defaultMigrationsDir): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`No migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface MigrateOptions {
  migrations?: Migration[];
  /** Told about each migration as it is applied, and about checksum mismatches. */
  log?: (message: string) => void;
}

/** Applies every pending migration, in order, once, under Prisma's advisory lock. */
export async function applyMigrations(sql: Sql, options: MigrateOptions = {}): Promise<MigrationReport> {
  const migrations = options.migrations ?? readMigrations();
  const log = options.log ?? (() => {});
  return sql.session(async (session) => {
    await session.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK]);
    try {
      await session.exec(CREATE_TABLE);
      // Read what ran only once the lock is ours: a server that waited here sees the work of the
      // one that held it and has nothing left to do.
      const rows = await session.query<AppliedRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
      );
      const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          `Migration ${failed.migration_name} failed earlier and was never resolved. Fix the database, then mark it with \`prisma migrate resolve\`.`,
          failed.migration_name,
        );
      }
      const done = new Map(rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
      for (const known of done.keys()) {
        if (!migrations.some((m) => m.name === known)) {
          log(`migration ${known} is recorded in the database but not present here: this server is older than its database`);
        }
      }
      const applied: string[] = [];
      for (const migration of migrations) {
        const previous = done.get(migration.name);
        if (previous) {
          if (previous.checksum !== migration.checksum) {
            log(`migration ${migration.name} was edited after it was applied (checksum differs); it is not re-run`);
          }
          continue;
        }
        await applyOne(session, migration);
        log(`applied migration ${migration.name}`);
        applied.push(migration.name);
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      await session.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK]);
    }
  });
}

async function applyOne(session: Sql, migration: Migration): Promise<void> {
  try {
    await session.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
        [randomUUID(), migration.checksum, migration.name],
      );
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${reason}`, migration.name, {
      cause: error,
    });
  }
}
