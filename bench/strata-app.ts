import { createLogger, createStrataYoga, defaultRunConfig, RunService, type StrataPubSub } from "@strata/server";

type Db = Parameters<typeof createStrataYoga>[0]["db"];

/** Strata's GraphQL app without auth or logs, for in-process measurements. */
export function benchApp(db: Db, pubsub: StrataPubSub) {
  const logger = createLogger("silent");
  return createStrataYoga({ db, logger, pubsub, auth: "disabled", runs: new RunService(db, pubsub.pubsub, defaultRunConfig, logger) });
}
