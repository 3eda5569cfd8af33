import { defineConfig } from "vitest/config";

// Each diff replays the migrations in PGlite under Prisma's WASM engine: 10-30 s on two cores.
export default defineConfig({ test: { include: ["src/**/*.test.ts"], testTimeout: 120_000 } });
