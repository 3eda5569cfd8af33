import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

// Prisma 6's CLI with its WASM schema engine (engine "js"), used only to diff
// prisma/migrations against prisma/schema.prisma. In-memory PGlite serves as both the database
// and the shadow database into which the engine replays the migrations. Prisma 7 would need
// its native engine for this, which these machines cannot download.
const extensions = { pg_trgm };

async function connectInMemory() {
  const db = new PGlite({ extensions });
  const adapter = await new PrismaPGlite(db).connect();
  // The engine sends each migration.sql as one argument-less statement; PGlite's query() takes a
  // single statement, exec() takes a script.
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (query.args.length > 0) return executeRaw(query);
    await db.exec(query.sql);
    return 0;
  };
  return adapter;
}

class InMemoryPGlite extends PrismaPGlite {
  override connect() {
    return connectInMemory();
  }
  override connectToShadowDb() {
    return connectInMemory();
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: process.env.STRATA_DRIFT_SCHEMA ?? "../schema.prisma",
  adapter: async () => new InMemoryPGlite(new PGlite({ extensions })),
});
