import { builder } from "../builder.js";
import type { Database } from "../db/database.js";
import { describedEnum } from "./described-enum.js";
import { STRATA_VERSION } from "../version.js";

interface Health {
  version: string;
  database: "PGLITE" | "POSTGRES";
  databaseLatencyMs: number;
}

const DatabaseKind = describedEnum("DatabaseKind", {
  PGLITE: "Embedded PGlite (Postgres in WASM).",
  POSTGRES: "PostgreSQL.",
});

const HealthRef = builder.objectRef<Health>("Health").implement({
  description: "The server is up and its database answers.",
  fields: (t) => ({
    version: t.exposeString("version", { description: "Strata's version." }),
    database: t.field({ type: DatabaseKind, resolve: (health) => health.database }),
    databaseLatencyMs: t.exposeFloat("databaseLatencyMs", {
      description: "One round trip to the database, shared by the health queries that arrive while it is under way.",
    }),
  }),
});

builder.queryField("health", (t) =>
  t.field({
    type: HealthRef,
    description: "Checks that the server and its database answer.",
    resolve: async (_root, _args, ctx) => ({
      version: STRATA_VERSION,
      database: ctx.db.dialect === "pglite" ? ("PGLITE" as const) : ("POSTGRES" as const),
      databaseLatencyMs: await roundTrip(ctx.db),
    }),
  }),
);

/** Each database's round trip under way, if one is. */
const underWay = new WeakMap<Database, Promise<number>>();

/**
 * A `SELECT 1` round trip's milliseconds. Health queries that arrive while one is under way
 * share it instead of each taking a connection for its own: a fleet of probes, or a load
 * balancer checking every few milliseconds, costs the database one query at a time. The
 * answer still means the database answered after the request arrived; nothing is kept once
 * the round trip ends, so a failure is seen by the queries that shared it and the next one
 * tries again.
 */
function roundTrip(db: Database): Promise<number> {
  const shared = underWay.get(db);
  if (shared) return shared;
  const start = performance.now();
  const trip = db.sql.query("SELECT 1").then(() => performance.now() - start);
  const ended = () => underWay.delete(db);
  trip.then(ended, ended);
  underWay.set(db, trip);
  return trip;
}
