import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import type pg from "pg";

/**
 * The SQL a Strata server runs beside Prisma: migrations, advisory locks and the few hot paths
 * where a hand-written statement beats the query compiler. One interface over PGlite and
 * PostgreSQL, so everything above it is a single code path.
 */
export interface Sql {
  readonly dialect: "pglite" | "postgres";
  /** Runs one parameterised statement ($1, $2...) and returns its rows. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (a migration file). */
  exec(script: string): Promise<void>;
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection held for its whole duration (session-level state such as an
   * advisory lock lives on a connection, not a pool).
   */
  session<T>(fn: (session: Sql) => Promise<T>): Promise<T>;
}

type PGliteQueryable = Pick<PGlite, "query" | "exec"> | PGliteTransaction;

class PGliteSql implements Sql {
  readonly dialect = "pglite" as const;
  constructor(
    private readonly db: PGlite,
    private readonly scope: PGliteQueryable = db,
  ) {}

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.scope.query<Row>(text, params as unknown[]);
    return result.rows;
  }

  async exec(script: string): Promise<void> {
    await this.scope.exec(script);
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.scope !== this.db) return fn(this); // PGlite has no nested transactions; join the outer one.
    return this.db.transaction((tx) => fn(new PGliteSql(this.db, tx)));
  }

  session<T>(fn: (session: Sql) => Promise<T>): Promise<T> {
    return fn(this); // PGlite is a single connection already.
  }
}

class PostgresSql implements Sql {
  readonly dialect = "postgres" as const;
  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    private readonly isPool: boolean,
  ) {}

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.client.query(text, params as unknown[]);
    return result.rows as Row[];
  }

  async exec(script: string): Promise<void> {
    await this.client.query(script); // The simple-query protocol takes several statements.
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.session(async (session) => {
      const client = (session as PostgresSql).client;
      await client.query("BEGIN");
      try {
        const result = await fn(session);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    });
  }

  async session<T>(fn: (session: Sql) => Promise<T>): Promise<T> {
    if (!this.isPool) return fn(this);
    const client = await (this.client as pg.Pool).connect();
    try {
      return await fn(new PostgresSql(client, false));
    } finally {
      client.release();
    }
  }
}

export function pgliteSql(db: PGlite): Sql {
  return new PGliteSql(db);
}

export function postgresSql(pool: pg.Pool): Sql {
  return new PostgresSql(pool, true);
}
