import { createRequire } from "node:module";
import type { ViteUserConfig } from "vitest/config";

// graphql 16 ships both index.mjs and index.js. Node loads index.js for every importer, but Vite
// picks index.mjs for the modules it transforms, and two copies of graphql refuse each other's
// types ("from another module or realm"). Pin the one Node uses.
const graphqlEntry = createRequire(import.meta.url).resolve("graphql");

/**
 * Vitest settings every package shares. Tests import sibling packages from their TypeScript
 * sources (the `strata-source` export condition), so `npm test` never waits for a build.
 * PGlite takes 1-3 s to start and turbo runs packages side by side on two cores; on a loaded
 * machine (load average 15+) a server process took over 20 s to start. Tests wait for conditions,
 * never for fixed times, so these bounds only decide how long a real hang takes to fail: they are
 * generous on purpose, and a passing test never waits for them (expect.poll's included).
 */
export function strataVitest(overrides: ViteUserConfig["test"] = {}): ViteUserConfig {
  return {
    resolve: { conditions: ["strata-source"], alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
    ssr: { resolve: { conditions: ["strata-source"] } },
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      // expect.poll's own default is 1 s: under CI's load a UI page's first query took longer
      // (a lineage summary still "loading…"). A condition polled for is awaited like any other.
      expect: { poll: { timeout: 15_000 } },
      ...overrides,
    },
  };
}
