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

/** Runs `fn` with Strata's app on a fresh in-memory PGlite database, closed afterwards. */
export function withPGliteApp<T>(fn: (app: ReturnType<typeof benchApp>, pubsub: StrataPubSub, db: Db) => Promise<T>): Promise<T> {
  return withApp({}, fn);
}

async function withApp<T>(
  options: { url?: string },
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
