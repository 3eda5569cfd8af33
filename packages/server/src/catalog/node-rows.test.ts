import { hash } from "node:crypto";
import { type ManifestAsset, manifestItemSchemas } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { FINGERPRINT_VERSION, type NodeRow, nodeRows, sameFingerprint } from "./node-rows.js";

const entry = (fields: Record<string, unknown>): ManifestAsset =>
  manifestItemSchemas.assets.parse({
    group: "sales",
    ioManagerKey: "io_manager",
    stepKey: "sales__orders",
    key: "sales/orders",
    ...fields,
  });

const rowOf = async (a: ManifestAsset): Promise<NodeRow> => (await nodeRows([a], async () => {}))[0]!;

/** How fingerprints were computed before version 2 (no prefix): what rows registered then hold. */
const legacyFingerprint = (node: NodeRow) =>
  hash("sha256", `[${JSON.stringify(node.row)},${JSON.stringify(node.deps)},${JSON.stringify(node.asset)}]`, "base64url");

describe("an asset's row and fingerprint (node-rows.ts)", () => {
  const orders = entry({
    deps: ["raw/orders", "raw/customers", "raw/orders"],
    description: "Orders, one row each",
    owners: ["team:sales"],
    tags: { tier: "gold" },
    kinds: ["postgres"],
    metadata: { docs: { type: "url", value: "https://example.com/Orders" }, rows: { type: "int", value: 3 } },
    codeVersion: "v1",
  });

  it("builds the row registration writes from the manifest entry alone", async () => {
    // The fingerprint hashes the entry, not this row: a change to how the row is built from an
    // entry must raise FINGERPRINT_VERSION (so that stored rows are written again), then this.
    expect(FINGERPRINT_VERSION).toBe(2);
    const node = await rowOf(orders);
    expect(node.deps).toEqual(["raw/customers", "raw/orders"]);
    expect(node.row).toEqual({
      key: "sales/orders",
      group: "sales",
      description: "Orders, one row each",
      owners: ["team:sales"],
      tags: { tier: "gold" },
      tag_pairs: ["tier=gold"],
      kinds: ["postgres"],
      metadata: { docs: { type: "url", value: "https://example.com/Orders" }, rows: { type: "int", value: 3 } },
      code_version: "v1",
      step_key: "sales__orders",
      multi_asset: null,
      partitions: null,
      backfill_policy: null,
      partition_mappings: {},
      subsettable: true,
      search_text: "sales/orders\norders, one row each\ndocs https://example.com/orders",
    });
  });

  it("fingerprints the entry, versioned: equal entries match, any change to the entry does not", async () => {
    const node = await rowOf(orders);
    expect(node.fingerprint).toMatch(/^2\.[A-Za-z0-9_-]{43}$/);
    expect(sameFingerprint(node.fingerprint, await rowOf(entry({ ...orders })))).toBe(true);
    // A field the row does not hold still counts: readers find it through the row's version.
    const automated = await rowOf(entry({ ...orders, automation: { op: "missing" } }));
    expect(automated.row).toEqual(node.row);
    expect(sameFingerprint(node.fingerprint, automated)).toBe(false);
    expect(sameFingerprint(node.fingerprint, await rowOf(entry({ ...orders, deps: ["raw/orders"] })))).toBe(false);
    expect(sameFingerprint(null, node)).toBe(false);
    expect(sameFingerprint(undefined, node)).toBe(false);
  });

  it("recognises a fingerprint stored before version 2, so that an upgrade rewrites no unchanged asset", async () => {
    const node = await rowOf(orders);
    const stored = legacyFingerprint(node);
    expect(sameFingerprint(stored, node)).toBe(true);
    expect(sameFingerprint(stored, await rowOf(entry({ ...orders, description: "Orders" })))).toBe(false);
    // A version-2 fingerprint is never compared the old way, nor the other way round.
    expect(sameFingerprint(`2.${stored}`, node)).toBe(false);
    expect(sameFingerprint(node.fingerprint.slice(2), node)).toBe(false);
  });
});
