import { type FixtureAsset, manifestOf, REGISTER } from "./manifests.js";
import { createTestApp, type TestApp } from "./test-app.js";

/**
 * A test app (runs admitted at once, a long lease) with one code location registered from
 * `assets`, that location's worker token, and `close` (the app's): what tests that play a
 * location's worker start from.
 *
 * @example
 * const { app, worker } = await createLocationTestApp("parts", [{ key: "daily", partitions: DAILY_Q1_BERLIN }]);
 */
export async function createLocationTestApp(
  location: string,
  assets: FixtureAsset[],
): Promise<{ app: TestApp; worker: string; close(): Promise<void> }> {
  const app = await createTestApp({ runs: { maxConcurrentRuns: 0, leaseSeconds: 30, startTimeoutSeconds: 600 } });
  const worker = await app.token(`location:${location}`);
  await registerTestLocation(app, location, manifestOf(assets), worker);
  return { app, worker, close: () => app.close() };
}

/**
 * Registers a code location (`registration`: a manifest and its hash, as `manifestOf` returns
 * them) with `token`; throws, failing the test's setup, unless the server answers success.
 *
 * @example
 * await registerTestLocation(app, "parts", manifestOf([{ key: "daily" }]), await app.token("location:parts"));
 */
export async function registerTestLocation(
  app: TestApp,
  location: string,
  registration: { manifest: unknown; hash: string },
  token?: string,
): Promise<void> {
  const registered = await app.gql(REGISTER, { name: location, ...registration }, token);
  const result = registered.data?.registerCodeLocation as { __typename?: string } | undefined;
  if (registered.errors || result?.__typename !== "RegisterCodeLocationSuccess") {
    throw new Error(`registering "${location}" failed: ${JSON.stringify(registered.errors ?? result)}`);
  }
}
