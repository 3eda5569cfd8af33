import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLogger,
  createStrataPubSub,
  createStrataYoga,
  defaultRunConfig,
  openDatabase,
  type RunConfig,
  RunService,
  type StrataPubSub,
} from "@strata/server";
import { scratchDatabase } from "./postgres.js";

type Db = Parameters<typeof createStrataYoga>[0]["db"];

/** Strata's GraphQL app without auth or logs, for in-process measurements. */
export function benchApp(db: Db, pubsub: StrataPubSub, runs: RunConfig = defaultRunConfig) {
  const logger = createLogger("silent");
  return createStrataYoga({ db, logger, pubsub, auth: "disabled", runs: new RunService(db, pubsub.pubsub, runs, logger) });
}

/**
 * Runs `fn` with Strata's app on a fresh scratch PostgreSQL database (also given, for fixtures
 * written straight in SQL), and drops it afterwards.
 */
export async function withScratchApp<T>(fn: (app: ReturnType<typeof benchApp>, pubsub: StrataPubSub, db: Db) => Promise<T>): Promise<T> {
  const scratch = await scratchDatabase();
  try {
    return await withApp({ url: scratch.url }, fn);
  } finally {
    await scratch.drop();
  }
}

/**
 * Runs `fn` with Strata's app on a fresh PGlite database in a temporary directory (files on disk,
 * as `strata dev` keeps .strata/db; in memory PGlite's file system behaves differently: it copies
 * a file as it grows). Removed afterwards.
 */
export async function withPGliteApp<T>(fn: (app: ReturnType<typeof benchApp>, pubsub: StrataPubSub, db: Db) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "strata-bench-pglite-"));
  try {
    return await withApp({ dataDir: dir }, fn);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withApp<T>(
  options: { url?: string; dataDir?: string },
  fn: (app: ReturnType<typeof benchApp>, pubsub: StrataPubSub, db: Db) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(options);
  const pubsub = await createStrataPubSub();
  try {
    return await fn(benchApp(db, pubsub), pubsub, db);
  } finally {
    await pubsub.close();
    await db.close();
  }
}
