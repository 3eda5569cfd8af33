import { manifestHash } from "@strata/server";
import { expect, it } from "vitest";
import { NotFoundError } from "./errors.js";
import { testManifest, useTestServer } from "./testing/test-server.js";

const server = useTestServer();

const HOUR = 3_600_000;

/** Registers `fresh/*` assets with these freshness policies (null: none). */
async function registerPolicies(policies: Record<string, unknown>) {
  const { manifest } = testManifest(Object.keys(policies).map((key) => ({ key }))) as {
    manifest: { assets: Array<{ key: string }> };
  };
  const withPolicies = {
    ...manifest,
    manifestVersion: 3,
    checks: [],
    assets: manifest.assets.map((a) => ({ ...a, freshness: policies[a.key] ?? null })),
  };
  await server()
    .client()
    .registerCodeLocation({ name: "fresh", manifest: withPolicies, hash: manifestHash(withPolicies) });
}

it("reads an asset's freshness state, policy, since when and next transition; null without a policy", async () => {
  const client = server().client();
  const hourly = { kind: "time_window", failAfterMs: HOUR, warnAfterMs: HOUR / 2 };
  await registerPolicies({ "fresh/ok": hourly, "fresh/never": hourly, "fresh/no_policy": null });
  const materialized = await client.reportMaterialization({ assetKey: "fresh/ok" });

  const ok = await client.assetFreshness("fresh/ok");
  expect(ok).toMatchObject({ assetKey: "fresh/ok", state: "PASS", policy: hourly, lastMaterializedAt: materialized.timestamp });
  // Warns half an hour after the materialization, unless it materializes again.
  expect(Date.parse(ok!.nextTransitionAt!)).toBe(Date.parse(materialized.timestamp) + HOUR / 2);
  expect(Date.parse(ok!.since)).toBeGreaterThanOrEqual(Date.parse(materialized.timestamp));

  expect(await client.assetFreshness("fresh/never")).toMatchObject({ state: "UNKNOWN", lastMaterializedAt: null, policy: hourly });
  expect(await client.assetFreshness("fresh/no_policy")).toBeNull();
  await expect(client.assetFreshness("fresh/nope")).rejects.toBeInstanceOf(NotFoundError);
});

it("streams each change of the given assets' freshness state", async () => {
  const client = server().client();
  await registerPolicies({ "fresh/late": { kind: "time_window", failAfterMs: 300, warnAfterMs: null }, "fresh/other": null });
  let connected!: () => void;
  const open = new Promise<void>((resolve) => (connected = resolve));
  const live = client.freshnessChanged({ assetKeys: ["fresh/late"] }, { onStatus: (s) => s.state === "connected" && connected() });
  const next = live.next();
  await open;
  await client.reportMaterialization({ assetKey: "fresh/late" });
  // Materialized: PASS; 300 ms later the server's timer fails it.
  expect((await next).value).toMatchObject({ assetKey: "fresh/late", state: "PASS" });
  const failed = (await live.next()).value;
  expect(failed).toMatchObject({ assetKey: "fresh/late", state: "FAIL", policy: { kind: "time_window", failAfterMs: 300 } });
  expect((await client.assetFreshness("fresh/late"))?.state).toBe("FAIL");
  live.close();
});
