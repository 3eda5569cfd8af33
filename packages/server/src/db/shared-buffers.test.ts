import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase, sharedBuffersMb } from "./database.js";

/** A data directory whose base/ holds files of `sizes` bytes (sparse: nothing is written). */
function dataDirOf(...sizes: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-buffers-"));
  mkdirSync(join(dir, "base", "5"), { recursive: true });
  sizes.forEach((size, i) => {
    const file = join(dir, "base", "5", String(16384 + i));
    writeFileSync(file, "");
    truncateSync(file, size);
  });
  return dir;
}

describe("the embedded database's buffer pool on disk", () => {
  it("follows the size of the data, in steps of 8 MB, between 32 and 128 MB", () => {
    expect(sharedBuffersMb(join(tmpdir(), "strata-no-such-dir"))).toBe(32);
    expect(sharedBuffersMb(dataDirOf(10 * 2 ** 20))).toBe(32);
    expect(sharedBuffersMb(dataDirOf(40 * 2 ** 20, 30 * 2 ** 20 + 1))).toBe(72);
    expect(sharedBuffersMb(dataDirOf(3 * 2 ** 30))).toBe(128);
  });

  it("is what PostgreSQL runs with, and a database that grew gets a larger pool at its next start", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "strata-buffers-")), "db");
    const first = await openDatabase({ dataDir: dir });
    try {
      expect(await first.sql.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "32MB" }]);
      // ~60 MB of rows: the data outgrows the pool it started with.
      await first.sql.query("CREATE TABLE filler AS SELECT g AS id, repeat('x', 500) AS pad FROM generate_series(1, 100000) AS g");
      await first.sql.query("CHECKPOINT");
    } finally {
      await first.close();
    }
    const grown = sharedBuffersMb(dir);
    expect(grown).toBeGreaterThan(32);
    const second = await openDatabase({ dataDir: dir });
    try {
      expect(await second.sql.query("SHOW shared_buffers")).toEqual([{ shared_buffers: `${grown}MB` }]);
      expect(await second.sql.query("SELECT count(*)::int AS n FROM filler")).toEqual([{ n: 100000 }]);
    } finally {
      await second.close();
    }
  });
});
