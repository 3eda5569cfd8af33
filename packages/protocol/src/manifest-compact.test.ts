import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { compactManifest, compactManifestItem, manifestCanonicalJson } from "./manifest-compact.js";
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
