import { type Sql, textOf } from "../db/sql.js";

/** What tapSql calls around each statement (a query or a script). */
export interface SqlTap {
  /** As the statement is issued, before the database has it. */
  before?(text: string): void;
  /** Once its answer is back. */
  after?(text: string): void;
}

/**
 * `sql` with `tap` called around every statement it runs, in its transactions and sessions too:
 * for tests that count statements, or act when one reaches the database (a request aborted as its
 * claim is issued).
 *
 * @example
 * ```ts
 * let statements = 0;
 * const counted = tapSql(app.db.sql, { before: () => statements++ });
 * ```
 */
export function tapSql(sql: Sql, tap: SqlTap): Sql {
  return {
    dialect: sql.dialect,
    query: async (statement, params) => {
      tap.before?.(textOf(statement));
      const rows = await sql.query(statement, params);
      tap.after?.(textOf(statement));
      return rows as never;
    },
    exec: async (script) => {
      tap.before?.(script);
      await sql.exec(script);
      tap.after?.(script);
    },
    transaction: (fn) => sql.transaction((tx) => fn(tapSql(tx, tap))),
    session: (fn) => sql.session((session) => fn(tapSql(session, tap))),
    sent: () => sql.sent(),
  };
}
