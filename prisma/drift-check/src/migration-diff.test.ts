import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { migrationDiff, UNENFORCED_RELATIONS } from "./migration-diff.js";

const prismaDir = fileURLToPath(new URL("../..", import.meta.url));
const schemaPath = join(prismaDir, "schema.prisma");
const migrationsDir = join(prismaDir, "migrations");

describe.concurrent("prisma/schema.prisma and prisma/migrations", () => {
  it("agree: every schema change has its migration", async () => {
    const missing = await migrationDiff(schemaPath, migrationsDir);
    expect(
      missing,
      `schema.prisma has changes no migration applies. Write one with\n` +
        `  ../shared/tools/prisma-sql-diff/prisma-sql-diff --schema prisma/schema.prisma --migrations prisma/migrations --name <change>\n` +
        `The missing SQL:\n${missing}`,
    ).toBeNull();
  });

  it("disagree when the schema alone changes (the check can fail)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-drift-schema-"));
    const changed = readFileSync(schemaPath, "utf8").replace(/model ApiToken \{/, "model ApiToken {\n  driftProbe String?");
    writeFileSync(join(dir, "schema.prisma"), changed);
    const missing = await migrationDiff(join(dir, "schema.prisma"), migrationsDir);
    expect(missing).toContain('ADD COLUMN     "driftProbe" TEXT');
  });

  it("tolerate only the foreign keys a migration dropped on purpose, missing from the database", async () => {
    // Each unenforced relation is one a migration of this repository drops, by name.
    for (const [constraint, migration] of UNENFORCED_RELATIONS) {
      const sql = readFileSync(join(migrationsDir, migration, "migration.sql"), "utf8");
      expect(sql).toContain(`DROP CONSTRAINT "${constraint}"`);
    }
    // Another relation without its foreign key is still drift.
    const dir = mkdtempSync(join(tmpdir(), "strata-drift-fk-"));
    cpSync(migrationsDir, join(dir, "migrations"), { recursive: true });
    mkdirSync(join(dir, "migrations", "99999999999999_drop_probe"));
    writeFileSync(
      join(dir, "migrations", "99999999999999_drop_probe", "migration.sql"),
      'ALTER TABLE "AssetCheck" DROP CONSTRAINT "AssetCheck_assetKey_fkey";\n',
    );
    const missing = await migrationDiff(schemaPath, join(dir, "migrations"));
    expect(missing).toContain('ADD CONSTRAINT "AssetCheck_assetKey_fkey"');
    expect(missing).not.toContain("AssetNode_key_fkey");
  });
});
