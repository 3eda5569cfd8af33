import type { YogaInitialContext } from "graphql-yoga";
import type { Database } from "./db/database.js";

/** What Strata adds to each request's context. */
export interface StrataContext {
  readonly db: Database;
  readonly requestId: string;
}

/** What every resolver sees. */
export type Context = YogaInitialContext & StrataContext;
