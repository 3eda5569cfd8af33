import type { YogaInitialContext } from "graphql-yoga";
import type { Principal } from "./auth/principal.js";
import type { Database } from "./db/database.js";
import type { StrataPubSub } from "./pubsub/pubsub.js";
import type { RunService } from "./runs/run-service.js";

/** What Strata adds to each request's context. */
export interface StrataContext {
  readonly db: Database;
  readonly pubsub: StrataPubSub["pubsub"];
  readonly principal: Principal;
  readonly runs: RunService;
  readonly requestId: string;
}

/** What every resolver sees. */
export type Context = YogaInitialContext & StrataContext;
