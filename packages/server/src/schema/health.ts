import { builder } from "../builder.js";
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
    databaseLatencyMs: t.exposeFloat("databaseLatencyMs", { description: "One round trip to the database." }),
  }),
});

builder.queryField("health", (t) =>
  t.field({
    type: HealthRef,
    description: "Checks that the server and its database answer.",
    resolve: async (_root, _args, ctx) => {
      const start = performance.now();
      await ctx.db.sql.query("SELECT 1");
      return {
        version: STRATA_VERSION,
        database: ctx.db.dialect === "pglite" ? ("PGLITE" as const) : ("POSTGRES" as const),
        databaseLatencyMs: performance.now() - start,
      };
    },
  }),
);
