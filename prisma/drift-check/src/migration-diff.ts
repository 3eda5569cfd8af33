import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = fileURLToPath(new URL("..", import.meta.url));
// Prisma 6, pinned by this package (the server uses Prisma 7).
const prismaCli = join(dirname(createRequire(import.meta.url).resolve("prisma/package.json")), "build", "index.js");

/**
 * Foreign keys that schema.prisma declares, as relations Prisma's queries join through, and the
 * database deliberately does not have: a migration dropped each, saying why (the registration
 * or the ingest keeps them true by construction, and checking them per row cost a large part of the rows' insert).
 * Prisma cannot declare a relation without its foreign key on PostgreSQL (short of emulating
 * every relation, `relationMode = "prisma"`), so the diff's statements adding these back are
 * expected; any other difference still fails the check.
 */
export const UNENFORCED_RELATIONS = new Map([
  ["AssetNode_key_fkey", "20261208000000_asset_node_without_foreign_keys"],
  ["AssetNode_locationId_fkey", "20261208000000_asset_node_without_foreign_keys"],
  ["Materialization_assetKey_fkey", "20261211000000_materialization_without_asset_foreign_key"],
  ["RunStep_runId_fkey", "20261212000000_run_step_without_foreign_key"],
]);

/** The diff without the statements that would add an UNENFORCED_RELATIONS key back (with their `-- AddForeignKey` line). */
function withoutUnenforcedRelations(sql: string): string {
  const kept: string[] = [];
  for (const line of sql.split("\n")) {
    const constraint = /^ALTER TABLE "\w+" ADD CONSTRAINT "(\w+)" FOREIGN KEY /.exec(line)?.[1];
    if (constraint && UNENFORCED_RELATIONS.has(constraint)) {
      if (kept.at(-1) === "-- AddForeignKey") kept.pop();
    } else kept.push(line);
  }
  return kept.join("\n").trim();
}

/**
 * The SQL that would take `migrationsDir` to `schemaPath`, or `null` when they agree (but for
 * UNENFORCED_RELATIONS).
 * Runs Prisma 6's `migrate diff` from this package's own pinned install, fully offline.
 */
export async function migrationDiff(schemaPath: string, migrationsDir: string): Promise<string | null> {
  const work = mkdtempSync(join(tmpdir(), "strata-drift-"));
  try {
    // Prisma 6 requires a datasource url, Prisma 7 forbids one: diff a copy that has one.
    const schema = readFileSync(schemaPath, "utf8").replace(
      /^(datasource\s+\w+\s*\{)/m,
      '$1\n  url = "postgresql://unused@127.0.0.1:1/unused"',
    );
    writeFileSync(join(work, "schema.prisma"), schema);
    // An empty stand-in keeps Prisma 6 from fetching a query engine that a diff never loads.
    writeFileSync(join(work, "libquery_engine.so.node"), "");
    const hasMigrations =
      existsSync(migrationsDir) && readdirSync(migrationsDir).some((d) => existsSync(join(migrationsDir, d, "migration.sql")));
    const from = hasMigrations ? ["--from-migrations", join(work, "migrations")] : ["--from-empty"];
    if (hasMigrations) {
      cpSync(migrationsDir, join(work, "migrations"), { recursive: true });
      writeFileSync(join(work, "migrations", "migration_lock.toml"), 'provider = "postgresql"\n');
    }
    const { stdout } = await run(
      process.execPath,
      [prismaCli, "migrate", "diff", ...from, "--to-schema-datamodel", join(work, "schema.prisma"), "--script"],
      {
        cwd: here,
        env: {
          ...process.env,
          CHECKPOINT_DISABLE: "1",
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
          PRISMA_QUERY_ENGINE_LIBRARY: join(work, "libquery_engine.so.node"),
          STRATA_DRIFT_SCHEMA: join(work, "schema.prisma"),
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    if (stdout.includes("-- This is an empty migration.")) return null;
    const missing = withoutUnenforcedRelations(stdout);
    return missing === "" ? null : missing;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
