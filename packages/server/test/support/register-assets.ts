import { expect } from "vitest";
import { type FixtureAsset, type FixtureCheck, manifestOf, REGISTER } from "../../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../../src/testing/test-app.js";

/**
 * Registers code location `name` with these fixture assets and checks, as the app's default
 * (admin) caller, and expects the server to accept it: what the catalog and lineage tests do
 * before reading what a registration stored.
 */
export async function registerAssets(app: TestApp, name: string, assets: FixtureAsset[], checks: FixtureCheck[] = []): Promise<void> {
  const result = await app.gql(REGISTER, { name, ...manifestOf(assets, checks) });
  expect(result.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
}

/** A test app with code location `name` registered (see registerAssets). */
export async function createRegisteredTestApp(name: string, assets: FixtureAsset[], checks: FixtureCheck[] = []): Promise<TestApp> {
  const app = await createTestApp();
  await registerAssets(app, name, assets, checks);
  return app;
}
