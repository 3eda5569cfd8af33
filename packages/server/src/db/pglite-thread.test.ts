import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGliteThread } from "./pglite-thread.js";

describe("PGlite on its own thread", () => {
  let thread: PGliteThread;
  let inProcess: PGlite;
  beforeAll(async () => {
    [thread, inProcess] = await Promise.all([PGliteThread.create(), PGlite.create({ extensions: { pg_trgm } })]);
  });
  afterAll(async () => {
    await Promise.all([thread?.close(), inProcess?.close()]);
  });

  it("answers as in-process PGlite does: values, types, row modes, parsers, several statements", async () => {
    const statement = `SELECT $1::int AS i, $2::bigint AS big, $3::text[] AS texts, $4::jsonb AS doc, $5::timestamptz AS at,
                              $6::bytea AS bytes, NULL::text AS nothing, $7::boolean AS yes`;
    const params = [
      7,
      "9007199254740993",
      ["a", 'b"c', null],
      { k: [1, "x"] },
      new Date("2026-12-07T10:00:00Z"),
      new Uint8Array([1, 2, 255]),
      true,
    ];
    for (const options of [undefined, { rowMode: "array" as const }, { parsers: { 25: (text: string) => text.toUpperCase() } }]) {
      const [got, expected] = await Promise.all([thread.query(statement, params, options), inProcess.query(statement, params, options)]);
      expect(got.rows).toEqual(expected.rows);
      expect(got.fields).toEqual(expected.fields);
    }
    const script = `CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (1), (2); SELECT sum(x) AS s FROM t; DROP TABLE t;`;
    const [got, expected] = await Promise.all([thread.exec(script), inProcess.exec(script)]);
    expect(got.map((r) => [r.rows, r.affectedRows])).toEqual(expected.map((r) => [r.rows, r.affectedRows]));
    expect(got[2]!.rows).toEqual([{ s: 3 }]);
  });

  it("fails a statement with PostgreSQL's error, and the next statement runs", async () => {
    // Refused when parsed, when its parameters are bound, and while it executes.
    const failures = [
      ["SELECT nope", [], "42703"],
      ["SELECT $1::int", ["seven"], "22P02"],
      ["SELECT 1 / $1::int", [0], "22012"],
    ] as const;
    for (const [statement, params, code] of failures) {
      const error = await thread.query(statement, [...params]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code, query: statement });
      expect((await thread.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    }
    await expect(thread.exec("SELECT 1; SELECT nope; SELECT 2")).rejects.toMatchObject({ code: "42703" });
    expect((await thread.exec("SELECT 2 AS two"))[0]!.rows).toEqual([{ two: 2 }]);
  });

  it("keeps a transaction to itself, rolls it back when it throws, and queues what comes meanwhile", async () => {
    await thread.exec(`CREATE TABLE ledger (n int)`);
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const committed = thread.transaction(async (tx) => {
      await tx.query(`INSERT INTO ledger VALUES (1)`);
      await held;
      await tx.query(`INSERT INTO ledger VALUES (2)`);
      order.push("committed");
    });
    // Outside the transaction: waits for it, then sees both rows.
    const outside = thread.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`).then((r) => {
      order.push("outside");
      return r.rows[0]!.n;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    release();
    await committed;
    expect(await outside).toBe(2);
    expect(order).toEqual(["committed", "outside"]);

    await expect(
      thread.transaction(async (tx) => {
        await tx.query(`INSERT INTO ledger VALUES (3)`);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    await expect(
      thread.transaction(async (tx) => {
        await tx.query(`INSERT INTO ledger VALUES (4)`);
        await tx.query(`INSERT INTO ledger VALUES ('four')`);
      }),
    ).rejects.toMatchObject({ code: "22P02" });
    expect((await thread.query<{ n: number }>(`SELECT n FROM ledger ORDER BY n`)).rows.map((r) => r.n)).toEqual([1, 2]);
  });

  it("serializes a repeated statement's parameters by the types its table has now", async () => {
    // The statement's description is kept between runs; a schema change must not leave it stale.
    const insert = `INSERT INTO shifting VALUES ($1)`;
    await thread.query(`CREATE TABLE shifting (v int)`);
    await thread.query(insert, [41]);
    await thread.query(insert, [42]);
    await thread.exec(`DROP TABLE shifting; CREATE TABLE shifting (v jsonb)`);
    await thread.query(insert, [{ now: "json" }]);
    await thread.query(`ALTER TABLE shifting ALTER COLUMN v TYPE int[] USING '{1}'`);
    await thread.query(insert, [[2, 3]]);
    expect((await thread.query<{ v: unknown }>(`SELECT v FROM shifting`)).rows).toEqual([{ v: [1] }, { v: [2, 3] }]);
  });

  it("answers many callers at once, each with its own rows", async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => thread.query<{ n: number }>(`SELECT $1::int * 2 AS n`, [i])));
    expect(answers.map((a) => a.rows[0]!.n)).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
  });

  it("gives each statement its own answer, whether it takes microseconds or many milliseconds, beside other threads", async () => {
    // Answers around the time a caller holds its thread for them (HOLD_MS), from three threads
    // on two cores: a late wake-up meant for one answer must not hand over the next one's.
    const others = await Promise.all([PGliteThread.create(), PGliteThread.create()]);
    try {
      const runs = await Promise.all(
        [thread, ...others].map(async (db) => {
          const wrong: string[] = [];
          for (let i = 0; i < 300; i++) {
            const n = (i % 20) * 2000;
            const [row] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM generate_series(1, $1::int)`, [n])).rows;
            if (row?.n !== n) wrong.push(`${n}: ${JSON.stringify(row)}`);
          }
          return wrong;
        }),
      );
      expect(runs).toEqual([[], [], []]);
    } finally {
      await Promise.all(others.map((db) => db.close()));
    }
  });

  it("leaves the event loop free while a long statement runs", async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 5);
    const started = performance.now();
    await thread.query(`SELECT count(*) FROM generate_series(1, 3000000) AS s(i) WHERE md5(i::text) LIKE '0%'`);
    const took = performance.now() - started;
    clearInterval(ticker);
    // In process, this thread would have run the statement in one piece: one gap as long as it.
    expect(took).toBeGreaterThan(300);
    expect(gaps.length).toBeGreaterThan(5);
    expect(Math.max(...gaps)).toBeLessThan(took / 3);
  });
});

describe("PGlite's thread and its data directory", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "strata-pglite-thread-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps what was written once closed, and refuses calls after close with a clear error", async () => {
    const dataDir = join(dir, "db");
    const first = await PGliteThread.create({ dataDir });
    await first.exec(`CREATE TABLE kept (v text)`);
    await first.query(`INSERT INTO kept VALUES ($1)`, ["still here"]);
    await first.close();
    await expect(first.query(`SELECT 1`)).rejects.toThrow("the embedded database is closed");
    const again = await PGliteThread.create({ dataDir });
    expect((await again.query<{ v: string }>(`SELECT v FROM kept`)).rows).toEqual([{ v: "still here" }]);
    await again.close();
  });

  it("fails every call with the reason once its thread has died, instead of hanging", async () => {
    const db = await PGliteThread.create();
    await db.query(`SELECT 1`);
    const worker = (db as unknown as { worker: { terminate(): Promise<number> } }).worker;
    // A statement under way when the thread goes, and one sent after.
    const underWay = db.query(`SELECT count(*) FROM generate_series(1, 5000000)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await worker.terminate();
    await expect(underWay).rejects.toThrow("the embedded database's thread stopped (exit code 1)");
    await expect(db.query(`SELECT 1`)).rejects.toThrow("the embedded database's thread stopped (exit code 1)");
    expect(db.closed).toBe(true);
    await db.close();
  });

  it("fails to open with the reason, leaving no thread behind", async () => {
    const notADirectory = join(dir, "file");
    writeFileSync(notADirectory, "not a database");
    await expect(PGliteThread.create({ dataDir: notADirectory })).rejects.toThrow(
      `could not open the embedded database (${notADirectory}): ErrnoError (errno 54)`,
    );
  });

  it("does not keep a process alive once nothing waits for it", () => {
    const script = join(dir, "forgets-close.mts");
    const module = new URL("./pglite-thread.ts", import.meta.url).href;
    writeFileSync(
      script,
      `const { PGliteThread } = await import(${JSON.stringify(module)});
       const db = await PGliteThread.create();
       console.log(JSON.stringify((await db.query("SELECT 41 + 1 AS n")).rows));`,
    );
    const child = spawnSync(process.execPath, ["--import", "tsx", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe(`[{"n":42}]`);
    expect(child.status).toBe(0);
  });
});
