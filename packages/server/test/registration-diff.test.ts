import { hash } from "node:crypto";
import { manifestItemSchemas } from "@strata/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeRows } from "../src/catalog/node-rows.js";
import { type FixtureCheck, manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

async function register(name: string, assets: Parameters<typeof manifestOf>[0], checks: FixtureCheck[] = []) {
  const { manifest, hash } = manifestOf(assets, checks);
  const result = await app.gql(REGISTER, { name, manifest, hash });
  expect(result.errors).toBeUndefined();
  return result.data!.registerCodeLocation;
}

describe(`a registration writes what changed (${testDialect})`, () => {
  it("rewrites only the assets that changed: the others keep their rows, states and checks", async () => {
    const assets = [{ key: "diff/a" }, { key: "diff/b", deps: ["diff/a"] }, { key: "diff/c", deps: ["diff/b"] }];
    await register("diff", assets, [{ asset: "diff/a", name: "not_empty" }]);
    const rows = () =>
      app.db.sql.query<{ key: string; version: number; deps: string[] }>(
        `SELECT n.key, v.version, ARRAY(SELECT d."upstreamKey" FROM "AssetDependency" d WHERE d."downstreamKey" = n.key ORDER BY 1) AS deps
         FROM "AssetNode" n JOIN "CodeLocationVersion" v ON v.id = n."versionId" WHERE n."locationId" = (SELECT id FROM "CodeLocation" WHERE name = 'diff') ORDER BY n.key`,
      );
    expect((await rows()).map((r) => r.version)).toEqual([1, 1, 1]);
    // c depends on a now as well, d is new; a and b are as they were.
    await register(
      "diff",
      [assets[0]!, assets[1]!, { key: "diff/c", deps: ["diff/a", "diff/b"] }, { key: "diff/d" }],
      [{ asset: "diff/a", name: "not_empty" }],
    );
    expect(await rows()).toEqual([
      { key: "diff/a", version: 1, deps: [] },
      { key: "diff/b", version: 1, deps: ["diff/a"] },
      { key: "diff/c", version: 2, deps: ["diff/a", "diff/b"] },
      { key: "diff/d", version: 2, deps: [] },
    ]);
    const check = await app.gql(`{ asset(key: "diff/a") { ... on Asset { definition { checks { name } } } } }`);
    expect(check.data!.asset.definition.checks).toEqual([{ name: "not_empty" }]);
    // Dropping the check and d: the kept asset loses the check, d goes.
    const dropped = await register("diff", [assets[0]!, assets[1]!, { key: "diff/c", deps: ["diff/a", "diff/b"] }]);
    expect(dropped).toMatchObject({ version: 3, addedKeys: [], removedKeys: ["diff/d"] });
    expect((await rows()).map((r) => `${r.key}@${r.version}`)).toEqual(["diff/a@1", "diff/b@1", "diff/c@2"]);
    const none = await app.gql(`{ asset(key: "diff/a") { ... on Asset { definition { checks { name } checkHealth } } } }`);
    expect(none.data!.asset.definition).toEqual({ checks: [], checkHealth: null });
  });

  it("rewrites no unchanged asset whose fingerprint was stored before version 2", async () => {
    const assets = [{ key: "legacy/a" }, { key: "legacy/b", deps: ["legacy/a"] }, { key: "legacy/c", description: "first" }];
    await register("legacy", assets);
    // The rows as a server before fingerprint version 2 stored them: its hash of the row, the
    // dependencies and the entry, unprefixed.
    const parsed = manifestOf(assets).manifest.assets.map((a) => manifestItemSchemas.assets.parse(a));
    for (const node of await nodeRows(parsed, async () => {})) {
      const old = hash("sha256", `[${JSON.stringify(node.row)},${JSON.stringify(node.deps)},${JSON.stringify(node.asset)}]`, "base64url");
      await app.db.sql.query(`UPDATE "AssetNode" SET fingerprint = $2 WHERE key = $1`, [node.key, old]);
    }
    const stored = () =>
      app.db.sql.query<{ key: string; version: number; fingerprint: string }>(
        `SELECT n.key, v.version, n.fingerprint FROM "AssetNode" n JOIN "CodeLocationVersion" v ON v.id = n."versionId"
         WHERE n.key LIKE 'legacy/%' ORDER BY n.key`,
      );
    const before = await stored();
    await register("legacy", [assets[0]!, assets[1]!, { key: "legacy/c", description: "second" }]);
    const after = await stored();
    // a and b are as they were, their old fingerprints kept; c was written again, fingerprinted anew.
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).toMatchObject({ key: "legacy/c", version: 2 });
    expect(after[2]!.fingerprint).toMatch(/^2\./);
  });
});
