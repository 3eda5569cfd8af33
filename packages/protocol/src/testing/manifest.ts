import type { ManifestAsset } from "../manifest.js";

/** A manifest asset with every attribute at its default, as a test's starting point. */
export function assetFixture(key: string, deps: string[] = [], extra: Partial<ManifestAsset> = {}) {
  return {
    key,
    deps,
    group: "default",
    description: null,
    owners: [],
    tags: {},
    kinds: [],
    metadata: {},
    codeVersion: null,
    stepKey: key,
    multiAsset: null,
    graphAsset: null,
    ioManagerKey: "io_manager",
    ...extra,
  };
}
