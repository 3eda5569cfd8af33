import { expect, it } from "vitest";
import { createMemoryLogger } from "../src/logger.js";
import { createStrataPubSub } from "../src/pubsub/pubsub.js";
import { defaultRunConfig } from "../src/runs/run-config.js";
import { RunService } from "../src/runs/run-service.js";
import { tapSql } from "../src/testing/tap-sql.js";
import { openTestDatabase } from "../src/testing/test-database.js";

// A server shutting down stops its run service, then closes the database: a monitor pass still
// reading then failed on the closed database and logged "run monitor failed" at every such stop.
it("stop() waits for the monitor's pass under way, so the database closes after it", async () => {
  const db = await openTestDatabase();
  const { pubsub, close } = await createStrataPubSub();
  const logger = createMemoryLogger();
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let blocked = false;
  // The monitor's pass (its transaction) waits, once, until the test releases it.
  const sql = tapSql(db.sql, {});
  sql.transaction = (async (fn) => {
    if (!blocked) {
      blocked = true;
      entered();
      await held;
    }
    return db.sql.transaction(fn);
  }) as typeof sql.transaction;
  const service = new RunService({ ...db, sql }, pubsub, defaultRunConfig, logger);
  const tick = service.tick();
  await inside;
  let stopped = false;
  const stopping = service.stop().then(() => (stopped = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(stopped).toBe(false);
  release();
  await stopping;
  await tick;
  await db.close();
  await close();
  expect(logger.lines.filter((line) => line.level === "error").map((line) => line.message)).toEqual([]);
});
