import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

async function register(name: string, assets: Parameters<typeof manifestOf>[0], token?: string) {
  const { manifest, hash } = manifestOf(assets);
  const result = await app.gql(REGISTER, { name, manifest, hash }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.registerCodeLocation;
}

describe(`registerCodeLocation (${testDialect})`, () => {
  it("stores version 1 and puts the location's assets in the catalog", async () => {
    const result = await register("sales", [
      { key: "sales/orders", description: "Raw orders", owners: ["team:sales"], kinds: ["postgres"] },
      { key: "sales/revenue", deps: ["sales/orders"], group: "finance", tags: { tier: "gold" } },
    ]);
    expect(result).toMatchObject({
      __typename: "RegisterCodeLocationSuccess",
      changed: true,
      version: 1,
      addedKeys: ["sales/orders", "sales/revenue"],
      removedKeys: [],
      location: { name: "sales", status: "LOADED", version: 1 },
    });
    const location = await app.gql(
      `{ codeLocation(name: "sales") { __typename ... on CodeLocation { name version hash registeredAt assetCount assets { key } } } }`,
    );
    expect(location.data!.codeLocation).toMatchObject({
      __typename: "CodeLocation",
      version: 1,
      hash: manifestOf([
        { key: "sales/orders", description: "Raw orders", owners: ["team:sales"], kinds: ["postgres"] },
        { key: "sales/revenue", deps: ["sales/orders"], group: "finance", tags: { tier: "gold" } },
      ]).hash,
      assetCount: 2,
      assets: [{ key: "sales/orders" }, { key: "sales/revenue" }],
    });
    expect(new Date(location.data!.codeLocation.registeredAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const asset = await app.gql(
      `{ asset(key: "sales/revenue") { ... on Asset { key path isDefined definition { group tags kinds owners dependencyKeys location { name } } } } }`,
    );
    expect(asset.data!.asset).toEqual({
      key: "sales/revenue",
      path: ["sales", "revenue"],
      isDefined: true,
      definition: {
        group: "finance",
        tags: { tier: "gold" },
        kinds: [],
        owners: [],
        dependencyKeys: ["sales/orders"],
        location: { name: "sales" },
      },
    });
  });

  it("is a no-op, and says so, for the same hash", async () => {
    const again = await register("sales", [
      { key: "sales/orders", description: "Raw orders", owners: ["team:sales"], kinds: ["postgres"] },
      { key: "sales/revenue", deps: ["sales/orders"], group: "finance", tags: { tier: "gold" } },
    ]);
    expect(again).toMatchObject({ changed: false, version: 1, addedKeys: [], removedKeys: [] });
    expect(again.message).toMatch(/already at this manifest \(version 1\); nothing changed/);
    expect(await app.db.prisma.codeLocationVersion.count()).toBe(1);
  });

  it("confirms a hash sent without its manifest when it is the current version, and asks for the manifest otherwise", async () => {
    const HASH_ONLY = `mutation($name: String!, $hash: String!) { registerCodeLocation(name: $name, hash: $hash) {
      __typename ... on Error { message code } ... on RegisterCodeLocationSuccess { changed version }
      ... on ManifestRequiredError { location hash } } }`;
    const { hash } = manifestOf([
      { key: "sales/orders", description: "Raw orders", owners: ["team:sales"], kinds: ["postgres"] },
      { key: "sales/revenue", deps: ["sales/orders"], group: "finance", tags: { tier: "gold" } },
    ]);
    const current = await app.gql(HASH_ONLY, { name: "sales", hash });
    expect(current.data!.registerCodeLocation).toEqual({ __typename: "RegisterCodeLocationSuccess", changed: false, version: 1 });
    const other = await app.gql(HASH_ONLY, { name: "sales", hash: "f".repeat(64) });
    expect(other.data!.registerCodeLocation).toMatchObject({
      __typename: "ManifestRequiredError",
      code: "MANIFEST_REQUIRED",
      location: "sales",
      hash: "f".repeat(64),
    });
    const unknown = await app.gql(HASH_ONLY, { name: "nobody", hash });
    expect(unknown.data!.registerCodeLocation).toMatchObject({ __typename: "ManifestRequiredError", location: "nobody" });
    // Nothing was written by any of them.
    expect(await app.db.prisma.codeLocationVersion.count()).toBe(1);
    expect(await app.db.prisma.codeLocation.count({ where: { name: "nobody" } })).toBe(0);
  });

  it("replaces assets and edges on a change: a new dependency appears, a dropped asset keeps its history", async () => {
    await app.gql(`mutation { reportMaterialization(assetKey: "sales/orders", metadata: { rows: 10 }) { __typename } }`);
    const result = await register("sales", [
      { key: "sales/customers" },
      { key: "sales/revenue", deps: ["sales/customers"], group: "finance" },
    ]);
    expect(result).toMatchObject({ changed: true, version: 2, addedKeys: ["sales/customers"], removedKeys: ["sales/orders"] });
    const revenue = await app.gql(`{ asset(key: "sales/revenue") { ... on Asset { definition { dependencyKeys } upstream { key } } } }`);
    expect(revenue.data!.asset).toEqual({ definition: { dependencyKeys: ["sales/customers"] }, upstream: [{ key: "sales/customers" }] });
    // The rewritten asset's old edge went with its old row (edges have no foreign key to cascade).
    const edges = await app.db.prisma.assetDependency.findMany({ where: { downstreamKey: { startsWith: "sales/" } } });
    expect(edges).toEqual([{ downstreamKey: "sales/revenue", upstreamKey: "sales/customers" }]);
    const orders = await app.gql(
      `{ asset(key: "sales/orders") { ... on Asset { isDefined definition { key } latestMaterialization { metadata { label type value } } materializations { edges { node { assetKey } } } } } }`,
    );
    expect(orders.data!.asset).toEqual({
      isDefined: false,
      definition: null,
      latestMaterialization: { metadata: [{ label: "rows", type: "int", value: 10 }] },
      materializations: { edges: [{ node: { assetKey: "sales/orders" } }] },
    });
    const catalog = await app.gql(`{ assets(location: "sales") { edges { node { key } } } }`);
    expect(catalog.data!.assets.edges.map((e: { node: { key: string } }) => e.node.key)).toEqual(["sales/customers", "sales/revenue"]);
  });

  it("names only the keys it defines as collisions, not its dependencies on another location's assets", async () => {
    // A location's first registration: its keys and the dependencies' keys go to the database in
    // one list, and only its own keys are checked against other locations' nodes.
    const result = await register("finance", [
      { key: "finance/budget", deps: ["sales/customers", "sales/revenue"] },
      { key: "sales/revenue" },
      { key: "finance/forecast", deps: ["finance/budget"] },
    ]);
    expect(result).toMatchObject({
      __typename: "AssetKeyCollisionError",
      collisions: [{ key: "sales/revenue", definedBy: "sales" }],
    });
    expect(await app.db.prisma.codeLocation.findUnique({ where: { name: "finance" } })).toBeNull();
    expect(await app.db.prisma.asset.findUnique({ where: { key: "finance/budget" } })).toBeNull();
  });

  it("refuses a key another location defines, with the culprits, and writes nothing", async () => {
    const before = await app.db.prisma.codeLocationVersion.count();
    const result = await register("marketing", [{ key: "marketing/campaigns" }, { key: "sales/revenue" }]);
    expect(result).toMatchObject({
      __typename: "AssetKeyCollisionError",
      code: "ASSET_KEY_COLLISION",
      locationName: "marketing",
      collisions: [{ key: "sales/revenue", definedBy: "sales" }],
    });
    expect(result.message).toMatch(/"sales\/revenue" \(defined by sales\).*Nothing was registered/);
    expect(await app.db.prisma.codeLocation.findUnique({ where: { name: "marketing" } })).toBeNull();
    expect(await app.db.prisma.asset.findUnique({ where: { key: "marketing/campaigns" } })).toBeNull();
    expect(await app.db.prisma.codeLocationVersion.count()).toBe(before);
    const revenue = await app.db.prisma.assetNode.findUniqueOrThrow({ where: { key: "sales/revenue" }, include: { location: true } });
    expect(revenue.location.name).toBe("sales");
  });

  it("refuses an invalid manifest with every problem's path, and writes nothing", async () => {
    const { manifest, hash } = manifestOf([{ key: "ok" }]);
    const broken = {
      ...manifest,
      assets: [{ ...manifest.assets[0]!, key: "bad key!", group: 7 }],
    };
    const result = await app.gql(REGISTER, { name: "broken", manifest: broken, hash });
    expect(result.data!.registerCodeLocation.__typename).toBe("InvalidManifestError");
    const paths = result.data!.registerCodeLocation.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["assets.0.key", "assets.0.group"]));
    expect(await app.db.prisma.codeLocation.findUnique({ where: { name: "broken" } })).toBeNull();
    // Its keys were written by the registration's first statement, which runs while the schema is
    // checked (register.ts, manifestOutline), and rolled back with it.
    expect(await app.db.prisma.asset.findUnique({ where: { key: "bad key!" } })).toBeNull();
    // Keys that are not even strings are refused before anything is written.
    const shapeless = await app.gql(REGISTER, {
      name: "broken",
      manifest: { ...manifest, assets: [{ ...manifest.assets[0]!, key: 7 }] },
      hash,
    });
    expect(shapeless.data!.registerCodeLocation.problems.map((p: { path: string }) => p.path)).toContain("assets.0.key");
    expect(await app.db.prisma.codeLocation.findUnique({ where: { name: "broken" } })).toBeNull();
  });

  it("refuses a manifest whose assets are valid but a step is not, after writing its rows, and keeps none of them", async () => {
    // Assets are checked and their rows sent to the database before the steps' schema is checked
    // (manifest.ts, parseManifestInParts): the refusal rolls those writes back.
    const { manifest, hash } = manifestOf([{ key: "halfbroken/a" }, { key: "halfbroken/b", deps: ["halfbroken/a"] }]);
    const broken = { ...manifest, steps: [{ ...manifest.steps[0]!, kind: "nonsense" }, manifest.steps[1]!] };
    const result = await app.gql(REGISTER, { name: "halfbroken", manifest: broken, hash });
    expect(result.data!.registerCodeLocation).toMatchObject({ __typename: "InvalidManifestError", problems: [{ path: "steps.0.kind" }] });
    expect(await app.db.prisma.codeLocation.findUnique({ where: { name: "halfbroken" } })).toBeNull();
    expect(await app.db.prisma.asset.count({ where: { key: { startsWith: "halfbroken/" } } })).toBe(0);
    expect(await app.db.prisma.assetNode.count({ where: { key: { startsWith: "halfbroken/" } } })).toBe(0);
    expect(await app.db.prisma.assetDependency.count({ where: { downstreamKey: "halfbroken/b" } })).toBe(0);
  });

  it("refuses a hash that does not match the manifest", async () => {
    const { manifest } = manifestOf([{ key: "ok" }]);
    const result = await app.gql(REGISTER, { name: "tampered", manifest, hash: "0".repeat(64) });
    expect(result.data!.registerCodeLocation).toMatchObject({
      __typename: "InvalidManifestError",
      problems: [{ path: "hash", message: expect.stringMatching(/does not match the manifest's content/) }],
    });
  });

  it("refuses a manifest whose content does not match the location's current hash it claims, and one both invalid and colliding as invalid", async () => {
    // The hash of what sales has registered, sent with other content: not a no-op, a mismatch.
    const current = await app.db.prisma.codeLocation.findUniqueOrThrow({ where: { name: "sales" }, include: { currentVersion: true } });
    const versionsBefore = await app.db.prisma.codeLocationVersion.count({ where: { locationId: current.id } });
    const { manifest } = manifestOf([{ key: "sales/other" }]);
    const claimed = await app.gql(REGISTER, { name: "sales", manifest, hash: current.currentVersion!.hash });
    expect(claimed.data!.registerCodeLocation).toMatchObject({ __typename: "InvalidManifestError", problems: [{ path: "hash" }] });
    // A cycle and another location's key at once: the manifest's problem is what is reported.
    const both = manifestOf([
      { key: "marketing/a", deps: ["sales/revenue"] },
      { key: "sales/revenue", deps: ["marketing/a"] },
    ]);
    const refused = await app.gql(REGISTER, { name: "marketing", ...both });
    expect(refused.data!.registerCodeLocation.__typename).toBe("InvalidManifestError");
    expect(refused.data!.registerCodeLocation.problems.map((p: { message: string }) => p.message).join("\n")).toMatch(/cycle/);
    expect(await app.db.prisma.codeLocation.findUnique({ where: { name: "marketing" } })).toBeNull();
    expect(await app.db.prisma.codeLocationVersion.count({ where: { locationId: current.id } })).toBe(versionsBefore);
    expect(await app.db.prisma.assetNode.findUnique({ where: { key: "sales/other" } })).toBeNull();
  });

  it("refuses a manifest version the server does not know, and a manifest that is not an object", async () => {
    const { manifest } = manifestOf([{ key: "ok" }]);
    const future = { ...manifest, manifestVersion: 99 };
    const { manifestHash } = await import("../src/catalog/manifest.js");
    const result = await app.gql(REGISTER, { name: "future", manifest: future, hash: manifestHash(future) });
    expect(result.data!.registerCodeLocation.problems).toEqual([
      { path: "manifestVersion", message: expect.stringMatching(/version 99 is not supported.*upgrade the server/) },
    ]);
    const notObject = await app.gql(REGISTER, { name: "junk", manifest: [1, 2], hash: "x" });
    expect(notObject.data!.registerCodeLocation.__typename).toBe("InvalidManifestError");
  });

  it("refuses a duplicate key and an asset whose step does not exist", async () => {
    const { manifest } = manifestOf([{ key: "dup" }]);
    const bad = {
      ...manifest,
      assets: [manifest.assets[0]!, manifest.assets[0]!, { ...manifest.assets[0]!, key: "orphan", stepKey: "nowhere" }],
    };
    const { manifestHash } = await import("../src/catalog/manifest.js");
    const result = await app.gql(REGISTER, { name: "dups", manifest: bad, hash: manifestHash(bad) });
    const messages = result.data!.registerCodeLocation.problems.map((p: { message: string }) => p.message).join("\n");
    expect(messages).toMatch(/duplicate asset key "dup"/);
    expect(messages).toMatch(/names step "nowhere", which the manifest does not define/);
  });

  describe("refuses a manifest the definitions package would never build, with its definition error code, and writes nothing", () => {
    interface Mutable {
      assets: Array<{ key: string; deps: string[]; stepKey: string }>;
      steps: Array<{
        key: string;
        inputs: Array<{ name: string; stepKey: string; output: string; assetKey: string | null }>;
        outputs: Array<{ name: string; assetKey: string | null }>;
        deps: Array<{ stepKey: string; output: string; assetKey: string }>;
      }>;
    }
    async function refused(name: string, edit: (manifest: Mutable) => void) {
      const { manifest } = manifestOf([
        { key: "raw" },
        { key: "clean", deps: ["raw"] },
        { key: "report", deps: ["clean"] },
        { key: "split/a", deps: ["clean"], multiAsset: { name: "split", canSubset: false } },
        { key: "split/b", deps: ["clean"], multiAsset: { name: "split", canSubset: false } },
      ]);
      const bad = structuredClone(manifest) as unknown as Mutable;
      edit(bad);
      const { manifestHash } = await import("../src/catalog/manifest.js");
      const result = await app.gql(REGISTER.replace("problems { path message }", "problems { path message code }"), {
        name,
        manifest: bad,
        hash: manifestHash(bad),
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!.registerCodeLocation.__typename).toBe("InvalidManifestError");
      expect(await app.db.prisma.codeLocation.findUnique({ where: { name } })).toBeNull();
      expect(await app.db.prisma.asset.findUnique({ where: { key: "split/a" } })).toBeNull();
      return result.data!.registerCodeLocation.problems as Array<{ path: string; message: string; code: string }>;
    }
    const step = (m: Mutable, key: string) => m.steps.find((s) => s.key === key)!;
    const asset = (m: Mutable, key: string) => m.assets.find((a) => a.key === key)!;

    it("assets depending on each other in a cycle", async () => {
      const problems = await refused("cycle2", (m) => asset(m, "raw").deps.push("report"));
      expect(problems).toContainEqual({
        path: "assets",
        code: "cycle",
        message: expect.stringMatching(/assets depend on each other in a cycle: (raw|clean|report) → /),
      });
    });

    it("steps depending on each other in a cycle", async () => {
      const problems = await refused("stepcycle", (m) => step(m, "raw").deps.push({ stepKey: "split", output: "a", assetKey: "split/a" }));
      expect(problems.map((p) => p.code)).toContain("cycle");
      expect(problems.find((p) => p.code === "cycle")!.message).toMatch(/steps depend on each other in a cycle/);
    });

    it("an asset key produced by two steps", async () => {
      const problems = await refused("twoproducers", (m) => step(m, "report").outputs.push({ name: "clean", assetKey: "clean" }));
      expect(problems).toContainEqual({
        path: "steps.2.outputs.1.assetKey",
        code: "duplicate_key",
        message: expect.stringMatching(/"clean" is produced by step "clean" and by step "report"/),
      });
    });

    it("a multi-asset listing the same output key twice", async () => {
      const problems = await refused("multidup", (m) => step(m, "split").outputs.push({ name: "c", assetKey: "split/a" }));
      expect(problems.map((p) => p.code)).toContain("duplicate_key");
    });

    it("duplicate output or input names within a step", async () => {
      const outputs = await refused("dupout", (m) => step(m, "split").outputs.push({ name: "a", assetKey: null }));
      expect(outputs).toContainEqual(
        expect.objectContaining({ code: "duplicate_key", message: expect.stringMatching(/output "a" twice/) }),
      );
      const inputs = await refused("dupin", (m) => {
        const input = { name: "x", stepKey: "raw", output: "raw", assetKey: "raw" };
        step(m, "clean").inputs.push(input, { ...input });
      });
      expect(inputs).toContainEqual(expect.objectContaining({ code: "duplicate_key", message: expect.stringMatching(/input "x" twice/) }));
      // A step with many outputs is checked another way (a Set rather than pairwise): same answer.
      const many = await refused("dupmany", (m) => {
        const outputs = step(m, "split").outputs;
        for (let n = 0; n < 12; n++) outputs.push({ name: `extra_${n}`, assetKey: null });
        outputs.push({ name: "extra_3", assetKey: null });
      });
      expect(many).toContainEqual({
        path: "steps.3.outputs.14.name",
        code: "duplicate_key",
        message: 'step "split" names output "extra_3" twice',
      });
    });

    it("duplicate asset keys and step keys", async () => {
      const assets = await refused("dupasset", (m) => m.assets.push(structuredClone(asset(m, "raw"))));
      expect(assets).toContainEqual(expect.objectContaining({ code: "duplicate_key" }));
      const steps = await refused("dupstep", (m) => m.steps.push(structuredClone(step(m, "raw"))));
      expect(steps).toContainEqual(expect.objectContaining({ code: "duplicate_step_key" }));
    });

    it("an asset its step does not produce", async () => {
      const problems = await refused("notproduced", (m) => (asset(m, "report").stepKey = "raw"));
      expect(problems).toContainEqual(
        expect.objectContaining({
          path: "assets.2.stepKey",
          message: expect.stringMatching(/step "raw" has no output for asset "report"/),
        }),
      );
    });
  });

  it("refuses an invalid location name", async () => {
    const { manifest, hash } = manifestOf([{ key: "x" }]);
    const result = await app.gql(REGISTER, { name: "no spaces", manifest, hash });
    expect(result.data!.registerCodeLocation).toMatchObject({ __typename: "InvalidArgumentError", code: "BAD_USER_INPUT" });
  });

  it("records heartbeats and load errors; a load error keeps the previous assets", async () => {
    const beat = await app.gql(`mutation { reportCodeLocationHeartbeat(name: "sales") { ... on CodeLocation { lastHeartbeatAt } } }`);
    expect(new Date(beat.data!.reportCodeLocationHeartbeat.lastHeartbeatAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const unknown = await app.gql(
      `mutation { reportCodeLocationHeartbeat(name: "nobody") { __typename ... on NotFoundError { kind key } } }`,
    );
    expect(unknown.data!.reportCodeLocationHeartbeat).toEqual({ __typename: "NotFoundError", kind: "code location", key: "nobody" });
    const failed = await app.gql(
      `mutation { reportCodeLocationLoadError(name: "sales", error: "TypeError: x is not a function") { ... on CodeLocation { status loadError assetCount } } }`,
    );
    expect(failed.data!.reportCodeLocationLoadError).toEqual({
      status: "LOAD_ERROR",
      loadError: "TypeError: x is not a function",
      assetCount: 2,
    });
    // Registering again (even the same manifest) recovers.
    const again = await register("sales", [
      { key: "sales/customers" },
      { key: "sales/revenue", deps: ["sales/customers"], group: "finance" },
    ]);
    expect(again).toMatchObject({ changed: true, location: { status: "LOADED" } });
  });

  it("lists code locations by name", async () => {
    const result = await app.gql(`{ codeLocations { name status } }`);
    expect(result.data!.codeLocations).toEqual([{ name: "sales", status: "LOADED" }]);
  });
});

// After the tests above, which count the locations and versions there are.
describe(`registerCodeLocation, awkward texts (${testDialect})`, () => {
  it("stores every text as sent: quotes, backslashes, commas, braces, NULL, empty and non-ASCII strings in every column", async () => {
    // The nodes' columns travel as joined texts or PostgreSQL array literals (node-rows.ts,
    // nodeColumnTexts): what either gives meaning to must come back as it was sent.
    const awkward = ['say "hi"', "back\\slash", "a,b", "{braced}", "NULL", "", "Ünïcode ✓ 😀"];
    const tags = Object.fromEntries(awkward.map((text, i) => [`${text}${i}`, text]));
    const result = await register("awkward", [
      {
        key: "awkward/one",
        description: awkward.join(" | "),
        owners: awkward.filter(Boolean),
        kinds: awkward.filter(Boolean),
        tags,
        metadata: { note: { type: "text", value: awkward.join("\n") } },
        codeVersion: 'v"1\\',
      },
      { key: "awkward/two", deps: ["awkward/one"] },
    ]);
    expect(result).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 1 });
    const node = await app.db.prisma.assetNode.findUniqueOrThrow({ where: { key: "awkward/one" } });
    expect(node).toMatchObject({
      description: awkward.join(" | "),
      owners: awkward.filter(Boolean),
      kinds: awkward.filter(Boolean),
      tags,
      tagPairs: Object.entries(tags).map(([key, value]) => `${key}=${value}`),
      metadata: { note: { type: "text", value: awkward.join("\n") } },
      codeVersion: 'v"1\\',
      groupName: "default",
      isSubsettable: true,
      multiAssetName: null,
      partitions: null,
    });
    const two = await app.db.prisma.assetNode.findUniqueOrThrow({ where: { key: "awkward/two" } });
    expect(two).toMatchObject({ description: null, owners: [], kinds: [], tags: {}, tagPairs: [], codeVersion: null });
    const edges = await app.db.prisma.assetDependency.findMany({ where: { downstreamKey: "awkward/two" } });
    expect(edges.map((e) => e.upstreamKey)).toEqual(["awkward/one"]);
  });

  it("keeps the control characters a column's values are joined with, empty strings apart from NULL", async () => {
    // Most columns travel as their values joined by U+001F, U+001E standing for NULL
    // (node-rows.ts, columnText); a column holding either goes as an array literal instead.
    const result = await register("separators", [
      { key: "separators/one", description: "before\u001fafter", codeVersion: "\u001e" },
      { key: "separators/two", description: "", codeVersion: "\u001eplus" },
      { key: "separators/three", owners: ["x\u001fy"], tags: { "\u001e": "\u001f" } },
    ]);
    expect(result).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 1 });
    const nodes = await app.db.prisma.assetNode.findMany({ where: { key: { startsWith: "separators/" } }, orderBy: { key: "asc" } });
    expect(
      nodes.map(({ key, description, codeVersion, owners, tags, tagPairs }) => ({ key, description, codeVersion, owners, tags, tagPairs })),
    ).toEqual([
      { key: "separators/one", description: "before\u001fafter", codeVersion: "\u001e", owners: [], tags: {}, tagPairs: [] },
      {
        key: "separators/three",
        description: null,
        codeVersion: null,
        owners: ["x\u001fy"],
        tags: { "\u001e": "\u001f" },
        tagPairs: ["\u001e=\u001f"],
      },
      { key: "separators/two", description: "", codeVersion: "\u001eplus", owners: [], tags: {}, tagPairs: [] },
    ]);
  });
});

describe(`registerCodeLocation after its location was deleted by hand (${testDialect})`, () => {
  const assets = [{ key: "restored/raw" }, { key: "restored/clean", deps: ["restored/raw"] }];
  const forget = (sql: string) => app.db.sql.query(sql);
  const catalog = async () => ({
    nodes: await app.db.sql.query<{ key: string; location: string }>(
      `SELECT n.key, l.name AS location FROM "AssetNode" n JOIN "CodeLocation" l ON l.id = n."locationId" WHERE n.key LIKE 'restored/%' ORDER BY n.key`,
    ),
    edges: await app.db.sql.query(`SELECT "downstreamKey", "upstreamKey" FROM "AssetDependency" WHERE "downstreamKey" LIKE 'restored/%'`),
    orphans: await app.db.sql.query(
      `SELECT key FROM "AssetNode" n WHERE NOT EXISTS (SELECT 1 FROM "CodeLocation" l WHERE l.id = n."locationId") ORDER BY key`,
    ),
  });
  const registered = {
    nodes: [
      { key: "restored/clean", location: "restored" },
      { key: "restored/raw", location: "restored" },
    ],
    edges: [{ downstreamKey: "restored/clean", upstreamKey: "restored/raw" }],
    orphans: [],
  };

  it("registers the same keys again: the nodes and edges its row left behind are released", async () => {
    expect(await register("restored", assets)).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 1 });
    // Nothing cascades from the row to its nodes or edges (no foreign keys): they stay, holding the keys.
    await forget(`DELETE FROM "CodeLocation" WHERE name = 'restored'`);
    expect((await catalog()).orphans).toEqual([{ key: "restored/clean" }, { key: "restored/raw" }]);
    const again = await register("restored", assets);
    expect(again).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 1, addedKeys: ["restored/clean", "restored/raw"] });
    expect(await catalog()).toEqual(registered);
  });

  it("registers them again when only edges were left behind, as before nodes lost their foreign key", async () => {
    await forget(`DELETE FROM "AssetNode" WHERE key LIKE 'restored/%'`);
    await forget(`DELETE FROM "CodeLocation" WHERE name = 'restored'`);
    expect(await register("restored", assets)).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 1 });
    expect(await catalog()).toEqual(registered);
  });

  it("still refuses keys another location holds, releasing nothing of it", async () => {
    const taken = await register("usurper", [{ key: "restored/raw" }]);
    expect(taken).toMatchObject({ __typename: "AssetKeyCollisionError", collisions: [{ key: "restored/raw", definedBy: "restored" }] });
    expect(await catalog()).toEqual(registered);
  });
});

describe(`registerCodeLocation, several at once (${testDialect})`, () => {
  // Both insert the key neither defines into Asset in their leading statement: on PostgreSQL with
  // ON CONFLICT (the transactions overlap), on PGlite with NOT EXISTS (one runs after the other).
  it("registers locations sent together that depend on the same key none defines", async () => {
    const names = ["shared_a", "shared_b", "shared_c"];
    const results = await Promise.all(names.map((name) => register(name, [{ key: `${name}/report`, deps: ["upstream/never_defined"] }])));
    expect(results.map((r) => r.__typename)).toEqual(names.map(() => "RegisterCodeLocationSuccess"));
    const upstream = await app.gql(`{ asset(key: "upstream/never_defined") { ... on Asset { key isDefined downstream { key } } } }`);
    expect(upstream.data!.asset).toEqual({
      key: "upstream/never_defined",
      isDefined: false,
      downstream: names.map((name) => ({ key: `${name}/report` })),
    });
  });
});
