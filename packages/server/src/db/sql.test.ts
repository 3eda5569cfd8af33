import type pg from "pg";
import { describe, expect, it } from "vitest";
import { openTestDatabase, testDialect } from "../testing/test-database.js";
import { prepared } from "./sql.js";

type Stream = { writableLength: number; writableNeedDrain: boolean };
const socketOf = (client: pg.PoolClient) => (client as unknown as { connection: { stream: Stream } }).connection.stream;

describe("Sql#sent", () => {
  it("resolves once a statement larger than its socket has left the process, not when it is issued", async () => {
    const db = await openTestDatabase();
    try {
      // 32 MB of parameter: more than a loopback socket takes at once.
      const big = "x".repeat(32 * 1024 * 1024);
      await db.sql.transaction(async (tx) => {
        const answer = tx.query<{ n: number }>(`SELECT length($1::text) AS n`, [big]);
        if (db.sql.dialect === "postgres") {
          // The one connection the pool lent the transaction (a private field of PostgresSql).
          const client = (tx as unknown as { scope: { client: pg.PoolClient } }).scope.client;
          expect(socketOf(client).writableNeedDrain).toBe(true);
          await tx.sent();
          expect(socketOf(client).writableLength).toBe(0);
        } else {
          await tx.sent(); // PGlite: each statement is handed to its thread whole, as it is issued: nothing waits to be sent.
        }
        expect((await answer)[0]?.n).toBe(big.length);
      });
      // Outside a transaction the pool picks the connection: there is nothing to wait for.
      await expect(db.sql.sent()).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  });
});

describe("PostgreSQL connections", () => {
  // Compiling with LLVM took 5-9 ms of a 1 ms lineage walk after every run (database.ts).
  it.runIf(testDialect === "postgres")("have JIT compilation off, Prisma's included (runs on PostgreSQL)", async () => {
    const db = await openTestDatabase();
    try {
      // Several at once, so the pool opens several connections.
      const settings = await Promise.all(
        Array.from({ length: 4 }, () =>
          db.sql.transaction((tx) => tx.query<{ jit: string }>(`SELECT current_setting('jit') AS jit, pg_sleep(0.05)`)),
        ),
      );
      expect(settings.map(([row]) => row?.jit)).toEqual(["off", "off", "off", "off"]);
      const [prisma] = await db.prisma.$queryRawUnsafe<Array<{ jit: string }>>(`SELECT current_setting('jit') AS jit`);
      expect(prisma?.jit).toBe("off");
    } finally {
      await db.close();
    }
  });
});

describe("prepared statements", () => {
  const COUNT_ABOVE = prepared(`SELECT count(*)::int AS n FROM generate_series(1, 10) AS i WHERE i > $1`);

  it("answer as the same text does, in transactions too; on PostgreSQL each connection parses one once", async () => {
    const db = await openTestDatabase();
    try {
      expect(await db.sql.query(COUNT_ABOVE, [7])).toEqual([{ n: 3 }]);
      await db.sql.session(async (session) => {
        for (const above of [1, 2, 3]) expect(await session.query(COUNT_ABOVE, [above])).toEqual([{ n: 10 - above }]);
        await session.transaction(async (tx) => expect(await tx.query(COUNT_ABOVE, [9])).toEqual([{ n: 1 }]));
        if (db.sql.dialect !== "postgres") return;
        const named = await session.query<{ name: string; text: string }>(`SELECT name, statement AS text FROM pg_prepared_statements`);
        expect(named).toEqual([{ name: COUNT_ABOVE.name, text: COUNT_ABOVE.text }]);
      });
      // The name follows the text: the same text is the same statement wherever it is written.
      expect(prepared(COUNT_ABOVE.text).name).toBe(COUNT_ABOVE.name);
      expect(prepared(`${COUNT_ABOVE.text} `).name).not.toBe(COUNT_ABOVE.name);
    } finally {
      await db.close();
    }
  });
});
