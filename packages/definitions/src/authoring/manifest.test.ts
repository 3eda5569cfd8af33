import { describe, expect, it } from "vitest";
import { AssetIn } from "./asset-in.js";
import { AssetOut } from "./asset-out.js";
import { asset } from "./asset.js";
import { canonicalJson } from "@strata/protocol";
import { Definitions } from "./definitions.js";
import { graphAsset } from "./graph-asset.js";
import { MetadataValue } from "./metadata.js";
import { multiAsset } from "./multi-asset.js";
import { op } from "./op.js";
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

describe("the manifest", () => {
  it("describes every asset and step, sorted by key", () => {
    const { manifest } = new Definitions({ assets: build(), resources }).manifest();

    expect(manifest.manifestVersion).toBe(3);
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
