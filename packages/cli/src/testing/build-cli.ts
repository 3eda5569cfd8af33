import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: the end-to-end tests run the built `dist/bin.js`, so build it and its
 * dependencies first (turbo makes this a cache hit when nothing changed). Under turbo's own
 * `test` task, which depends on `build`, turbo has just done it (it sets TURBO_HASH).
 */
export default function buildCli(): void {
  if (process.env.TURBO_HASH) return;
  const root = fileURLToPath(new URL("../../../..", import.meta.url));
  execFileSync("npx", ["turbo", "run", "build", "--filter=@strata/cli...", "--output-logs=errors-only"], { cwd: root, stdio: "inherit" });
}
