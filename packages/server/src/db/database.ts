import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PrismaPg } from "@prisma/adapter-pg";
import type { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.js";
import { redactUrl } from "../redact-url.js";
import { acquireDataDirLock } from "./data-dir-lock.js";
import { applyMigrations, type MigrateOptions, type MigrationReport } from "./migrator.js";
import { pgliteSql, postgresSql, type Sql } from "./sql.js";

/** An open database: Prisma for the domain, `sql` for migrations and hot paths. */
export interface Database {
  readonly prisma: PrismaClient;
  readonly sql: Sql;
  readonly dialect: Sql["dialect"];
  /** Where the data lives, for start-up messages: a directory, "memory", or the URL without its password. */
  readonly location: string;
  readonly migrations: MigrationReport;
  /** Whether text sorts byte by byte (C, C.UTF-8, POSIX), which turns key prefixes into ranges. */
  readonly bytewiseCollation: boolean;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://...` selects PostgreSQL; absent selects embedded PGlite. */
  url?: string | undefined;
  /** PGlite's data directory; absent or "memory" keeps the data in memory. */
  dataDir?: string | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number | undefined;
  migrate?: MigrateOptions;
}

/**
 * Opens Strata's database and brings its schema up to date. Embedded PGlite by default,
 * PostgreSQL when `url` is given: the same schema and migrations, one code path above the driver
 * adapter.
 *
 * @example
 * const db = await openDatabase({ dataDir: ".strata/db" });
 * const count = await db.prisma.assetNode.count();
 * await db.close();
 */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPGlite(options);
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  const inMemory = !options.dataDir || options.dataDir === "memory";
  // One process per data directory, or it corrupts: refuse while another has it open.
  const lock = inMemory ? null : acquireDataDirLock(options.dataDir!, "server");
  if (!inMemory) mkdirSync(options.dataDir!, { recursive: true });
  let db: PGlite;
  let PrismaPGliteAdapter: typeof PrismaPGlite;
  try {
    // Each driver is imported when it is used: a server on PostgreSQL loads no PGlite, and the
    // other way round (~0.1 s of a start each).
    const [{ PGlite }, { PGliteThread }, adapter] = await Promise.all([
      import("@electric-sql/pglite"),
      import("./pglite-thread.js"),
      import("pglite-prisma-adapter"),
    ]);
    PrismaPGliteAdapter = adapter.PrismaPGlite;
    const startParams = inMemory
      ? undefined
      : [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffersMb(options.dataDir!)}MB`];
    // On a thread of its own (pglite-thread.ts), behind PGlite's own client: to Prisma's adapter
    // and to `sql`, it is a PGlite.
    db = (await PGliteThread.create({ dataDir: inMemory ? undefined : options.dataDir, startParams })) as unknown as PGlite;
  } catch (error) {
    lock?.release();
    throw error;
  }
  return databaseOver(
    pgliteSql(db),
    () => new PrismaPGliteAdapter(db),
    inMemory ? "memory" : options.dataDir!,
    options,
    async () => {
      await db.close();
      lock?.release();
    },
  );
}

/**
 * The buffer pool of an embedded database on disk, in MB: the size of its data (base/), between
 * 32 and 128 (PostgreSQL's default, which initdb writes). PGlite zeroes its whole shared memory
 * as it starts, ~4 ms per MB here: 128 MB made ~0.5 s of every start of a small database, whose
 * pages fit many times over. Pages beyond the pool are read from the files, through the OS's
 * cache; the pool grows with the data at the next start (a new database starts at 32). In
 * memory, the data is in memory anyway, and the default stands.
 */
export function sharedBuffersMb(dataDir: string): number {
  const base = join(dataDir, "base");
  let bytes = 0;
  const add = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) add(path);
      else if (entry.isFile()) bytes += statSync(path).size;
    }
  };
  if (existsSync(base)) add(base);
  return Math.min(128, Math.max(32, Math.ceil(bytes / 2 ** 20 / 8) * 8));
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import("pg"), import("@prisma/adapter-pg")]);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // PostgreSQL compiles a statement with LLVM once its estimated cost passes jit_above_cost
    // (100,000 by default), and the estimates of this server's walks and key-list statements
    // pass it on small data: compiling took 4.8-8.7 ms of a reachability walk that ran in ~1 ms,
    // after every run (auto_explain). Nothing here is a long analytical scan that JIT would repay.
    // The pool hands a connection out once this is done. A server without JIT support ignores it,
    // and one refusing it (PostgreSQL < 11) is still used as it is.
    onConnect: async (client) => {
      await client.query("SET jit = off").catch(() => {});
    },
  });
  // A connection can drop at any moment (a failover, a restart, pg_terminate_backend). An idle
  // one reports it on the pool; one checked out (by a transaction here or in Prisma's adapter)
  // emits 'error' on itself, which without a listener kills the process. Its query fails
  // instead (SERVICE_UNAVAILABLE, see connection-loss.ts) and the pool replaces it.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return databaseOver(
    postgresSql(pool),
    () => new PrismaPg(pool),
    redactUrl(url, "postgres"),
    options,
    () => pool.end(),
  );
}

/**
 * The database over an open driver: its schema brought up to date, then Prisma on the driver's
 * adapter. `closeDriver` ends the driver, on close or when this fails.
 */
async function databaseOver(
  sql: Sql,
  adapter: () => PrismaPGlite | PrismaPg,
  location: string,
  options: DatabaseOptions,
  closeDriver: () => Promise<void>,
): Promise<Database> {
  try {
    const migrations = await applyMigrations(sql, options.migrate);
    const prisma = new PrismaClient({ adapter: adapter() });
    return {
      prisma,
      sql,
      dialect: sql.dialect,
      location,
      migrations,
      bytewiseCollation: await isBytewise(sql),
      async close() {
        await prisma.$disconnect();
        await closeDriver();
      },
    };
  } catch (error) {
    await closeDriver();
    throw error;
  }
}

async function isBytewise(sql: Sql): Promise<boolean> {
  const [row] = await sql.query<{ collation: string }>(
    `SELECT datcollate AS collation FROM pg_database WHERE datname = current_database()`,
  );
  return /^(C|POSIX|C\.UTF-?8)$/i.test(row?.collation ?? "");
}
