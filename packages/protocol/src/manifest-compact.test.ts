import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { compactManifest, compactManifestItem, FIELDS_OMITTED_AT_DEFAULT, manifestCanonicalJson } from "./manifest-compact.js";
import { manifestDelta } from "./manifest-delta.js";
import { manifestHash, manifestHashAndDigests, manifestTextAndHash, manifestTextDigests } from "./hash.js";
import { manifestSchema } from "./manifest.js";

const whole = (key: string, deps: string[] = []) => ({
  automation: null,
  backfillPolicy: null,
  codeVersion: null,
  deps,
  description: null,
  freshness: null,
  graphAsset: null,
  group: "default",
  ioManagerKey: "io_manager",
  key,
  kinds: [],
  metadata: {},
  multiAsset: null,
  owners: [],
  partitionMappings: {},
  partitions: null,
  stepKey: key,
  tags: {},
});

const step = (key: string) => ({
  canSubset: false,
  deps: [],
  externalInputs: [],
  graph: null,
  inputs: [],
  key,
  kind: "asset",
  outputs: [{ assetKey: key, name: "result" }],
  requiredResourceKeys: [],
  retryPolicy: null,
});

const manifestOf = (version: number) => ({
  assets: [whole("a"), { ...whole("b", ["a"]), description: "", tags: { team: "x" }, owners: ["team:x"] }],
  checks: [{ assetKey: "a", blocking: false, description: null, key: "a#c", name: "c", stepKey: "a#c" }],
  manifestVersion: version,
  steps: [step("a"), { ...step("b"), retryPolicy: { backoff: "constant", delay: 0, jitter: "none", maxRetries: 1 } }],
});

describe("the compact manifest (version 7)", () => {
  it("leaves out an asset's and a step's fields at their defaults, and nothing else", () => {
    const compact = compactManifest(manifestOf(7)) as ReturnType<typeof manifestOf>;
    expect(compact.assets[0]).toEqual({ group: "default", ioManagerKey: "io_manager", key: "a", stepKey: "a" });
    // An empty string, a record with keys, a non-empty list: not defaults.
    expect(compact.assets[1]).toEqual({
      deps: ["a"],
      description: "",
      group: "default",
      ioManagerKey: "io_manager",
      key: "b",
      owners: ["team:x"],
      stepKey: "b",
      tags: { team: "x" },
    });
    expect(compact.steps[0]).toEqual({ key: "a", kind: "asset", outputs: [{ assetKey: "a", name: "result" }] });
    expect(compact.steps[1]!.retryPolicy).toEqual({ backoff: "constant", delay: 0, jitter: "none", maxRetries: 1 });
    // A check writes every field: its lists are not compacted.
    expect(compact.checks).toEqual(manifestOf(7).checks);
  });

  it("parses back to the whole manifest, and hashes the same written whole or compact", () => {
    const full = manifestOf(7);
    const compact = compactManifest(full);
    expect(manifestSchema.parse(JSON.parse(canonicalJson(compact)))).toEqual(manifestSchema.parse(full));
    expect(manifestHash(full)).toBe(manifestHash(compact));
    expect(manifestCanonicalJson(full)).toBe(canonicalJson(compact));
    const { text, hash } = manifestTextAndHash(full);
    expect(text).toBe(canonicalJson(compact));
    expect(hash).toBe(manifestHash(full));
    expect(manifestHashAndDigests(full)).toEqual({ hash, digests: manifestTextDigests(text) });
    expect(manifestHashAndDigests(compact)).toEqual(manifestHashAndDigests(full));
  });

  it("keeps a compact manifest, and an earlier version's, as they are (no copy)", () => {
    const compact = compactManifest(manifestOf(7));
    expect(compactManifest(compact)).toBe(compact);
    const six = manifestOf(6);
    expect(compactManifest(six)).toBe(six);
    expect(manifestCanonicalJson(six)).toBe(canonicalJson(six));
    const item = { key: "a", group: "default" };
    expect(compactManifestItem("assets", item)).toBe(item);
    const check = { description: null, key: "a#c" };
    expect(compactManifestItem("checks", check)).toBe(check);
  });

  it("leaves out exactly the listed fields at their defaults, whatever else an item holds, in the item's key order", () => {
    // The reference: key by key, from the contract's list.
    const reference = (list: "assets" | "steps", item: Record<string, unknown>) => {
      const omitted: Record<string, unknown> = FIELDS_OMITTED_AT_DEFAULT[list];
      const empty = (value: unknown, kind: unknown) =>
        kind === "list"
          ? Array.isArray(value) && value.length === 0
          : kind === "record"
            ? value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0
            : value === kind;
      return Object.fromEntries(Object.entries(item).filter(([key, value]) => !(key in omitted && empty(value, omitted[key]))));
    };
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [null, false, true, [], ["x"], {}, { a: 1 }, "", "text", 0, undefined];
    for (const [list, sample] of [
      ["assets", whole("a")],
      ["steps", step("a")],
    ] as const) {
      for (let i = 0; i < 500; i++) {
        const item: Record<string, unknown> = {};
        for (const key of Object.keys(sample)) if (random() < 0.85) item[key] = values[Math.floor(random() * values.length)];
        if (random() < 0.2) item.addedByANewerSender = values[Math.floor(random() * values.length)];
        const compact = compactManifestItem(list, item) as Record<string, unknown>;
        expect(compact).toEqual(reference(list, item));
        expect(Object.keys(compact)).toEqual(Object.keys(reference(list, item)));
      }
    }
  });

  it("sends a delta's new items compact", () => {
    const base = manifestOf(7);
    const next = { ...base, assets: [...base.assets, whole("c", ["b"])] };
    const { digests } = manifestHashAndDigests(base);
    const found = manifestDelta(next, manifestHashAndDigests(next).digests, { hash: manifestHash(base), digests });
    expect(found?.sent).toBe(1);
    expect(found?.delta.manifest.assets).toEqual([
      [0, 2],
      { deps: ["b"], group: "default", ioManagerKey: "io_manager", key: "c", stepKey: "c" },
    ]);
  });
});
