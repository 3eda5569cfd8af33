import { afterAll, beforeAll } from "vitest";

/**
 * What a test file (or a describe block) shares: made by `create` in beforeAll, closed in
 * afterAll. The object is returned at once and filled in by beforeAll, so tests read its fields.
 *
 * @example
 * const env = suiteFixture(() => createAutomationTestApp("auto", manifestOf([{ key: "a" }]), () => clock));
 * it("ticks", async () => expect(await env.automation.tick()).toHaveLength(1));
 */
export function suiteFixture<T extends { close(): Promise<void> }>(create: () => Promise<T>): T {
  const fixture = {} as T;
  beforeAll(async () => {
    Object.assign(fixture, await create());
  });
  afterAll(() => fixture.close());
  return fixture;
}
