import { manifestHash } from "../../src/catalog/manifest.js";
import { type FixtureAsset, manifestOf } from "../../src/testing/manifests.js";

/**
 * A manifest of these fixture assets, as manifestOf builds it, with the top-level lists of a
 * later manifest version (`schedules`, `sensors`) at `manifestVersion`, and its hash: what the
 * schedule and sensor tests register.
 *
 * @example
 * manifestWith([{ key: "a" }], 4, { schedules: [{ name: "nightly", cron: "0 2 * * *", targets: ["a"], ... }] });
 */
export function manifestWith(assets: FixtureAsset[], manifestVersion: number, lists: Record<string, unknown>) {
  const { manifest } = manifestOf(assets);
  const extended = { ...manifest, manifestVersion, ...lists };
  return { manifest: extended, hash: manifestHash(extended) };
}
