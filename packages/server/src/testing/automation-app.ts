import { type AutomationConfig, AutomationService } from "../automation/automation-service.js";
import { registerTestLocation } from "./location-app.js";
import { createTestApp, type TestApp } from "./test-app.js";

export interface AutomationTestApp {
  app: TestApp;
  /** The location's worker token (`location:<name>`). */
  worker: string;
  /** The loop, not started: a test calls `automation.tick()` after moving its clock. */
  automation: AutomationService;
  /** Stops the loop, then closes the app. */
  close(): Promise<void>;
}

/**
 * A test app (runs queued, not started) with one code location registered from `registration`
 * (a manifest and its hash) by its worker, and an automation loop on the test's clock `now`:
 * what tests of schedules, sensors and automation conditions start from.
 *
 * @example
 * let clock = Date.parse("2026-01-05T08:00:00Z");
 * const { app, automation } = await createAutomationTestApp("auto", manifestOf([{ key: "a" }]), () => clock);
 */
export async function createAutomationTestApp(
  location: string,
  registration: { manifest: unknown; hash: string },
  now: () => number,
  config: Partial<AutomationConfig> = {},
): Promise<AutomationTestApp> {
  const app = await createTestApp({ runs: { maxConcurrentRuns: 0 } });
  const worker = await app.token(`location:${location}`);
  await registerTestLocation(app, location, registration, worker);
  const automation = new AutomationService(app.db, app.runs, { intervalMs: 30_000, ...config }, app.logger, now);
  return {
    app,
    worker,
    automation,
    async close() {
      await automation.stop();
      await app.close();
    },
  };
}
