/**
 * @strata/server/testing: helpers for tests that need a real Strata database or server.
 *
 * @example
 * import { openTestDatabase } from "@strata/server/testing";
 * const db = await openTestDatabase(); // PGlite in memory, or a fresh database on TEST_DATABASE_URL
 */
export { createScratchDatabase, dropScratchDatabase, openTestDatabase, testDialect, withDatabase } from "./test-database.js";
export { DAILY_JANUARY_UTC, DAILY_Q1_BERLIN, manifestOf, type FixtureAsset, type FixtureCheck } from "./manifests.js";
export { takeSseData } from "./sse-frames.js";
export { runStartPayload } from "./events.js";
export { seededRandom } from "./seeded-random.js";
