import { type FixtureAsset, manifestOf, REGISTER } from "./manifests.js";
import { createTestApp, type TestApp } from "./test-app.js";

/**
 * A test app (runs admitted at once, a long lease) with one code location registered from
 * `assets`, and that location's worker token: what tests that play a location's worker start from.
 *
 * @example
 * const { app, worker } = await createLocationTestApp("parts", [{ key: "daily", partitions: DAILY_Q1_BERLIN }]);
 */
export async function createLocationTestApp(location: string, assets: FixtureAsset[]): Promise<{ app: TestApp; worker: string }> {
  const app = await createTestApp({ runs: { maxConcurrentRuns: 0, leaseSeconds: 30, startTimeoutSeconds: 600 } });
  const worker = await app.token(`location:${location}`);
  const registered = await app.gql(REGISTER, { name: location, ...manifestOf(assets) }, worker);
  const result = registered.data?.registerCodeLocation as { __typename?: string } | undefined;
  if (registered.errors || result?.__typename !== "RegisterCodeLocationSuccess") {
    throw new Error(`registering "${location}" failed: ${JSON.stringify(registered.errors ?? result)}`);
  }
  return { app, worker };
}
