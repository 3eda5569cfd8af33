import { manifestHash } from "@strata/server";

const GROUPS = ["finance", "marketing", "ops", "product", "growth"];
const KINDS = ["postgres", "dbt", "s3", "python"];

/**
 * A synthetic location of `count` assets `<location>/asset_<n>`, each depending on up to three
 * of the previous 50, with groups, owners, tags, kinds and a description: the shape of the
 * bench's catalog fixture (bench/catalog-fixture.ts), built in linear time for 10,000-asset
 * locations (`manifestOf` is meant for a handful of assets). `shape` replaces the groups and
 * the dependencies (indexes of earlier assets).
 */
export function syntheticLocation(location: string, count: number, shape: { group?(n: number): string; deps?(n: number): number[] } = {}) {
  const key = (n: number) => `${location}/asset_${String(n).padStart(6, "0")}`;
  const depsOf = shape.deps ?? ((n: number) => [n - 1, n - 7, n - 50].filter((d) => d >= 0 && n % 3 !== 0));
  const assets = Array.from({ length: count }, (_, n) => ({
    key: key(n),
    deps: [...new Set(depsOf(n).map(key))].sort(),
    group: shape.group?.(n) ?? GROUPS[n % GROUPS.length]!,
    description: `Synthetic ${GROUPS[n % GROUPS.length]} table number ${n} of ${location}`,
    owners: [`team:${GROUPS[(n >> 2) % GROUPS.length]}`],
    tags: { tier: n % 10 === 0 ? "gold" : "bronze", domain: location },
    kinds: [KINDS[n % KINDS.length]!],
    metadata: { rows: { type: "int", value: n * 10 } },
    codeVersion: "1",
    stepKey: key(n).replaceAll("/", "__"),
    multiAsset: null,
    graphAsset: null,
    ioManagerKey: "io_manager",
  }));
  const manifest = {
    manifestVersion: 1,
    assets,
    steps: assets.map((a) => ({
      key: a.stepKey,
      kind: "asset",
      inputs: [],
      outputs: [{ name: "result", assetKey: a.key }],
      retryPolicy: null,
      deps: a.deps.map((d) => ({ stepKey: d.replaceAll("/", "__"), output: "result", assetKey: d })),
      externalInputs: [],
      canSubset: true,
      graph: null,
      requiredResourceKeys: [],
    })),
  };
  return { name: location, manifest, hash: manifestHash(manifest) };
}
