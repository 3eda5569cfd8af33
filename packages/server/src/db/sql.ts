import { createHash } from "node:crypto";
import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import type pg from "pg";
import { asServiceUnavailable, isConnectionLoss } from "./connection-loss.js";

/**
 * A statement on a hot path (a run's launch, claim and reports, a stream's first read): on
 * PostgreSQL a named prepared statement, parsed once per connection instead of at every run, and
 * planned generically once PostgreSQL finds its plan does not depend on the values (after five
 * runs). Its text must be fixed, a module-level constant: each distinct text is one more
 * statement kept by every connection. Its result must name its columns (no `*` over a table):
 * a prepared statement's result keeps the shape it was prepared with, and PostgreSQL refuses it
 * once a migration changed what `*` means. PGlite runs it as any other statement. A pooler in
 * transaction mode (PgBouncer) needs its prepared-statement support on (`max_prepared_statements`).
 */
export interface PreparedStatement {
  readonly text: string;
  /** Derived from the text: the same text is the same statement, in any module. */
  readonly name: string;
}

/**
 * @example
 * ```ts
 * const RUN_STATUS = prepared(`SELECT status FROM "Run" WHERE id = $1`);
 * const [run] = await sql.query<{ status: string }>(RUN_STATUS, [runId]);
 * ```
 */
export function prepared(text: string): PreparedStatement {
  return { text, name: `strata_${createHash("sha256").update(text).digest("hex").slice(0, 24)}` };
}

/** A statement's text, prepared or not. */
export const textOf = (statement: string | PreparedStatement): string => (typeof statement === "string" ? statement : statement.text);

/**
 * The SQL a Strata server runs beside Prisma: migrations, advisory locks and the few hot paths
 * where a hand-written statement beats the query compiler. One interface over PGlite and
 * PostgreSQL, so everything above it is a single code path.
 */
export interface Sql {
  readonly dialect: "pglite" | "postgres";
  /** Runs one parameterised statement ($1, $2...) and returns its rows. */
  query<Row = Record<string, unknown>>(statement: string | PreparedStatement, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (a migration file). */
  exec(script: string): Promise<void>;
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection held for its whole duration (session-level state such as an
   * advisory lock lives on a connection, not a pool).
   */
  session<T>(fn: (session: Sql) => Promise<T>): Promise<T>;
  /**
   * Resolves once what this connection was asked to send has left the process (a PostgreSQL
   * socket's write buffer drained): a large statement is then the database's to parse and run
   * while this thread does other work. At once on a pool, and on PGlite (handed to its thread whole).
   */
  sent(): Promise<void>;
}

type PGliteQueryable = Pick<PGlite, "query" | "exec"> | PGliteTransaction;

class PGliteSql implements Sql {
  readonly dialect = "pglite" as const;
  constructor(
    private readonly db: PGlite,
    private readonly scope: PGliteQueryable = db,
  ) {}

  async query<Row>(statement: string | PreparedStatement, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.scope.query<Row>(textOf(statement), params as unknown[]);
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

  sent(): Promise<void> {
    return Promise.resolve();
  }
}

/** A pool, one checked-out connection, or one connection inside a transaction. */
type PostgresScope = { kind: "pool"; pool: pg.Pool } | { kind: "session" | "transaction"; client: pg.PoolClient };

class PostgresSql implements Sql {
  readonly dialect = "postgres" as const;
  constructor(private readonly scope: PostgresScope) {}

  private get queryable(): pg.Pool | pg.PoolClient {
    return this.scope.kind === "pool" ? this.scope.pool : this.scope.client;
  }

  async query<Row>(statement: string | PreparedStatement, params: readonly unknown[] = []): Promise<Row[]> {
    try {
      const result =
        typeof statement === "string"
          ? await this.queryable.query(statement, params as unknown[])
          : await this.queryable.query({ name: statement.name, text: statement.text, values: params as unknown[] });
      return result.rows as Row[];
    } catch (error) {
      throw asServiceUnavailable(error);
    }
  }

  sent(): Promise<void> {
    if (this.scope.kind === "pool") return Promise.resolve();
    // node-postgres writes a statement to its socket as it is issued; a write larger than the
    // socket takes waits in the stream's buffer, and goes out only while the event loop turns.
    // A remainder under the stream's high-water mark goes out on the next turn by itself (and
    // emits no "drain"): only a write the stream asked to wait for is waited for.
    const stream = (this.scope.client as { connection?: { stream?: NodeJS.WritableStream & { writableNeedDrain?: boolean } } }).connection
      ?.stream;
    if (!stream?.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stream.off("drain", done);
        stream.off("close", done);
        resolve();
      };
      stream.once("drain", done);
      stream.once("close", done);
    });
  }

  async exec(script: string): Promise<void> {
    try {
      await this.queryable.query(script); // The simple-query protocol takes several statements.
    } catch (error) {
      throw asServiceUnavailable(error);
    }
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.scope.kind === "transaction") return fn(this); // Join the transaction already open.
    return this.session(async (session) => {
      const client = (session as PostgresSql).queryable as pg.PoolClient;
      await client.query("BEGIN");
      try {
        const result = await fn(new PostgresSql({ kind: "transaction", client }));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  async session<T>(fn: (session: Sql) => Promise<T>): Promise<T> {
    if (this.scope.kind !== "pool") return fn(this);
    const client = await this.scope.pool.connect().catch((error: unknown) => {
      throw asServiceUnavailable(error);
    });
    let lost: Error | undefined;
    try {
      return await fn(new PostgresSql({ kind: "session", client }));
    } catch (error) {
      if (isConnectionLoss(error)) lost = error as Error;
      throw asServiceUnavailable(error); // BEGIN and COMMIT run on the client itself.
    } finally {
      // A connection that failed goes, not back to the pool: the next request gets a fresh one.
      client.release(lost);
    }
  }
}

export function pgliteSql(db: PGlite): Sql {
  return new PGliteSql(db);
}

export function postgresSql(pool: pg.Pool): Sql {
  return new PostgresSql({ kind: "pool", pool });
}
