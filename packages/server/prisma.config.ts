import { defineConfig } from "prisma/config";

// Used by `prisma generate` only (scripts/prisma-generate.mjs). The server connects through a
// driver adapter and applies migrations itself, so the URL here is never dialled.
export default defineConfig({
  schema: "../../prisma/schema.prisma",
  migrations: { path: "../../prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://invalid/none" },
});
