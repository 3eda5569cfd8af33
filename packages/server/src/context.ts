import type { YogaInitialContext } from "graphql-yoga";
import type { Principal } from "./auth/principal.js";
import type { Database } from "./db/database.js";
import type { StrataPubSub } from "./pubsub/pubsub.js";

/** What Strata adds to each request's context. */
export interface StrataContext {
  readonly db: Database;
  readonly pubsub: StrataPubSub["pubsub"];
  readonly principal: Principal;
  readonly requestId: string;
}

/** What every resolver sees. */
export type Context = YogaInitialContext & StrataContext;
