import { compactManifest, DIGEST_LENGTH, type ManifestBase, manifestDelta, manifestSchema } from "@strata/protocol";
import { contentHash, manifestHash, manifestHashAndDigests } from "@strata/protocol/hash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManifestBases, manifestBases } from "../src/catalog/manifest-bases.js";
import type { Sql } from "../src/db/sql.js";
import { type FixtureAsset, manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const ASK = /* GraphQL */ `
  mutation Ask($name: String!, $hash: String!) {
    registerCodeLocation(name: $name, hash: $hash) {
      __typename
      ... on ManifestRequiredError { base { hash digests } }
    }
  }
`;
const DELTA = /* GraphQL */ `
  mutation Delta($name: String!, $delta: JSON, $manifest: JSON, $hash: String!) {
    registerCodeLocation(name: $name, delta: $delta, manifest: $manifest, hash: $hash) {
      __typename
      ... on Error { message code }
      ... on RegisterCodeLocationSuccess { changed version addedKeys removedKeys }
      ... on InvalidManifestError { problems { path code message } }
      ... on ManifestRequiredError { base { hash } }
    }
  }
`;

const chain = (prefix: string, n: number): FixtureAsset[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `${prefix}/a${String(i).padStart(2, "0")}`,
    description: `asset ${i}`,
    ...(i > 0 ? { deps: [`${prefix}/a${String(i - 1).padStart(2, "0")}`] } : {}),
  }));

async function registerWhole(name: string, assets: FixtureAsset[]) {
  const { manifest, hash } = manifestOf(assets);
  const result = await app.gql(REGISTER, { name, manifest, hash });
  expect(result.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
  return hash;
}

async function baseOf(name: string, hash: string): Promise<ManifestBase> {
  const asked = await app.gql(ASK, { name, hash });
  expect(asked.data!.registerCodeLocation.__typename).toBe("ManifestRequiredError");
  return asked.data!.registerCodeLocation.base;
}

/** The location's nodes with the version that last wrote each, and their upstreams. */
const rows = (name: string) =>
  app.db.sql.query<{ key: string; version: number; description: string | null; deps: string[] }>(
    `SELECT n.key, v.version, n.description,
            ARRAY(SELECT d."upstreamKey" FROM "AssetDependency" d WHERE d."downstreamKey" = n.key ORDER BY 1) AS deps
       FROM "AssetNode" n JOIN "CodeLocationVersion" v ON v.id = n."versionId"
      WHERE n."locationId" = (SELECT id FROM "CodeLocation" WHERE name = $1) ORDER BY n.key`,
    [name],
  );

describe(`a registration sent as a delta of the registered version (${testDialect})`, () => {
  it("registers exactly what the whole manifest would, sending and rewriting only what changed", async () => {
    const v1 = chain("dl", 30);
    await registerWhole("dl", v1);
    const v2 = v1.filter((a) => a.key !== "dl/a29").map((a) => (a.key === "dl/a10" ? { ...a, description: "changed" } : a));
    v2.push({ key: "dl/z_new", deps: ["dl/a05"] });
    const next = manifestOf(v2);
    const base = await baseOf("dl", next.hash);
    expect(base.digests.assets).toHaveLength(30 * DIGEST_LENGTH);
    // The server's digests of what it registered are the location's own.
    expect(base.digests).toEqual(manifestHashAndDigests(manifestOf(v1).manifest).digests);

    const found = manifestDelta(next.manifest, manifestHashAndDigests(next.manifest).digests, base)!;
    // The changed asset (its step is as it was) and the new one with its step travel in full;
    // every other item is a range.
    expect(found.sent).toBe(3);
    expect(JSON.stringify(found.delta).length).toBeLessThan(JSON.stringify(next.manifest).length / 4);
    const result = await app.gql(DELTA, { name: "dl", delta: found.delta, hash: next.hash });
    expect(result.data!.registerCodeLocation).toEqual({
      __typename: "RegisterCodeLocationSuccess",
      changed: true,
      version: 2,
      addedKeys: ["dl/z_new"],
      removedKeys: ["dl/a29"],
    });

    const after = await rows("dl");
    expect(after.filter((r) => r.version === 2).map((r) => r.key)).toEqual(["dl/a10", "dl/z_new"]);
    expect(after.find((r) => r.key === "dl/a10")).toMatchObject({ description: "changed", deps: ["dl/a09"] });
    expect(after.find((r) => r.key === "dl/z_new")).toMatchObject({ deps: ["dl/a05"] });
    // The stored manifest is the whole one, with its hash.
    const location = await app.gql(`{ codeLocation(name: "dl") { ... on CodeLocation { hash manifest assetCount } } }`);
    expect(location.data!.codeLocation).toEqual({ hash: next.hash, manifest: next.manifest, assetCount: 30 });
  });

  it("rebuilds a manifest written in any script byte for byte, keeping ranges of the base at its ends and between changes", async () => {
    const v1 = chain("uml", 20).map((a, i) => ({ ...a, description: `größe ${i} ✓ 日本 🚀 "quoted" \\ back` }));
    await registerWhole("uml", v1);
    const v2 = v1
      .filter((a) => a.key !== "uml/a07")
      .map((a) => (["uml/a00", "uml/a12", "uml/a19"].includes(a.key) ? { ...a, description: `${a.description} ändert 変更` } : a));
    v2.push({ key: "uml/n_new", description: "nuevo ñ", deps: ["uml/a03"] });
    const next = manifestOf(v2);
    const found = manifestDelta(next.manifest, manifestHashAndDigests(next.manifest).digests, await baseOf("uml", next.hash))!;
    const result = await app.gql(DELTA, { name: "uml", delta: found.delta, hash: next.hash });
    expect(result.data!.registerCodeLocation).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 2 });
    const location = await app.gql(`{ codeLocation(name: "uml") { ... on CodeLocation { hash manifest } } }`);
    expect(location.data!.codeLocation).toEqual({ hash: next.hash, manifest: next.manifest });
    // And the version rebuilt is a base in turn: a delta of it registers as well.
    const v3 = v2.map((a) => (a.key === "uml/a15" ? { ...a, description: "zuletzt" } : a));
    const last = manifestOf(v3);
    const again = manifestDelta(last.manifest, manifestHashAndDigests(last.manifest).digests, await baseOf("uml", last.hash))!;
    expect(again.sent).toBe(1);
    expect((await app.gql(DELTA, { name: "uml", delta: again.delta, hash: last.hash })).data!.registerCodeLocation).toMatchObject({
      __typename: "RegisterCodeLocationSuccess",
      version: 3,
    });
  });

  it("registers a version-7 manifest under its compact form's hash, sent compact or whole, whole or as a delta", async () => {
    const v1 = chain("cm", 10).map((a, i) => (i === 3 ? { ...a, owners: ["team:x"] } : a));
    const seven = (assets: FixtureAsset[]) => {
      const whole = { ...manifestOf(assets).manifest, manifestVersion: 7 };
      return { whole, compact: compactManifest(whole) as typeof whole, hash: manifestHash(whole) };
    };
    const first = seven(v1);
    // Its first asset has no deps: the compact form leaves the list out.
    expect("deps" in first.compact.assets[0]!).toBe(false);
    const sent = await app.gql(REGISTER, { name: "cm", manifest: first.compact, hash: first.hash });
    expect(sent.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
    // The same manifest written whole has the same hash: unchanged.
    const again = await app.gql(REGISTER, { name: "cm", manifest: first.whole, hash: first.hash });
    expect(again.data!.registerCodeLocation).toMatchObject({ __typename: "RegisterCodeLocationSuccess", changed: false });
    // Hashed as the whole text, it is refused: the hash is the compact form's.
    const wrong = await app.gql(REGISTER, { name: "cm", manifest: first.whole, hash: contentHash(first.whole) });
    expect(wrong.data!.registerCodeLocation.problems).toEqual([expect.objectContaining({ path: "hash" })]);
    // Stored compact, and the defaults come back when it is parsed.
    const read = await app.gql(`{ codeLocation(name: "cm") { ... on CodeLocation { manifest } } }`);
    expect(read.data!.codeLocation.manifest).toEqual(first.compact);
    expect(manifestSchema.parse(read.data!.codeLocation.manifest)).toEqual(manifestSchema.parse(first.whole));
    expect(await rows("cm")).toContainEqual(expect.objectContaining({ key: "cm/a00", deps: [] }));
    // A delta whose changed item is written whole rebuilds the compact text.
    const next = seven(v1.map((a) => (a.key === "cm/a05" ? { ...a, description: "changed" } : a)));
    const base = await baseOf("cm", next.hash);
    expect(base.digests).toEqual(manifestHashAndDigests(first.compact).digests);
    const found = manifestDelta(next.whole, manifestHashAndDigests(next.whole).digests, base)!;
    expect(found.sent).toBe(1);
    const wholeItems = {
      ...found.delta,
      manifest: {
        ...found.delta.manifest,
        assets: (found.delta.manifest.assets as unknown[]).map((s) => (Array.isArray(s) ? s : next.whole.assets[5])),
      },
    };
    const result = await app.gql(DELTA, { name: "cm", delta: wholeItems, hash: next.hash });
    expect(result.data!.registerCodeLocation).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 2 });
    expect((await rows("cm")).find((r) => r.key === "cm/a05")).toMatchObject({ version: 2, description: "changed" });
  });

  it("works from the version read back from the database when the server no longer holds it", async () => {
    const v1 = chain("rb", 12);
    await registerWhole("rb", v1);
    manifestBases(app.db.sql).forget("rb");
    const v2 = v1.map((a) => (a.key === "rb/a03" ? { ...a, owners: ["team:x"] } : a));
    const next = manifestOf(v2);
    const found = manifestDelta(next.manifest, manifestHashAndDigests(next.manifest).digests, await baseOf("rb", next.hash))!;
    manifestBases(app.db.sql).forget("rb");
    const result = await app.gql(DELTA, { name: "rb", delta: found.delta, hash: next.hash });
    expect(result.data!.registerCodeLocation).toMatchObject({ __typename: "RegisterCodeLocationSuccess", version: 2 });
    expect((await rows("rb")).filter((r) => r.version === 2).map((r) => r.key)).toEqual(["rb/a03"]);
  });

  it("stores the manifest gzip-compressed as bytes, and CodeLocation.manifest reads it back", async () => {
    const assets = chain("stored", 3);
    await registerWhole("stored", assets);
    const [row] = await app.db.sql.query<{ magic: string; size: number }>(
      `SELECT encode(substring(v.manifest FROM 1 FOR 2), 'hex') AS magic, length(v.manifest) AS size
         FROM "CodeLocation" l JOIN "CodeLocationVersion" v ON v.id = l."currentVersionId" WHERE l.name = 'stored'`,
    );
    expect(row).toMatchObject({ magic: "1f8b" });
    const read = await app.gql(`{ codeLocation(name: "stored") { ... on CodeLocation { manifest } } }`);
    expect(read.data!.codeLocation.manifest).toEqual(manifestOf(assets).manifest);
  });

  it("asks for the whole manifest when the delta's base is no longer the registered version", async () => {
    const v1 = chain("st", 5);
    const h1 = await registerWhole("st", v1);
    const v2 = [...v1, { key: "st/extra" }];
    const next = manifestOf(v2);
    const found = manifestDelta(next.manifest, manifestHashAndDigests(next.manifest).digests, await baseOf("st", next.hash))!;
    const h3 = await registerWhole("st", chain("st", 6));
    const result = await app.gql(DELTA, { name: "st", delta: found.delta, hash: next.hash });
    expect(result.data!.registerCodeLocation).toMatchObject({ __typename: "ManifestRequiredError", base: { hash: h3 } });
    expect(found.delta.base).toBe(h1);
    expect((await rows("st")).map((r) => r.key)).not.toContain("st/extra");
  });

  it("refuses a delta it cannot rebuild, or that does not rebuild the hashed manifest, and writes nothing", async () => {
    const v1 = chain("bad", 4);
    await registerWhole("bad", v1);
    const next = manifestOf([...v1, { key: "bad/new" }]);
    const found = manifestDelta(next.manifest, manifestHashAndDigests(next.manifest).digests, await baseOf("bad", next.hash))!;
    const send = (delta: unknown, hash = next.hash) =>
      app.gql(DELTA, { name: "bad", delta, hash }).then((r) => r.data!.registerCodeLocation);
    const withAssets = (assets: unknown[]) => ({ ...found.delta, manifest: { ...found.delta.manifest, assets } });

    const outOfRange = await send(withAssets([[0, 9]]));
    expect(outOfRange.problems).toEqual([
      { path: "delta.manifest.assets.0", code: "invalid_value", message: "the base has 4 assets: no items 0 to 9" },
    ]);
    const notSegments = await send(withAssets([[2, 2], "bad/a00", [1, 2, 3]]));
    expect(notSegments.problems.map((p: { path: string }) => p.path)).toEqual([
      "delta.manifest.assets.0",
      "delta.manifest.assets.1",
      "delta.manifest.assets.2",
    ]);
    const badItem = await send(withAssets([[0, 4], { key: "Not a key!", deps: [] }]));
    expect(badItem.__typename).toBe("InvalidManifestError");
    expect(badItem.problems.some((p: { path: string }) => p.path.startsWith("assets.4."))).toBe(true);
    // Items in another order: a valid manifest, but not the one hashed.
    const reordered = await send(withAssets([[1, 2], [0, 1], [2, 4], (next.manifest.assets as unknown[])[4]]));
    expect(reordered.problems.map((p: { code: string }) => p.code)).toContain("hash_mismatch");
    const both = await app.gql(DELTA, { name: "bad", delta: found.delta, manifest: next.manifest, hash: next.hash });
    expect(both.data!.registerCodeLocation.problems).toEqual([
      { path: "delta", code: "invalid_value", message: "send either a manifest or a delta, not both" },
    ]);
    // Rewired: the whole graph is checked again (a00 now depends on a03, which depends on a00).
    const looped = manifestOf(v1.map((a, i) => (i === 0 ? { ...a, deps: ["bad/a03"] } : a)));
    const loop = manifestDelta(looped.manifest, manifestHashAndDigests(looped.manifest).digests, await baseOf("bad", looped.hash))!;
    const cycle = await send(loop.delta, looped.hash);
    expect(cycle.problems.map((p: { code: string }) => p.code)).toContain("cycle");
    const shapeless = await send({ manifest: {} });
    expect(shapeless.problems[0].path).toBe("delta.base");

    expect((await rows("bad")).map((r) => [r.key, r.version])).toEqual(v1.map((a) => [a.key, 1]));
    expect((await send(found.delta)).__typename).toBe("RegisterCodeLocationSuccess");
  });

  it("finds a cycle an added asset closes through an edge the base already had", async () => {
    // cy/x depends on cy/k, another location's key as far as the base knows; cy/k now joins the
    // location and depends on cy/x: the cycle runs through an unchanged edge (x -> k).
    const v1: FixtureAsset[] = [{ key: "cy/a" }, { key: "cy/x", deps: ["cy/a", "cy/k"] }];
    await registerWhole("cy", v1);
    const next = manifestOf([...v1, { key: "cy/k", deps: ["cy/x"] }]);
    const found = manifestDelta(next.manifest, manifestHashAndDigests(next.manifest).digests, await baseOf("cy", next.hash))!;
    expect(found.delta.manifest.assets).toContainEqual([0, 1]);
    const result = await app.gql(DELTA, { name: "cy", delta: found.delta, hash: next.hash });
    expect(result.data!.registerCodeLocation.problems).toContainEqual(
      expect.objectContaining({ path: "assets", code: "cycle", message: expect.stringContaining("cy/k") }),
    );
    // Added without the loop, it registers.
    const fine = manifestOf([...v1, { key: "cy/k", deps: ["cy/a"] }]);
    const ok = manifestDelta(fine.manifest, manifestHashAndDigests(fine.manifest).digests, await baseOf("cy", fine.hash))!;
    expect((await app.gql(DELTA, { name: "cy", delta: ok.delta, hash: fine.hash })).data!.registerCodeLocation).toMatchObject({
      __typename: "RegisterCodeLocationSuccess",
      addedKeys: ["cy/k"],
    });
  });

  it("keeps the most recently used manifests up to its capacity, and none larger than it", async () => {
    const kept = (assets: FixtureAsset[]) => {
      const { manifest } = manifestOf(assets);
      const text = JSON.stringify(manifest);
      return {
        fields: () => Promise.resolve([["assets", [text]] as const]),
        textLength: text.length,
        manifest: manifest as never,
        bytes: async () => Buffer.from(text),
      };
    };
    const small = kept(chain("c1", 3));
    const size = JSON.stringify(small.manifest).length;
    const bases = new ManifestBases(size * 2 + 10);
    bases.remember("one", "h1", small);
    bases.remember("two", "h2", kept(chain("c2", 3)));
    // Used last: "one" stays when a third comes.
    expect(await bases.get(app.db.sql, "one", "h1")).toMatchObject({ hash: "h1" });
    bases.remember("three", "h3", kept(chain("c3", 3)));
    expect(await bases.get(app.db.sql, "two", "h2")).toBeNull();
    expect(await bases.get(app.db.sql, "one", "h1")).toMatchObject({ hash: "h1" });
    bases.remember("huge", "h4", kept(chain("c4", 40)));
    expect(await bases.get(app.db.sql, "huge", "h4")).toBeNull();
    expect(await bases.get(app.db.sql, "three", "h3")).toMatchObject({ hash: "h3" });
  });

  it("hands the registered manifest to the run service's cache: the first launch after it reads nothing back", async () => {
    const v1 = chain("pr", 3);
    const { manifest } = manifestOf(v1);
    await registerWhole("pr", v1);
    const [version] = await app.db.sql.query<{ id: string }>(
      `SELECT v.id FROM "CodeLocationVersion" v JOIN "CodeLocation" l ON l."currentVersionId" = v.id WHERE l.name = 'pr'`,
    );
    const noDatabase = { query: () => Promise.reject(new Error("read from the database")) } as unknown as Sql;
    const cached = await app.runs.manifests.get(noDatabase, version!.id);
    expect(cached.assets.map((a) => a.key)).toEqual((manifest as { assets: Array<{ key: string }> }).assets.map((a) => a.key));
  });
});
