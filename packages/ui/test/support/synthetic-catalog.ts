import { manifestHash } from "@strata/server";
import { syntheticManifest } from "../../../../bench/catalog-fixture.js";

/**
 * A synthetic location of `count` assets `<location>/asset_<n>`: the bench's catalog fixture
 * (bench/catalog-fixture.ts: each asset depending on up to three of the previous 50, with groups,
 * owners, tags, kinds and a description), built in linear time for 10,000-asset locations
 * (`manifestOf` is meant for a handful of assets). `shape` replaces the groups and the
 * dependencies (indexes of earlier assets; `deps` is called once per asset, in order).
 */
export function syntheticLocation(location: string, count: number, shape: { group?(n: number): string; deps?(n: number): number[] } = {}) {
  const { manifest, hash } = syntheticManifest(location, count);
  if (!shape.group && !shape.deps) return { name: location, manifest, hash };
  const keys = manifest.assets.map((a) => a.key);
  for (const [n, asset] of manifest.assets.entries()) {
    if (shape.group) asset.group = shape.group(n);
    if (!shape.deps) continue;
    asset.deps = [...new Set(shape.deps(n).map((d) => keys[d]!))].sort();
    manifest.steps[n]!.deps = asset.deps.map((d) => ({ stepKey: d.replaceAll("/", "__"), output: "result", assetKey: d }));
  }
  return { name: location, manifest, hash: manifestHash(manifest) };
}
