import { defineConfig } from "vitest/config";

// Each diff replays the migrations in PGlite under Prisma's WASM engine: ~20 s of CPU each. On two
// cores shared with the other packages' suites (load average 7 and more while `npm test` runs
// beside other work) one took over 120 s of wall time and failed a correct check; the bound is
// there to catch a hang, not to measure speed.
export default defineConfig({ test: { include: ["src/**/*.test.ts"], testTimeout: 600_000 } });
