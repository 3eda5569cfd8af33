import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import {
  AutomationCondition,
  canonicalJson,
  compactManifestItem,
  DIGEST_LENGTH,
  FIELDS_OMITTED_AT_DEFAULT,
  manifestCanonicalJson,
  manifestSchema,
} from "@strata/protocol";
import { manifestHashAndDigests } from "@strata/protocol/hash";
import { assetCheck } from "./asset-check.js";
import { AssetIn } from "./asset-in.js";
import { AssetOut } from "./asset-out.js";
import { asset } from "./asset.js";
import { singleRun } from "./backfill-policy.js";
import { checkSpec } from "./checks.js";
import { ASSET_KEYS, compactBuiltManifest, STEP_KEYS } from "./build-manifest.js";
import { Definitions } from "./definitions.js";
import { graphAsset } from "./graph-asset.js";
import { MetadataValue } from "./metadata.js";
import { multiAsset } from "./multi-asset.js";
import { op } from "./op.js";
import { timeWindowMapping } from "./partition-mapping.js";
import { dailyPartitions, staticPartitions } from "./partitions.js";
import { requiredResource } from "./resource.js";

function build() {
  const orders = asset(
    "orders",
    {
      keyPrefix: "sales",
      description: "one row per order",
      group: "sales",
      owners: ["ana@example.com", "team:data-eng"],
      tags: { tier: "gold", domain: "sales" },
      kinds: ["postgres", "csv"],
      codeVersion: "3",
      metadata: { source: MetadataValue.url("https://shop.example.com"), rows: 10 },
      retryPolicy: { maxRetries: 2, delay: 500, backoff: "exponential", jitter: "full" },
      resources: { warehouse: requiredResource() },
    },
    () => [1, 2],
  );
  const split = multiAsset(
    { name: "split", outs: { small: new AssetOut(), large: new AssetOut({ keyPrefix: "sales" }) }, ins: { orders }, canSubset: true },
    () => ({ small: 1, large: [3] }),
  );
  const clean = op("clean", (rows: number[]) => rows);
  const report = graphAsset("report", { ins: { large: split.out.large }, deps: ["finance/ledger"] }, ({ large }) => clean(large));
  const remote = asset("remote", { ins: { ledger: new AssetIn({ key: "finance/ledger" }) } }, () => 1);
  return [orders, split, report, remote] as const;
}

const resources = { warehouse: {} };

/** Assets and checks using every part of the manifest. */
function richAssets() {
  const days = dailyPartitions({ start: "2026-01-01", timezone: "Europe/Berlin" });
  const events = asset(
    "events",
    {
      keyPrefix: ["web", "raw"],
      partitions: days,
      description: 'clicks, \u2028 "quoted" and é',
      owners: ["team:web", "ana@example.com"],
      tags: { zeta: "1", alpha: "2", "10": "ten", "9": "nine" },
      kinds: ["s3", "parquet", "s3"],
      metadata: {
        table: MetadataValue.table([{ z: 1, a: null }], [{ name: "z", type: "int" }]),
        nested: MetadataValue.json({ b: [1, { d: 2, c: [3] }], a: "x" }),
        ratio: 0.5,
        none: null,
      },
      codeVersion: "7",
      retryPolicy: { maxRetries: 3, delay: 100, backoff: "linear" },
      checks: [checkSpec("non_empty", { blocking: true, description: "has rows" })],
    },
    () => [1],
  );
  const daily = asset(
    "daily",
    {
      partitions: days,
      ins: { events: { asset: events, mapping: timeWindowMapping({ startOffset: -1 }) } },
      freshness: { failAfterMs: 3_600_000, warnAfterMs: 1_800_000 },
      automation: AutomationCondition.eager(),
    },
    ({ events }) => events,
  );
  const regions = staticPartitions(["eu", "us"]);
  const split = multiAsset(
    {
      name: "split",
      outs: { one: new AssetOut({ group: "g1" }), two: new AssetOut({ isRequired: false }) },
      partitions: regions,
      canSubset: true,
    },
    () => ({ one: 1 }),
  );
  const graph = graphAsset("graphed", { ins: { one: split.out.one }, deps: ["other/place"] }, ({ one }) =>
    op("twice", (n: number) => n * 2)(one),
  );
  const remote = asset(
    "remote",
    { ins: { ledger: new AssetIn({ key: "finance/ledger" }) }, automation: AutomationCondition.onCron("0 9 * * *", "Europe/Berlin") },
    () => 1,
  );
  const positive = assetCheck(daily, { name: "positive", blocking: true }, () => true);
  return { assets: [events, daily, split, graph, remote], checks: [positive] };
}

describe("the manifest", () => {
  it("describes every asset and step, sorted by key", () => {
    const { manifest } = new Definitions({ assets: build(), resources }).manifest();

    expect(manifest.manifestVersion).toBe(7);
    expect(manifest.assets.map((a) => a.key)).toEqual(["remote", "report", "sales/large", "sales/orders", "small"]);
    expect(manifest.steps.map((s) => s.key)).toEqual(["remote", "report.clean", "sales/orders", "split"]);
    expect(manifest.assets.find((a) => a.key === "sales/orders")).toEqual({
      key: "sales/orders",
      deps: [],
      group: "sales",
      description: "one row per order",
      owners: ["ana@example.com", "team:data-eng"],
      tags: { tier: "gold", domain: "sales" },
      kinds: ["csv", "postgres"],
      metadata: { source: { type: "url", value: "https://shop.example.com" }, rows: { type: "int", value: 10 } },
      codeVersion: "3",
      stepKey: "sales/orders",
      multiAsset: null,
      graphAsset: null,
      ioManagerKey: "io_manager",
      partitions: null,
      backfillPolicy: null,
      partitionMappings: {},
      freshness: null,
      automation: null,
    });
    expect(manifest.assets.find((a) => a.key === "report")).toMatchObject({
      deps: ["finance/ledger", "sales/large"],
      stepKey: "report.clean",
      graphAsset: "report",
      group: "default",
    });
    expect(manifest.assets.find((a) => a.key === "small")).toMatchObject({
      deps: ["sales/orders"],
      multiAsset: { name: "split", canSubset: true },
    });
    expect(manifest.steps.find((s) => s.key === "sales/orders")).toEqual({
      key: "sales/orders",
      kind: "asset",
      inputs: [],
      outputs: [{ name: "result", assetKey: "sales/orders" }],
      retryPolicy: { maxRetries: 2, delay: 500, backoff: "exponential", jitter: "full" },
      deps: [],
      externalInputs: [],
      canSubset: false,
      graph: null,
      requiredResourceKeys: ["warehouse"],
    });
    expect(manifest.steps.find((s) => s.key === "split")).toMatchObject({
      kind: "multi_asset",
      inputs: [{ name: "orders", stepKey: "sales/orders", output: "result", assetKey: "sales/orders" }],
      outputs: [
        { name: "small", assetKey: "small" },
        { name: "large", assetKey: "sales/large" },
      ],
      canSubset: true,
    });
    expect(manifest.steps.find((s) => s.key === "remote")?.externalInputs).toEqual([{ name: "ledger", assetKey: "finance/ledger" }]);
  });

  it("hashes equal definitions equally, whatever order they are listed in", () => {
    const [orders, split, report, remote] = build();
    const forward = new Definitions({ assets: [orders, split, report, remote], resources }).manifest();
    const backward = new Definitions({ assets: [remote, report, split, orders], resources }).manifest();
    const rebuilt = new Definitions({ assets: build(), resources }).manifest();

    expect(forward.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(backward.hash).toBe(forward.hash);
    expect(rebuilt.hash).toBe(forward.hash);
    expect(backward.manifest).toEqual(forward.manifest);
  });

  it("changes the hash when anything the server sees changes", () => {
    const base = new Definitions({ assets: [asset("a", { codeVersion: "1" }, () => 1)] }).manifest().hash;
    const bumped = new Definitions({ assets: [asset("a", { codeVersion: "2" }, () => 1)] }).manifest().hash;
    expect(bumped).not.toBe(base);
  });

  it("hashes the same until the contract changes, so an upgraded location is not uploaded again", () => {
    // Pinned when version 7 made the canonical form compact (before: 48389735…, the hash of
    // every version since the manifest was built through JSON.parse(JSON.stringify(...))).
    expect(new Definitions(richAssets()).hash).toBe("d3ee8f4a5d4ade3a704d411820d6b92ebf939ef846ca367442ab986c3660d3e7");
  });

  it("lists every object's keys in canonical order, and hash is manifest().hash", () => {
    const defs = new Definitions(richAssets());
    const { manifest, hash } = defs.manifest();
    expect(JSON.stringify(manifest)).toBe(canonicalJson(manifest));
    expect(defs.hash).toBe(hash);
  });

  it("keeps the text it hashed, and reads its items' digests off it as the items hash one by one", () => {
    const defs = new Definitions(richAssets());
    const { manifest, digests } = defs.manifest();
    expect(defs.manifestText).toBe(manifestCanonicalJson(manifest));
    expect(createHash("sha256").update(defs.manifestText).digest("hex")).toBe(defs.hash);
    expect(digests).toEqual(manifestHashAndDigests(manifest).digests);
    expect(defs.digests).toBe(digests);
    expect(digests.assets!.length).toBe(manifest.assets.length * DIGEST_LENGTH);
  });

  it("writes its text compact: no field at its default, and the schema reads the whole manifest back", () => {
    const defs = new Definitions(richAssets());
    const { manifest } = defs.manifest();
    const sent = JSON.parse(defs.manifestText) as { assets: Record<string, unknown>[]; steps: Record<string, unknown>[] };
    const plain = sent.assets.find((a) => a.key === "graphed")!;
    expect(Object.keys(plain)).toEqual(["deps", "graphAsset", "group", "ioManagerKey", "key", "stepKey"]);
    expect(sent.steps.find((s) => s.key === "split")).toEqual({
      canSubset: true,
      key: "split",
      kind: "multi_asset",
      outputs: [
        { assetKey: "one", name: "one" },
        { assetKey: "two", name: "two" },
      ],
    });
    // Only assets and steps leave defaults out: a check writes its `description: null`.
    expect(JSON.stringify([sent.assets, sent.steps])).not.toMatch(
      /"(description|codeVersion|graph|retryPolicy)":null|"(owners|kinds|inputs)":\[\]|"tags":\{\}/,
    );
    expect(manifestSchema.parse(sent)).toEqual(manifest);
    // Written out whole, the same manifest has the same hash.
    expect(manifestHashAndDigests(manifest).hash).toBe(defs.hash);
    expect(canonicalJson(manifest).length).toBeGreaterThan(defs.manifestText.length);
  });

  it("compacts its assets and steps field by field exactly as the protocol's generic copy does", () => {
    const rich = richAssets();
    const events = rich.assets[0]!;
    // Beside them, what they leave at its default everywhere: a backfill policy, a step's
    // lineage-only dep, a required resource.
    const extra = asset(
      "filled",
      {
        partitions: dailyPartitions({ start: "2026-01-01" }),
        backfillPolicy: singleRun(),
        deps: [events],
        resources: { warehouse: requiredResource() },
      },
      () => 1,
    );
    const { manifest } = new Definitions({ ...rich, assets: [...rich.assets, extra], resources }).manifest();
    // The keys compactAsset and compactStep handle are those every item is built with: a field
    // added to manifestAsset or manifestStep must be added there too (else the generic copy runs).
    expect(Object.keys(manifest.assets[0]!).join()).toBe(ASSET_KEYS);
    expect(Object.keys(manifest.steps[0]!).join()).toBe(STEP_KEYS);
    const compact = compactBuiltManifest(manifest) as { assets: object[]; steps: object[] };
    expect(compact.assets).not.toBe(manifest.assets);
    expect(JSON.stringify(compact.assets)).toBe(JSON.stringify(manifest.assets.map((a) => compactManifestItem("assets", a))));
    expect(JSON.stringify(compact.steps)).toBe(JSON.stringify(manifest.steps.map((a) => compactManifestItem("steps", a))));
    // Every field left out at its default is, in these definitions, both left out and written.
    const uncovered = (["assets", "steps"] as const).flatMap((list) =>
      Object.keys(FIELDS_OMITTED_AT_DEFAULT[list]).flatMap((field) => {
        const written = compact[list].filter((item) => field in item).length;
        return written > 0 && written < compact[list].length ? [] : [`${list}.${field}`];
      }),
    );
    expect(uncovered).toEqual([]);
    // Items of another shape are left whole, for the generic copy.
    const other = { ...manifest, assets: manifest.assets.map((a) => ({ ...a, extra: 1 })) };
    expect((compactBuiltManifest(other) as { assets: object[] }).assets).toBe(other.assets);
  });

  it("is plain JSON, and a fresh copy each time", () => {
    const defs = new Definitions({ assets: build(), resources });
    const first = defs.manifest().manifest;
    first.assets.length = 0;
    const second = defs.manifest().manifest;

    expect(second.assets).toHaveLength(5);
    expect(JSON.parse(JSON.stringify(second))).toEqual(second);
  });
});

describe("canonical JSON", () => {
  it("sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});
